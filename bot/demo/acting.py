"""The acting clip a demo member uploads to /shot perform: a webcam-like picture of them, moving
a little, and their voice saying the line (espeak-ng). Made on the spot, no files, no network."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.demo.art import portrait
from pipeline.media.ffmpeg import run_ffmpeg
from pipeline.providers.base import Capability, GenRequest
from pipeline.providers.local import LocalVoice


async def acting_clip(work: Path, *, name: str, line: str, seconds: float = 3.0) -> bytes:
    """``seconds`` of ``name`` at their webcam saying ``line``, as an MP4 (H.264 + AAC, 320x240)."""
    await asyncio.to_thread(work.mkdir, parents=True, exist_ok=True)
    face = work / f"{name}.png"
    await asyncio.to_thread(face.write_bytes, portrait(name, (70, 120, 190), seed=11))
    voice = work / f"{name}.wav"
    request = GenRequest(
        Capability.VOICE, line, options={"voice": "en-m1", "language": "en"}, duration_s=seconds
    )
    await LocalVoice(work_dir=work).render(request, voice, lambda _fraction: None)
    clip = work / f"{name}-acting.mp4"
    # A slow sway of the picture stands in for the member moving in front of her camera.
    await run_ffmpeg(
        ["-loop", "1", "-framerate", "12", "-i", str(face), "-i", str(voice),
         "-filter_complex",
         "[0:v]scale=480:640,zoompan=z='1.08+0.06*sin(2*PI*on/18)':x='iw/2-(iw/zoom/2)'"
         ":y='ih/2-(ih/zoom/2)':d=1:s=240x320:fps=12,format=yuv420p[v];[1:a]apad[a]",
         "-map", "[v]", "-map", "[a]", "-t", f"{seconds:.2f}",
         "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "64k",
         "-movflags", "+faststart", str(clip)],
        total_s=seconds,
    )  # fmt: skip
    return await asyncio.to_thread(clip.read_bytes)
