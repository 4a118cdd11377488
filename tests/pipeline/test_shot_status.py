"""A shot's state follows its takes: draft -> generating -> in review (or back to draft)."""

from __future__ import annotations

from sqlmodel import select

from pipeline.enqueue import Enqueued, cancel_job, enqueue_takes
from pipeline.registry import ProviderRegistry
from storage.db import Database
from storage.models import Shot, ShotStatus
from tests.pipeline.conftest import GUILD, MEMBER, WorkerFactory, make_shot
from tests.pipeline.fakes import MODERATED, FakeProvider


async def _status(db: Database, shot_id: int) -> ShotStatus:
    async with db.session() as s:
        shot = (await s.exec(select(Shot).where(Shot.id == shot_id))).one()
    return ShotStatus(shot.status)


async def _queue(db: Database, registry: ProviderRegistry, shot_id: int, takes: int) -> Enqueued:
    result = await enqueue_takes(
        db, guild_id=GUILD, shot_id=shot_id, member_id=MEMBER, takes=takes,
        provider="fake", confirm=True, registry=registry,
    )  # fmt: skip
    assert isinstance(result, Enqueued), result
    return result


async def test_queued_shot_is_generating_then_in_review_when_its_takes_are_done(
    db: Database, registry: ProviderRegistry, make_worker: WorkerFactory
) -> None:
    ids = await make_shot(db)
    assert await _status(db, ids.shot_id) == ShotStatus.DRAFT
    await _queue(db, registry, ids.shot_id, takes=2)
    assert await _status(db, ids.shot_id) == ShotStatus.GENERATING
    await make_worker(db, registry).drain()
    assert await _status(db, ids.shot_id) == ShotStatus.IN_REVIEW


async def test_a_shot_whose_takes_all_failed_or_were_cancelled_goes_back_to_draft(
    db: Database, fake: FakeProvider, registry: ProviderRegistry, make_worker: WorkerFactory
) -> None:
    ids = await make_shot(db)
    fake.submit_plan = [MODERATED]
    await _queue(db, registry, ids.shot_id, takes=1)
    await make_worker(db, registry).drain()
    assert await _status(db, ids.shot_id) == ShotStatus.DRAFT

    queued = await _queue(db, registry, ids.shot_id, takes=1)
    assert await _status(db, ids.shot_id) == ShotStatus.GENERATING
    await cancel_job(db, GUILD, queued.job_ids[0], registry=registry)
    assert await _status(db, ids.shot_id) == ShotStatus.DRAFT
