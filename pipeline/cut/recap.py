""" "Previously on <series>": key moments of the earlier episodes, in story order, to a length.

Moments are scored (votes on the locked take, a showrunner's "key" mark, memorable lines),
the best are kept until the target length is filled, then put back in story order. Each is
trimmed to 1.5-4 s around its dialogue (frame-accurate, so re-encoded), the narrator says the
title over the opening card (local espeak voice), and the recap ends on the new episode's title.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from pathlib import Path

from pipeline.cut.cards import CardClips, card_image, episode_title_image
from pipeline.cut.plan import CutOptions, CutPlan, Piece, line_cues
from pipeline.cut.progress import StageCallback
from pipeline.cut.render import RenderedCut, render_cut
from pipeline.cut.words import word
from pipeline.media.cuts import excerpt, lay_sound
from pipeline.media.ffmpeg import run_ffmpeg
from pipeline.media.house import AUDIO_RATE, HouseFormat
from pipeline.media.probe import aprobe
from storage.cuts import Credits, CutShot, EpisodeForCut

MIN_MOMENT_S, MAX_MOMENT_S = 1.5, 4.0
END_CARD_S = 3.0
NARRATOR_VOICE = "narrator deep slow"


class NothingToRecap(ValueError):
    """Episode 1 (or no earlier shot is locked): there is nothing to recap."""

    def __init__(self, number: int) -> None:
        super().__init__(f"episode {number}: nothing earlier to recap")
        self.number = number


@dataclass(frozen=True)
class Moment:
    shot: CutShot
    start_s: float  # within its take
    length_s: float
    score: float
    copy: bool = False  # whole keyframe intervals: stream-copied


def score(shot: CutShot) -> float:
    memorable = sum(1 for line in shot.lines if line.memorable)
    return shot.votes + 3.0 * shot.is_key + 2.0 * memorable + 0.5 * bool(shot.lines)


def moment_of(shot: CutShot, take_s: float, house: HouseFormat) -> Moment:
    """The best 1.5-4 s of a take: around its memorable (else first) line, else its middle.

    Where it can, the moment is whole keyframe intervals of the take (the house format puts a
    keyframe every 2 s, closed GOPs), so it is copied, not encoded: a recap of 60 s then costs
    seconds, not a minute of encoding.
    """
    take_s = max(take_s, 1.0 / house.fps)
    cues = line_cues(shot, 0.0, take_s)
    if cues:
        pick = next(
            (c for c, line in zip(cues, shot.lines, strict=True) if line.memorable), cues[0]
        )
        want = min(MAX_MOMENT_S, max(MIN_MOMENT_S, pick.end_s - pick.start_s + 0.5))
        start = max(0.0, pick.start_s - 0.15)
    else:
        want = min(MAX_MOMENT_S, max(MIN_MOMENT_S, take_s * 0.5))
        start = max(0.0, (take_s - want) / 2)
    gop_s = house.gop / house.fps
    key = math.floor(start / gop_s + 1e-9) * gop_s
    whole = house.exact_duration(min(take_s - key, math.ceil(want / gop_s - 1e-9) * gop_s))
    if MIN_MOMENT_S <= whole <= MAX_MOMENT_S and start - key < 1.0:
        return Moment(shot, key, whole, score(shot), copy=True)
    length = house.exact_duration(min(want, take_s))
    start = max(0.0, min(start, take_s - length))
    return Moment(shot, round(start * house.fps) / house.fps, length, score(shot))


async def copy_excerpt(src: Path, dst: Path, house: HouseFormat, *, start_s: float,
                       duration_s: float) -> bool:  # fmt: skip
    """Whole GOPs of a house take, picture copied; False if the copy is not frame-exact."""
    frames = house.frames_for(duration_s)
    samples = round(frames / house.fps * AUDIO_RATE)
    await run_ffmpeg(
        [
            "-ss", f"{start_s:.6f}", "-i", str(src), "-map", "0:v:0", "-map", "0:a:0",
            # Closed GOPs: the first N packets in decode order are exactly the first N frames.
            "-frames:v", str(frames), "-c:v", "copy",
            "-af", f"asetpts=PTS-STARTPTS,apad=whole_len={samples},atrim=end_sample={samples}",
            *house.audio_args(), "-movflags", "+faststart", "-f", "mp4", str(dst),
        ],
        total_s=duration_s, timeout_s=60,
    )  # fmt: skip
    info = await aprobe(dst)
    return (
        info.video is not None
        and info.video.frames == frames
        and info.video.constant_rate
        and abs(info.video.duration_s - frames / house.fps) < 0.5 / house.fps
    )


def plan_recap(
    episode: EpisodeForCut,
    earlier: list[CutShot],
    options: CutOptions,
    target_s: float,
    take_lengths: dict[int, float],
    *,
    narrator_s: float = 2.5,
) -> tuple[CutPlan, list[Moment]]:
    """Which moments, in story order, so the whole recap is at most ``target_s``."""
    house = HouseFormat(episode.width, episode.height, episode.fps)
    candidates = [s for s in earlier if s.locked and s.shot_id in take_lengths]
    if episode.number <= 1 or not candidates:
        raise NothingToRecap(episode.number)
    opening = house.exact_duration(max(2.0, narrator_s + 0.4))
    closing = house.exact_duration(END_CARD_S)
    budget = target_s - opening - closing
    moments = sorted(
        (moment_of(s, take_lengths[s.shot_id], house) for s in candidates),
        key=lambda m: (-m.score, m.shot.episode_number, m.shot.scene_position, m.shot.position),
    )
    chosen: list[Moment] = []
    used = 0.0
    for moment in moments:
        if used + moment.length_s <= budget + 1e-6:
            chosen.append(moment)
            used += moment.length_s
    order = {s.shot_id: i for i, s in enumerate(earlier)}
    chosen.sort(key=lambda m: order[m.shot.shot_id])
    pieces = [Piece("card", "previously", opening, 0.0)]
    t = opening
    for m in chosen:
        pieces.append(
            Piece(
                "excerpt", f"excerpt:{m.shot.shot_id}", m.length_s, t, (m.shot,),
                (t - m.start_s,), (take_lengths[m.shot.shot_id],),
            )
        )  # fmt: skip
        t += m.length_s
    pieces.append(Piece("card", "next", closing, t))
    return CutPlan(episode, options, house, tuple(pieces)), chosen


async def narrator_line(text: str, dst: Path, locale: str) -> float:
    """The narrator's line as a WAV (local espeak voice); returns its length in seconds."""
    from pipeline.providers.local._espeak import speak, voice_spec

    spec = voice_spec(NARRATOR_VOICE, "fr" if locale.startswith("fr") else "en")
    pcm, rate = await speak(text, spec)
    await run_ffmpeg(
        [
            "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
            "-af", f"aresample={AUDIO_RATE},adelay=200:all=1",
            "-ac", "2", "-c:a", "pcm_s16le", "-f", "wav", str(dst),
        ],
        stdin_data=pcm,
        timeout_s=60,
    )  # fmt: skip
    return len(pcm) / 2 / rate + 0.2


async def render_recap(
    plan: CutPlan,
    moments: list[Moment],
    take_paths: dict[int, Path],
    work_dir: Path,
    dst: Path,
    *,
    report: StageCallback | None = None,
    narrator: Path | None = None,
) -> RenderedCut:
    """Excerpts, the narrated opening card and the closing title; then the usual master."""
    ep, house, locale = plan.episode, plan.house, plan.options.locale
    await asyncio.to_thread(work_dir.mkdir, parents=True, exist_ok=True)
    cards = CardClips(work_dir, house)
    opening, closing = plan.pieces[0], plan.pieces[-1]

    async def opening_clip() -> Path:
        title = word("previously", locale, series=ep.series_name)
        silent = await cards.clip(card_image(title, "", ep, house, locale), opening.duration_s)
        voice = narrator
        if voice is None:
            voice = work_dir / "narrator.wav"
            await narrator_line(word("previously.spoken", locale, series=ep.series_name),
                                voice, locale)  # fmt: skip
        out = work_dir / "opening.mp4"
        await lay_sound(silent, voice, out, house=house)
        return out

    async def cut_moment(m: Moment) -> Path:
        out = work_dir / f"excerpt-{m.shot.shot_id}.mp4"
        src = take_paths[m.shot.shot_id]
        if m.copy and await copy_excerpt(src, out, house, start_s=m.start_s,
                                         duration_s=m.length_s):  # fmt: skip
            return out
        await excerpt(src, out, house, start_s=m.start_s, duration_s=m.length_s)
        return out

    async def closing_clip() -> Path:
        image = episode_title_image(ep, house, locale)
        return await cards.clip(image, closing.duration_s, fade_s=0.25)

    made = await asyncio.gather(opening_clip(), closing_clip(), *(cut_moment(m) for m in moments))
    extra = {"previously": made[0], "next": made[1]}
    for m, path in zip(moments, made[2:], strict=True):
        extra[f"excerpt:{m.shot.shot_id}"] = path
    return await render_cut(
        plan, take_paths, Credits(), work_dir, dst, report=report, kind="recap", extra_cards=extra
    )


async def narrated_length(locale: str, series: str, work_dir: Path) -> tuple[Path, float]:
    """Speak the narrator's line first, so the plan knows how long the opening card must be."""
    await asyncio.to_thread(work_dir.mkdir, parents=True, exist_ok=True)
    path = work_dir / "narrator.wav"
    seconds = await narrator_line(word("previously.spoken", locale, series=series), path, locale)
    return path, seconds


__all__ = ["Moment", "NothingToRecap", "narrated_length", "plan_recap", "render_recap"]
