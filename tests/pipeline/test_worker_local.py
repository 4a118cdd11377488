"""A fresh machine: the local animatic renders, ingest normalises, a take lands."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from bot.config import Settings
from pipeline.enqueue import Enqueued, enqueue_takes
from pipeline.finish import IngestFinisher
from pipeline.media.probe import aprobe
from pipeline.registry import build_registry
from pipeline.worker import Worker
from storage.db import Database
from storage.media import LocalMediaStore
from storage.models import Job, JobStatus, MediaAsset, Series, Take
from tests.pipeline.conftest import GUILD, MEMBER, make_shot


@pytest.mark.slow
async def test_local_animatic_take_is_rendered_ingested_and_recorded(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """No keys, no network: one animatic take becomes a house-format MP4 with a thumbnail."""
    ids = await make_shot(sqlite_db, budget_cents=0)
    async with sqlite_db.session() as s:
        series = await s.get(Series, ids.series_id)
        assert series is not None
        series.house_width, series.house_height, series.house_fps = 320, 180, 12
        await s.commit()
    registry = build_registry(Settings(data_dir=tmp_path))
    result = await enqueue_takes(
        sqlite_db,
        guild_id=GUILD,
        shot_id=ids.shot_id,
        member_id=MEMBER,
        takes=1,
        provider=None,
        confirm=False,
        registry=registry,
    )
    assert isinstance(result, Enqueued) and result.provider == "local-animatic"
    store = LocalMediaStore(tmp_path / "media")
    worker = Worker(
        sqlite_db,
        store,
        registry,
        finisher=IngestFinisher(sqlite_db, store),
        lease_s=30,
        poll_interval=0.05,
    )
    await worker.drain(timeout_s=120)
    async with sqlite_db.session() as s:
        take = (await s.exec(select(Take))).one()
        video = await s.get(MediaAsset, take.video_asset_id)
        thumb = await s.get(MediaAsset, take.thumb_asset_id)
    assert worker.stats.finished == 1
    assert take.provider == "local-animatic" and take.cost_cents == 0 and take.label == "A"
    assert video is not None and thumb is not None and video.mime == "video/mp4"
    info = await aprobe(await store.local_path(video.sha256))
    assert info.video is not None and (info.video.width, info.video.height) == (320, 180)
    assert abs((take.duration_s or 0) - 2.0) < 0.1
    async with sqlite_db.session() as s:
        assert [j.status for j in (await s.exec(select(Job))).all()] == [JobStatus.SUCCEEDED]
