"""Tiny acting clips for performance transfer (act_two takes 3-30 s): made once with ffmpeg."""

from __future__ import annotations

from functools import cache

from tests.fakes.media import _cached


@cache
def acting_mp4(seconds: float = 3.5) -> bytes:
    """``seconds`` of a 96x64 "member acting" (a moving test pattern, 8 fps) with a voice-like
    tone: small enough for a data URI, long enough for Runway's 3 s minimum."""
    return _cached(
        f"acting-{seconds:.2f}.mp4",
        args=[
            "-f", "lavfi", "-i", f"testsrc2=size=96x64:rate=8:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=220:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "32k", "-shortest", "-movflags", "+faststart",
        ],
    )  # fmt: skip
