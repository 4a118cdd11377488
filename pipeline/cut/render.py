"""Render a cut plan: cards and crossfades encoded, everything joined by stream copy, then the
sound mixed and levelled, subtitles written and provenance stamped into the file.

What is re-encoded: cards (drawn pictures), crossfaded scenes (the overlapping frames must be
made), and the sound. Locked takes are already in the house format and are joined as they are,
so the cost of a cut grows with its cards and fades, not its length.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.cut import audio
from pipeline.cut.cards import (
    CardClips,
    credits_image,
    episode_title_image,
    scene_image,
    slate_image,
)
from pipeline.cut.plan import Cue, CutPlan, Piece
from pipeline.cut.progress import StageCallback, Stages
from pipeline.cut.subtitles import write_all, write_srts
from pipeline.cut.words import word
from pipeline.media.ffmpeg import ProgressCallback, run_ffmpeg
from pipeline.media.house import AUDIO_RATE, HouseFormat
from storage.cuts import Credits

log = logging.getLogger(__name__)


@dataclass
class RenderedCut:
    path: Path
    duration_s: float
    subtitles: dict[str, Path] = field(default_factory=dict)
    cues: list[Cue] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    reencoded_pieces: int = 0
    copied_pieces: int = 0


async def crossfade_takes(
    paths: list[Path],
    lengths: list[float],
    dst: Path,
    house: HouseFormat,
    *,
    fade_s: float,
    on_progress: ProgressCallback | None = None,
) -> float:
    """Takes joined with a crossfade at each join (picture ``xfade``, sound ``acrossfade``)."""
    total = sum(lengths) - fade_s * (len(paths) - 1)
    frames = house.frames_for(total)
    samples = round(frames / house.fps * AUDIO_RATE)
    inputs: list[str] = []
    parts: list[str] = []
    for i, path in enumerate(paths):
        inputs += ["-i", str(path)]
        parts.append(f"[{i}:v:0]settb=AVTB,setpts=PTS-STARTPTS,fps={house.fps}[v{i}]")
        parts.append(
            f"[{i}:a:0]aresample={AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo[a{i}]"
        )
    v, a = "v0", "a0"
    offset = 0.0
    for i in range(1, len(paths)):
        offset += lengths[i - 1] - fade_s
        parts.append(
            f"[{v}][v{i}]xfade=transition=fade:duration={fade_s:.6f}:offset={offset:.6f}[x{i}]"
        )
        parts.append(f"[{a}][a{i}]acrossfade=d={fade_s:.6f}:c1=tri:c2=tri[y{i}]")
        v, a = f"x{i}", f"y{i}"
    parts.append(f"[{a}]apad=whole_len={samples},atrim=end_sample={samples}[aout]")
    await run_ffmpeg(
        [
            *inputs, "-filter_complex", ";".join(parts),
            "-map", f"[{v}]", "-map", "[aout]", "-frames:v", str(frames),
            *house.video_args(), *house.audio_args(), *house.container_args(), str(dst),
        ],
        total_s=total,
        on_progress=on_progress,
        timeout_s=max(120.0, total * 20),
    )  # fmt: skip
    return frames / house.fps


def provenance(plan: CutPlan, credits: Credits, kind: str = "episode") -> dict[str, str]:
    """What the file says about itself: title, AI disclosure, which generator made each shot."""
    ep = plan.episode
    locale = plan.options.locale
    makers = ", ".join(credits.makers) or "—"
    shots = [
        f"{s.code} take {s.take_id} {s.provider}{(' ' + s.model) if s.model else ''}"
        for piece in plan.pieces
        for s in piece.shots
        if s.locked
    ]
    title = f"{ep.series_name} — {word('episode', locale, n=ep.number)}: {ep.title}"
    if kind == "recap":
        title = f"{word('previously', locale, series=ep.series_name)} — {title}"
    return {
        "title": title,
        "artist": ep.series_name,
        "comment": word("disclosure", locale, makers=makers, series=ep.series_name),
        "description": "AI-generated. Provenance (shot, take, provider, model): "
        + "; ".join(shots),
    }


def write_concat_list(paths: list[Path], dst: Path) -> Path:
    """The concat demuxer's list (single quotes; a quote written as '\\'')."""
    lines = []
    for path in paths:
        escaped = str(path.resolve()).replace("'", "'\\''")
        lines.append(f"file '{escaped}'\n")
    dst.write_text("".join(lines), encoding="utf-8")
    return dst


async def render_pieces(
    plan: CutPlan,
    take_paths: dict[int, Path],
    credits: Credits,
    work_dir: Path,
    stages: Stages,
    *,
    extra_cards: dict[str, Path] | None = None,
) -> tuple[list[Path], int]:
    """A house clip per piece, in order (cards and fades encoded, takes as they are)."""
    ep, house, locale = plan.episode, plan.house, plan.options.locale
    cards = CardClips(work_dir, house)
    count = max(1, sum(1 for p in plan.pieces if p.kind != "take"))
    done = 0
    report = stages.cb("pieces")

    # Cards are drawn only when an encoder is free: drawing them all up front would hold every
    # picture in memory at once (a 200-shot cut has dozens of 720p cards).
    gate = asyncio.Semaphore(2)

    async def one(piece: Piece) -> Path:
        if piece.kind == "take":
            return take_paths[piece.shots[0].shot_id]
        async with gate:
            return await make(piece)

    async def make(piece: Piece) -> Path:
        nonlocal done
        if extra_cards and piece.label in extra_cards:
            path = extra_cards[piece.label]
        elif piece.kind == "fade":
            dst = work_dir / f"fade-{piece.shots[0].shot_id}.mp4"
            fade = piece.shot_starts[0] + piece.shot_lengths[0] - piece.shot_starts[1]
            await crossfade_takes(
                [take_paths[s.shot_id] for s in piece.shots], list(piece.shot_lengths), dst,
                house, fade_s=fade,
            )  # fmt: skip
            path = dst
        else:
            if piece.kind == "title":
                image = episode_title_image(ep, house, locale)
            elif piece.kind == "scene" and piece.scene is not None:
                image = scene_image(piece.scene, ep, house, locale)
            elif piece.kind == "slate":
                image = slate_image(piece.shots[0], ep, house, locale)
            else:
                image = credits_image(credits, ep, house, locale)
            fade = 0.25 if piece.kind in ("title", "credits") else 0.0
            path = await cards.clip(image, piece.duration_s, fade_s=fade)
        done += 1
        report(done / count)
        return path

    paths = list(await asyncio.gather(*(one(p) for p in plan.pieces)))
    stages.done("pieces")
    return paths, count


async def render_cut(
    plan: CutPlan,
    take_paths: dict[int, Path],
    credits: Credits,
    work_dir: Path,
    dst: Path,
    *,
    report: StageCallback | None = None,
    kind: str = "episode",
    extra_cards: dict[str, Path] | None = None,
) -> RenderedCut:
    """The master at ``dst`` and its SRTs beside it (``dst.stem.en.srt``...)."""
    opts = plan.options
    burn = opts.burn_subtitles
    stages = Stages(
        {"pieces": 2.0, "join": 0.1, "measure": 1.0, "master": 4.0 if burn else 2.0}, report
    )
    await asyncio.to_thread(work_dir.mkdir, parents=True, exist_ok=True)
    paths, reencoded = await render_pieces(
        plan, take_paths, credits, work_dir, stages, extra_cards=extra_cards
    )
    joined = work_dir / "joined.txt"
    await asyncio.to_thread(write_concat_list, paths, joined)
    stages.done("join")
    cues = plan.cues()
    srts = write_srts(cues, dst.with_suffix(""))
    burn_srt = write_all(cues, work_dir / "burn.srt") if burn else None
    metadata = provenance(plan, credits, kind)
    await audio.master(
        joined, dst, house=plan.house, duration_s=plan.duration_s, metadata=metadata,
        music=opts.music_path, music_db=opts.music_db, target_lufs=opts.loudness_lufs,
        true_peak_dbtp=opts.true_peak_dbtp, burn_srt=burn_srt,
        measure_progress=stages.cb("measure"), on_progress=stages.cb("master"),
    )  # fmt: skip
    stages.done("master")
    log.info(
        "cut rendered: episode %s, %d pieces (%d encoded), %.1f s",
        plan.episode.number, len(plan.pieces), reencoded, plan.duration_s,
    )  # fmt: skip
    return RenderedCut(
        dst, plan.duration_s, srts, cues, metadata, reencoded, len(plan.pieces) - reencoded
    )
