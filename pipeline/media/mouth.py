"""A mouth that flaps with the voice: the local lip-sync's optional overlay.

The animatic draws cards, not faces, so there is no real mouth to move. Instead a small
"speaking" badge (the speaker's name and a mouth whose opening follows the voice's loudness,
frame by frame) is laid over the picture. It costs one encode of the picture, so it is opt-in;
without it the lip-sync copies the picture untouched.
"""

from __future__ import annotations

import asyncio
import math
from array import array
from pathlib import Path

import av
from PIL import Image, ImageDraw

from pipeline.media.cards import font
from pipeline.media.ffmpeg import ProgressCallback, run_ffmpeg
from pipeline.media.house import AUDIO_RATE, HouseFormat
from pipeline.media.probe import aprobe

LEVELS = 6  # mouth shapes from closed to wide open


def loudness_envelope(
    audio: str | Path, fps: int, frames: int, offset_s: float = 0.0
) -> list[float]:
    """Per picture frame, how loud the voice is (0..1, relative to its own loudest frame)."""
    per_frame = 100
    resampler = av.AudioResampler(format="s16", layout="mono", rate=fps * per_frame)
    samples = array("h")
    with av.open(str(audio)) as container:
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                samples.frombytes(bytes(out.planes[0])[: out.samples * 2])
        for out in resampler.resample(None):
            samples.frombytes(bytes(out.planes[0])[: out.samples * 2])
    lead = round(offset_s * fps)
    levels = [0.0] * frames
    for i in range(frames):
        start = (i - lead) * per_frame
        if start < 0 or start >= len(samples):
            continue
        chunk = samples[start : start + per_frame]
        levels[i] = math.sqrt(sum(s * s for s in chunk) / max(1, len(chunk)))
    loudest = max(levels) or 1.0
    return [min(1.0, v / loudest) for v in levels]


def mouth_badge(openness: float, size: tuple[int, int], name: str) -> Image.Image:
    """The badge for one opening (0 closed .. 1 wide), RGBA."""
    w, h = size
    badge = Image.new("RGBA", size, (0, 0, 0, 0))
    d = ImageDraw.Draw(badge)
    d.rounded_rectangle([0, 0, w - 1, h - 1], radius=h // 3, fill=(10, 10, 14, 190))
    cx, cy, mw = h // 2 + h // 8, h // 2, int(h * 0.42)
    mh = max(2, int(h * 0.5 * openness))
    d.ellipse([cx - mw, cy - mh // 2 - 1, cx + mw, cy + mh // 2 + 1], fill=(235, 90, 90, 255),
              outline=(255, 255, 255, 255), width=max(1, h // 24))  # fmt: skip
    if name:
        d.text((cx + mw + h // 4, cy), name[:24], font=font(max(10, h // 3), bold=True),
               fill=(245, 245, 240, 255), anchor="lm")  # fmt: skip
    return badge


async def lay_sound_with_mouth(
    video: str | Path,
    audio: str | Path,
    dst: str | Path,
    *,
    speaker: str = "",
    offset_s: float = 0.0,
    on_progress: ProgressCallback | None = None,
) -> float:
    """``cuts.lay_sound`` plus the flapping badge; the picture is re-encoded (house format)."""
    info = await aprobe(video)
    if info.video is None:
        raise ValueError(f"{video}: no video stream")
    v = info.video
    fps = round(v.fps) or 24
    house = HouseFormat(v.width // 2 * 2, v.height // 2 * 2, fps)
    frames = v.frames or house.frames_for(v.duration_s)
    length = frames / fps
    samples = round(length * AUDIO_RATE)
    size = (max(64, house.width // 4) // 2 * 2, max(24, house.height // 10) // 2 * 2)

    def draw() -> bytes:
        envelope = loudness_envelope(audio, fps, frames, offset_s)
        shapes = [
            mouth_badge(level / (LEVELS - 1), size, speaker).tobytes() for level in range(LEVELS)
        ]
        return b"".join(shapes[round(e * (LEVELS - 1))] for e in envelope)

    raw = await asyncio.to_thread(draw)
    x, y = house.width // 30, int(house.height * 0.72) - size[1]
    delay_ms = max(0, round(offset_s * 1000))
    graph = (
        f"[0:v:0][1:v]overlay={x}:{y}:format=yuv420,format=yuv420p[v];"
        f"[2:a:0]aresample={AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,"
        f"asetpts=PTS-STARTPTS,adelay={delay_ms}:all=1,"
        f"apad=whole_len={samples},atrim=end_sample={samples}[a]"
    )
    await run_ffmpeg(
        [
            "-i", str(video),
            "-f", "rawvideo", "-pix_fmt", "rgba", "-s", f"{size[0]}x{size[1]}",
            "-r", str(fps), "-i", "pipe:0",
            "-i", str(audio),
            "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
            "-frames:v", str(frames),
            *house.video_args(), *house.audio_args(), *house.container_args(), str(dst),
        ],
        stdin_data=raw,
        total_s=length,
        on_progress=on_progress,
        timeout_s=max(120.0, length * 20),
    )  # fmt: skip
    return length
