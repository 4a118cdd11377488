"""Copies sized for where they go: a cut that fits under a Discord upload limit.

Masters stay in the house format (quality first); what is posted in a channel must fit the
server's upload limit (``GuildSettings.upload_limit_bytes``, 10 MB by default). The copy keeps
the picture's length and sound and gives up resolution before it gives up too much bitrate.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

from pipeline.media.ffmpeg import ProgressCallback, run_ffmpeg
from pipeline.media.house import AUDIO_RATE
from pipeline.media.probe import aprobe

log = logging.getLogger(__name__)

AUDIO_BPS = 96_000
MIN_VIDEO_BPS = 120_000
# Below these bitrates (bits/s), the next smaller picture height looks better.
_HEIGHTS = ((1_800_000, 720), (900_000, 540), (450_000, 360), (0, 270))


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
        audio = (
            ["-c:a", "aac", "-b:a", str(AUDIO_BPS), "-ar", str(AUDIO_RATE), "-ac", "2"]
            if info.audio is not None
            else ["-an"]
        )
        await run_ffmpeg(
            [
                "-i", str(src), "-map", "0:v:0", "-map", "0:a:0?",
                "-vf", f"scale=-2:{height}:flags=bicubic,setsar=1",
                "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
                "-b:v", str(video_bps), "-maxrate", str(video_bps),
                "-bufsize", str(video_bps), *audio,
                "-movflags", "+faststart", "-f", "mp4", str(dst),
            ],
            total_s=duration,
            on_progress=on_progress,
            timeout_s=max(300.0, duration * 10),
        )  # fmt: skip
        size = (await aprobe(dst)).size_bytes
        if size <= max_bytes:
            return dst
        log.info("upload copy %d bytes > %d at %d b/s; trying lower", size, max_bytes, video_bps)
        video_bps = int(video_bps * max_bytes / size * 0.93)
    raise TooLongForLimit(f"could not fit {Path(src).name} in {max_bytes} bytes")
