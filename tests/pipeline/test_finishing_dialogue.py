"""The finishing chain speaks every line: voices, one dialogue track, the lip-synced take.

Real local providers (espeak-ng voices, the local dialogue track and lip-sync) on tiny renders:
what is heard in the finished take, and when, against the subtitles the cut shows.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.config import Settings
from pipeline.cut.plan import CutOptions, plan_cut
from pipeline.cut.service import load_episode
from pipeline.enqueue import Enqueued, enqueue_takes, get_job, retry_job
from pipeline.finish import IngestFinisher
from pipeline.finishing import FinishingChain, enqueue_finishing_chain
from pipeline.media.dialogue import (
    MAX_TEMPO,
    plan_track,
    render_track,
    subtitle_spans,
    subtitle_starts,
)
from pipeline.media.ffmpeg import run_ffmpeg
from pipeline.media.house import AUDIO_RATE
from pipeline.media.probe import aprobe
from pipeline.providers.base import Capability, GenRequest
from pipeline.providers.local import LocalVoice
from pipeline.registry import ProviderRegistry, build_registry
from pipeline.worker import Worker
from storage.db import Database
from storage.media import LocalMediaStore
from storage.models import (
    Character,
    DialogueLine,
    Job,
    JobStatus,
    MediaAsset,
    Series,
    Shot,
    ShotCharacter,
    Take,
    TakeKind,
)
from tests.pipeline.conftest import GUILD, MEMBER, make_shot

LINES = (  # (speaker, text, language): two characters, one of them speaking French
    ("Mara", "The tide is coming in.", "en"),
    ("Jules", "Nous partons ce soir.", "fr"),
    ("Mara", "Then we row.", "en"),
)
SHOT_S = 5.0


def speech_spans(stderr: str, length_s: float, pause_s: float = 0.3) -> list[tuple[float, float]]:
    """Where there is sound, from ffmpeg's silencedetect log: the gaps between silences, with
    pauses shorter than ``pause_s`` (between words of one line) joined."""
    spans: list[tuple[float, float]] = []
    t = 0.0
    for kind, value in re.findall(r"silence_(start|end): ([\d.]+)", stderr):
        if kind == "start" and float(value) - t > 0.02:
            spans.append((t, float(value)))
        elif kind == "end":
            t = float(value)
    if not re.findall(r"silence_start: ([\d.]+)\s*$", stderr.strip()) and length_s - t > 0.02:
        spans.append((t, length_s))
    joined: list[tuple[float, float]] = []
    for start, end in spans:
        if joined and start - joined[-1][1] < pause_s:
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


async def heard(path: Path | str, length_s: float) -> list[tuple[float, float]]:
    run = await run_ffmpeg(
        ["-i", str(path), "-map", "0:a:0", "-af", "silencedetect=noise=-35dB:d=0.05",
         "-f", "null", "-"]
    )  # fmt: skip
    return speech_spans(run.stderr, length_s)


async def voice_files(tmp: Path, lines: tuple[tuple[str, str, str], ...]) -> list[Path]:
    voice = LocalVoice(work_dir=tmp)
    voices = {"Mara": "en-f1", "Jules": "fr-m2"}
    out = []
    for i, (speaker, text, lang) in enumerate(lines):
        dst = tmp / f"line{i}.wav"
        request = GenRequest(capability=Capability.VOICE, prompt=text,
                             options={"voice": voices[speaker], "language": lang})  # fmt: skip
        await voice.render(request, dst, lambda _: None)
        out.append(dst)
    return out


# ------------------------------------------------------------------ the track alone


def test_lines_that_fit_start_with_their_subtitles_and_keep_their_speed() -> None:
    lengths = [1.5, 1.3, 1.0]
    plan = plan_track(lengths, SHOT_S)
    starts = subtitle_starts(lengths, SHOT_S)
    assert plan.tempo == 1.0 and plan.cut_s == 0.0 and plan.fade_s == 0.0
    # A voice file begins with 0.1 s of breath: it starts that much before its subtitle.
    assert [round(p.start_s + 0.1, 6) for p in plan.placements] == [round(s, 6) for s in starts]
    ends = [p.end_s(s) for p, s in zip(plan.placements, lengths, strict=True)]
    starts_after = [p.start_s for p in plan.placements[1:]]
    assert all(end <= nxt for end, nxt in zip(ends[:-1], starts_after, strict=True))


def test_lines_a_little_too_long_are_sped_up_like_the_subtitles_squeeze() -> None:
    lengths = [1.5, 1.3, 1.0]  # 4.1 s of speech for a 3.5 s take
    plan = plan_track(lengths, 3.5)
    assert 1.0 < plan.tempo <= MAX_TEMPO and plan.cut_s == 0.0
    for place, subtitle in zip(plan.placements, subtitle_starts(lengths, 3.5), strict=True):
        assert abs(place.start_s + 0.1 / place.tempo - subtitle) < 0.01
    assert plan.placements[-1].end_s(lengths[-1]) <= 3.5


def test_lines_far_too_long_play_at_most_a_quarter_faster_and_the_end_is_cut() -> None:
    plan = plan_track([2.0, 2.0, 2.0], 3.0)
    assert plan.tempo == MAX_TEMPO
    assert plan.cut_s == pytest.approx((6.0 + 0.3) / MAX_TEMPO - 3.0)
    assert plan.fade_s > 0


@pytest.mark.parametrize("length_s", [5.0, 3.5, 3.0, 2.2, 1.2])
def test_every_subtitle_starts_within_100_ms_of_its_speech_however_long_the_lines(
    length_s: float,
) -> None:
    """From lines that fit to lines twice too long for the take: each subtitle the cut shows
    starts within 100 ms of when its voice is heard on the dialogue track (its file starts with
    0.1 s of breath), no subtitle runs past the take, and a line cut off the end of the track
    gets no subtitle."""
    lengths = [2.0, 1.6, 1.2]
    plan = plan_track(lengths, length_s)
    speech = [p.start_s + 0.1 / p.tempo for p in plan.placements]
    shown = subtitle_starts(lengths, length_s)
    heard = [s for s in speech if s < length_s - 0.3]
    assert len(shown) == len(heard) and shown, (shown, speech)
    for subtitle, spoken in zip(shown, heard, strict=False):
        assert abs(subtitle - spoken) <= 0.1, (length_s, shown, speech)
    if plan.cut_s == 0:
        assert len(shown) == 3  # everything fits (sped up at most 1.25x): every line shown
    if length_s == 1.2:
        assert len(shown) == 1  # only the first line starts before the take ends
    assert all(end <= length_s for _start, end in subtitle_spans(lengths, length_s))


async def test_the_track_is_the_take_long_with_three_lines_heard_in_order(tmp_path: Path) -> None:
    wavs = await voice_files(tmp_path, LINES)
    lengths = [(await aprobe(w)).duration_s for w in wavs]
    plan = plan_track(lengths, SHOT_S)
    track = await render_track(wavs, plan, tmp_path / "track.wav")
    info = await aprobe(track)
    assert info.audio is not None and info.audio.sample_rate == AUDIO_RATE
    assert abs(info.audio.duration_s - SHOT_S) < 0.001
    spans = await heard(track, SHOT_S)
    assert len(spans) == 3
    for (start, _), subtitle in zip(spans, subtitle_starts(lengths, SHOT_S), strict=True):
        assert abs(start - subtitle) < 0.1


async def test_a_track_too_long_for_the_take_is_cut_with_a_fade(tmp_path: Path) -> None:
    wavs = await voice_files(tmp_path, LINES)
    lengths = [(await aprobe(w)).duration_s for w in wavs]
    plan = plan_track(lengths, 2.0)
    assert plan.cut_s > 0
    track = await render_track(wavs, plan, tmp_path / "short.wav")
    info = await aprobe(track)
    assert info.audio is not None and abs(info.audio.duration_s - 2.0) < 0.001
    # The last instant is faded to silence, not a click mid-word.
    tail = await heard(track, 2.0)
    assert tail and tail[0][0] < 0.2
    run = await run_ffmpeg(["-sseof", "-0.05", "-i", str(track), "-af", "volumedetect",
                            "-f", "null", "-"])  # fmt: skip
    peak = float(re.search(r"max_volume: (-?[\d.]+) dB", run.stderr).group(1))  # type: ignore[union-attr]
    assert peak < -20


# ------------------------------------------------------------------ the chain through the worker


async def _shot_with_lines(db: Database, lines: tuple[tuple[str, str, str], ...]) -> int:
    """A tiny house format (160x90, 12 fps), a 5 s shot, Mara and Jules speaking ``lines``."""
    ids = await make_shot(db, lines=0, budget_cents=0)
    async with db.session() as s:
        series = await s.get(Series, ids.series_id)
        shot = await s.get(Shot, ids.shot_id)
        assert series is not None and shot is not None and series.id is not None
        series.house_width, series.house_height, series.house_fps = 160, 90, 12
        shot.duration_s = SHOT_S
        jules = Character(guild_id=GUILD, series_id=series.id, name="Jules", name_key="jules",
                          voice="fr-m2", created_by=MEMBER)  # fmt: skip
        s.add(jules)
        await s.flush()
        assert jules.id is not None
        mara = (await s.exec(select(Character).where(Character.name == "Mara"))).one()
        s.add(ShotCharacter(shot_id=ids.shot_id, character_id=jules.id, guild_id=GUILD))
        who = {"Mara": mara.id, "Jules": jules.id}
        for i, (speaker, text, lang) in enumerate(lines):
            s.add(DialogueLine(guild_id=GUILD, shot_id=ids.shot_id, position=i, speaker=speaker,
                               character_id=who[speaker], text=text, language=lang))  # fmt: skip
        await s.commit()
    return ids.shot_id


async def _locked_take(
    db: Database, registry: ProviderRegistry, worker: Worker, shot_id: int
) -> int:
    made = await enqueue_takes(db, guild_id=GUILD, shot_id=shot_id, member_id=MEMBER, takes=1,
                               provider=None, confirm=True, registry=registry)  # fmt: skip
    assert isinstance(made, Enqueued)
    await worker.drain(timeout_s=120)
    async with db.session() as s:
        take = (await s.exec(select(Take).where(Take.kind == TakeKind.RAW))).one()
        shot = await s.get(Shot, shot_id)
        assert shot is not None and take.id is not None
        shot.locked_take_id = take.id
        await s.commit()
        return take.id


async def _chain(
    db: Database, registry: ProviderRegistry, shot_id: int, take_id: int
) -> FinishingChain:
    return await enqueue_finishing_chain(
        db, guild_id=GUILD, shot_id=shot_id, take_id=take_id, member_id=MEMBER,
        registry=registry, confirm=True,
    )  # fmt: skip


def _worker(db: Database, registry: ProviderRegistry, store: LocalMediaStore) -> Worker:
    return Worker(db, store, registry, finisher=IngestFinisher(db, store), lease_s=30,
                  poll_interval=0.02)  # fmt: skip


async def _finished_take(db: Database, store: LocalMediaStore, take_id: int) -> tuple[Take, Path]:
    async with db.session() as s:
        synced = (await s.exec(select(Take).where(Take.kind == TakeKind.LIPSYNC))).one()
        video = await s.get(MediaAsset, synced.video_asset_id)
    assert synced.parent_take_id == take_id and video is not None
    return synced, await store.local_path(video.sha256)


@pytest.mark.slow
async def test_three_lines_by_two_characters_are_heard_in_the_finished_take_with_subtitles(
    db: Database, tmp_path: Path
) -> None:
    shot_id = await _shot_with_lines(db, LINES)
    registry = build_registry(Settings(data_dir=tmp_path))
    store = LocalMediaStore(tmp_path / "media")
    worker = _worker(db, registry, store)
    take_id = await _locked_take(db, registry, worker, shot_id)

    chain = await _chain(db, registry, shot_id, take_id)
    assert chain.started and len(chain.voice_job_ids) == 3
    await worker.drain(timeout_s=120)

    async with db.session() as s:
        jobs = {j.id: j for j in (await s.exec(select(Job).order_by(col(Job.id)))).all()}
    assert {j.status for j in jobs.values()} == {JobStatus.SUCCEEDED}
    voices = [jobs[i] for i in chain.voice_job_ids]
    dialogue, synced_job = jobs[chain.dialogue_job_id], jobs[chain.lipsync_job_id]
    # Each character in their own voice, the French line in French.
    options = [v.params["request"]["options"] for v in voices]
    assert [(o["speaker"], o["voice"], o["language"]) for o in options] == [
        ("Mara", "en-f1", "en"), ("Jules", "fr-m2", "fr"), ("Mara", "en-f1", "en")
    ]  # fmt: skip
    # The dialogue step waits for every voice; the lip-sync waits for the dialogue track.
    assert dialogue.kind == "dialogue" and dialogue.provider == "local-dialogue"
    assert sorted(dialogue.depends_on) == sorted(chain.voice_job_ids)
    assert synced_job.depends_on == [chain.dialogue_job_id]
    async with db.session() as s:
        track = (await s.exec(select(Take).where(Take.kind == TakeKind.DIALOGUE))).one()
    assert track.cost_cents == 0 and track.video_asset_id is None and track.audio_asset_id
    assert all(text in track.compiled_prompt for _, text, _ in LINES)

    synced, path = await _finished_take(db, store, take_id)
    info = await aprobe(path)
    assert info.video is not None and info.audio is not None
    assert abs(info.audio.duration_s - info.video.duration_s) < 1 / 12 + 0.03
    assert abs(info.video.duration_s - SHOT_S) < 0.1
    spans = await heard(path, info.audio.duration_s)
    assert len(spans) == 3, spans

    # The cut shows the finished take with the subtitles it times from the voices.
    episode = await load_episode(db, GUILD, (await get_shot_episode(db, shot_id)))
    shot = next(s for s in episode.shots if s.shot_id == shot_id)
    assert shot.take_id == synced.id and all(line.voice_s for line in shot.lines)
    plan = plan_cut(episode, CutOptions(), {shot_id: shot.take_duration_s or SHOT_S})
    piece = next(p for p in plan.pieces if p.kind == "take")
    cues = [c for c in plan.cues() if c.shot_code == shot.code]
    assert [c.text for c in cues] == [text for _, text, _ in LINES]
    for (start, _), cue in zip(spans, cues, strict=True):
        assert abs(start - (cue.start_s - piece.start_s)) < 0.1, (spans, cues)


async def get_shot_episode(db: Database, shot_id: int) -> int:
    async with db.session() as s:
        shot = await s.get(Shot, shot_id)
        assert shot is not None
        return shot.episode_id


@pytest.mark.slow
async def test_one_line_still_gets_its_voice_track_and_lip_sync(
    db: Database, tmp_path: Path
) -> None:
    shot_id = await _shot_with_lines(db, LINES[1:2])
    registry = build_registry(Settings(data_dir=tmp_path))
    store = LocalMediaStore(tmp_path / "media")
    worker = _worker(db, registry, store)
    take_id = await _locked_take(db, registry, worker, shot_id)
    chain = await _chain(db, registry, shot_id, take_id)
    assert chain.started and len(chain.voice_job_ids) == 1
    await worker.drain(timeout_s=120)
    _, path = await _finished_take(db, store, take_id)
    spans = await heard(path, SHOT_S)
    assert len(spans) == 1 and abs(spans[0][0] - 0.1) < 0.1


async def test_no_lines_no_voices_no_lip_sync(db: Database, tmp_path: Path) -> None:
    ids = await make_shot(db, lines=0)
    registry = build_registry(Settings(data_dir=tmp_path))
    async with db.session() as s:
        take = Take(guild_id=GUILD, shot_id=ids.shot_id, kind=TakeKind.RAW, label="A")
        s.add(take)
        await s.commit()
        assert take.id is not None
    chain = await _chain(db, registry, ids.shot_id, take.id)
    assert chain == FinishingChain() and not chain.started
    async with db.session() as s:
        assert (await s.exec(select(Job))).all() == []


@pytest.mark.slow
async def test_a_failed_dialogue_track_is_retried_alone(db: Database, tmp_path: Path) -> None:
    """A voice file vanished from the store before the track was made: the track fails, the
    lip-sync with it. Once the file is back, /job retry of the track and then of the lip-sync
    finishes the take without voicing anything again."""
    shot_id = await _shot_with_lines(db, LINES[:2])
    registry = build_registry(Settings(data_dir=tmp_path))
    store = LocalMediaStore(tmp_path / "media")
    worker = _worker(db, registry, store)
    take_id = await _locked_take(db, registry, worker, shot_id)
    chain = await _chain(db, registry, shot_id, take_id)
    assert chain.dialogue_job_id is not None and chain.lipsync_job_id is not None
    # A worker without the dialogue provider makes the voices only.
    voices_only = ProviderRegistry(p for n, p in registry.items() if n != "local-dialogue")
    await _worker(db, voices_only, store).drain(timeout_s=120)
    async with db.session() as s:
        line2 = (await s.exec(select(Take).where(Take.job_id == chain.voice_job_ids[1]))).one()
        asset = await s.get(MediaAsset, line2.audio_asset_id)
    assert asset is not None
    stored = await store.local_path(asset.sha256)
    kept = tmp_path / "kept.wav"
    stored.rename(kept)
    await worker.drain(timeout_s=120)
    failed = await get_job(db, GUILD, chain.dialogue_job_id)
    assert failed.status == JobStatus.FAILED and asset.sha256 in (failed.last_error or "")
    assert (await get_job(db, GUILD, chain.lipsync_job_id)).status == JobStatus.FAILED

    kept.rename(stored)
    await retry_job(db, GUILD, chain.dialogue_job_id, member_id=MEMBER)
    await retry_job(db, GUILD, chain.lipsync_job_id, member_id=MEMBER)
    await worker.drain(timeout_s=120)
    assert (await get_job(db, GUILD, chain.lipsync_job_id)).status == JobStatus.SUCCEEDED
    async with db.session() as s:
        voice_takes = (await s.exec(select(Take).where(Take.kind == TakeKind.VOICE))).all()
    assert len(voice_takes) == 2  # nothing voiced twice
    _, path = await _finished_take(db, store, take_id)
    assert len(await heard(path, SHOT_S)) == 2
