"""The side-by-side comparison of a shot's takes: 4 takes of 8 s at 720p (24 fps, with sound),
built with ffmpeg xstack, then fitted to the upload limit.

Target: built in under 3x the clip's duration on this machine, and within the limit.

    .venv/bin/python bench/bench_comparison.py [--seconds 8] [--takes 4] [--limit-mib 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipeline.dailies import comparison_video
from pipeline.media import aprobe, ffmpeg_exe, fit_for_upload

SOURCES = ["testsrc2", "smptehdbars", "mandelbrot", "life=s=1280x720:mold=10:r=24:ratio=0.1"]


def make_take(dst: Path, source: str, seconds: float) -> Path:
    """A busy 720p take in the house format (H.264 CRF 20, AAC), like an ingested one."""
    lavfi = source if "=" in source else f"{source}=s=1280x720:r=24"
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", lavfi,
         "-f", "lavfi", "-i", "sine=f=330:r=48000", "-t", str(seconds), "-vf", "scale=1280:720",
         "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-shortest", str(dst)],
        check=True, timeout=300,
    )  # fmt: skip
    return dst


async def main(seconds: float, takes: int, limit_mib: float) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-comparison-"))
    clips = [make_take(work / f"take-{i}.mp4", SOURCES[i % len(SOURCES)], seconds)
             for i in range(takes)]  # fmt: skip
    labels = [chr(65 + i) for i in range(takes)]
    limit = int(limit_mib * 1024 * 1024)
    started = time.perf_counter()
    raw = await comparison_video(clips, labels, work / "comparison-full.mp4")
    built = time.perf_counter() - started
    fitted = await fit_for_upload(raw, work / "comparison.mp4", max_bytes=limit)
    total = time.perf_counter() - started
    info, out = await aprobe(raw), await aprobe(fitted)
    assert info.video is not None and out.video is not None
    cpus, load = os.cpu_count(), os.getloadavg()[0]
    print(f"# comparison bench: {takes} takes x {seconds:.0f} s at 1280x720, {cpus} CPUs, "
          f"load {load:.1f}")  # fmt: skip
    print(f"xstack build: {built:5.1f} s = {built / seconds:.2f}x the clip (target < 3x)  "
          f"-> {info.video.width}x{info.video.height}, {info.duration_s:.2f} s, "
          f"{info.size_bytes / 1e6:.1f} MB")  # fmt: skip
    print(f"with fit to {limit_mib:g} MiB: {total:5.1f} s = {total / seconds:.2f}x; "
          f"{out.size_bytes / 1e6:.2f} MB ({out.video.width}x{out.video.height}) "
          f"{'within' if out.size_bytes <= limit else 'OVER'} the limit")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--takes", type=int, default=4)
    parser.add_argument("--limit-mib", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.takes, args.limit_mib))
