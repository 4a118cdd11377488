"""Sync adapter against its fake: Idempotency-Key makes the unknown submit safe to replay."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from pathlib import Path

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
from storage.media.links import MediaLinks
from tests.fakes.base import Fault
from tests.fakes.contract import FAST, KEY, ContractSuite, run_to_end
from tests.fakes.media import audio_wav, video_mp4
from tests.fakes.sync import SyncFake
from tests.providers.media_links import SECRET, published


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
    """Links not configured: the refusal is unchanged and names the settings to set."""
    adapter = sync.SyncAdapter(KEY)
    req = GenRequest(Capability.LIPSYNC, "", inputs={"video": "/x.mp4", "audio": "/y.wav"})
    with pytest.raises(Refused) as err:
        await adapter.submit(req, "k")
    await adapter.aclose()
    assert err.value.code == "input_needs_url"
    assert "DAILIES_MEDIA__LINK_SECRET" in str(err.value)
    assert sync.SyncAdapter.idempotent_submit
    assert sync.NAME == "sync" and sync.PROVIDER_CLASS is sync.SyncAdapter


def _lipsync(video: str, audio: str) -> GenRequest:
    return GenRequest(Capability.LIPSYNC, "", duration_s=1, inputs={"video": video, "audio": audio})


async def test_lipsync_of_a_local_take_and_voice_through_signed_links(tmp_path: Path) -> None:
    """The take and the voice line from our store: Sync reads both by their signed links and
    gets exactly our bytes; a replay after a lost answer sends the same links (same step), so
    Sync gives back the first generation instead of a 409 for changed inputs."""
    async with published(tmp_path / "media") as world, SyncFake(api_key=KEY) as fake:
        take_sha, take = await world.put(video_mp4())
        voice_sha, voice = await world.put(audio_wav())
        adapter = sync.SyncAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        adapter.use_links(world.links)
        fake.submit_faults = [Fault.HANG_AFTER]
        with pytest.raises(SubmitOutcomeUnknown):
            await adapter.submit(_lipsync(take, voice), "job-7")
        again = await adapter.reconcile("job-7", _lipsync(take, voice))
        assert again is not None
        final, _ = await run_to_end(adapter, again.handle)
        await adapter.aclose()
    assert final.state is ProviderState.SUCCEEDED
    assert fake.jobs_created == 1 and fake.replays == 1
    sent = {i["type"]: i["url"] for i in fake.jobs[again.provider_job_id].body["input"]}
    assert f"/media/{take_sha}.mp4?exp=" in sent["video"]
    assert f"/media/{voice_sha}.wav?exp=" in sent["audio"]
    heads = {f.url: f for f in fake.fetched if f.method == "HEAD"}
    gets = {f.url: f for f in fake.fetched if f.method == "GET"}
    assert heads[sent["video"]].content_type == "video/mp4"
    assert heads[sent["audio"]].content_length == len(audio_wav())
    assert gets[sent["video"]].sha256 == take_sha == hashlib.sha256(video_mp4()).hexdigest()
    assert gets[sent["audio"]].sha256 == voice_sha


async def test_a_replay_after_the_link_step_turned_sends_the_same_links(tmp_path: Path) -> None:
    """The answer to the submit is lost and the worker dies; another one reconciles twenty
    minutes later, past the link step. The links count from when the job entered `submitting`
    (``links_at``), so the replay carries the same inputs and Sync gives back the first
    generation, where links counted from "now" would differ and earn a 409 (changed inputs)."""
    async with published(tmp_path / "media") as world, SyncFake(api_key=KEY) as fake:
        _, take = await world.put(video_mp4())
        _, voice = await world.put(audio_wav())
        now = [time.time()]
        links = MediaLinks(world.links.base_url, SECRET, clock=lambda: now[0])
        adapter = sync.SyncAdapter(KEY, base_url=fake.base_url, timeouts=FAST).use_links(links)
        request = dataclasses.replace(_lipsync(take, voice), links_at=int(now[0]))
        fake.submit_faults = [Fault.HANG_AFTER]
        with pytest.raises(SubmitOutcomeUnknown):
            await adapter.submit(request, "job-9")
        first_links = await links.link_for_file(take)
        now[0] += 2 * links.step_s
        assert await links.link_for_file(take) != first_links  # "now" has moved on
        again = await adapter.reconcile("job-9", request)
        assert again is not None
        final, _ = await run_to_end(adapter, again.handle)
        await adapter.aclose()
    assert final.state is ProviderState.SUCCEEDED
    assert fake.jobs_created == 1 and fake.replays == 1


async def test_an_expired_link_fails_the_generation_without_retry(tmp_path: Path) -> None:
    async with published(tmp_path / "media") as world, SyncFake(api_key=KEY) as fake:
        _, take = await world.put(video_mp4())
        _, voice = await world.put(audio_wav())
        stale = MediaLinks(world.links.base_url, SECRET, ttl_s=60, clock=lambda: time.time() - 3600)
        adapter = sync.SyncAdapter(KEY, base_url=fake.base_url, timeouts=FAST).use_links(stale)
        sub = await adapter.submit(_lipsync(take, voice), "job-8")
        final, _ = await run_to_end(adapter, sub.handle)
        await adapter.aclose()
    assert final.state is ProviderState.FAILED and not final.retryable
    assert final.error_code == "input_unreachable" and "HTTP 403" in final.error_message
    assert [(f.method, f.status) for f in fake.fetched] == [("HEAD", 403)]
