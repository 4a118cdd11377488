"""How fast and how lean the cut is, against its running time and against MoviePy.

    .venv/bin/python bench/bench_cut_episode.py [--shots 40] [--seconds 5] [--skip-moviepy]

1. A 40-shot episode of 5 s shots at 720p in the house format (takes made once with ffmpeg's
   test pattern into a cache folder): our cut's wall time against the episode's running time
   (target <= 1/8), and the same edit (title card, scene cards, the takes, credits, one file)
   done the way MoneyPrinterTurbo and ShortGPT do it, with MoviePy (``pip install
   .[bench]``), in the same run: the ratio.
2. Memory: peak RSS (this process and its ffmpeg children) of a 200-shot cut against a 20-shot
   cut, each in a fresh process (target ratio <= 1.5).
3. A 60 s "Previously on..." from three earlier episodes (target < 20 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.cut.plan import CutOptions, plan_cut
from pipeline.cut.recap import plan_recap, render_recap
from pipeline.cut.render import render_cut
from pipeline.media.ffmpeg import run_ffmpeg
from pipeline.media.house import AUDIO_RATE, HouseFormat
from storage.cuts import Credits, CutLine, CutScene, CutShot, EpisodeForCut

HOUSE = HouseFormat(1280, 720, 24)
CACHE = Path(tempfile.gettempdir()) / "dailies-bench-cut"
DISTINCT_TAKES = 40  # longer episodes reuse these files (a join does not care)


async def make_take(dst: Path, seconds: float, i: int) -> Path:
    if dst.exists():  # noqa: ASYNC240  (a bench: the loop has nothing else to do)
        return dst
    frames = HOUSE.frames_for(seconds)
    samples = round(frames / HOUSE.fps * AUDIO_RATE)
    tone = (
        f"sine=f={200 + 20 * (i % 30)}:r={AUDIO_RATE}:d={seconds},"
        f"volume=enable='not(between(t,0.1,{min(seconds, 2.5)}))':volume=0"
    )
    tmp = dst.with_suffix(".part.mp4")
    await run_ffmpeg(
        [
            "-f", "lavfi", "-i", f"testsrc2=s={HOUSE.width}x{HOUSE.height}:r={HOUSE.fps}",
            "-f", "lavfi", "-i", tone,
            "-filter_complex", f"[0:v]hue=h={i * 37 % 360}[v];"
            f"[1:a]aformat=channel_layouts=stereo,apad=whole_len={samples},"
            f"atrim=end_sample={samples}[a]",
            "-map", "[v]", "-map", "[a]", "-frames:v", str(frames),
            *HOUSE.video_args(), *HOUSE.audio_args(), *HOUSE.container_args(), str(tmp),
        ],
        timeout_s=300,
    )  # fmt: skip
    tmp.rename(dst)
    return dst


async def takes(seconds: float) -> list[Path]:
    CACHE.mkdir(parents=True, exist_ok=True)
    return [await make_take(CACHE / f"take-{seconds}-{i}.mp4", seconds, i)
            for i in range(DISTINCT_TAKES)]  # fmt: skip


def episode(n_shots: int, seconds: float, number: int = 4, per_scene: int = 8) -> EpisodeForCut:
    scenes = [CutScene(k + 1, k + 1, f"{number}.{k + 1}", f"INT. PHARE – NUIT {k + 1}", "")
              for k in range((n_shots + per_scene - 1) // per_scene)]  # fmt: skip
    shots = []
    for i in range(n_shots):
        scene = scenes[i // per_scene]
        line = CutLine(i, "MARA", f"Line {i}: où étais-tu ?", "fr", i % 5 == 0, 2.4)
        shots.append(CutShot(
            shot_id=number * 1000 + i, code=f"{number}.{scene.position}.{i % per_scene + 1}",
            scene_id=scene.scene_id, episode_number=number, scene_position=scene.position,
            position=i % per_scene + 1, action="", duration_s=seconds, is_key=i % 7 == 0,
            take_id=i, video_sha256=f"{i:064x}", take_duration_s=seconds,
            provider="local-animatic", model="animatic-1", votes=float(i % 4), lines=(line,),
        ))  # fmt: skip
    return EpisodeForCut(1, number, 1, number, "La Nuit du Phare", "", "Nuit Blanche", "navy, gold",
                         HOUSE.width, HOUSE.height, HOUSE.fps, "fr", 10 << 20,
                         tuple(scenes), tuple(shots))  # fmt: skip


CREDITS = Credits({"writer": ["Ana", "Zoé"], "voter": ["Bob", "Chloé"]}, ["local-animatic"])


async def our_cut(n_shots: int, seconds: float, out: Path) -> tuple[float, float]:
    files = await takes(seconds)
    ep = episode(n_shots, seconds)
    paths = {s.shot_id: files[i % len(files)] for i, s in enumerate(ep.shots)}
    plan = plan_cut(ep, CutOptions(locale="fr"), {k: seconds for k in paths})
    started = time.perf_counter()
    await render_cut(plan, paths, CREDITS, out / "work", out / f"cut-{n_shots}.mp4")
    return time.perf_counter() - started, plan.duration_s


def moviepy_cut(n_shots: int, seconds: float, out: Path, work: Path) -> float:
    """The same edit in MoviePy: cards as ImageClips, every take decoded and re-encoded."""
    from moviepy import ImageClip, VideoFileClip, concatenate_videoclips

    from pipeline.cut.cards import credits_image, episode_title_image, scene_image

    ep = episode(n_shots, seconds)
    files = [CACHE / f"take-{seconds}-{i}.mp4" for i in range(DISTINCT_TAKES)]
    started = time.perf_counter()

    def still(image: object, name: str, length: float) -> ImageClip:
        path = work / f"{name}.png"
        image.save(path)  # type: ignore[attr-defined]
        return ImageClip(str(path)).with_duration(length)

    clips = [still(episode_title_image(ep, HOUSE, "fr"), "title", 3.0)]
    for scene in ep.scenes:
        clips.append(still(scene_image(scene, ep, HOUSE, "fr"), f"scene{scene.position}", 2.0))
        for i, s in enumerate(ep.shots):
            if s.scene_id == scene.scene_id:
                clips.append(VideoFileClip(str(files[i % len(files)])))
    clips.append(still(credits_image(CREDITS, ep, HOUSE, "fr"), "credits", 5.0))
    final = concatenate_videoclips(clips, method="compose")
    final.write_videofile(str(out / "moviepy.mp4"), fps=HOUSE.fps, codec="libx264",
                          audio_codec="aac", preset="veryfast", threads=2, logger=None)  # fmt: skip
    return time.perf_counter() - started


def child_peak(n_shots: int, seconds: float) -> dict[str, float]:
    """A cut of ``n_shots`` in a fresh process; its own and its children's peak RSS (MB)."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(n_shots), "--seconds", str(seconds)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


async def child(n_shots: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wall, length = await our_cut(n_shots, seconds, Path(tmp))
    # VmHWM is this process's own high-water mark (ru_maxrss would carry the parent's RSS at
    # fork over exec); children: the largest ffmpeg's peak.
    status = Path("/proc/self/status").read_text()  # noqa: ASYNC240
    me = int(next(x for x in status.splitlines() if x.startswith("VmHWM")).split()[1]) / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"self_mb": me, "children_mb": kids, "wall_s": wall, "length_s": length}))


async def recap_bench(seconds: float, out: Path) -> tuple[float, float]:
    files = await takes(seconds)
    earlier = [s for n in (1, 2, 3) for s in episode(12, seconds, number=n).shots]
    new = episode(4, seconds, number=4)
    paths = {s.shot_id: files[i % len(files)] for i, s in enumerate(earlier)}
    started = time.perf_counter()
    plan, moments = plan_recap(new, earlier, CutOptions(locale="fr"), 60.0,
                               {k: seconds for k in paths})  # fmt: skip
    await render_recap(plan, moments, paths, out / "recap-work", out / "recap.mp4")
    return time.perf_counter() - started, plan.duration_s


async def main(args: argparse.Namespace) -> None:
    print(f"takes cache: {CACHE}")
    started = time.perf_counter()
    await takes(args.seconds)
    print(f"takes ready in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        wall, length = await our_cut(args.shots, args.seconds, out)
        print(f"our cut, {args.shots} shots x {args.seconds:g} s at 720p: {wall:6.2f} s for "
              f"{length:.1f} s of episode = 1/{length / wall:.1f} of its running time "
              f"(target <= 1/8)")  # fmt: skip
        if not args.skip_moviepy:
            mp = await asyncio.to_thread(moviepy_cut, args.shots, args.seconds, out, out)
            print(f"MoviePy, same edit:            {mp:6.2f} s  -> ours is {mp / wall:.1f}x "
                  f"faster (target >= 5x)")  # fmt: skip
        rwall, rlen = await recap_bench(args.seconds, out)
        print(f"recap, 60 s target from 3 earlier episodes: {rwall:6.2f} s "
              f"({rlen:.1f} s long; target < 20 s)")  # fmt: skip
    small = child_peak(20, args.seconds)
    large = child_peak(200, args.seconds)
    for label, m in (("20-shot", small), ("200-shot", large)):
        print(
            f"memory, {label} cut: self {m['self_mb']:.0f} MB, largest ffmpeg child "
            f"{m['children_mb']:.0f} MB, wall {m['wall_s']:.1f} s for {m['length_s']:.0f} s"
        )
    for key, label in (("self_mb", "Python process"), ("children_mb", "largest ffmpeg")):
        print(f"memory ratio 200-shot / 20-shot, {label}: {large[key] / small[key]:.2f} "
              f"(target <= 1.5)")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--shots", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--skip-moviepy", action="store_true")
    parser.add_argument("--child", type=int, default=0)
    ns = parser.parse_args()
    if ns.child:
        asyncio.run(child(ns.child, ns.seconds))
    else:
        asyncio.run(main(ns))
