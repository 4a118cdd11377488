"""Copies sized for where they go: a cut that fits under a Discord upload limit.

Masters stay in the house format (quality first); what is posted in a channel must fit the
server's upload limit (``GuildSettings.upload_limit_bytes``, 10 MB by default). The copy keeps
the picture's length and sound and gives up resolution before it gives up too much bitrate.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from pathlib import Path

from pipeline.media.ffmpeg import ProgressCallback, run_ffmpeg
from pipeline.media.house import AUDIO_RATE
from pipeline.media.probe import aprobe

log = logging.getLogger(__name__)

AUDIO_BPS = 96_000
MIN_VIDEO_BPS = 120_000
# Below these bitrates (bits/s), the next smaller picture height looks better.
_HEIGHTS = ((1_800_000, 720), (900_000, 540), (450_000, 360), (0, 270))


# Two passes spend the bitrate where the picture needs it and land close to the target size;
# below this length the first pass costs more than it saves.
TWO_PASS_MIN_S = 2.0


class TooLongForLimit(ValueError):
    """Even at the lowest sensible bitrate the file would not fit the limit."""


def plan_bitrate(duration_s: float, max_bytes: int, has_audio: bool) -> int:
    """Video bits per second that fit ``max_bytes`` with room for the container and sound."""
    budget = max_bytes * 8 * 0.94 / max(duration_s, 0.1)
    return int(budget - (AUDIO_BPS if has_audio else 0))


async def fit_for_upload(
    src: str | Path,
    dst: str | Path,
    *,
    max_bytes: int,
    on_progress: ProgressCallback | None = None,
) -> Path:
    """``src`` as an MP4 of at most ``max_bytes`` (a plain copy when it already fits)."""
    dst = Path(dst)
    info = await aprobe(src)
    if info.size_bytes <= max_bytes:
        await asyncio.to_thread(shutil.copyfile, src, dst)
        return dst
    if info.video is None:
        raise ValueError(f"{Path(src).name}: no picture to fit")
    duration = info.video.duration_s or info.duration_s
    video_bps = plan_bitrate(duration, max_bytes, info.audio is not None)
    for _attempt in range(3):
        if video_bps < MIN_VIDEO_BPS:
            raise TooLongForLimit(
                f"{duration:.0f} s cannot fit in {max_bytes} bytes at a watchable bitrate"
            )
        height = min(info.video.height, next(h for floor, h in _HEIGHTS if video_bps >= floor))
        await _encode(
            src, dst, video_bps=video_bps, height=height, duration_s=duration,
            has_audio=info.audio is not None, on_progress=on_progress,
        )  # fmt: skip
        size = (await aprobe(dst)).size_bytes
        if size <= max_bytes:
            return dst
        log.info("upload copy %d bytes > %d at %d b/s; trying lower", size, max_bytes, video_bps)
        video_bps = int(video_bps * max_bytes / size * 0.93)
    raise TooLongForLimit(f"could not fit {Path(src).name} in {max_bytes} bytes")


def passes_for(duration_s: float) -> int:
    """How many encoding passes an upload copy of this length gets."""
    return 2 if duration_s >= TWO_PASS_MIN_S else 1


async def _encode(
    src: str | Path,
    dst: Path,
    *,
    video_bps: int,
    height: int,
    duration_s: float,
    has_audio: bool,
    on_progress: ProgressCallback | None,
) -> None:
    """One libx264 encode at ``video_bps`` (two passes when the copy is long enough)."""
    audio = (
        ["-c:a", "aac", "-b:a", str(AUDIO_BPS), "-ar", str(AUDIO_RATE), "-ac", "2"]
        if has_audio
        else ["-an"]
    )
    picture = [
        "-i", str(src), "-map", "0:v:0", "-map", "0:a:0?",
        "-vf", f"scale=-2:{height}:flags=bicubic,setsar=1",
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
        "-b:v", str(video_bps),
    ]  # fmt: skip
    timeout = max(300.0, duration_s * 10)
    if passes_for(duration_s) == 1:
        await run_ffmpeg(
            [*picture, "-maxrate", str(video_bps), "-bufsize", str(video_bps), *audio,
             "-movflags", "+faststart", "-f", "mp4", str(dst)],
            total_s=duration_s, on_progress=on_progress, timeout_s=timeout,
        )  # fmt: skip
        return

    def half(offset: float) -> ProgressCallback | None:
        if on_progress is None:
            return None
        report = on_progress
        return lambda fraction: report(min(1.0, offset + fraction / 2))

    # Pass 1 only analyses (no sound, no file); pass 2 writes with what it learned. The
    # pass log lives in a private temporary folder, gone afterwards.
    with tempfile.TemporaryDirectory(prefix="dailies-2pass-") as folder:
        log_prefix = str(Path(folder) / "x264")
        await run_ffmpeg(
            [*picture, "-pass", "1", "-passlogfile", log_prefix, "-an", "-f", "null", "-"],
            total_s=duration_s, on_progress=half(0.0), timeout_s=timeout,
        )  # fmt: skip
        await run_ffmpeg(
            [*picture, "-pass", "2", "-passlogfile", log_prefix,
             "-maxrate", str(int(video_bps * 1.5)), "-bufsize", str(video_bps * 2), *audio,
             "-movflags", "+faststart", "-f", "mp4", str(dst)],
            total_s=duration_s, on_progress=half(0.5), timeout_s=timeout,
        )  # fmt: skip
