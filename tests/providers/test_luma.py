"""Luma adapter against its fake: generations, states, list-based reconcile."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from pipeline.providers import luma
from pipeline.providers.base import (
    Capability,
    GenRequest,
    ProviderState,
    Refused,
    SubmitOutcomeUnknown,
)
from storage.media import LocalMediaStore
from storage.media.links import MediaLinks
from tests.fakes.base import Fault
from tests.fakes.contract import FAST, KEY, ContractSuite, run_to_end
from tests.fakes.luma import LumaFake
from tests.fakes.media import image_png
from tests.providers.media_links import SECRET, published


def _request(prompt: str = "the lighthouse beam sweeps across the ocean") -> GenRequest:
    return GenRequest(
        Capability.IMAGE_TO_VIDEO,
        prompt,
        duration_s=5,
        width=720,
        height=1280,
        inputs={"image": "https://example.com/first.jpg"},
    )


class TestLumaContract(ContractSuite):
    fake_cls = LumaFake
    adapter_cls = luma.LumaAdapter
    reconcile_kind = "list"

    def request(self) -> GenRequest:
        return _request()


async def test_body_matches_the_documented_shape() -> None:
    async with LumaFake(api_key=KEY) as fake:
        adapter = luma.LumaAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        await adapter.submit(_request(), "job-1")
        await adapter.aclose()
    assert fake.requests_to("/generations/video", "POST")
    body = next(iter(fake.jobs.values())).body
    assert body == {
        "model": "ray-2",
        "prompt": "the lighthouse beam sweeps across the ocean",
        "aspect_ratio": "9:16",
        "duration": "5s",
        "resolution": "720p",
        "loop": False,
        "keyframes": {"frame0": {"type": "image", "url": "https://example.com/first.jpg"}},
    }


async def test_local_keyframe_is_refused_before_sending(tmp_path: object) -> None:
    """Links not configured: the refusal says which settings would make it work."""
    async with LumaFake(api_key=KEY) as fake:
        adapter = luma.LumaAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        req = GenRequest(Capability.IMAGE_TO_VIDEO, "x", inputs={"image": "/tmp/first.png"})
        with pytest.raises(Refused) as err:
            await adapter.submit(req, "job-1")
        await adapter.aclose()
    assert err.value.code == "input_needs_url" and not fake.seen
    assert "DAILIES_MEDIA__PUBLIC_BASE_URL" in str(err.value)


def _from_store(path: str, last: str | None = None) -> GenRequest:
    inputs = {"image": path} | ({"last_image": last} if last else {})
    return GenRequest(Capability.IMAGE_TO_VIDEO, "the pier at dawn", duration_s=5,
                      inputs=inputs)  # fmt: skip


async def test_image_to_video_from_the_media_store_through_a_signed_link(tmp_path: Path) -> None:
    """A reference picture in our store: Luma gets a signed link, reads it (HEAD, then GET),
    receives exactly our bytes, and the generation completes."""
    async with published(tmp_path / "media") as world, LumaFake(api_key=KEY) as fake:
        sha, path = await world.put(image_png())
        last_sha, last = await world.put(image_png()[:-1] + b"\x00")
        adapter = luma.LumaAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        adapter.use_links(world.links)
        sub = await adapter.submit(_from_store(path, last), "job-1")
        final, _ = await run_to_end(adapter, sub.handle)
        video = b"".join([c async for c in adapter.fetch(final.output_urls[0])])
        await adapter.aclose()
    assert final.state is ProviderState.SUCCEEDED and video == fake.media
    frames = fake.jobs[sub.provider_job_id].body["keyframes"]
    assert frames["frame0"]["url"].startswith(f"{world.links.base_url}/media/{sha}.png?exp=")
    assert f"/media/{last_sha}.png?" in frames["frame1"]["url"]
    assert [(f.method, f.status) for f in fake.fetched] == [("HEAD", 200), ("GET", 200)] * 2
    head, get = fake.fetched[:2]
    assert head.content_type == "image/png" and head.content_length == len(image_png())
    assert get.sha256 == sha == hashlib.sha256(image_png()).hexdigest()


@pytest.mark.parametrize("broken", ["expired", "forged", "missing"])
async def test_a_link_luma_cannot_read_fails_the_generation(tmp_path: Path, broken: str) -> None:
    async with published(tmp_path / "media") as world, LumaFake(api_key=KEY) as fake:
        base = world.links.base_url
        _, path = await world.put(image_png())
        if broken == "expired":  # made an hour ago with a one-minute life
            links = MediaLinks(base, SECRET, ttl_s=60, clock=lambda: time.time() - 3600)
        elif broken == "forged":
            links = MediaLinks(base, "a-secret-that-is-not-ours-42")
        else:  # a file of another store than the one the link server reads
            links = world.links
            other = LocalMediaStore(tmp_path / "other")
            path = str(await other.local_path((await other.put_bytes(image_png() + b"!")).sha256))
        adapter = luma.LumaAdapter(KEY, base_url=fake.base_url, timeouts=FAST).use_links(links)
        sub = await adapter.submit(_from_store(path), "job-1")
        final, _ = await run_to_end(adapter, sub.handle)
        await adapter.aclose()
    status = 404 if broken == "missing" else 403
    assert final.state is ProviderState.FAILED and f"HTTP {status}" in final.error_message
    assert [(f.method, f.status) for f in fake.fetched] == [("HEAD", status)]


async def test_a_file_outside_the_store_is_refused_with_links_on(tmp_path: Path) -> None:
    async with published(tmp_path / "media") as world, LumaFake(api_key=KEY) as fake:
        outside = tmp_path / "first.png"
        outside.write_bytes(image_png())
        adapter = luma.LumaAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        with pytest.raises(Refused) as err:
            await adapter.use_links(world.links).submit(_from_store(str(outside)), "job-1")
        await adapter.aclose()
    assert err.value.code == "input_needs_url" and "media store" in str(err.value)
    assert not fake.seen


async def test_reconcile_finds_a_generation_sent_with_an_older_link(tmp_path: Path) -> None:
    """The lost submit's link and the reconcile's differ in exp/sig; the content is the same."""
    async with published(tmp_path / "media") as world, LumaFake(api_key=KEY) as fake:
        _, path = await world.put(image_png())
        then = MediaLinks(world.links.base_url, SECRET, clock=lambda: time.time() - 1800)
        adapter = luma.LumaAdapter(KEY, base_url=fake.base_url, timeouts=FAST).use_links(then)
        fake.submit_faults = [Fault.HANG_AFTER]
        with pytest.raises(SubmitOutcomeUnknown):
            await adapter.submit(_from_store(path), "ours")
        adapter.use_links(world.links)
        found = await adapter.reconcile("ours", _from_store(path))
        await adapter.aclose()
    assert found is not None and fake.jobs_created == 1
    assert found.provider_job_id == next(iter(fake.jobs))


async def test_reconcile_finds_ours_among_other_generations() -> None:
    """Other jobs (other prompts) sit in the list around ours; pagination is walked."""
    async with LumaFake(api_key=KEY) as fake:
        adapter = luma.LumaAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        for i in range(3):
            await adapter.submit(_request(f"another shot {i}"), f"other-{i}")
        fake.submit_faults = [Fault.HANG_AFTER]
        with pytest.raises(SubmitOutcomeUnknown):
            await adapter.submit(_request("our shot"), "ours")
        for i in range(3, 5):
            await adapter.submit(_request(f"another shot {i}"), f"other-{i}")
        found = await adapter.reconcile("ours", _request("our shot"))
        assert found is not None
        assert fake.jobs[found.provider_job_id].body["prompt"] == "our shot"
        final, _ = await run_to_end(adapter, found.handle)
        await adapter.aclose()
    assert final.state is ProviderState.SUCCEEDED and fake.duplicate_paid_calls() == 0


async def test_reconcile_with_two_identical_requests_is_ambiguous() -> None:
    async with LumaFake(api_key=KEY) as fake:
        adapter = luma.LumaAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        await adapter.submit(_request("same"), "take-1")
        fake.submit_faults = [Fault.ERROR_AFTER]
        with pytest.raises(SubmitOutcomeUnknown):
            await adapter.submit(_request("same"), "take-2")
        assert await adapter.reconcile("take-2", _request("same")) is None
        await adapter.aclose()


async def test_cancel_deletes_the_generation() -> None:
    async with LumaFake(api_key=KEY) as fake:
        adapter = luma.LumaAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        sub = await adapter.submit(_request(), "job-1")
        await adapter.cancel(sub.handle)
        await adapter.cancel(sub.handle)  # twice is harmless
        await adapter.aclose()
    assert fake.jobs[sub.provider_job_id].cancelled


async def test_old_create_path_is_accepted_by_the_fake() -> None:
    import httpx

    async with LumaFake(api_key=KEY) as fake, httpx.AsyncClient() as client:
        resp = await client.post(
            f"{fake.base_url}/generations",
            json={"model": "ray-2", "prompt": "x"},
            headers={"Authorization": f"Bearer {KEY}"},
        )
    assert resp.status_code == 201 and resp.json()["state"] == "queued"


def test_price_per_resolution() -> None:
    adapter = luma.LumaAdapter(KEY)
    assert adapter.price(GenRequest(Capability.TEXT_TO_VIDEO, "x", duration_s=5)) == 71
    hd = GenRequest(Capability.TEXT_TO_VIDEO, "x", duration_s=9, width=1920, height=1080)
    assert adapter.price(hd) == 288  # $2.87 for 9 s of 1080p, rounded up
    seven = GenRequest(Capability.TEXT_TO_VIDEO, "x", duration_s=7)
    assert adapter.price(seven) == 128  # Luma makes (and bills) 9 s
    assert luma.NAME == "luma" and luma.PROVIDER_CLASS is luma.LumaAdapter
