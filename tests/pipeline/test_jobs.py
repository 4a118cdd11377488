"""Jobs in storage: the transition table, claims with leases, fencing, dependencies."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from pipeline.jobs import TRANSITIONS, can_transition, request_params
from pipeline.providers.base import Capability, GenRequest
from storage import queue
from storage.db import Database
from storage.models import TERMINAL_JOB_STATUSES, Job, JobStatus
from storage.types import utcnow
from tests.pipeline.conftest import GUILD, MEMBER

S = JobStatus


def test_transition_table_is_the_design() -> None:
    """Every state has a row; only submitting leads to needs_review; ended jobs stay ended."""
    assert set(TRANSITIONS) == set(JobStatus)
    assert {s for s in JobStatus if can_transition(s, S.NEEDS_REVIEW)} == {S.SUBMITTING}
    assert TRANSITIONS[S.SUCCEEDED] == TRANSITIONS[S.CANCELLED] == frozenset()
    for state in (S.QUEUED, S.SUBMITTING, S.RUNNING, S.FETCHING, S.RETRY_WAIT, S.NEEDS_REVIEW):
        assert can_transition(state, S.FAILED) and can_transition(state, S.CANCELLED)
    assert not can_transition(S.RUNNING, S.SUBMITTING)  # a running job is never resubmitted
    assert not can_transition(S.QUEUED, S.SUCCEEDED)
    assert S.NEEDS_REVIEW in TERMINAL_JOB_STATUSES


async def _insert(db: Database, count: int, **fields: object) -> list[int]:
    request = request_params(GenRequest(capability=Capability.TEXT_TO_VIDEO, prompt="p"))
    ids: list[int] = []
    async with db.session() as s:
        for _ in range(count):
            job = Job(
                guild_id=GUILD,
                kind="take",
                provider="fake",
                requested_by=MEMBER,
                idempotency_key=uuid.uuid4().hex,
                params={"request": request},
            )
            for key, value in fields.items():
                setattr(job, key, value)
            await queue.insert_job(s, job)
            assert job.id is not None
            ids.append(job.id)
        await s.commit()
    return ids


async def test_two_workers_claim_disjoint_jobs(db: Database) -> None:
    """Two claimers on separate connections, racing: every job is claimed exactly once."""
    ids = await _insert(db, 30)
    other = Database(db.url)

    async def claim_all(database: Database, worker: str) -> list[int]:
        got: list[int] = []
        while claims := await queue.claim(database, worker_id=worker, lease_s=30, limit=3):
            got.extend(c.job.id for c in claims if c.job.id is not None)
        return got

    try:
        one, two = await asyncio.gather(claim_all(db, "w1"), claim_all(other, "w2"))
    finally:
        await other.dispose()
    assert not set(one) & set(two)
    assert sorted(one + two) == ids


async def test_expired_lease_is_picked_up_in_its_state_and_old_holder_is_fenced(
    db: Database,
) -> None:
    """A worker that stalls past its lease loses the job; its late writes change nothing."""
    (job_id,) = await _insert(db, 1)
    (first,) = await queue.claim(db, worker_id="w1", lease_s=30)
    async with db.session() as s:
        assert await queue.update_job(
            s,
            job_id,
            token=first.token,
            status=S.RUNNING,
            lease_expires_at=utcnow() - timedelta(seconds=1),
        )
        await s.commit()
    (second,) = await queue.claim(db, worker_id="w2", lease_s=30)
    assert second.found == S.RUNNING and second.token != first.token
    async with db.session() as s:
        assert not await queue.update_job(s, job_id, token=first.token, status=S.FETCHING)
        await s.commit()
    assert await queue.renew(db, [first.token, second.token], 30) == {first.token}


async def test_live_lease_and_future_run_after_are_not_claimable(db: Database) -> None:
    """A held job and a job waiting out its backoff stay put."""
    await _insert(db, 1, status=S.RETRY_WAIT, run_after=utcnow() + timedelta(hours=1))
    await _insert(db, 1)
    assert len(await queue.claim(db, worker_id="w1", lease_s=30, limit=5)) == 1
    assert await queue.claim(db, worker_id="w2", lease_s=30, limit=5) == []
    due = await queue.next_due(db)
    assert due is not None and due > utcnow() + timedelta(seconds=20)


async def test_dependent_job_waits_for_its_dependencies(db: Database) -> None:
    """A lip-sync is not claimable until its take and voice jobs have ended."""
    take, voice = await _insert(db, 2)
    (lipsync,) = await _insert(db, 1, depends_on=[take, voice])
    claimed = await queue.claim(db, worker_id="w", lease_s=30, limit=5)
    assert sorted(c.job.id for c in claimed if c.job.id) == [take, voice]
    async with db.session() as s:
        for claim in claimed:
            assert claim.job.id is not None
            await queue.update_job(
                s,
                claim.job.id,
                token=claim.token,
                status=S.SUCCEEDED,
                lease_owner=None,
                lease_expires_at=None,
            )
            await queue.wake_dependents(s, GUILD, claim.job.id)
        await s.commit()
    (then,) = await queue.claim(db, worker_id="w", lease_s=30, limit=5)
    assert then.job.id == lipsync


async def test_lists_are_guild_scoped(db: Database) -> None:
    """Another guild's job id is not found and not listed."""
    (job_id,) = await _insert(db, 1)
    async with db.session() as s:
        assert await queue.get_job(s, GUILD + 1, job_id) is None
        assert await queue.list_jobs(s, GUILD + 1) == []
        assert [j.id for j in await queue.list_jobs(s, GUILD, member_id=MEMBER)] == [job_id]
