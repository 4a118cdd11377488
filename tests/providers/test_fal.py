"""fal queue adapter against its fake: returned URLs used verbatim, 202/200, errors, cancel."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.providers import fal
from pipeline.providers.base import Capability, GenRequest, ProviderState
from tests.fakes.base import Fault
from tests.fakes.contract import FAST, KEY, ContractSuite, fetch_all, run_to_end
from tests.fakes.fal import FalFake
from tests.fakes.media import audio_wav, image_png


def _video() -> GenRequest:
    return GenRequest(
        Capability.IMAGE_TO_VIDEO,
        "a fox runs",
        duration_s=5,
        inputs={"image": "https://example.com/fox.png"},
    )


class TestFalContract(ContractSuite):
    fake_cls = FalFake
    adapter_cls = fal.FalAdapter

    def request(self) -> GenRequest:
        return _video()


async def test_status_and_result_urls_come_from_the_submit_answer() -> None:
    async with FalFake(api_key=KEY) as fake:
        adapter = fal.FalAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        req = GenRequest(
            Capability.IMAGE, "portrait of a fox in a trench coat", seed=7, width=768, height=1344
        )
        sub = await adapter.submit(req, "job-1")
        final, _ = await run_to_end(adapter, sub.handle)
        data = await fetch_all(adapter, final.output_urls[0])
        await adapter.aclose()
    assert fake.requests_to("/fal-ai/flux/dev", "POST")
    # The model's sub-path ("/dev") is not in the queue URLs: a rebuilt URL would 404.
    assert sub.handle["status_url"].endswith(f"/fal-ai/flux/requests/{sub.provider_job_id}/status")
    assert fake.requests_to(f"/fal-ai/flux/requests/{sub.provider_job_id}/status", "GET")
    assert hashlib.sha256(data).digest() == hashlib.sha256(image_png()).digest()
    assert fake.jobs[sub.provider_job_id].body["image_size"] == {"width": 768, "height": 1344}


async def test_flux_nsfw_flag_is_a_refusal() -> None:
    async with FalFake(api_key=KEY) as fake:
        fake.job_outcome = Fault.REFUSE
        adapter = fal.FalAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        sub = await adapter.submit(GenRequest(Capability.IMAGE, "x"), "job-1")
        final, _ = await run_to_end(adapter, sub.handle)
        await adapter.aclose()
    assert final.error_code == "refused:nsfw" and not final.retryable


async def test_422_detail_list_on_result_is_a_validation_refusal() -> None:
    async with FalFake(api_key=KEY) as fake:
        fake.job_outcome = Fault.REFUSE
        adapter = fal.FalAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        sub = await adapter.submit(_video(), "job-1")
        final, _ = await run_to_end(adapter, sub.handle)
        await adapter.aclose()
    assert final.error_code == "refused:validation_error"
    assert "content policy" in final.error_message


async def test_error_type_timeout_is_retryable() -> None:
    async with FalFake(api_key=KEY) as fake:
        fake.job_outcome = Fault.FAIL
        adapter = fal.FalAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        sub = await adapter.submit(_video(), "job-1")
        final, _ = await run_to_end(adapter, sub.handle)
        await adapter.aclose()
    assert final.error_code == "request_timeout" and final.retryable


async def test_lipsync_sends_files_as_data_uris(tmp_path: Path) -> None:
    voice = tmp_path / "line.wav"
    voice.write_bytes(audio_wav())
    async with FalFake(api_key=KEY) as fake:
        adapter = fal.FalAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        req = GenRequest(
            Capability.LIPSYNC,
            "",
            duration_s=6,
            inputs={"video": "https://example.com/take.mp4", "audio": str(voice)},
        )
        sub = await adapter.submit(req, "job-1")
        final, _ = await run_to_end(adapter, sub.handle)
        assert adapter.price(req) == 30  # $3/min
        await adapter.aclose()
    body = fake.jobs[sub.provider_job_id].body
    assert fake.requests_to("/fal-ai/sync-lipsync/v2", "POST")
    assert body["audio_url"].startswith("data:audio/wav;base64,")
    assert final.state is ProviderState.SUCCEEDED


async def test_cancel_is_a_put_and_late_cancel_is_harmless() -> None:
    async with FalFake(api_key=KEY) as fake:
        fake.steps = 5
        adapter = fal.FalAdapter(KEY, base_url=fake.base_url, timeouts=FAST)
        sub = await adapter.submit(_video(), "job-1")
        await adapter.cancel(sub.handle)
        assert fake.jobs[sub.provider_job_id].cancelled
        done = await adapter.submit(_video(), "job-2")
        fake.jobs[done.provider_job_id].polls = 99
        await adapter.cancel(done.handle)  # 400 ALREADY_COMPLETED is not an error
        await adapter.aclose()
    assert fake.requests_to("/cancel", "PUT")


def test_registry_names() -> None:
    assert fal.NAME == "fal" and fal.PROVIDER_CLASS is fal.FalAdapter


def test_key_goes_only_to_fal_hosts() -> None:
    adapter = fal.FalAdapter(KEY)
    assert adapter.api_headers_for("https://queue.fal.run/fal-ai/flux/requests/1/status")
    assert adapter.api_headers_for("https://rest.alpha.fal.ai/x")
    assert adapter.api_headers_for("https://elsewhere.example/fal.run/status") == {}
