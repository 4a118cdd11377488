"""Clean shutdown and restarts: jobs are handed back in their state and finished once."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import col, select

from pipeline.enqueue import Enqueued, enqueue_takes
from pipeline.registry import ProviderRegistry
from pipeline.worker import Worker
from storage.db import Database
from storage.models import Job, JobStatus
from tests.pipeline.conftest import GUILD, MEMBER, WorkerFactory, make_shot
from tests.pipeline.fakes import FakeProvider


async def _jobs(db: Database) -> list[Job]:
    async with db.session() as s:
        return list((await s.exec(select(Job).order_by(col(Job.id)))).all())


async def _until_running(db: Database, count: int) -> None:
    for _ in range(500):
        if sum(j.status == JobStatus.RUNNING for j in await _jobs(db)) == count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("jobs never started running")


@pytest.mark.parametrize("how", ["stop", "cancel"])
async def test_shutdown_hands_jobs_back_and_the_next_worker_finishes_them(
    db: Database,
    fake: FakeProvider,
    registry: ProviderRegistry,
    make_worker: WorkerFactory,
    how: str,
) -> None:
    """stop() (or cancelling run()) mid-generation: leases released at once, jobs stay
    running with their handles, and a new worker polls them to the end without resubmitting."""
    fake.polls = 1_000_000
    ids = await make_shot(db)
    result = await enqueue_takes(
        db,
        guild_id=GUILD,
        shot_id=ids.shot_id,
        member_id=MEMBER,
        takes=3,
        provider="fake",
        confirm=True,
        registry=registry,
    )
    assert isinstance(result, Enqueued)
    worker: Worker = make_worker(db, registry, lease_s=60)
    running = asyncio.create_task(worker.run())
    await _until_running(db, 3)
    if how == "stop":
        await worker.stop()
        await running
    else:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
    handed_back = await _jobs(db)
    assert [j.status for j in handed_back] == [JobStatus.RUNNING] * 3
    assert all(j.lease_owner is None and j.provider_handle for j in handed_back)
    for remote in fake._jobs.values():
        remote.polls_left = 0  # the provider finishes while nobody is watching
    await make_worker(db, registry).drain(horizon_s=0)
    assert [j.status for j in await _jobs(db)] == [JobStatus.SUCCEEDED] * 3
    assert fake.submit_calls == 3 and fake.duplicate_submits == 0
