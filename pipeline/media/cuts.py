"""Small helpers for cuts: join house-format takes without re-encoding the picture, lay sound.

The cut itself (timeline, recap, credits) belongs to the cut module; these are the ffmpeg
pieces it needs. Joins use the concat demuxer: the picture is stream-copied (house-format takes
share their codec parameters, see ``house.py``); the sound is re-encoded by default because each
AAC file starts with ~1024 samples of encoder priming, and a pure stream copy would add that much
sound per join (21 ms each, so a 30-shot episode drifts by more than half a second).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Sequence
from pathlib import Path

from pipeline.media.ffmpeg import ProgressCallback, run_ffmpeg
from pipeline.media.house import AUDIO_RATE, HouseFormat, normalise
from pipeline.media.probe import aprobe


def _concat_line(path: Path) -> str:
    # The concat list's quoting: single quotes, with ' written as '\''.
    escaped = str(path.resolve()).replace("'", "'\\''")
    return f"file '{escaped}'\n"


async def concat_takes(
    paths: Sequence[str | Path],
    dst: str | Path,
    *,
    house: HouseFormat | None = None,
    copy_audio: bool = False,
    on_progress: ProgressCallback | None = None,
) -> Path:
    """Join house-format takes end to end into ``dst`` (MP4), picture stream-copied."""
    if not paths:
        raise ValueError("nothing to join")
    dst = Path(dst)
    total = 0.0
    for p in paths:
        total += (await aprobe(p)).duration_s
    audio = ["-c:a", "copy"] if copy_audio else [
        "-c:a", "aac", "-b:a", (house or HouseFormat()).audio_bitrate,
        "-ar", str(AUDIO_RATE), "-ac", "2",
    ]  # fmt: skip
    with tempfile.NamedTemporaryFile(
        "w", suffix=".txt", dir=dst.parent, delete=False, encoding="utf-8"
    ) as listing:
        listing.writelines(_concat_line(Path(p)) for p in paths)
        list_path = Path(listing.name)
    try:
        await run_ffmpeg(
            [
                "-f", "concat", "-safe", "0", "-i", str(list_path),
                "-map", "0:v:0", "-map", "0:a:0?",
                "-c:v", "copy", *audio,
                "-movflags", "+faststart", "-f", "mp4", str(dst),
            ],
            total_s=total,
            on_progress=on_progress,
            timeout_s=max(120.0, total * 4),
        )  # fmt: skip
    finally:
        await asyncio.to_thread(list_path.unlink, missing_ok=True)
    return dst


async def still_to_clip(
    image: str | Path,
    dst: str | Path,
    house: HouseFormat,
    *,
    duration_s: float,
    fade_s: float = 0.0,
    on_progress: ProgressCallback | None = None,
) -> float:
    """A title card, slate or credits page as a house-format clip with silent sound."""
    target = house.exact_duration(duration_s)
    frames = house.frames_for(target)
    samples = round(target * AUDIO_RATE)
    vf = f"{house.fit_filter()},format=yuv420p"
    if fade_s > 0:
        vf += f",fade=t=in:st=0:d={fade_s},fade=t=out:st={max(0.0, target - fade_s)}:d={fade_s}"
    await run_ffmpeg(
        [
            "-loop", "1", "-framerate", str(house.fps), "-i", str(image),
            "-f", "lavfi", "-i", f"anullsrc=r={AUDIO_RATE}:cl=stereo",
            "-filter_complex",
            f"[0:v]{vf}[v];[1:a]atrim=end_sample={samples}[a]",
            "-map", "[v]", "-map", "[a]",
            "-frames:v", str(frames),
            *house.video_args(), *house.audio_args(), *house.container_args(), str(dst),
        ],
        total_s=target,
        on_progress=on_progress,
    )  # fmt: skip
    return target


async def lay_sound(
    video: str | Path,
    audio: str | Path,
    dst: str | Path,
    *,
    house: HouseFormat | None = None,
    offset_s: float = 0.0,
    mix_with_original: bool = False,
) -> float:
    """Put ``audio`` under ``video``'s picture (stream copy), padded or cut to the picture's length.

    Returns the picture's duration, which the output keeps exactly.
    """
    info = await aprobe(video)
    if info.video is None:
        raise ValueError(f"{video}: no video stream")
    length = info.video.duration_s or info.duration_s
    samples = round(length * AUDIO_RATE)
    delay_ms = max(0, round(offset_s * 1000))
    chain = (
        f"aresample={AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,"
        f"asetpts=PTS-STARTPTS,adelay={delay_ms}:all=1"
    )
    if mix_with_original and info.audio is not None:
        graph = (
            f"[1:a:0]{chain}[voice];[0:a:0]aresample={AUDIO_RATE},"
            "aformat=sample_fmts=fltp:channel_layouts=stereo[bed];"
            "[bed][voice]amix=inputs=2:duration=longest:normalize=0,"
            f"apad=whole_len={samples},atrim=end_sample={samples}[a]"
        )
    else:
        graph = f"[1:a:0]{chain},apad=whole_len={samples},atrim=end_sample={samples}[a]"
    await run_ffmpeg(
        [
            "-i", str(video), "-i", str(audio),
            "-filter_complex", graph,
            "-map", "0:v:0", "-map", "[a]",
            "-c:v", "copy", *(house or HouseFormat()).audio_args(),
            "-movflags", "+faststart", "-f", "mp4", str(dst),
        ],
        total_s=length,
    )  # fmt: skip
    return length


async def excerpt(
    src: str | Path,
    dst: str | Path,
    house: HouseFormat,
    *,
    start_s: float,
    duration_s: float,
    on_progress: ProgressCallback | None = None,
) -> float:
    """A frame-accurate piece of a take ("Previously on..."), re-encoded in the house format.

    Stream copy could only cut on keyframes (every two seconds); a recap needs exact frames.
    Returns the piece's exact duration.
    """
    return await normalise(
        src, dst, house, duration_s=duration_s, start_s=start_s, on_progress=on_progress
    )
