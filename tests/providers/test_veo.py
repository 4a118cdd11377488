"""Veo (Gemini API) adapter against its fake over a real socket."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from pipeline.providers import veo
from pipeline.providers.base import (
    Capability,
    GenRequest,
    ProviderState,
    RateLimited,
    ResultExpired,
)
from tests.fakes.base import Fault
from tests.fakes.contract import KEY, ContractSuite, fetch_all, run_to_end
from tests.fakes.veo import VeoFake


class TestVeoContract(ContractSuite):
    fake_cls = VeoFake
    adapter_cls = veo.VeoAdapter
    key_on_download = True

    def request(self) -> GenRequest:
        return GenRequest(
            Capability.TEXT_TO_VIDEO,
            "a lighthouse at dusk, slow pan",
            duration_s=5,
            width=1280,
            height=720,
        )


async def test_image_to_video_sends_inline_image_and_gemini_parameters(
    tmp_path: Path,
) -> None:
    still = tmp_path / "3f9a0c"  # media-store files are named by hash, with no extension
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 10, 10)).save(buf, format="JPEG")
    still.write_bytes(buf.getvalue())
    async with VeoFake(api_key=KEY) as fake:
        adapter = veo.VeoAdapter(KEY, base_url=fake.base_url)
        req = GenRequest(
            Capability.IMAGE_TO_VIDEO,
            "she turns",
            duration_s=7,
            width=720,
            height=1280,
            seed=9,
            inputs={"image": str(still)},
            model="veo-3.1-generate-preview",
        )
        sub = await adapter.submit(req, "job-veo")
        await adapter.aclose()
    assert sub.handle["operation_name"].startswith("models/veo-3.1-generate-preview/operations/")
    body = next(iter(fake.jobs.values())).body
    assert body["instances"][0]["image"]["mimeType"] == "image/jpeg"
    assert body["parameters"] == {
        "aspectRatio": "9:16",
        "durationSeconds": 8,
        "resolution": "720p",
        "sampleCount": 1,
    }
    assert adapter.price(req) == 40 * 8  # $0.40/s on the 8 s Veo will make (and bill)


async def test_rai_filtered_zero_samples_is_a_refusal() -> None:
    async with VeoFake(api_key=KEY) as fake:
        fake.job_outcome = Fault.REFUSE
        adapter = veo.VeoAdapter(KEY, base_url=fake.base_url)
        sub = await adapter.submit(GenRequest(Capability.TEXT_TO_VIDEO, "x"), "k")
        final, _ = await run_to_end(adapter, sub.handle)
        await adapter.aclose()
    assert final.state is ProviderState.FAILED and final.error_code == "refused:rai_filtered"
    assert "sensitive" in final.error_message and not final.retryable


async def test_resource_exhausted_envelope_is_rate_limited() -> None:
    async with VeoFake(api_key=KEY) as fake:
        fake.submit_faults = [Fault.RATE_LIMIT_BARE]
        adapter = veo.VeoAdapter(KEY, base_url=fake.base_url)
        with pytest.raises(RateLimited) as err:
            await adapter.submit(GenRequest(Capability.TEXT_TO_VIDEO, "x"), "k")
        await adapter.aclose()
    assert err.value.code == "RESOURCE_EXHAUSTED"


async def test_download_needs_the_right_key() -> None:
    """The fake checks the key on the file download, so the happy path proves we send it."""
    async with VeoFake(api_key=KEY) as fake:
        adapter = veo.VeoAdapter(KEY, base_url=fake.base_url)
        sub = await adapter.submit(GenRequest(Capability.TEXT_TO_VIDEO, "x"), "k")
        final, _ = await run_to_end(adapter, sub.handle)
        stranger = veo.VeoAdapter("someone-else", base_url=fake.base_url)
        with pytest.raises(ResultExpired):
            await fetch_all(stranger, final.output_urls[0])
        await adapter.aclose()
        await stranger.aclose()


async def test_download_redirect_to_another_host_drops_the_key() -> None:
    async with VeoFake(api_key=KEY) as fake:
        fake.redirect_host = "localhost"
        adapter = veo.VeoAdapter(KEY, base_url=fake.base_url)
        sub = await adapter.submit(GenRequest(Capability.TEXT_TO_VIDEO, "x"), "k")
        final, _ = await run_to_end(adapter, sub.handle)
        data = await fetch_all(adapter, final.output_urls[0])
        await adapter.aclose()
    assert hashlib.sha256(data).hexdigest() == fake.media_sha256
    api_hop, cdn_hop = fake.requests_to(":download")[0], fake.requests_to("/cdn/")[0]
    assert api_hop.headers["x-goog-api-key"] == KEY
    assert cdn_hop.headers["Host"].startswith("localhost")
    assert all(KEY not in v for v in cdn_hop.headers.values())


def test_registry_names() -> None:
    assert veo.NAME == "veo" and veo.PROVIDER_CLASS is veo.VeoAdapter
    assert "SECRET" not in repr(veo.VeoAdapter(KEY))
