"""All job SQL: insert, claim with a lease, renew, transition (compare-and-set), list.

The lifecycle (which transition is allowed) lives in pipeline/jobs.py; this module only makes
each change atomic and fenced:

* A claim writes a fresh lease token (``lease_owner``) and an expiry. Every later write by the
  worker says ``WHERE id = :id AND lease_owner = :token``, so a worker whose lease was taken
  over (it stalled past the expiry, or the job was cancelled) changes nothing.
* Postgres claims with ``SELECT ... FOR UPDATE SKIP LOCKED``: two workers never see the same
  row. SQLite has one writer; each claim is a conditional ``UPDATE`` that only succeeds if the
  row is still unleased, so two processes racing for a row cannot both win.
"""

from __future__ import annotations

import asyncio
import uuid
import weakref
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.models import TERMINAL_JOB_STATUSES, Job, JobStatus
from storage.types import utcnow

WAITING = (JobStatus.QUEUED, JobStatus.RETRY_WAIT)
ACTIVE = (JobStatus.SUBMITTING, JobStatus.RUNNING, JobStatus.FETCHING)
UNSETTLED = (*WAITING, *ACTIVE)
# A queued job whose dependencies are not done is looked at again after this long, or as soon
# as one of its dependencies finishes (``wake_dependents``). The recheck is the safety net for
# a claim that read "not done" just before the dependency's success committed.
DEPENDENCY_RECHECK = timedelta(seconds=3)


@dataclass(frozen=True)
class Claim:
    """A job this worker now holds. ``found`` is the state it was in when claimed."""

    job: Job
    token: str
    found: JobStatus


def new_token(worker_id: str) -> str:
    return f"{worker_id[:60]}/{uuid.uuid4().hex[:16]}"


async def insert_job(session: AsyncSession, job: Job) -> Job:
    """Add a job row; flushes so ``job.id`` is set. The caller commits (with its reservation)."""
    session.add(job)
    await session.flush()
    return job


async def job_by_key(session: AsyncSession, guild_id: int, idempotency_key: str) -> Job | None:
    """The job written under this key in this guild (keys are unique across guilds)."""
    statement = select(Job).where(Job.guild_id == guild_id, Job.idempotency_key == idempotency_key)
    return (await session.exec(statement)).first()


async def get_job(session: AsyncSession, guild_id: int, job_id: int) -> Job | None:
    statement = select(Job).where(Job.guild_id == guild_id, Job.id == job_id)
    return (await session.exec(statement)).first()


async def load_job(session: AsyncSession, job_id: int) -> Job | None:
    """By id alone: for the worker, which serves every guild."""
    return (await session.exec(select(Job).where(Job.id == job_id))).first()


async def list_jobs(
    session: AsyncSession,
    guild_id: int,
    *,
    member_id: int | None = None,
    statuses: Iterable[JobStatus] | None = None,
    shot_id: int | None = None,
    limit: int = 50,
) -> list[Job]:
    """Newest first."""
    statement = select(Job).where(Job.guild_id == guild_id)
    if member_id is not None:
        statement = statement.where(Job.requested_by == member_id)
    if statuses is not None:
        statement = statement.where(col(Job.status).in_(list(statuses)))
    if shot_id is not None:
        statement = statement.where(Job.shot_id == shot_id)
    statement = statement.order_by(col(Job.id).desc()).limit(limit)
    return list((await session.exec(statement)).all())


async def dependency_statuses(
    session: AsyncSession, guild_id: int, job_ids: Sequence[int]
) -> dict[int, JobStatus]:
    if not job_ids:
        return {}
    statement = select(Job.id, Job.status).where(
        Job.guild_id == guild_id, col(Job.id).in_(list(job_ids))
    )
    rows = (await session.exec(statement)).all()
    return {job_id: JobStatus(status) for job_id, status in rows if job_id is not None}


def _claimable(now: datetime, providers: Iterable[str] | None) -> Any:
    unleased = or_(col(Job.lease_expires_at).is_(None), col(Job.lease_expires_at) < now)
    due = or_(col(Job.run_after).is_(None), col(Job.run_after) <= now)
    condition = and_(
        unleased,
        or_(and_(col(Job.status).in_(WAITING), due), col(Job.status).in_(ACTIVE)),
    )
    if providers is not None:
        condition = and_(condition, col(Job.provider).in_(list(providers)))
    return condition


def _dependencies_ready(job: Job, statuses: dict[int, JobStatus]) -> bool:
    """Ready when every dependency is over: succeeded, or failed/cancelled (then the worker
    fails this job with the reason). A dependency in needs_review keeps it waiting."""
    if job.status != JobStatus.QUEUED or not job.depends_on:
        return True
    done = {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}
    return all(statuses.get(dep) in done or dep not in statuses for dep in job.depends_on)


async def claim(
    db: Database,
    *,
    worker_id: str,
    lease_s: float,
    providers: Iterable[str] | None = None,
    limit: int = 1,
    caps: Mapping[str, int] | None = None,
    now: datetime | None = None,
) -> list[Claim]:
    """Take up to ``limit`` runnable jobs: due queued/retry_wait jobs, and jobs whose worker's
    lease expired (picked up in the state they were in). ``caps``: at most this many per
    provider (the worker's free slots); implies ``providers``."""
    now = now or utcnow()
    if caps is not None:
        providers = [name for name, free in caps.items() if free > 0]
        limit = min(limit, sum(max(0, free) for free in caps.values()))
    providers = list(providers) if providers is not None else None
    if (providers is not None and not providers) or limit <= 0:
        return []
    expires = now + timedelta(seconds=lease_s)
    claims: list[Claim] = []
    async with writing(db), db.session() as session:
        statement = (
            select(Job)
            .where(_claimable(now, providers))
            .order_by(col(Job.run_after).asc().nulls_first(), col(Job.id))
            .limit(limit * 4)
        )
        if not db.is_sqlite:
            statement = statement.with_for_update(skip_locked=True)
        candidates = list((await session.exec(statement)).all())
        deps = await _statuses_for(session, candidates)
        taken: dict[str, int] = {}
        for job in candidates:
            if len(claims) >= limit:
                break
            assert job.id is not None
            if caps is not None and taken.get(job.provider, 0) >= caps.get(job.provider, 0):
                continue
            if not _dependencies_ready(job, deps.get(job.guild_id, {})):
                await session.exec(
                    update(Job)
                    .where(col(Job.id) == job.id, _claimable(now, None))
                    .values(run_after=now + DEPENDENCY_RECHECK)
                    .execution_options(synchronize_session=False)
                )
                continue
            token = new_token(worker_id)
            found = job.status
            # Postgres: the row is locked by us already; SQLite: this is the compare-and-set.
            result = await session.exec(
                update(Job)
                .where(col(Job.id) == job.id, col(Job.status) == found, _claimable(now, None))
                .values(lease_owner=token, lease_expires_at=expires, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:
                job.lease_owner, job.lease_expires_at, job.updated_at = token, expires, now
                claims.append(Claim(job=job, token=token, found=found))
                taken[job.provider] = taken.get(job.provider, 0) + 1
        await session.commit()
    return claims


async def _statuses_for(
    session: AsyncSession, jobs: Sequence[Job]
) -> dict[int, dict[int, JobStatus]]:
    by_guild: dict[int, set[int]] = {}
    for job in jobs:
        if job.status == JobStatus.QUEUED and job.depends_on:
            by_guild.setdefault(job.guild_id, set()).update(job.depends_on)
    return {
        guild_id: await dependency_statuses(session, guild_id, sorted(ids))
        for guild_id, ids in by_guild.items()
    }


async def update_job(
    session: AsyncSession,
    job_id: int,
    *,
    token: str | None,
    expect: Iterable[JobStatus] | None = None,
    now: datetime | None = None,
    **values: Any,
) -> bool:
    """Compare-and-set: change the row only if ``token`` still holds its lease (``None``: no
    lease check) and its status is one of ``expect``. True when the row changed."""
    statement = update(Job).where(col(Job.id) == job_id)
    if token is not None:
        statement = statement.where(col(Job.lease_owner) == token)
    if expect is not None:
        statement = statement.where(col(Job.status).in_(list(expect)))
    values["updated_at"] = now or utcnow()
    result = await session.exec(
        statement.values(**values).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def renew(
    db: Database, tokens: Iterable[str], lease_s: float, now: datetime | None = None
) -> set[str]:
    """Push the leases of ``tokens`` forward; returns the tokens that no longer hold a lease."""
    tokens = list(tokens)
    if not tokens:
        return set()
    now = now or utcnow()
    async with writing(db), db.session() as session:
        rows = select(Job.id).where(col(Job.lease_owner).in_(tokens)).order_by(col(Job.id))
        if not db.is_sqlite:
            # Never wait for a row a transition of ours holds right now (a renewal that waits
            # while holding other rows is a deadlock); it is renewed on the next round.
            rows = rows.with_for_update(skip_locked=True)
        await session.exec(
            update(Job)
            .where(col(Job.id).in_(rows.scalar_subquery()))
            .values(lease_expires_at=now + timedelta(seconds=lease_s))
            .execution_options(synchronize_session=False)
        )
        held = set(
            (
                await session.exec(select(Job.lease_owner).where(col(Job.lease_owner).in_(tokens)))
            ).all()
        )
        await session.commit()
    return {t for t in tokens if t not in held}


async def release_lease(db: Database, job_id: int, token: str) -> bool:
    """Give a job back (clean shutdown): it stays in its state, any worker may claim it now."""
    async with writing(db), db.session() as session:
        changed = await update_job(
            session, job_id, token=token, lease_owner=None, lease_expires_at=None
        )
        await session.commit()
    return changed


async def record_submit(
    session: AsyncSession, job_id: int, token: str, handle: dict[str, Any], now: datetime
) -> JobStatus | None:
    """Commit the provider's handle right after a submit.

    A handle we were given is always recorded, even if our lease was lost meanwhile: the job
    was accepted and may cost money, so whoever holds it next must poll, not resubmit. Returns
    the status the job is in afterwards (None if it no longer exists).
    """
    job = await load_job(session, job_id)
    if job is None:
        return None
    if job.status in (JobStatus.SUBMITTING, JobStatus.NEEDS_REVIEW):
        await update_job(
            session,
            job_id,
            token=None,
            expect=(JobStatus.SUBMITTING, JobStatus.NEEDS_REVIEW),
            now=now,
            provider_handle=handle,
            status=JobStatus.RUNNING,
            resume_status=None,
            last_error="",
            lease_owner=token,
            lease_expires_at=job.lease_expires_at
            if job.lease_owner == token
            else now + timedelta(seconds=60),
        )
        return JobStatus.RUNNING
    # Cancelled (or otherwise settled) while the submit was in flight: keep the handle so the
    # provider-side job can still be cancelled and accounted for.
    await update_job(session, job_id, token=None, now=now, provider_handle=handle)
    return job.status


async def wake_dependents(session: AsyncSession, guild_id: int, job_id: int) -> int:
    """A job just finished: the queued jobs waiting on it may run now."""
    # No filter on run_after: a claim may be bumping it right now; on Postgres this UPDATE then
    # waits for that claim's row lock and clears the bump after it. Only rows that depend on
    # something are read (the JSON list as text is "[]" for the rest).
    statement = select(Job.id, Job.depends_on).where(
        Job.guild_id == guild_id,
        Job.status == JobStatus.QUEUED,
        cast(col(Job.depends_on), String) != "[]",
    )
    woken = 0
    for dependent_id, depends_on in (await session.exec(statement)).all():
        if job_id in depends_on and dependent_id is not None:
            await update_job(
                session, dependent_id, token=None, expect=(JobStatus.QUEUED,), run_after=None
            )
            woken += 1
    return woken


async def next_due(db: Database, providers: Iterable[str] | None = None) -> datetime | None:
    """The earliest moment a not-yet-settled job becomes claimable (for ``drain``)."""
    scope = [col(Job.provider).in_(list(providers))] if providers is not None else []
    now = utcnow()
    async with db.session() as session:
        free_now = (
            await session.exec(
                select(func.count()).where(
                    col(Job.status).in_(UNSETTLED),
                    col(Job.lease_expires_at).is_(None),
                    or_(col(Job.status).in_(ACTIVE), col(Job.run_after).is_(None)),
                    *scope,
                )
            )
        ).one()
        if free_now:
            return now
        lease_at = (
            await session.exec(
                select(func.min(Job.lease_expires_at)).where(col(Job.status).in_(UNSETTLED), *scope)
            )
        ).one()
        # A queued job that only waits for its dependencies is not "due": it is woken when
        # they end (and re-checked by claims), so it must not keep a drain spinning.
        wait_at = (
            await session.exec(
                select(func.min(Job.run_after)).where(
                    col(Job.status).in_(WAITING),
                    col(Job.lease_expires_at).is_(None),
                    or_(
                        col(Job.status) == JobStatus.RETRY_WAIT,
                        cast(col(Job.depends_on), String) == "[]",
                    ),
                    *scope,
                )
            )
        ).one()
    moments = [_aware(m) for m in (lease_at, wait_at) if m is not None]
    return min(moments) if moments else None


def _aware(value: Any) -> datetime:
    """``min()`` over a TZDateTime column may come back raw (a naive string on SQLite)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def count_by_status(db: Database, guild_id: int | None = None) -> dict[JobStatus, int]:
    async with db.session() as session:
        statement = select(Job.status, func.count()).group_by(Job.status)
        if guild_id is not None:
            statement = statement.where(Job.guild_id == guild_id)
        rows = (await session.exec(statement)).all()
    return {JobStatus(status): count for status, count in rows}


def is_terminal(status: JobStatus) -> bool:
    return status in TERMINAL_JOB_STATUSES


async def set_card_message(
    session: AsyncSession, guild_id: int, job_ids: Sequence[int], message_id: int
) -> int:
    """The bot posted the status card of these jobs: remember its message id (no lease check)."""
    result = await session.exec(
        update(Job)
        .where(col(Job.guild_id) == guild_id, col(Job.id).in_(list(job_ids)))
        .values(card_message_id=message_id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)


async def lock_job(session: AsyncSession, job_id: int) -> None:
    """Serialise with other transactions that lock the same job id, until commit.

    Postgres: a transaction-scoped advisory lock, not a row lock, so it cannot form a cycle
    with row locks (lease renewals, transitions). SQLite's single writer already serialises.
    Used for a batch's status card: two takes finishing at once would otherwise each count the
    other as unfinished, and the card would stop at "2 of 3"."""
    if (await session.connection()).dialect.name == "postgresql":
        await session.exec(select(func.pg_advisory_xact_lock(_ADVISORY_BATCH, job_id)))


_ADVISORY_BATCH = 0x0DA1  # advisory-lock namespace for batch cards


_writers: weakref.WeakKeyDictionary[Database, asyncio.Lock] = weakref.WeakKeyDictionary()


@asynccontextmanager
async def writing(db: Database) -> AsyncIterator[None]:
    """One writer at a time per process on SQLite (a no-op on Postgres).

    SQLite allows one writer; when two of our own tasks collide, the loser sleeps in SQLite's
    busy handler (1, 2, 5, 10 ... 100 ms steps) instead of simply waiting its turn. Queuing
    them on an asyncio lock first keeps the pipeline's small transactions back to back."""
    if not db.is_sqlite:
        yield
        return
    lock = _writers.get(db)
    if lock is None:
        lock = _writers[db] = asyncio.Lock()
    async with lock:
        yield
