"""Replicate adapter against its fake: Prefer: wait, output shapes, data_removed, list reconcile."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pipeline.providers import replicate
from pipeline.providers._http import HttpAdapter
from pipeline.providers.base import (
    Capability,
    GenRequest,
    ProviderState,
    RateLimited,
    ResultExpired,
    SubmitOutcomeUnknown,
)
from tests.fakes.base import Fault
from tests.fakes.contract import FAST, KEY, ContractSuite, fetch_all, run_to_end
from tests.fakes.media import image_png
from tests.fakes.replicate import ReplicateFake


def _request(prompt: str = "a paper boat in the rain", seed: int = 3) -> GenRequest:
    return GenRequest(
        Capability.IMAGE_TO_VIDEO,
        prompt,
        duration_s=2,
        fps=16,
        seed=seed,
        inputs={"image": "https://example.com/boat.png"},
    )


class TestReplicateContract(ContractSuite):
    fake_cls = ReplicateFake
    adapter_cls = replicate.ReplicateAdapter
    reconcile_kind = "list"

    def request(self) -> GenRequest:
        return _request()

    def make_adapter(self, base_url: str, key: str = KEY, **kwargs: object) -> HttpAdapter:
        # Prefer: wait=N lengthens the submit's read timeout by N: keep the timeout cases short.
        return super().make_adapter(base_url, key, prefer_wait_s=0, **kwargs)


def _adapter(fake: ReplicateFake, wait: int = 0) -> replicate.ReplicateAdapter:
    return replicate.ReplicateAdapter(
        KEY, base_url=fake.base_url, timeouts=FAST, prefer_wait_s=wait
    )


async def test_prefer_wait_returns_a_finished_prediction_at_once() -> None:
    async with ReplicateFake(api_key=KEY) as fake:
        fake.steps = 0  # the model finishes within the wait
        adapter = _adapter(fake, wait=5)
        sub = await adapter.submit(_request(), "job-1")
        assert sub.immediate is not None and sub.immediate.state is ProviderState.SUCCEEDED
        data = await fetch_all(adapter, sub.immediate.output_urls[0])
        await adapter.aclose()
    assert fake.requests_to("/v1/models/wan-video/wan-2.2-i2v-fast/predictions", "POST")
    assert fake.seen[0].headers["Prefer"] == "wait=5"
    assert hashlib.sha256(data).hexdigest() == fake.media_sha256


async def test_prefer_wait_still_running_is_polled_through_urls_get() -> None:
    async with ReplicateFake(api_key=KEY) as fake:
        adapter = _adapter(fake, wait=5)
        sub = await adapter.submit(_request(), "job-1")
        assert sub.immediate is None
        assert sub.handle["get_url"] == f"{fake.origin}/v1/predictions/{sub.provider_job_id}"
        final, _ = await run_to_end(adapter, sub.handle)
        await adapter.aclose()
    assert final.state is ProviderState.SUCCEEDED


async def test_output_as_a_list() -> None:
    async with ReplicateFake(api_key=KEY) as fake:
        fake.output_as_list = True
        adapter = _adapter(fake)
        sub = await adapter.submit(_request(), "job-1")
        final, _ = await run_to_end(adapter, sub.handle)
        await adapter.aclose()
    assert final.output_urls == (fake.file_url(fake.jobs[sub.provider_job_id]),)


async def test_data_removed_is_result_expired() -> None:
    async with ReplicateFake(api_key=KEY) as fake:
        fake.data_removed = True
        adapter = _adapter(fake)
        sub = await adapter.submit(_request(), "job-1")
        with pytest.raises(ResultExpired) as err:
            await run_to_end(adapter, sub.handle)
        await adapter.aclose()
    assert err.value.code == "data_removed"


async def test_throttle_text_gives_the_wait() -> None:
    async with ReplicateFake(api_key=KEY) as fake:
        fake.throttle_detail = "Request was throttled. Your rate limit resets in ~30s."
        fake.submit_faults = [Fault.RATE_LIMIT_BARE]
        adapter = _adapter(fake)
        with pytest.raises(RateLimited) as err:
            await adapter.submit(_request(), "job-1")
        await adapter.aclose()
    assert err.value.retry_after_s == 30


async def test_reconcile_walks_pages_and_tells_seeds_apart() -> None:
    async with ReplicateFake(api_key=KEY) as fake:
        adapter = _adapter(fake)
        fake.submit_faults = [Fault.HANG_AFTER]
        with pytest.raises(SubmitOutcomeUnknown):
            await adapter.submit(_request(seed=11), "ours")
        for seed in range(20, 25):  # newer takes of the same shot, other seeds
            await adapter.submit(_request(seed=seed), f"take-{seed}")
        found = await adapter.reconcile("ours", _request(seed=11))
        await adapter.aclose()
    assert found is not None
    assert fake.jobs[found.provider_job_id].body["input"]["seed"] == 11
    assert len(fake.requests_to("/v1/predictions?cursor=", "GET")) >= 2


async def test_reconcile_when_inline_files_come_back_as_urls(tmp_path: Path) -> None:
    still = tmp_path / "boat"
    still.write_bytes(image_png())
    req = GenRequest(Capability.IMAGE_TO_VIDEO, "boat", seed=5, inputs={"image": str(still)})
    async with ReplicateFake(api_key=KEY) as fake:
        fake.rehost_inputs = True
        fake.submit_faults = [Fault.ERROR_AFTER]
        adapter = _adapter(fake)
        with pytest.raises(SubmitOutcomeUnknown):
            await adapter.submit(req, "ours")
        found = await adapter.reconcile("ours", req)
        await adapter.aclose()
    assert found is not None and found.provider_job_id == next(iter(fake.jobs))


async def test_cancel_posts_to_urls_cancel() -> None:
    async with ReplicateFake(api_key=KEY) as fake:
        fake.steps = 5
        adapter = _adapter(fake)
        sub = await adapter.submit(_request(), "job-1")
        await adapter.cancel(sub.handle)
        after = await adapter.poll(sub.handle)
        await adapter.aclose()
    assert after.state is ProviderState.CANCELLED


def test_registry_names() -> None:
    assert replicate.NAME == "replicate"
    assert replicate.PROVIDER_CLASS is replicate.ReplicateAdapter
