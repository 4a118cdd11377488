"""How fast the key-less loop makes media, against real time (the baseline: the take's length).

    .venv/bin/python bench/bench_media_animatic.py [--runs 3] [--seconds 5] [--size 1280x720]

Prints, for a 720p take of ``--seconds``: the local animatic's render time and its ratio to real
time (< 1.0 means faster than playing it), ingest of that take (the house-format fast path, no
second encode), normalising a foreign 1080p/30 clip with sound, a voice line, and the lip-sync.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.ingest import normalise_take
from pipeline.media.ffmpeg import run_ffmpeg
from pipeline.providers.base import Capability, GenRequest
from pipeline.providers.local import LocalAnimatic, LocalLipsync, LocalVoice


async def timed(make: Callable[[int], Awaitable[object]], runs: int) -> list[float]:
    times = []
    for i in range(runs):
        started = time.perf_counter()
        await make(i)
        times.append(time.perf_counter() - started)
    return times


def report(label: str, times: list[float], real_s: float | None = None) -> None:
    best, median = min(times), statistics.median(times)
    line = f"{label:<44} best {best:6.2f} s   median {median:6.2f} s"
    if real_s:
        line += f"   x{median / real_s:5.2f} real time"
    print(line)


async def main(runs: int, seconds: float, width: int, height: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-media-") as tmp:
        work = Path(tmp)
        animatic = LocalAnimatic(work_dir=work / "renders", submit_wait_s=600)
        ref = work / "mara.png"
        await run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=300x400", "-frames:v", "1", str(ref)])
        outputs: list[Path] = []

        async def take(i: int) -> None:
            request = GenRequest(
                Capability.TEXT_TO_VIDEO,
                "Mara climbs the lighthouse stairs at dusk; the lamp flickers.",
                duration_s=seconds, width=width, height=height, fps=24, seed=1000 + i,
                inputs={"character:Mara": str(ref)},
                options={"movement": ("push in", "pan left", "handheld")[i % 3],
                         "characters": ["Jules"], "shot_size": "medium"},
            )  # fmt: skip
            result = await animatic.submit(request, f"bench-{i}")
            outputs.append(Path(result.handle["output"]))

        report(f"local-animatic {seconds:g}s {width}x{height}", await timed(take, runs), seconds)

        async def ingest_fast(i: int) -> None:
            await normalise_take(outputs[0], width=width, height=height, fps=24,
                                 dst_dir=work / f"fast{i}")  # fmt: skip

        report("ingest, house-format take (copy)", await timed(ingest_fast, runs))

        foreign = work / "foreign.mp4"
        await run_ffmpeg(
            ["-f", "lavfi", "-i", "testsrc2=s=1920x1080:r=30", "-f", "lavfi", "-i",
             "sine=f=300:r=44100", "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast",
             "-c:a", "aac", str(foreign)]
        )  # fmt: skip

        async def ingest_foreign(i: int) -> None:
            await normalise_take(foreign, width=width, height=height, fps=24,
                                 dst_dir=work / f"norm{i}")  # fmt: skip

        report(f"ingest, foreign 1080p30 {seconds:g}s (encode)", await timed(ingest_foreign, runs),
               seconds)  # fmt: skip

        voice = LocalVoice(work_dir=work / "voice")
        lines: list[Path] = []

        async def speak(i: int) -> None:
            request = GenRequest(
                Capability.VOICE,
                "Je t'avais dit de ne jamais monter là-haut.",
                options={"voice": "fr-f2", "language": "fr"},
                seed=i,
            )
            result = await voice.submit(request, f"line-{i}")
            lines.append(Path(result.handle["output"]))

        report("local-voice, one French line", await timed(speak, runs))

        lipsync = LocalLipsync(work_dir=work / "sync")

        async def sync(i: int) -> None:
            request = GenRequest(Capability.LIPSYNC, "", seed=i, inputs={
                "video": str(outputs[0]), "audio": str(lines[0])})  # fmt: skip
            await lipsync.submit(request, f"sync-{i}")

        report("local-lipsync (picture stream-copied)", await timed(sync, runs), seconds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--size", default="1280x720")
    args = parser.parse_args()
    w, h = (int(x) for x in args.size.split("x"))
    asyncio.run(main(args.runs, args.seconds, w, h))
