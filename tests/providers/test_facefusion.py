"""FaceFusion adapter, run against a tiny fake executable written by the test."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from pipeline.providers import facefusion
from pipeline.providers.base import (
    Capability,
    DownloadError,
    GenRequest,
    PollResult,
    ProviderState,
    Refused,
)
from tests.fakes.contract import fetch_all
from tests.fakes.media import image_png, video_mp4

FAKE_FACEFUSION = """#!{python}
# Stand-in for FaceFusion 3's headless-run: copy the target to the output (or fail, or hang).
import shutil, sys, time
args = sys.argv[1:]
assert args[:3] == ["headless-run", "--processors", "face_swapper"], args
source, target, output = (args[args.index(flag) + 1] for flag in ("-s", "-t", "-o"))
mode = "{mode}"
if mode == "fail":
    sys.stderr.write("[FACEFUSION.CORE] No source face detected\\n")
    sys.exit(1)
if mode == "hang":
    time.sleep(30)
shutil.copyfile(target, output)
"""


def _tool(tmp_path: Path, mode: str = "copy") -> Path:
    path = tmp_path / f"facefusion-{mode}"
    path.write_text(FAKE_FACEFUSION.format(python=sys.executable, mode=mode))
    path.chmod(0o755)
    return path


def _inputs(tmp_path: Path) -> GenRequest:
    face, take = tmp_path / "face.png", tmp_path / "take.mp4"
    face.write_bytes(image_png())
    take.write_bytes(video_mp4())
    return GenRequest(Capability.FACE, "", inputs={"face": str(face), "video": str(take)})


def _adapter(tmp_path: Path, mode: str = "copy") -> facefusion.FaceFusionAdapter:
    # The registry's constructor: (api_key, base_url, http, concurrency); base_url = executable.
    return facefusion.FaceFusionAdapter(
        "", str(_tool(tmp_path, mode)), None, None, work_dir=tmp_path / "work"
    )


def test_unavailable_without_an_executable(tmp_path: Path) -> None:
    adapter = facefusion.FaceFusionAdapter("", str(tmp_path / "nope"))
    assert not adapter.available()
    on_path = shutil.which("facefusion") is not None
    assert facefusion.FaceFusionAdapter().available() is on_path
    assert _adapter(tmp_path).available()


async def test_face_pass_runs_and_the_output_is_fetched(tmp_path: Path) -> None:
    adapter = _adapter(tmp_path)
    sub = await adapter.submit(_inputs(tmp_path), "job-1")
    final = await run_to_end_slowly(adapter, sub.handle)
    assert final.state is ProviderState.SUCCEEDED
    data = await fetch_all(adapter, final.output_urls[0])
    assert hashlib.sha256(data).digest() == hashlib.sha256(video_mp4()).digest()
    assert adapter.price(_inputs(tmp_path)) == 0 and not adapter.needs_key


async def test_a_failed_run_reports_facefusion_stderr(tmp_path: Path) -> None:
    adapter = _adapter(tmp_path, "fail")
    sub = await adapter.submit(_inputs(tmp_path), "job-1")
    final = await run_to_end_slowly(adapter, sub.handle)
    assert final.state is ProviderState.FAILED and final.retryable
    assert "No source face detected" in final.error_message


async def test_cancel_kills_the_run(tmp_path: Path) -> None:
    adapter = _adapter(tmp_path, "hang")
    sub = await adapter.submit(_inputs(tmp_path), "job-1")
    assert (await adapter.poll(sub.handle)).state is ProviderState.RUNNING
    await adapter.cancel(sub.handle)
    assert (await adapter.poll(sub.handle)).state is ProviderState.CANCELLED
    await adapter.aclose()


async def test_a_run_lost_in_a_restart_is_retryable(tmp_path: Path) -> None:
    adapter = _adapter(tmp_path)
    final = await adapter.poll({"job_id": "ff-lost", "output": ""})
    assert final.state is ProviderState.FAILED and final.error_code == "lost"
    assert final.retryable and await adapter.reconcile("k", _inputs(tmp_path)) is None


async def test_missing_inputs_or_tool_are_refused(tmp_path: Path) -> None:
    with pytest.raises(Refused):
        await _adapter(tmp_path).submit(GenRequest(Capability.FACE, ""), "k")
    with pytest.raises(Refused) as err:
        await facefusion.FaceFusionAdapter("", str(tmp_path / "nope")).submit(
            _inputs(tmp_path), "k"
        )
    assert err.value.code == "unavailable"


async def test_fetch_stays_inside_the_work_dir(tmp_path: Path) -> None:
    with pytest.raises(DownloadError):
        await fetch_all(_adapter(tmp_path), (tmp_path / "face.png").as_uri())
    assert facefusion.NAME == "facefusion"
    assert facefusion.PROVIDER_CLASS is facefusion.FaceFusionAdapter


async def run_to_end_slowly(
    adapter: facefusion.FaceFusionAdapter, handle: dict[str, Any]
) -> PollResult:
    for _ in range(250):
        result = await adapter.poll(dict(handle))
        if result.state is not ProviderState.RUNNING:
            return result
        await asyncio.sleep(0.02)
    raise AssertionError("facefusion never finished")
