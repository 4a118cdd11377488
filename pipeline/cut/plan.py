"""The cut as a list of pieces on a timeline, decided before anything is rendered.

A plan is pure data: the opening title card, then per scene a scene card and its shots (the
locked take, or a slate "waiting for takes" in a preview), then the end credits. Every piece has
an exact length in whole frames and a start in the cut, so subtitles, the OTIO export and the
quality checks all read the same numbers the renderer uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.media.house import HouseFormat
from storage.cuts import CutScene, CutShot, EpisodeForCut

# A generated voice starts after this much silence (pipeline/providers/local/voice.py: 0.1 s
# lead); lines follow one another with a short breath between them.
LINE_LEAD_S = 0.1
LINE_GAP_S = 0.15
# Speech sped up past 1.25x stops sounding natural: the dialogue track (pipeline/media/dialogue)
# plays over-long lines at that speed and cuts what is left at the shot's end, so the subtitles
# squeeze no further either, and a line that would start after the shot's end gets none.
MAX_SPEECH_TEMPO = 1.25
READING_CHARS_PER_S = 15.0
MIN_LINE_S = 1.2
MIN_CUE_S = 0.3  # a subtitle shorter than this cannot be read: left out


class ShotsNotLocked(ValueError):
    """A final cut was asked for while these shots have no locked take."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(f"shots without a locked take: {', '.join(codes)}")
        self.codes = codes


class NothingLocked(ValueError):
    """Not one shot of the episode has a locked take: there is nothing to cut yet."""


@dataclass(frozen=True)
class CutOptions:
    final: bool = False
    # True: every scene's shot joins crossfade; a set: only those scenes (scene ids).
    crossfade: bool | frozenset[int] = False
    crossfade_s: float = 0.5
    burn_subtitles: bool = False
    title_s: float = 3.0
    scene_card_s: float = 2.0
    credits_s: float = 5.0
    music_path: Path | None = None
    music_db: float = -12.0  # the bed's level before ducking
    loudness_lufs: float = -16.0
    true_peak_dbtp: float = -1.0
    locale: str = "en"
    allow_empty: bool = False  # a preview of an episode with nothing locked (slates only)

    def fades(self, scene_id: int) -> bool:
        if isinstance(self.crossfade, bool):
            return self.crossfade
        return scene_id in self.crossfade


@dataclass(frozen=True)
class Piece:
    """One thing on the timeline. ``kind``: title | scene | take | slate | fade | credits | card.

    ``fade`` is several takes of one scene crossfaded into one re-encoded piece; ``shots`` and
    ``shot_starts`` (in the cut) say where each of them begins.
    """

    kind: str
    label: str
    duration_s: float
    start_s: float
    shots: tuple[CutShot, ...] = ()
    shot_starts: tuple[float, ...] = ()
    shot_lengths: tuple[float, ...] = ()
    scene: CutScene | None = None

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s

    @property
    def is_card(self) -> bool:
        return self.kind in ("title", "scene", "slate", "credits", "card")


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    text: str
    language: str
    speaker: str
    shot_code: str


@dataclass(frozen=True)
class CutPlan:
    episode: EpisodeForCut
    options: CutOptions
    house: HouseFormat
    pieces: tuple[Piece, ...] = field(default_factory=tuple)

    @property
    def duration_s(self) -> float:
        return self.pieces[-1].end_s if self.pieces else 0.0

    def cues(self) -> list[Cue]:
        out: list[Cue] = []
        for piece in self.pieces:
            for shot, start, length in zip(
                piece.shots, piece.shot_starts, piece.shot_lengths, strict=True
            ):
                for cue in line_cues(shot, start, length):
                    # An excerpt shows part of its take: keep what is heard within it.
                    a, b = max(cue.start_s, piece.start_s), min(cue.end_s, piece.end_s)
                    if b - a >= MIN_CUE_S:
                        out.append(Cue(a, b, cue.text, cue.language, cue.speaker, cue.shot_code))
        return out


def line_cues(shot: CutShot, start_s: float, length_s: float) -> list[Cue]:
    """Where a shot's lines are heard: one after another from the voice's lead-in.

    A line lasts as long as its generated voice, else its reading time; lines that would run past
    the shot are squeezed to fit it, down to ``1 / MAX_SPEECH_TEMPO`` of their length (what the
    dialogue track does to the voices); what still does not fit is cut at the shot's end.
    """
    if not shot.lines:
        return []
    spans = [
        line.voice_s or max(MIN_LINE_S, len(line.text) / READING_CHARS_PER_S) for line in shot.lines
    ]
    needed = LINE_LEAD_S + sum(spans) + LINE_GAP_S * (len(spans) - 1)
    scale = min(1.0, (length_s - LINE_LEAD_S) / max(needed - LINE_LEAD_S, 1e-6))
    scale = max(scale, 1 / MAX_SPEECH_TEMPO)
    out: list[Cue] = []
    t = start_s + LINE_LEAD_S
    for line, span in zip(shot.lines, spans, strict=True):
        if t >= start_s + length_s - MIN_CUE_S:
            break  # cut with the end of the track: not heard, so not shown
        end = min(t + span * scale, start_s + length_s)
        out.append(Cue(t, end, line.text, line.language, line.speaker, shot.code))
        t = end + LINE_GAP_S * scale
    return out


def plan_cut(
    episode: EpisodeForCut,
    options: CutOptions,
    take_lengths: dict[int, float],
    *,
    house: HouseFormat | None = None,
) -> CutPlan:
    """The episode's timeline. ``take_lengths``: shot id -> its take's exact length (probed).

    Raises :class:`NothingLocked` when no shot has a take (unless ``allow_empty``) and
    :class:`ShotsNotLocked` for a final cut with shots still waiting.
    """
    house = house or HouseFormat(episode.width, episode.height, episode.fps)
    if not any(s.locked for s in episode.shots) and not options.allow_empty:
        raise NothingLocked(f"episode {episode.number}: no shot is locked")
    if options.final and episode.unlocked:
        raise ShotsNotLocked([s.code for s in episode.unlocked])
    pieces: list[Piece] = []
    t = 0.0

    def add(kind: str, label: str, seconds: float, **kw: object) -> None:
        nonlocal t
        length = house.exact_duration(seconds)
        pieces.append(Piece(kind, label, length, t, **kw))  # type: ignore[arg-type]
        t += length

    add("title", "title", options.title_s)
    by_scene: dict[int, list[CutShot]] = {}
    for shot in episode.shots:
        by_scene.setdefault(shot.scene_id, []).append(shot)
    for scene in episode.scenes:
        shots = by_scene.get(scene.scene_id, [])
        if not shots:
            continue
        add("scene", f"scene {scene.code}", options.scene_card_s, scene=scene)
        run: list[CutShot] = []
        for item in [*shots, None]:
            if item is not None and item.locked and options.fades(scene.scene_id):
                run.append(item)
                continue
            if run:
                t = _add_run(pieces, run, t, take_lengths, options, scene, house)
                run = []
            if item is None:
                continue
            if item.locked:
                length = house.exact_duration(take_lengths.get(item.shot_id, item.duration_s))
                pieces.append(Piece("take", item.code, length, t, (item,), (t,), (length,), scene))
            else:
                length = house.exact_duration(item.duration_s)
                pieces.append(Piece("slate", item.code, length, t, (item,), (t,), (length,), scene))
            t += length
    add("credits", "credits", options.credits_s)
    return CutPlan(episode, options, house, tuple(pieces))


def _add_run(
    pieces: list[Piece],
    run: list[CutShot],
    t: float,
    take_lengths: dict[int, float],
    options: CutOptions,
    scene: CutScene,
    house: HouseFormat,
) -> float:
    """Consecutive locked shots of a crossfaded scene: one piece, each join overlapping."""
    lengths = [house.exact_duration(take_lengths.get(s.shot_id, s.duration_s)) for s in run]
    if len(run) == 1:
        pieces.append(
            Piece("take", run[0].code, lengths[0], t, (run[0],), (t,), (lengths[0],), scene)
        )
        return t + lengths[0]
    # A fade can be no longer than half the shortest shot, and is whole frames.
    fade = house.exact_duration(min(options.crossfade_s, min(lengths) / 2))
    starts: list[float] = []
    cursor = t
    for length in lengths:
        starts.append(cursor)
        cursor += length - fade
    total = sum(lengths) - fade * (len(run) - 1)
    label = f"{run[0].code}–{run[-1].code}"
    pieces.append(Piece("fade", label, total, t, tuple(run), tuple(starts), tuple(lengths), scene))
    return t + total
