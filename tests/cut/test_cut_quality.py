"""The cut on real renders (320x180, 1.5 s takes): what a viewer would notice if it went wrong."""

from __future__ import annotations

import re
from pathlib import Path

import av
import pytest

from pipeline.cut.plan import CutOptions, CutPlan, NothingLocked, ShotsNotLocked, plan_cut
from pipeline.cut.render import RenderedCut, render_cut
from pipeline.cut.subtitles import parse_srt
from pipeline.media import (
    aprobe,
    detect_black,
    detect_freeze,
    fit_for_upload,
    measure_loudness,
    run_ffmpeg,
)
from storage.cuts import Credits, CutScene
from tests.cut.world import HOUSE, episode, make_take, shot

FRAME = 1 / HOUSE.fps
SCENES = [CutScene(1, 1, "2.1", "INT. PHARE – NUIT", "Mara arrive."), CutScene(2, 2, "2.2",
          "EXT. GRÈVE – AUBE", "")]  # fmt: skip
CREDITS = Credits({"writer": ["Ana", "Zoé"], "voter": ["Bob"], "showrunner": ["Élodie"]},
                  ["local-animatic · animatic-1"])  # fmt: skip
FAST = {"title_s": 1.0, "scene_card_s": 1.0, "credits_s": 1.0}


async def _cut(tmp: Path, options: CutOptions, *, unlocked: int | None = None,
               fr_line: bool = True) -> tuple[CutPlan, RenderedCut]:  # fmt: skip
    s1, s2 = SCENES
    tmp.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240
    shots = [
        shot(1, s1, 1),
        shot(
            2,
            s1,
            2,
            line="Là-bas : le phare !" if fr_line else "Over there!",
            language="fr" if fr_line else "en",
        ),
        shot(3, s2, 1, locked=unlocked != 3),
        shot(4, s2, 2),
    ]
    paths = {}
    for i, s in enumerate(shots):
        if s.locked:
            paths[s.shot_id] = await make_take(tmp / f"t{s.shot_id}.mp4", 1.5, pattern=i,
                                               freq=300 + 100 * i)  # fmt: skip
    plan = plan_cut(episode(shots, SCENES), options, {k: 1.5 for k in paths})
    out = await render_cut(plan, paths, CREDITS, tmp / "work", tmp / "episode-2.mp4")
    return plan, out


async def _sound_onsets(path: Path) -> list[float]:
    run = await run_ffmpeg(
        ["-i", str(path), "-vn", "-af", "silencedetect=n=-40dB:d=0.1", "-f", "null", "-"]
    )
    return [float(x) for x in re.findall(r"silence_end:\s*([\d.]+)", run.stderr)]


def _outside_cards(plan: CutPlan, start: float, end: float) -> bool:
    """True when [start, end] overlaps no card (title, scene, slate, credits) +- one frame."""
    for piece in plan.pieces:
        if piece.is_card and start < piece.end_s + FRAME and end > piece.start_s - FRAME:
            return False
    return True


async def test_a_preview_cut_is_whole_in_sync_level_and_subtitled(tmp_path: Path) -> None:
    """Constant rate and size, length = sum of parts, A/V in sync, -16 LUFS, cues on the lines,
    no black or frozen picture outside the cards, a slate where the unlocked shot is."""
    plan, out = await _cut(tmp_path, CutOptions(**FAST), unlocked=3)  # type: ignore[arg-type]
    info = await aprobe(out.path)
    assert info.video is not None and info.audio is not None
    assert (info.video.width, info.video.height) == (HOUSE.width, HOUSE.height)
    assert info.video.constant_rate and info.video.fps == HOUSE.fps
    parts = sum(p.duration_s for p in plan.pieces)
    assert abs(info.video.duration_s - parts) <= FRAME
    assert abs(info.audio.duration_s - info.video.duration_s) <= FRAME
    assert [p.kind for p in plan.pieces].count("slate") == 1
    # Only cards were encoded; the three takes were joined as they are.
    assert out.copied_pieces == 3

    loud = await measure_loudness(out.path)
    assert abs(loud.integrated_lufs - -16.0) <= 1.0
    assert loud.true_peak_dbtp <= -1.0

    # Subtitles: one file per written language; each cue within 100 ms of its tone.
    assert set(out.subtitles) == {"en", "fr"}
    cues = sorted(
        c for lang in ("en", "fr") for c in parse_srt(out.subtitles[lang].read_text("utf-8"))
    )
    onsets = await _sound_onsets(out.path)
    heard = [c for c in cues if any(abs(o - c[0]) <= 0.1 for o in onsets)]
    assert len(heard) == 3, (cues, onsets)  # the slate's line has no take to be heard in
    assert "Là-bas\u202f: le phare\u202f!" in out.subtitles["fr"].read_text("utf-8")

    for interval in await detect_black(out.path):
        assert not _outside_cards(plan, interval.start_s, interval.end_s), interval
    for interval in await detect_freeze(out.path, min_duration_s=0.5):
        assert not _outside_cards(plan, interval.start_s, interval.end_s), interval

    with av.open(str(out.path)) as container:
        tags = dict(container.metadata)
    assert "AI-generated" in tags["comment"] and "local-animatic" in tags["comment"]
    assert "2.1.1 take 100 local-animatic animatic-1" in tags["description"]

    limit = 10 * 1024 * 1024  # Discord's default; re-encoding under it is media's own test
    small = await fit_for_upload(out.path, tmp_path / "discord.mp4", max_bytes=limit)
    copy = await aprobe(small)
    assert copy.size_bytes <= limit
    assert copy.video is not None and abs(copy.video.duration_s - info.video.duration_s) <= FRAME


async def test_crossfades_music_bed_and_burned_subtitles(tmp_path: Path) -> None:
    """A crossfaded scene is shorter by its fades; a bed under the dialogue plays through the
    cards, ducked, at -16 LUFS; burned subtitles change the picture, not its length."""
    music = tmp_path / "bed.wav"
    await run_ffmpeg(["-f", "lavfi", "-i", "sine=f=220:r=48000:d=3", "-ac", "2", str(music)])
    options = CutOptions(**FAST, crossfade=frozenset({2}), music_path=music,  # type: ignore[arg-type]
                         burn_subtitles=True, crossfade_s=0.5)  # fmt: skip
    plan, out = await _cut(tmp_path, options, fr_line=False)
    fade = next(p for p in plan.pieces if p.kind == "fade")
    assert abs(fade.duration_s - (3.0 - 0.5)) <= FRAME
    info = await aprobe(out.path)
    assert info.video is not None
    assert abs(info.video.duration_s - plan.duration_s) <= FRAME
    assert info.video.frames == HOUSE.frames_for(plan.duration_s)
    loud = await measure_loudness(out.path)
    assert abs(loud.integrated_lufs - -16.0) <= 1.0 and loud.true_peak_dbtp <= -1.0
    # The bed loops under the whole cut: no second of silence anywhere, cards included.
    run = await run_ffmpeg(
        ["-i", str(out.path), "-vn", "-af", "silencedetect=n=-50dB:d=0.5", "-f", "null", "-"]
    )
    assert "silence_start" not in run.stderr
    # Burned in: the frame under a cue differs from the same frame of an unburned cut.
    unburned = CutOptions(
        title_s=1.0, scene_card_s=1.0, credits_s=1.0, crossfade=frozenset({2}), music_path=music
    )
    _plain_plan, plain = await _cut(tmp_path / "plain", unburned, fr_line=False)
    cue = out.cues[0]
    at = (cue.start_s + cue.end_s) / 2

    async def frame(path: Path) -> bytes:
        dst = path.with_suffix(".png")
        await run_ffmpeg(["-ss", f"{at:.3f}", "-i", str(path), "-frames:v", "1", str(dst)])
        return dst.read_bytes()

    assert await frame(out.path) != await frame(plain.path)


async def test_refusals_nothing_locked_and_final_with_waiting_shots() -> None:
    s1, s2 = SCENES
    none_locked = episode([shot(1, s1, 1, locked=False), shot(2, s2, 1, locked=False)], SCENES)
    with pytest.raises(NothingLocked):
        plan_cut(none_locked, CutOptions(), {})
    partly = episode([shot(1, s1, 1), shot(2, s2, 1, locked=False), shot(3, s2, 2, locked=False)],
                     SCENES)  # fmt: skip
    with pytest.raises(ShotsNotLocked) as refused:
        plan_cut(partly, CutOptions(final=True), {1: 1.5})
    assert refused.value.codes == ["2.2.1", "2.2.2"]
    # The same episode previews fine, with slates in place of the waiting shots.
    plan = plan_cut(partly, CutOptions(), {1: 1.5})
    assert [p.kind for p in plan.pieces] == [
        "title", "scene", "take", "scene", "slate", "slate", "credits"
    ]  # fmt: skip
