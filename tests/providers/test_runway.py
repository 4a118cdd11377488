"""Runway adapter against its fake: version header, THROTTLED, SAFETY codes, act_two, cancel."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest

from pipeline.providers import runway
from pipeline.providers.base import Capability, GenRequest, ProviderState, Refused
from tests.fakes.base import Fault
from tests.fakes.contract import FAST, KEY, ContractSuite, run_to_end
from tests.fakes.media import image_png, video_mp4
from tests.fakes.runway import RunwayFake
from tests.fakes.runway_media import acting_mp4


def _request() -> GenRequest:
    return GenRequest(
        Capability.IMAGE_TO_VIDEO,
        "slow dolly in, the subject smiles",
        duration_s=5,
        width=720,
        height=1280,
        seed=42,
        inputs={"image": "https://example.com/first.jpg"},
    )


class TestRunwayContract(ContractSuite):
    fake_cls = RunwayFake
    adapter_cls = runway.RunwayAdapter

    def request(self) -> GenRequest:
        return _request()


async def test_documented_body_and_version_header() -> None:
    async with RunwayFake(api_key=KEY) as fake:
        adapter = runway.RunwayAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        await adapter.submit(_request(), "job-1")
        await adapter.aclose()
    seen = fake.requests_to("/v1/image_to_video", "POST")[0]
    assert seen.headers["X-Runway-Version"] == "2024-11-06"
    assert next(iter(fake.jobs.values())).body == {
        "model": "gen4_turbo",
        "ratio": "720:1280",
        "seed": 42,
        "duration": 5,
        "promptText": "slow dolly in, the subject smiles",
        "promptImage": "https://example.com/first.jpg",
    }


async def test_fake_rejects_a_missing_version_header() -> None:
    async with RunwayFake(api_key=KEY) as fake, httpx.AsyncClient() as client:
        resp = await client.post(
            f"{fake.base_url}/v1/image_to_video",
            json={},
            headers={"Authorization": f"Bearer {KEY}"},
        )
    assert resp.status_code == 400 and "X-Runway-Version" in resp.json()["error"]


async def test_throttled_is_queued_and_running_carries_progress() -> None:
    async with RunwayFake(api_key=KEY) as fake:
        fake.steps = 3
        adapter = runway.RunwayAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        sub = await adapter.submit(_request(), "job-1")
        final, seen = await run_to_end(adapter, sub.handle)
        await adapter.aclose()
    assert seen[0].state is ProviderState.QUEUED and seen[0].raw["status"] == "THROTTLED"
    assert seen[1].state is ProviderState.RUNNING and seen[1].progress == 0.5
    assert final.state is ProviderState.SUCCEEDED


async def test_safety_failure_code_is_kept() -> None:
    async with RunwayFake(api_key=KEY) as fake:
        fake.job_outcome = Fault.REFUSE
        adapter = runway.RunwayAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        sub = await adapter.submit(_request(), "job-1")
        final, _ = await run_to_end(adapter, sub.handle)
        await adapter.aclose()
    assert final.error_code == "refused:SAFETY.INPUT.TEXT" and not final.retryable


async def test_character_performance_drives_a_character_image(tmp_path: Path) -> None:
    """Act-Two: a member's acting video drives the character's reference image."""
    face = tmp_path / "character.png"
    face.write_bytes(image_png())
    async with RunwayFake(api_key=KEY) as fake:
        adapter = runway.RunwayAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        req = GenRequest(
            Capability.PERFORMANCE,
            "",
            duration_s=6,
            inputs={"character": str(face), "video": "https://example.com/acting.mp4"},
        )
        sub = await adapter.submit(req, "job-1")
        final, _ = await run_to_end(adapter, sub.handle)
        assert adapter.price(req) == 30
        await adapter.aclose()
    body = fake.jobs[sub.provider_job_id].body
    assert fake.requests_to("/v1/character_performance", "POST")
    assert body["model"] == "act_two"
    assert body["character"]["type"] == "image"
    assert body["character"]["uri"].startswith("data:image/png;base64,")
    assert body["reference"] == {"type": "video", "uri": "https://example.com/acting.mp4"}
    assert final.state is ProviderState.SUCCEEDED


async def test_a_character_video_is_sent_as_video(tmp_path: Path) -> None:
    clip = tmp_path / "9b1e77"  # no extension: the bytes say it is a video
    clip.write_bytes(video_mp4())
    adapter = runway.RunwayAdapter(KEY)
    req = GenRequest(
        Capability.PERFORMANCE, "", inputs={"character": str(clip), "video": "https://x/acting.mp4"}
    )
    _, body = adapter.endpoint_and_body(req)
    await adapter.aclose()
    assert body["character"]["type"] == "video"
    assert body["character"]["uri"].startswith("data:video/mp4;base64,")


async def test_performance_without_acting_video_is_refused_locally() -> None:
    adapter = runway.RunwayAdapter(KEY)
    with pytest.raises(Refused):
        await adapter.submit(GenRequest(Capability.PERFORMANCE, "", inputs={"character": "x"}), "k")
    await adapter.aclose()


async def test_cancel_is_a_delete_and_the_task_ends_cancelled() -> None:
    async with RunwayFake(api_key=KEY) as fake:
        fake.steps = 5
        adapter = runway.RunwayAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        sub = await adapter.submit(_request(), "job-1")
        await adapter.poll(sub.handle)
        await adapter.cancel(sub.handle)
        after = await adapter.poll(sub.handle)
        await adapter.aclose()
    assert fake.requests_to(f"/v1/tasks/{sub.provider_job_id}", "DELETE")
    assert after.state is ProviderState.CANCELLED


def test_canceled_spelling_is_accepted() -> None:
    assert runway._STATES["CANCELED"] is ProviderState.CANCELLED
    assert runway.NAME == "runway" and runway.PROVIDER_CLASS is runway.RunwayAdapter


async def test_an_uploaded_acting_video_goes_as_a_data_uri_and_the_fake_checks_it(
    tmp_path: Path,
) -> None:
    """act_two with both inputs local: the fake decodes exactly our bytes and probes 3.5 s."""
    face, acting = tmp_path / "face", tmp_path / "acting"
    face.write_bytes(image_png())
    acting.write_bytes(acting_mp4(3.5))
    async with RunwayFake(api_key=KEY) as fake:
        adapter = runway.RunwayAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        req = GenRequest(
            Capability.PERFORMANCE,
            "",
            duration_s=3.5,
            inputs={"character": str(face), "video": str(acting)},
        )
        sub = await adapter.submit(req, "job-1")
        final, _ = await run_to_end(adapter, sub.handle)
        await adapter.aclose()
    job = fake.jobs[sub.provider_job_id]
    assert job.extra["inputs"]["character"] == ("image/png", image_png())
    assert job.extra["inputs"]["reference"] == ("video/mp4", acting_mp4(3.5))
    assert job.body["reference"]["type"] == "video" and final.state is ProviderState.SUCCEEDED


async def test_the_fake_refuses_what_runway_would(tmp_path: Path) -> None:
    """A reference under 3 s, an image sent as the acting video, a bad intensity: 400."""
    short = "data:video/mp4;base64," + base64.b64encode(video_mp4()).decode()
    png = "data:video/mp4;base64," + base64.b64encode(image_png()).decode()
    face = "https://example.com/face.png"
    async with RunwayFake(api_key=KEY) as fake, httpx.AsyncClient() as client:
        answers = []
        for reference, intensity in ((short, 3), (png, 3), ("https://x/a.mp4", 9)):
            resp = await client.post(
                f"{fake.base_url}/v1/character_performance",
                json={"model": "act_two", "character": {"type": "image", "uri": face},
                      "reference": {"type": "video", "uri": reference},
                      "expressionIntensity": intensity},
                headers={"Authorization": f"Bearer {KEY}", "X-Runway-Version": "2024-11-06"},
            )  # fmt: skip
            answers.append((resp.status_code, resp.json()["error"]))
    assert [status for status, _ in answers] == [400, 400, 400]
    assert "3-30 s" in answers[0][1] and "not a video" in answers[1][1]
    assert "expressionIntensity" in answers[2][1] and fake.jobs_created == 0


def test_acting_video_length_and_data_uri_limits_are_checked_before_sending(
    tmp_path: Path,
) -> None:
    """Under 3 s or over 30 s is refused by the adapter; a video may be 16 MB, an image 5."""
    adapter = runway.RunwayAdapter(KEY)
    inputs = {"character": "https://x/face.png", "video": "https://x/acting.mp4"}
    for seconds in (2.0, 31.0):
        with pytest.raises(Refused) as refused:
            adapter.endpoint_and_body(GenRequest(Capability.PERFORMANCE, "", duration_s=seconds,
                                                 inputs=inputs))  # fmt: skip
        assert refused.value.code == "reference_length"
    big = tmp_path / "big.mp4"
    big.write_bytes(acting_mp4(3.5) + bytes(6 * 1024 * 1024))  # an mp4 head, 6 MB
    assert runway._asset(str(big)).startswith("data:video/mp4;base64,")
    big_image = tmp_path / "big.png"
    big_image.write_bytes(image_png() + bytes(6 * 1024 * 1024))
    with pytest.raises(Refused) as refused:
        runway._asset(str(big_image))
    assert refused.value.code == "input_too_large"
