"""Finding ffmpeg, running it off the event loop, progress, failures, cancellation, the limit."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import imageio_ffmpeg
import pytest

from pipeline.media import ffmpeg as ff
from pipeline.media.ffmpeg import FfmpegError, ffmpeg_exe, run_ffmpeg


@pytest.fixture(autouse=True)
def _fresh_resolution() -> Iterator[None]:
    ff._resolve.cache_clear()
    yield
    ff._resolve.cache_clear()


def _processes_with(marker: str) -> int:
    """How many live processes have ``marker`` in their command line."""
    count = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if marker.encode() in cmdline and "\nState:\tZ" not in status:
            count += 1
    return count


def test_without_ffmpeg_on_path_the_wheel_binary_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAILIES_FFMPEG", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    exe = ffmpeg_exe()
    assert exe == imageio_ffmpeg.get_ffmpeg_exe()
    out = subprocess.run([exe, "-hide_banner", "-version"], capture_output=True, timeout=30)
    assert out.returncode == 0 and b"ffmpeg version" in out.stdout


def _fake_ffmpeg(folder: Path, version_line: str) -> Path:
    folder.mkdir()
    fake = folder / "ffmpeg"
    fake.write_text(f"#!/bin/sh\necho '{version_line}'\n")
    fake.chmod(0o755)
    return fake


def test_an_old_ffmpeg_on_path_is_passed_over_for_the_wheels(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DAILIES_FFMPEG", raising=False)
    old = _fake_ffmpeg(tmp_path / "old", "ffmpeg version 4.3.6-0+deb11u1 Copyright (c)")
    monkeypatch.setenv("PATH", str(old.parent))
    assert ffmpeg_exe() == imageio_ffmpeg.get_ffmpeg_exe()
    ff._resolve.cache_clear()
    recent = _fake_ffmpeg(tmp_path / "new", "ffmpeg version 7.1.1-1+b1 Copyright (c)")
    monkeypatch.setenv("PATH", str(recent.parent))
    assert ffmpeg_exe() == str(recent)


def test_dailies_ffmpeg_wins_over_everything(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    chosen = tmp_path / "my-ffmpeg"
    chosen.symlink_to(imageio_ffmpeg.get_ffmpeg_exe())
    monkeypatch.setenv("DAILIES_FFMPEG", str(chosen))
    assert ffmpeg_exe() == str(chosen)


def test_a_named_ffmpeg_that_does_not_exist_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DAILIES_FFMPEG", "/nowhere/ffmpeg")
    with pytest.raises(FfmpegError, match="DAILIES_FFMPEG"):
        ffmpeg_exe()


async def test_progress_goes_up_to_one_while_rendering(tmp_path: Path) -> None:
    seen: list[float] = []
    paced = ["-stats_period", "0.02", "-readrate", "20"]  # 3 s of picture in about 0.15 s
    source = ["-f", "lavfi", "-i", "testsrc2=s=320x180:r=24", "-t", "3"]
    encode = ["-c:v", "libx264", "-preset", "ultrafast", str(tmp_path / "out.mp4")]
    await run_ffmpeg([*paced, *source, *encode], total_s=3.0, on_progress=seen.append)
    assert seen[-1] == 1.0
    assert seen == sorted(seen)
    assert len(seen) >= 2, "a status card needs something between nothing and done"


async def test_a_failing_run_raises_with_ffmpegs_reason(tmp_path: Path) -> None:
    with pytest.raises(FfmpegError) as caught:
        await run_ffmpeg(["-i", str(tmp_path / "missing.mp4"), "-f", "null", "-"])
    assert caught.value.returncode not in (None, 0)
    assert "missing.mp4" in caught.value.stderr_tail


async def test_cancelling_the_task_kills_ffmpeg(tmp_path: Path) -> None:
    marker = f"cancel-{uuid.uuid4().hex}"
    args = ["-re", "-f", "lavfi", "-i", "testsrc2=s=160x90:r=10", "-t", "60", "-f", "null"]
    task = asyncio.create_task(run_ffmpeg([*args, f"/dev/null/{marker}"]))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if _processes_with(marker):
            break
    assert _processes_with(marker) == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _processes_with(marker) == 0


async def test_no_more_than_the_limit_run_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    ff.set_concurrency(2)
    marker = f"limit-{uuid.uuid4().hex}"
    args = ["-re", "-f", "lavfi", "-i", "testsrc2=s=64x36:r=10", "-t", "0.6", "-f", "null"]
    tasks = [asyncio.create_task(run_ffmpeg([*args, f"/dev/null/{marker}{i}"])) for i in range(4)]
    peak = 0
    while not all(t.done() for t in tasks):
        peak = max(peak, _processes_with(marker))
        await asyncio.sleep(0.03)
    await asyncio.gather(*tasks)
    assert peak == 2
