"""The Discord copy of a render: two-pass fit against the one-pass baseline.

A 720p master (30 s with sound: a calm first half, a test pattern, and a busy second half,
the same pattern under heavy grain) fitted to an upload limit
(default 8 MiB, under Discord's 10 MiB). Prints, for one pass (the previous fitter, still used
for copies shorter than 2 s) and for two passes: the final size against the limit (how much of
the allowed quality the member gets), the picture quality against the master (PSNR, dB;
higher is better), the resolution kept, the encodes it took and the time.

    .venv/bin/python bench/bench_upload_fit.py [--seconds 30] [--limit-mib 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipeline.media import aprobe, delivery, ffmpeg_exe


def make_master(dst: Path, seconds: float) -> Path:
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", "testsrc2=s=1280x720:r=24", "-f", "lavfi", "-i", "sine=f=330:r=48000",
         "-t", str(seconds), "-vf", f"noise=alls=40:allf=t:enable='gte(t,{seconds / 2})'",
         "-c:v", "libx264",
         "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac",
         "-shortest", str(dst)],
        check=True, timeout=600,
    )  # fmt: skip
    return dst


async def fit(master: Path, dst: Path, limit: int, passes: int) -> dict[str, Any]:
    encodes = 0
    real_encode = delivery._encode

    async def counted(*args: Any, **kwargs: Any) -> None:
        nonlocal encodes
        encodes += 1
        await real_encode(*args, **kwargs)

    original = delivery.passes_for
    delivery.passes_for = lambda _d: passes  # type: ignore[assignment]
    delivery._encode = counted  # type: ignore[assignment]
    try:
        began = time.perf_counter()
        await delivery.fit_for_upload(master, dst, max_bytes=limit)
        took = time.perf_counter() - began
    finally:
        delivery.passes_for = original  # type: ignore[assignment]
        delivery._encode = real_encode  # type: ignore[assignment]
    info = await aprobe(dst)
    assert info.video is not None
    return {"size": info.size_bytes, "height": info.video.height, "encodes": encodes, "s": took,
            "psnr": psnr(dst, master)}  # fmt: skip


def psnr(copy: Path, master: Path) -> float:
    run = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(copy), "-i", str(master), "-lavfi",
         "[0:v]scale=1280:720[a];[a][1:v]psnr", "-f", "null", "-"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    match = re.search(r"average:([0-9.]+)", run.stderr)
    return float(match.group(1)) if match else float("nan")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--limit-mib", type=float, default=8.0)
    args = parser.parse_args()
    limit = int(args.limit_mib * 1024 * 1024)
    with tempfile.TemporaryDirectory() as folder:
        master = make_master(Path(folder) / "master.mp4", args.seconds)
        size = (await aprobe(master)).size_bytes
        print(
            f"master: {args.seconds:.0f} s 720p, {size / 2**20:.1f} MiB; limit {args.limit_mib} MiB"
        )
        one = await fit(master, Path(folder) / "one.mp4", limit, 1)
        two = await fit(master, Path(folder) / "two.mp4", limit, 2)
    for name, r in (("one pass (baseline)", one), ("two passes", two)):
        print(f"{name:20s} size {r['size'] / limit:6.1%} of limit  PSNR {r['psnr']:.2f} dB  "
              f"{r['height']}p  encodes {r['encodes']}  {r['s']:.1f} s")  # fmt: skip
    print(f"ratio two/one: size used {two['size'] / one['size']:.2f}x, "
          f"PSNR {two['psnr'] - one['psnr']:+.2f} dB, time {two['s'] / one['s']:.2f}x")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
