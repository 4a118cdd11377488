"""Real, tiny media files for the fakes to serve: made once with ffmpeg/Pillow, then cached."""

from __future__ import annotations

import io
import math
import os
import shutil
import struct
import subprocess
import tempfile
import wave
from functools import cache
from pathlib import Path

import imageio_ffmpeg
from PIL import Image, ImageDraw

CACHE = Path(tempfile.gettempdir()) / "dailies-fake-media-v1"


def _ffmpeg() -> str:
    return (
        os.environ.get("DAILIES_FFMPEG")
        or shutil.which("ffmpeg")
        or (imageio_ffmpeg.get_ffmpeg_exe())
    )


def _cached(name: str, make: bytes | None = None, args: list[str] | None = None) -> bytes:
    path = CACHE / name
    if path.exists() and path.stat().st_size > 0:
        return path.read_bytes()
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = CACHE / f".{name}.{os.getpid()}.tmp{path.suffix}"
    if make is not None:
        tmp.write_bytes(make)
    else:
        assert args is not None
        subprocess.run(
            [_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", *args, str(tmp)],
            check=True,
            timeout=60,
        )
    tmp.replace(path)
    return path.read_bytes()


@cache
def video_mp4() -> bytes:
    """Half a second of 64x36 H.264 test pattern, 24 fps, with a sine audio track."""
    return _cached(
        "take.mp4",
        args=[
            "-f", "lavfi", "-i", "testsrc=size=64x36:rate=24:duration=0.5",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=0.5",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "32k", "-shortest", "-movflags", "+faststart",
        ],
    )  # fmt: skip


@cache
def image_png() -> bytes:
    img = Image.new("RGB", (48, 32), (30, 60, 90))
    ImageDraw.Draw(img).ellipse((8, 4, 40, 28), fill=(230, 180, 60))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return _cached("still.png", make=buf.getvalue())


@cache
def audio_wav() -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        frames = (int(8000 * math.sin(2 * math.pi * 440 * i / 16000)) for i in range(4800))
        w.writeframes(b"".join(struct.pack("<h", f) for f in frames))
    return _cached("line.wav", make=buf.getvalue())


@cache
def audio_mp3() -> bytes:
    return _cached(
        "line.mp3",
        args=["-f", "lavfi", "-i", "sine=frequency=330:duration=0.4", "-c:a", "libmp3lame",
              "-b:a", "32k"],
    )  # fmt: skip


MEDIA = {
    "video": (video_mp4, "video/mp4"),
    "image": (image_png, "image/png"),
    "audio": (audio_mp3, "audio/mpeg"),
    "wav": (audio_wav, "audio/wav"),
}


def media(kind: str) -> tuple[bytes, str]:
    make, ctype = MEDIA[kind]
    return make(), ctype
