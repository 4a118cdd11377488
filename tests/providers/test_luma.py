"""Luma adapter against its fake: generations, states, list-based reconcile."""

from __future__ import annotations

import pytest

from pipeline.providers import luma
from pipeline.providers.base import (
    Capability,
    GenRequest,
    ProviderState,
    Refused,
    SubmitOutcomeUnknown,
)
from tests.fakes.base import Fault
from tests.fakes.contract import FAST, KEY, ContractSuite, run_to_end
from tests.fakes.luma import LumaFake


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
    async with LumaFake(api_key=KEY) as fake:
        adapter = luma.LumaAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        req = GenRequest(Capability.IMAGE_TO_VIDEO, "x", inputs={"image": "/tmp/first.png"})
        with pytest.raises(Refused) as err:
            await adapter.submit(req, "job-1")
        await adapter.aclose()
    assert err.value.code == "input_needs_url" and not fake.seen


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
