"""A shot's dialogue track: every voice line on one audio track the length of the take.

The lines sit exactly where the cut's subtitles put them (``pipeline.cut.plan.line_cues``, the
same function, fed the same voice lengths): a voice file starts ``LINE_LEAD_S`` before its
subtitle, because a generated voice begins with that much breath (local voice: 0.1 s), and the
next line follows after a ``LINE_GAP_S`` pause. So what is heard and what is read agree.

Lines longer than the take: the take keeps its length (the cut, the premiere runtime and the
other shots depend on it) and the speech is sped up to fit, pitch kept (``atempo``), which is
also what the subtitles do (they squeeze to the shot). Faster than ``MAX_TEMPO`` (1.25x) speech
stops being natural, so past that the lines play at 1.25x one after another and whatever is
still left at the end of the take is cut with a short fade; the plan says how much was lost and
the provider logs it (lengthen the shot or trim a line to keep every word). The subtitles
squeeze no further than 1.25x either, and a line cut off the end gets none, so each subtitle
still starts within 100 ms of its speech.

    plan = plan_track([1.4, 0.9, 1.2], 5.0)        # voice files' lengths, the take's length
    await render_track([wav1, wav2, wav3], plan, dst)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.cut.plan import LINE_GAP_S, LINE_LEAD_S, MAX_SPEECH_TEMPO, line_cues
from pipeline.media.ffmpeg import ProgressCallback, run_ffmpeg
from pipeline.media.house import AUDIO_RATE
from storage.cuts import CutLine, CutShot

MAX_TEMPO = MAX_SPEECH_TEMPO  # beyond 1.25x sped-up speech sounds wrong: cut the end instead
FADE_S = 0.3  # the fade out where lines that do not fit are cut


@dataclass(frozen=True)
class Placement:
    """One voice file on the track: where it starts, and how fast it plays (1.0 as recorded)."""

    start_s: float
    tempo: float = 1.0

    def end_s(self, voice_s: float) -> float:
        return self.start_s + voice_s / self.tempo


@dataclass(frozen=True)
class TrackPlan:
    placements: tuple[Placement, ...]
    length_s: float
    cut_s: float = 0.0  # seconds of speech that did not fit even at MAX_TEMPO (cut, faded)

    @property
    def tempo(self) -> float:
        return max((p.tempo for p in self.placements), default=1.0)

    @property
    def fade_s(self) -> float:
        return min(FADE_S, self.length_s / 4) if self.cut_s > 0 else 0.0


def subtitle_spans(voice_s: Sequence[float], length_s: float) -> list[tuple[float, float]]:
    """When the cut shows each line's subtitle (start, end), relative to the take's start; a
    line cut off the end of the take has none."""
    lines = tuple(
        CutLine(line_id=i, speaker="", text="", language="en", memorable=False, voice_s=s)
        for i, s in enumerate(voice_s)
    )
    shot = CutShot(
        shot_id=0, code="", scene_id=0, episode_number=0, scene_position=0, position=0,
        action="", duration_s=length_s, is_key=False, lines=lines,
    )  # fmt: skip
    return [(cue.start_s, cue.end_s) for cue in line_cues(shot, 0.0, length_s)]


def subtitle_starts(voice_s: Sequence[float], length_s: float) -> list[float]:
    """When the cut shows each line's subtitle, relative to the take's start."""
    return [start for start, _end in subtitle_spans(voice_s, length_s)]


def plan_track(voice_s: Sequence[float], length_s: float) -> TrackPlan:
    """Where each voice file goes on a track of ``length_s`` (see the module's docstring)."""
    if not voice_s:
        return TrackPlan((), length_s)
    if any(s <= 0 for s in voice_s) or length_s <= LINE_LEAD_S:
        raise ValueError(f"cannot place voices of {list(voice_s)} s in {length_s} s")
    natural = sum(voice_s) + LINE_GAP_S * (len(voice_s) - 1)
    # The same squeeze the subtitles get (plan.line_cues): 1.0 when everything fits.
    scale = min(1.0, (length_s - LINE_LEAD_S) / natural)
    if scale >= 1 / MAX_TEMPO:
        tempo = 1.0 / scale
        starts = subtitle_starts(voice_s, length_s)
        return TrackPlan(
            tuple(Placement(max(0.0, s - LINE_LEAD_S / tempo), tempo) for s in starts), length_s
        )
    placements: list[Placement] = []
    t = 0.0
    for seconds in voice_s:
        placements.append(Placement(t, MAX_TEMPO))
        t += (seconds + LINE_GAP_S) / MAX_TEMPO
    heard = t - LINE_GAP_S / MAX_TEMPO
    return TrackPlan(tuple(placements), length_s, cut_s=max(0.0, heard - length_s))


def track_graph(plan: TrackPlan) -> str:
    """Input i (a voice file) delayed to its place, all mixed, padded or cut to the length."""
    samples = round(plan.length_s * AUDIO_RATE)
    parts: list[str] = []
    for i, place in enumerate(plan.placements):
        tempo = f"atempo={place.tempo:.5f}," if abs(place.tempo - 1.0) > 1e-4 else ""
        delay = round(place.start_s * AUDIO_RATE)
        parts.append(
            f"[{i}:a:0]aresample={AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,"
            f"asetpts=PTS-STARTPTS,{tempo}adelay=delays={delay}S:all=1[v{i}]"
        )
    count = len(plan.placements)
    labels = "".join(f"[v{i}]" for i in range(count))
    mix = f"{labels}amix=inputs={count}:duration=longest:normalize=0" if count > 1 else "[v0]anull"
    end = f"apad=whole_len={samples},atrim=end_sample={samples}"
    if plan.fade_s > 0:
        end += f",afade=t=out:st={plan.length_s - plan.fade_s:.3f}:d={plan.fade_s:.3f}"
    parts.append(f"{mix},{end}[out]")
    return ";".join(parts)


async def render_track(
    voices: Sequence[str | Path],
    plan: TrackPlan,
    dst: str | Path,
    *,
    on_progress: ProgressCallback | None = None,
) -> Path:
    """The track as WAV PCM 16-bit 48 kHz stereo, exactly ``plan.length_s`` long."""
    if len(voices) != len(plan.placements) or not voices:
        raise ValueError(f"{len(voices)} voice files for {len(plan.placements)} places")
    inputs: list[str] = []
    for voice in voices:
        inputs += ["-i", str(voice)]
    await run_ffmpeg(
        [
            *inputs, "-filter_complex", track_graph(plan), "-map", "[out]",
            "-ac", "2", "-ar", str(AUDIO_RATE), "-c:a", "pcm_s16le", "-f", "wav", str(dst),
        ],
        total_s=plan.length_s,
        on_progress=on_progress,
        timeout_s=max(120.0, plan.length_s * 4),
    )  # fmt: skip
    return Path(dst)
