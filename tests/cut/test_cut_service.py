"""The cut from the database (SQLite and Postgres): shot order, finished takes, credits, guild
isolation, the recap's choices and length, and the timeline export."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio
import pytest

from pipeline.cut import CutOptions, CutRequest, NothingToRecap, check_cut, run_export, run_render
from pipeline.media import aprobe, measure_loudness
from storage.cuts import credits_for, earlier_shots, episode_for_cut
from storage.db import Database
from storage.errors import NotFound
from storage.media import LocalMediaStore
from storage.models import GuildSettings, Series, Take, TakeKind
from storage.script import get_shot
from tests.cut.seed import seed_episode

GUILD, OTHER = 111, 222


async def _series(db: Database, guild_id: int) -> None:
    async with db.session() as s:
        s.add(GuildSettings(guild_id=guild_id, locale="en"))
        s.add(Series(guild_id=guild_id, name="Nuit Blanche", name_key="nuit blanche",
                     created_by=1, house_width=320, house_height=180, house_fps=24))  # fmt: skip
        await s.commit()


async def test_episode_for_cut_reads_order_finished_takes_credits_and_guild(
    db: Database, tmp_path: Path
) -> None:
    await _series(db, GUILD)
    await _series(db, OTHER)
    media = LocalMediaStore(tmp_path / "media")
    seeded = await seed_episode(db, media, GUILD, tmp_path / "t", number=1,
                                locked=[True, False, True], votes={0: 2})  # fmt: skip
    async with db.session() as s:
        episode = await episode_for_cut(s, GUILD, seeded.episode_id)
        # A lip-synced take made from the locked one replaces it in the cut.
        first = await get_shot(s, GUILD, seeded.shot_ids[0])
        locked = await s.get(Take, first.locked_take_id)
        assert locked is not None
        s.add(Take(guild_id=GUILD, shot_id=first.id or 0, label="A", kind=TakeKind.LIPSYNC,
                   parent_take_id=locked.id, provider="local-lipsync", model="lay",
                   video_asset_id=locked.video_asset_id, duration_s=1.5))  # fmt: skip
        await s.commit()
        again = await episode_for_cut(s, GUILD, seeded.episode_id)
        credits = await credits_for(s, GUILD, seeded.episode_id, again.shots)
        with pytest.raises(NotFound):
            await episode_for_cut(s, OTHER, seeded.episode_id)
    assert [sh.code for sh in episode.shots] == ["1.1.1", "1.1.2", "1.2.1"]
    assert [sh.locked for sh in episode.shots] == [True, False, True]
    assert episode.shots[0].votes == 2.0 and episode.unlocked[0].code == "1.1.2"
    assert again.shots[0].provider == "local-lipsync"
    assert credits.people == {"writer": ["Ana"], "voter": ["Zoé"]}
    assert credits.makers == ["local-lipsync · lay", "local-animatic · animatic-1"]


async def test_recap_picks_key_moments_in_story_order_within_length(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """Episode 3's recap: moments from episodes 1 and 2, the voted/key/memorable ones first,
    shown in story order, each 1.5-4 s, ending on episode 3's title, within 30 s.
    (SQLite only: a media test; its query, earlier_shots, runs on both in the next test.)"""
    db = sqlite_db
    await _series(db, GUILD)
    media = LocalMediaStore(tmp_path / "media")
    await seed_episode(db, media, GUILD, tmp_path / "a", number=1, locked=[True, True, True],
                       seconds=4.0, votes={2: 5})  # fmt: skip
    await seed_episode(db, media, GUILD, tmp_path / "b", number=2, locked=[True, True],
                       seconds=4.0, key=(0,), memorable=(1,))  # fmt: skip
    third = await seed_episode(db, media, GUILD, tmp_path / "c", number=3, locked=[True])
    request = CutRequest(GUILD, third.episode_id, 1, kind="recap", target_s=30.0,
                         options=CutOptions(locale="en"))  # fmt: skip
    outcome = await run_render(db, media, request, tmp_path / "out")
    pieces = outcome.plan.pieces
    assert pieces[0].label == "previously" and pieces[-1].label == "next"
    excerpts = [p for p in pieces if p.kind == "excerpt"]
    codes = [p.shots[0].code for p in excerpts]
    assert codes == sorted(codes, key=lambda c: tuple(int(x) for x in c.split(".")))
    assert {"1.2.1", "2.1.1", "2.2.1"} <= set(codes)  # voted, key, memorable
    assert all(1.5 - 1e-6 <= p.duration_s <= 4.0 + 1e-6 for p in excerpts)
    info = await aprobe(outcome.rendered.path)
    assert info.video is not None and info.audio is not None
    assert info.video.duration_s <= 30.0 and info.video.constant_rate
    assert abs(info.video.duration_s - outcome.plan.duration_s) <= 1 / 24
    assert abs(info.audio.duration_s - info.video.duration_s) <= 1 / 24
    loud = await measure_loudness(outcome.rendered.path)
    assert abs(loud.integrated_lufs - -16.0) <= 1.0
    async with db.session() as s:
        assert len(await earlier_shots(s, GUILD, third.episode_id)) == 5


async def test_episode_one_has_nothing_to_recap(db: Database, tmp_path: Path) -> None:
    await _series(db, GUILD)
    media = LocalMediaStore(tmp_path / "media")
    first = await seed_episode(db, media, GUILD, tmp_path / "a", number=1, locked=[True])
    with pytest.raises(NothingToRecap):
        await check_cut(db, CutRequest(GUILD, first.episode_id, 1, kind="recap"))
    second = await seed_episode(db, media, GUILD, tmp_path / "b", number=2, locked=[False])
    async with db.session() as s:
        earlier = await earlier_shots(s, GUILD, second.episode_id)
        assert [e.code for e in earlier] == ["1.1.1"] and earlier[0].locked
        with pytest.raises(NotFound):  # another server's episode
            await earlier_shots(s, OTHER, second.episode_id)


async def test_export_writes_otio_edl_and_fcp_xml(db: Database, tmp_path: Path) -> None:
    await _series(db, GUILD)
    media = LocalMediaStore(tmp_path / "media")
    seeded = await seed_episode(db, media, GUILD, tmp_path / "a", number=1, locked=[True, False])
    exported, plan = await run_export(db, media, GUILD, seeded.episode_id, tmp_path / "out")
    assert set(exported.files) == {"otio", "edl", "fcpxml"} and not exported.missing
    timeline = otio.adapters.read_from_file(str(exported.files["otio"]))
    video = timeline.tracks[0]
    assert [c.name for c in video] == ["title", "scene_1.1", "1.1.1", "scene_1.2", "1.2.1",
                                       "credits"]  # fmt: skip
    take = video[2]
    assert take.media_reference.target_url.startswith("file://")
    assert take.metadata["dailies"]["shots"][0]["provider"] == "local-animatic"
    frames = sum(c.source_range.duration.value for c in video)
    assert frames == round(plan.duration_s * 24)
    assert "1.1.1" in exported.files["edl"].read_text()
    assert "<xmeml" in exported.files["fcpxml"].read_text()
