"""Test helpers for media: make small sources with real ffmpeg, read frames back with PyAV."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import av
from PIL import Image

from pipeline.media.ffmpeg import ffmpeg_exe


def make_clip(
    dst: Path,
    *,
    size: str = "640x360",
    rate: str = "30",
    seconds: float = 1.0,
    tone_hz: int | None = 440,
    audio_rate: int = 44100,
    audio: str | None = None,
    source: str = "testsrc2",
    extra: tuple[str, ...] = (),
) -> Path:
    """A synthetic clip (moving test pattern; a sine tone, another lavfi ``audio`` or none)."""
    sep = ":" if "=" in source else "="
    args = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"{source}{sep}s={size}:r={rate}"]  # fmt: skip
    if audio is None and tone_hz is not None:
        audio = f"sine=f={tone_hz}:r={audio_rate}"
    if audio is not None:
        args += ["-f", "lavfi", "-i", audio]
    args += ["-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio is not None:
        args += ["-c:a", "aac"]
    args += [*extra, str(dst)]
    subprocess.run(args, check=True, timeout=60)
    return dst


def frame_at(path: Path, index: int) -> Image.Image:
    """The decoded picture number ``index`` (0-based) as RGB."""
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i == index:
                return frame.to_image().convert("RGB")
    raise IndexError(f"{path.name} has no frame {index}")


def image_hash(image: Image.Image) -> str:
    return hashlib.sha256(image.tobytes()).hexdigest()


def mean_abs_diff(a: Image.Image, b: Image.Image) -> float:
    """Average per-channel difference, 0..255 (no numpy here: Pillow's histogram does it)."""
    from PIL import ImageChops

    hist = ImageChops.difference(a, b).convert("L").histogram()
    total = sum(hist)
    return sum(i * n for i, n in enumerate(hist)) / max(1, total)


def count_pixels_near(image: Image.Image, colour: tuple[int, int, int], tol: int = 30) -> int:
    r, g, b = colour
    data = image.convert("RGB").get_flattened_data()
    return sum(
        1 for pr, pg, pb in data if abs(pr - r) <= tol and abs(pg - g) <= tol and abs(pb - b) <= tol
    )


def decoded_samples(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(frame.samples for frame in container.decode(audio=0))


def file_bytes(path: Path) -> bytes:
    return path.read_bytes()


def file_exists(path: Path) -> bool:
    return path.exists()


def remove(path: Path) -> None:
    path.unlink()
