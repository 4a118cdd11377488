"""Sync adapter against its fake: Idempotency-Key makes the unknown submit safe to replay."""

from __future__ import annotations

import pytest

from pipeline.providers import sync
from pipeline.providers.base import (
    Capability,
    GenRequest,
    ProviderState,
    RateLimited,
    Refused,
    SubmitOutcomeUnknown,
)
from tests.fakes.base import Fault
from tests.fakes.contract import FAST, KEY, ContractSuite, run_to_end
from tests.fakes.sync import SyncFake


def _request() -> GenRequest:
    return GenRequest(
        Capability.LIPSYNC,
        "",
        duration_s=4,
        inputs={
            "video": "https://cdn.example.com/clip.mp4",
            "audio": "https://cdn.example.com/v.wav",
        },
    )


class TestSyncContract(ContractSuite):
    fake_cls = SyncFake
    adapter_cls = sync.SyncAdapter
    reconcile_kind = "replay"

    def request(self) -> GenRequest:
        return _request()


async def test_read_timeout_then_replay_by_key_gives_the_same_generation() -> None:
    async with SyncFake(api_key=KEY) as fake:
        fake.submit_faults = [Fault.HANG_AFTER]
        adapter = sync.SyncAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        with pytest.raises(SubmitOutcomeUnknown):
            await adapter.submit(_request(), "job-4711")
        again = await adapter.reconcile("job-4711", _request())
        assert again is not None
        final, _ = await run_to_end(adapter, again.handle)
        await adapter.aclose()
    assert again.provider_job_id == next(iter(fake.jobs))
    assert fake.jobs_created == 1 and fake.replays == 1
    assert [s.headers["Idempotency-Key"] for s in fake.requests_to("/v2/generate", "POST")] == [
        "job-4711",
        "job-4711",
    ]
    assert final.state is ProviderState.SUCCEEDED


async def test_odd_job_keys_become_valid_stable_wire_keys() -> None:
    key = sync.wire_key("guild:42/shot 7#take")
    assert key == sync.wire_key("guild:42/shot 7#take") and key.startswith("dailies-")
    async with SyncFake(api_key=KEY) as fake:
        adapter = sync.SyncAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        sub = await adapter.submit(_request(), "guild:42/shot 7#take")
        await adapter.aclose()
    assert sub.handle["idempotency_key"] == key


async def test_rejected_is_a_refusal() -> None:
    async with SyncFake(api_key=KEY) as fake:
        fake.job_outcome = Fault.REFUSE
        adapter = sync.SyncAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        sub = await adapter.submit(_request(), "k")
        final, _ = await run_to_end(adapter, sub.handle)
        await adapter.aclose()
    assert final.error_code == "refused:content_policy" and final.raw["status"] == "REJECTED"


async def test_concurrency_429_body() -> None:
    async with SyncFake(api_key=KEY) as fake:
        fake.submit_faults = [Fault.RATE_LIMIT_BARE]
        adapter = sync.SyncAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        with pytest.raises(RateLimited) as err:
            await adapter.submit(_request(), "k")
        await adapter.aclose()
    assert err.value.code == "rate_limit_exceeded" and fake.jobs_created == 0


async def test_local_files_are_refused_before_sending() -> None:
    adapter = sync.SyncAdapter(KEY)
    req = GenRequest(Capability.LIPSYNC, "", inputs={"video": "/x.mp4", "audio": "/y.wav"})
    with pytest.raises(Refused):
        await adapter.submit(req, "k")
    await adapter.aclose()
    assert sync.SyncAdapter.idempotent_submit
    assert sync.NAME == "sync" and sync.PROVIDER_CLASS is sync.SyncAdapter
