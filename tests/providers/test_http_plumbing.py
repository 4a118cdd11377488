"""The shared provider plumbing: Retry-After, the status map, media checks, download_to."""

from __future__ import annotations

import email.utils
import hashlib
import time
from pathlib import Path

import httpx
import pytest

from pipeline.providers._download import data_url_for, download_to, sniff_kind
from pipeline.providers._http import Phase, PriceTable, Rate, exception_for, parse_retry_after
from pipeline.providers.base import (
    Capability,
    DownloadError,
    GenRequest,
    Provider,
    RateLimited,
    Refused,
    ResultExpired,
    SubmitOutcomeUnknown,
    TransientError,
)
from pipeline.providers.bfl import BflAdapter
from pipeline.providers.elevenlabs import ElevenLabsAdapter
from pipeline.providers.facefusion import FaceFusionAdapter
from pipeline.providers.fal import FalAdapter
from pipeline.providers.luma import LumaAdapter
from pipeline.providers.replicate import ReplicateAdapter
from pipeline.providers.runway import RunwayAdapter
from pipeline.providers.sync import SyncAdapter
from pipeline.providers.veo import VeoAdapter
from tests.fakes.media import audio_mp3, audio_wav, image_png, video_mp4


def test_retry_after_seconds_and_http_dates() -> None:
    now = time.time()
    assert parse_retry_after("7") == 7
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(email.utils.formatdate(now + 120, usegmt=True), now=now) == (
        pytest.approx(120, abs=1)
    )
    assert parse_retry_after(email.utils.formatdate(now - 60, usegmt=True), now=now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("") is None and parse_retry_after(None) is None


def _resp(
    status: int, body: object = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(
        status, json=body, headers=headers, request=httpx.Request("GET", "https://x")
    )


@pytest.mark.parametrize(
    ("status", "phase", "expected"),
    [
        (429, Phase.SUBMIT, RateLimited),
        (429, Phase.POLL, RateLimited),
        (500, Phase.SUBMIT, SubmitOutcomeUnknown),
        (503, Phase.SUBMIT, SubmitOutcomeUnknown),
        (408, Phase.SUBMIT, SubmitOutcomeUnknown),
        (500, Phase.POLL, TransientError),
        (401, Phase.SUBMIT, Refused),
        (422, Phase.SUBMIT, Refused),
        (404, Phase.POLL, Refused),
        (403, Phase.DOWNLOAD, ResultExpired),
        (410, Phase.DOWNLOAD, ResultExpired),
    ],
)
def test_status_map(status: int, phase: Phase, expected: type[Exception]) -> None:
    assert type(exception_for(_resp(status, {"detail": "x"}), phase)) is expected


def test_error_envelopes_and_secrets() -> None:
    google = _resp(
        429,
        {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED"}},
        {"Retry-After": "3"},
    )
    exc = exception_for(google, Phase.SUBMIT)
    assert exc.code == "RESOURCE_EXHAUSTED" and exc.retry_after_s == 3
    echo = exception_for(_resp(400, {"detail": "bad key sk-123"}), Phase.SUBMIT, "sk-123")
    assert "sk-123" not in str(echo)
    fastapi = exception_for(
        _resp(422, {"detail": [{"loc": ["body", "text"], "msg": "field required"}]}), Phase.SUBMIT
    )
    assert "body.text: field required" in str(fastapi)


def test_sniffing_real_media() -> None:
    assert sniff_kind(video_mp4()[:16]) == "video"
    assert sniff_kind(image_png()[:16]) == "image"
    assert sniff_kind(audio_mp3()[:16]) == "audio"
    assert sniff_kind(audio_wav()[:16]) == "audio"
    assert sniff_kind(b"<!DOCTYPE html>") is None


async def test_download_to_names_the_file_by_sha256(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(video_mp4())
    adapter = LumaAdapter("k")
    got = await download_to(adapter, data_url_for(clip), tmp_path / "media")
    assert got.sha256 == hashlib.sha256(video_mp4()).hexdigest()
    assert got.path.name == got.sha256 and got.path.read_bytes() == video_mp4()
    page = "data:text/html;base64,PCFET0NUWVBFIGh0bWw+"
    with pytest.raises(DownloadError):
        await download_to(adapter, page, tmp_path / "media")
    assert sorted(p.name for p in (tmp_path / "media").iterdir()) == [got.sha256]
    await adapter.aclose()


def test_price_table_rounds_up_and_falls_back() -> None:
    table = PriceTable(
        {"a": Rate(per_request=1, per_second=2.5), "b": Rate(per_character=0.03)}, default_model="a"
    )
    assert table.estimate(GenRequest(Capability.TEXT_TO_VIDEO, "x", duration_s=3)) == 9
    assert table.estimate(GenRequest(Capability.VOICE, "y" * 10, model="b")) == 1
    assert table.estimate(GenRequest(Capability.TEXT_TO_VIDEO, "x", model="zz", duration_s=1)) == 4


def test_the_registry_builds_every_adapter(tmp_path: Path) -> None:
    """pipeline/registry.py finds each adapter by module name with our constructor."""
    from bot.config import ProviderSection, Settings
    from pipeline.registry import REMOTE_PROVIDERS, build_registry

    tool = tmp_path / "facefusion"
    tool.write_text("#!/bin/sh\nexit 0\n")
    tool.chmod(0o755)
    sections = {n: ProviderSection(api_key="k-secret", concurrency=3) for n in REMOTE_PROVIDERS}
    sections["facefusion"] = ProviderSection(base_url=str(tool), concurrency=3)
    registry = build_registry(Settings(data_dir=tmp_path, providers=sections))
    for name in REMOTE_PROVIDERS:
        module = __import__(f"pipeline.providers.{name}", fromlist=["NAME"])
        assert name == module.NAME and isinstance(registry[name], module.PROVIDER_CLASS)
        assert registry[name].concurrency == 3
    assert "k-secret" not in repr(registry["luma"])


def _typed_as_providers() -> list[Provider]:
    """mypy checks that every adapter satisfies the Provider protocol (never called)."""
    return [
        VeoAdapter(""),
        LumaAdapter(""),
        RunwayAdapter(""),
        FalAdapter(""),
        ReplicateAdapter(""),
        BflAdapter(""),
        SyncAdapter(""),
        ElevenLabsAdapter(""),
        FaceFusionAdapter(),
    ]


async def test_launcher_serves_fakes_a_real_adapter_can_use(tmp_path: Path) -> None:
    """``python -m tests.fakes`` as docs/providers.md tells people to run it."""
    import asyncio
    import sys

    from tests.fakes.contract import closed_port, fetch_all, run_to_end

    port = closed_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes",
        "runway",
        "--port",
        str(port),
        "--steps",
        "2",
        "--key",
        "try-me",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        banner = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        assert f"http://127.0.0.1:{port}" in banner
        adapter = RunwayAdapter("try-me", base_url=f"http://127.0.0.1:{port}")
        req = GenRequest(Capability.IMAGE_TO_VIDEO, "a wave", inputs={"image": "https://x/y.png"})
        sub = await adapter.submit(req, "job-1")
        final, seen = await run_to_end(adapter, sub.handle)
        data = await fetch_all(adapter, final.output_urls[0])
        await adapter.aclose()
        assert len(seen) == 3 and data == video_mp4()
    finally:
        proc.terminate()
        await proc.wait()
