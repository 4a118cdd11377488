"""The committed ends and waits of a claimed job, each one fenced by the claim's lease.

``JobTransitions`` is what ``pipeline.executor.Executor`` builds on: every write is a
compare-and-set on the lease token (``_move``), retried whole on a deadlock or a busy SQLite;
a job ends succeeded (the take stored, the hold settled), failed (the hold released, or settled
when the provider did the work), needs_review (the hold kept: the provider may have charged), or
waits in retry_wait until ``run_after``. Each end wakes the jobs that depend on it, settles the
shot's status and writes the notices the status cards are drawn from.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlmodel.ext.asyncio.session import AsyncSession

from pipeline import notices
from pipeline.finish import TAKE_KIND
from pipeline.jobs import JobKind, check_transition
from pipeline.retry import Reason, RetryDecision
from storage import ledger, queue
from storage.db import Database
from storage.job_outputs import insert_take, settle_shot_status
from storage.models import Job, JobStatus
from storage.types import utcnow

log = logging.getLogger("pipeline.executor")
S = JobStatus


class LeaseLost(Exception):
    """Our claim on the job is gone (cancelled, or another worker took over): stop quietly."""


class HandBack(Exception):
    """The worker is stopping: give the job back in the state it is in."""


@dataclass
class JobControl:
    """Shared between a job's task and the worker: lease loss and shutdown signals."""

    stopping: asyncio.Event
    lost: bool = False
    ended: bool = False  # the job's lease was cleared by a transition; nothing to hand back

    async def sleep(self, seconds: float) -> None:
        if self.lost:
            raise LeaseLost
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)
        if self.lost:
            raise LeaseLost
        if self.stopping.is_set():
            raise HandBack


class JobTransitions:
    """The ends, waits and fenced moves of a claimed job (``db`` set by the subclass)."""

    db: Database

    async def _succeed(self, job: Job, token: str, ctl: JobControl, take: Any) -> None:
        now = utcnow()
        cost = job.provider_handle.get("cost_cents")
        cost = cost if isinstance(cost, int) else job.estimate_cents
        request = job.params.get("request", {})
        take.guild_id = job.guild_id
        take.shot_id = job.shot_id or take.shot_id
        take.kind = TAKE_KIND.get(job.kind, take.kind)
        take.job_id = job.id
        take.label = str(job.params.get("label", take.label))[:4]
        take.provider = job.provider
        take.model = job.model or str(request.get("model", ""))
        take.seed = int(request.get("seed", 0))
        take.compiled_prompt = str(request.get("prompt", ""))[:8000]
        take.cost_cents = cost
        take.parent_take_id = job.params.get("parent_take_id")

        async def after(s: AsyncSession) -> None:
            take.id = None  # a retried transaction inserts afresh
            await insert_take(s, take)
            await queue.update_job(s, job_id(job), token=None, take_id=take.id, now=now)
            job.take_id = take.id
            await ledger.settle(
                s,
                job.guild_id,
                job.requested_by,
                job_id(job),
                cost,
                provider=job.provider,
                note="take ready",
                now=now,
            )
            await queue.wake_dependents(s, job.guild_id, job_id(job))
            await _settle_shot(s, job)
            await notices.take_ready(s, job, take, now)
            await notices.job_progress(s, job, S.SUCCEEDED, now)

        await self._move(
            job,
            token,
            S.SUCCEEDED,
            after=after,
            finished_at=now,
            actual_cents=cost,
            progress=1.0,
            lease_owner=None,
            lease_expires_at=None,
        )
        ctl.ended = True

    async def _fail(
        self,
        job: Job,
        token: str,
        ctl: JobControl,
        reason: Reason,
        detail: str,
        *,
        status: JobStatus = S.FAILED,
        charge: bool = False,
    ) -> None:
        """End the job. ``charge``: the provider did the work (a download or finish failed after
        it succeeded), so its cost is settled as spent; otherwise the hold is released."""
        now = utcnow()

        async def after(s: AsyncSession) -> None:
            refund = charged = 0
            if charge:
                charged = await ledger.settle(
                    s,
                    job.guild_id,
                    job.requested_by,
                    job_id(job),
                    job.estimate_cents,
                    provider=job.provider,
                    note=f"charged, no take: {reason}",
                    now=now,
                )
            else:
                refund = await ledger.release(
                    s,
                    job.guild_id,
                    job.requested_by,
                    job_id(job),
                    provider=job.provider,
                    note=reason,
                    now=now,
                )
            await queue.wake_dependents(s, job.guild_id, job_id(job))
            await _settle_shot(s, job)
            await notices.job_failed(
                s,
                job,
                status=status,
                reason=reason,
                detail=detail,
                refund_cents=refund,
                charged_cents=charged,
                now=now,
            )
            await notices.job_progress(s, job, status, now)

        log.info("job %s %s: %s (%s)", job.id, status, reason, detail)
        await self._move(
            job,
            token,
            status,
            after=after,
            finished_at=now,
            last_error=f"{reason}: {detail}"[:2000],
            actual_cents=job.estimate_cents if charge else 0,
            lease_owner=None,
            lease_expires_at=None,
        )
        ctl.ended = True

    async def _needs_review(
        self, job: Job, token: str, ctl: JobControl, reason: Reason, detail: str
    ) -> None:
        now = utcnow()

        async def after(s: AsyncSession) -> None:
            await _settle_shot(s, job)
            await notices.job_needs_review(s, job, reason=reason, detail=detail, now=now)
            await notices.job_progress(s, job, S.NEEDS_REVIEW, now)

        log.warning("job %s needs review: %s (%s)", job.id, reason, detail)
        # The reservation stays held: the provider may have charged for it.
        await self._move(
            job,
            token,
            S.NEEDS_REVIEW,
            after=after,
            last_error=f"{reason}: {detail}"[:2000],
            lease_owner=None,
            lease_expires_at=None,
        )
        ctl.ended = True

    async def _after_error(
        self,
        job: Job,
        token: str,
        ctl: JobControl,
        decision: RetryDecision,
        resume: JobStatus,
        *,
        charge: bool = False,
    ) -> JobStatus | None:
        if decision.retry and decision.at is not None:
            await self._wait(job, token, ctl, resume, decision.at, decision.reason, decision.detail)
        else:
            await self._fail(job, token, ctl, decision.reason, decision.detail, charge=charge)
        return None

    async def _wait(
        self,
        job: Job,
        token: str,
        ctl: JobControl,
        resume: JobStatus,
        at: datetime,
        reason: Reason,
        detail: str,
        **values: Any,
    ) -> None:
        now = utcnow()

        async def after(s: AsyncSession) -> None:
            await notices.job_progress(s, job, S.RETRY_WAIT, now)

        log.info("job %s waits until %s: %s (%s)", job.id, at.isoformat(), reason, detail)
        await self._move(
            job,
            token,
            S.RETRY_WAIT,
            after=after,
            resume_status=resume,
            run_after=at,
            attempts=job.attempts + 1,
            last_error=f"{reason}: {detail}"[:2000],
            lease_owner=None,
            lease_expires_at=None,
            **values,
        )
        ctl.ended = True

    async def _move(
        self,
        job: Job,
        token: str,
        target: JobStatus,
        *,
        after: Callable[[AsyncSession], Awaitable[None]] | None = None,
        **values: Any,
    ) -> None:
        """One committed, fenced transition (``target == job.status``: an update in place)."""
        if target != job.status:
            check_transition(job, target)
        for attempt in range(3):
            try:
                await self._move_once(job, token, target, after, values)
                return
            except OperationalError as exc:
                # A deadlock victim or a busy SQLite: the transaction rolled back whole; redo it.
                if attempt == 2 or not _retryable_db_error(exc):
                    raise
                log.info("job %s: %s -> %s retried after %s", job.id, job.status, target, exc.orig)
                await asyncio.sleep(0.05 * (attempt + 1))

    async def _move_once(
        self,
        job: Job,
        token: str,
        target: JobStatus,
        after: Callable[[AsyncSession], Awaitable[None]] | None,
        values: dict[str, Any],
    ) -> None:
        now = utcnow()
        async with queue.writing(self.db), self.db.session() as s:
            changed = await queue.update_job(
                s, job_id(job), token=token, expect=(job.status,), now=now, status=target, **values
            )
            if not changed:
                await s.rollback()
                raise LeaseLost
            previous = {k: getattr(job, k) for k in ("status", *values)}
            job.status = target
            for key, value in values.items():
                setattr(job, key, value)
            try:
                if after is not None:
                    await after(s)
                await s.commit()
            except BaseException:
                for key, value in previous.items():
                    setattr(job, key, value)
                raise


async def _settle_shot(session: AsyncSession, job: Job) -> None:
    """A take job ended: the shot moves on to review (or back to draft) when it was the last."""
    if job.kind == JobKind.TAKE.value and job.shot_id is not None:
        await settle_shot_status(session, job.guild_id, job.shot_id)


def _retryable_db_error(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "deadlock" in text or "database is locked" in text or "could not serialize" in text


def job_id(job: Job) -> int:
    assert job.id is not None
    return job.id
