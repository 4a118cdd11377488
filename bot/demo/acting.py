"""The acting clip a demo member uploads to /shot perform: a webcam-like picture of them, moving
a little, and their voice saying the line (espeak-ng). Made on the spot, no files, no network."""

from __future__ import annotations

import array
import asyncio
import io
import wave
from pathlib import Path

from PIL import Image, ImageDraw

from bot.demo.art import portrait
from pipeline.media.ffmpeg import run_ffmpeg
from pipeline.providers.base import Capability, GenRequest
from pipeline.providers.local import LocalVoice

FPS = 12


async def acting_clip(work: Path, *, name: str, line: str, seconds: float = 3.0) -> bytes:
    """``seconds`` of ``name`` at their webcam saying ``line``, as an MP4 (H.264 + AAC, 240x320):
    the mouth opens with the loudness of the voice, the picture sways a little."""
    await asyncio.to_thread(work.mkdir, parents=True, exist_ok=True)
    voice = work / f"{name}.wav"
    request = GenRequest(
        Capability.VOICE, line, options={"voice": "en-m1", "language": "en"}, duration_s=seconds
    )
    await LocalVoice(work_dir=work).render(request, voice, lambda _fraction: None)
    frames = round(seconds * FPS)
    await asyncio.to_thread(_draw_frames, work, name, _loudness(voice, frames))
    clip = work / f"{name}-acting.mp4"
    # A slow sway of the picture stands in for the member moving in front of their camera.
    await run_ffmpeg(
        ["-framerate", str(FPS), "-i", str(work / f"{name}-%03d.png"), "-i", str(voice),
         "-filter_complex",
         "[0:v]scale=480:640,zoompan=z='1.08+0.06*sin(2*PI*on/18)':x='iw/2-(iw/zoom/2)'"
         f":y='ih/2-(ih/zoom/2)':d=1:s=240x320:fps={FPS},format=yuv420p[v];[1:a]apad[a]",
         "-map", "[v]", "-map", "[a]", "-t", f"{seconds:.2f}",
         "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "64k",
         "-movflags", "+faststart", str(clip)],
        total_s=seconds,
    )  # fmt: skip
    return await asyncio.to_thread(clip.read_bytes)


def _loudness(wav: Path, frames: int) -> list[float]:
    """The voice's peak level (0..1) during each video frame; silence past its end."""
    with wave.open(str(wav), "rb") as reader:
        if reader.getsampwidth() != 2:  # espeak-ng through LocalVoice writes 16-bit PCM
            return [0.0] * frames
        per_frame = reader.getframerate() // FPS * reader.getnchannels()
        samples = array.array("h", reader.readframes(reader.getnframes()))
    levels = []
    for index in range(frames):
        chunk = samples[index * per_frame : (index + 1) * per_frame]
        levels.append(min(1.0, max((abs(s) for s in chunk), default=0) / 20000))
    return levels


def _draw_frames(work: Path, name: str, levels: list[float]) -> None:
    """One PNG per video frame: the member's portrait, mouth open as wide as the voice is loud."""
    face = Image.open(io.BytesIO(portrait(name, (70, 120, 190), seed=11))).convert("RGB")
    for index, level in enumerate(levels):
        frame = face.copy()
        opening = 2 + round(20 * level)  # a closed mouth is still a line
        ImageDraw.Draw(frame).ellipse(
            (176, 246 - opening // 2, 208, 246 + opening // 2), fill=(90, 30, 35)
        )
        frame.save(work / f"{name}-{index + 1:03d}.png")
