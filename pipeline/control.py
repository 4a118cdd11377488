"""After enqueue: list, look up, cancel and retry jobs (the rest of the pipeline's public API).

``pipeline.enqueue`` re-exports these, so commands keep one import.
"""

from __future__ import annotations

import contextlib

from pipeline import notices
from pipeline.cut.job import render_cancelled
from pipeline.jobs import RENDER_PROVIDER, JobKind, can_transition, is_terminal
from pipeline.registry import ProviderRegistry
from storage import ledger, queue
from storage.db import Database
from storage.job_outputs import mark_shot_generating, settle_shot_status
from storage.ledger import BudgetRefusal
from storage.models import Job, JobStatus
from storage.types import utcnow


class JobNotFound(LookupError):
    def __init__(self, guild_id: int, job_id: int) -> None:
        super().__init__(f"job {job_id} not found in guild {guild_id}")
        self.job_id = job_id


async def list_jobs(
    db: Database, guild_id: int, member_id: int | None = None, *, limit: int = 50
) -> list[Job]:
    async with db.session() as session:
        return await queue.list_jobs(session, guild_id, member_id=member_id, limit=limit)


async def get_job(db: Database, guild_id: int, job_id: int) -> Job:
    async with db.session() as session:
        job = await queue.get_job(session, guild_id, job_id)
    if job is None:
        raise JobNotFound(guild_id, job_id)
    return job


async def cancel_job(
    db: Database,
    guild_id: int,
    job_id: int,
    *,
    registry: ProviderRegistry | None = None,
    charged: bool = False,
) -> Job:
    """Cancel a job that has not ended: its hold is released and a running provider job is
    cancelled where the provider supports it. ``charged`` (needs_review only): the showrunner
    found the lost submit on the provider's bill, so its cost is settled instead of released.
    An ended job is returned unchanged."""
    now = utcnow()
    async with db.session() as session:
        job = await queue.get_job(session, guild_id, job_id)
        if job is None:
            raise JobNotFound(guild_id, job_id)
        if is_terminal(job.status) and job.status != JobStatus.NEEDS_REVIEW:
            return job
        seen = job.status
        # No lease check: cancelling takes the job from whoever holds it; their next write fails.
        changed = await queue.update_job(
            session,
            job_id,
            token=None,
            expect=(seen,),
            now=now,
            status=JobStatus.CANCELLED,
            finished_at=now,
            lease_owner=None,
            lease_expires_at=None,
            last_error="cancelled",
        )
        if not changed:
            await session.rollback()
            return await get_job(db, guild_id, job_id)
        job.status = JobStatus.CANCELLED
        refund = charged_cents = 0
        if charged and seen == JobStatus.NEEDS_REVIEW:
            charged_cents = await ledger.settle(
                session,
                guild_id,
                job.requested_by,
                job_id,
                job.estimate_cents,
                provider=job.provider,
                note="cancelled after review; charged",
                now=now,
            )
        else:
            refund = await ledger.release(
                session,
                guild_id,
                job.requested_by,
                job_id,
                provider=job.provider,
                note="cancelled",
                now=now,
            )
        await queue.wake_dependents(session, guild_id, job_id)
        if job.kind == JobKind.TAKE.value and job.shot_id is not None:
            await settle_shot_status(session, guild_id, job.shot_id)
        if job.provider == RENDER_PROVIDER:
            await render_cancelled(session, job)  # a cut or recap: its own card says so
        else:
            await notices.job_failed(
                session,
                job,
                status=JobStatus.CANCELLED,
                reason="cancelled",
                detail="",
                refund_cents=refund,
                charged_cents=charged_cents,
                now=now,
            )
            await notices.job_progress(session, job, JobStatus.CANCELLED, now)
        await session.commit()
        handle = dict(job.provider_handle)
    if registry is not None and handle and job.provider in registry:
        cancel = getattr(registry[job.provider], "cancel", None)
        if cancel is not None:
            # Best effort: our side is cancelled either way.
            with contextlib.suppress(Exception):
                await cancel(handle)
    return job


async def retry_job(
    db: Database,
    guild_id: int,
    job_id: int,
    *,
    member_id: int,
    resubmit_unknown: bool = False,
    allow_over_quota: bool = False,
) -> Job | BudgetRefusal:
    """Queue an ended job again with a fresh reservation.

    * failed: always allowed (its hold was released; a new one is taken).
    The member who retries owns the job from now on (quota, ledger rows).

    * needs_review: only with ``resubmit_unknown=True``, the showrunner's explicit decision to
      accept a possible duplicate charge; the old hold is settled as spent, because the lost
      submit may have been billed, and a new one is taken for the new submit.
    """
    now = utcnow()
    async with db.session() as session:
        job = await queue.get_job(session, guild_id, job_id)
        if job is None:
            raise JobNotFound(guild_id, job_id)
        if job.status == JobStatus.NEEDS_REVIEW and not resubmit_unknown:
            raise PermissionError("needs_review: resubmitting may pay twice; pass resubmit_unknown")
        if not can_transition(job.status, JobStatus.QUEUED):
            raise ValueError(f"a {job.status} job cannot be retried")
        await ledger.lock_guild(session, guild_id)
        refusal = await ledger.check(
            session,
            guild_id,
            member_id,
            job.estimate_cents,
            allow_over_quota=allow_over_quota,
            now=now,
        )
        if refusal is not None:
            await session.rollback()
            return refusal
        seen = job.status
        params = {**job.params, "submit_no": int(job.params.get("submit_no", 0)) + 1}
        params.pop("reconcile", None)
        changed = await queue.update_job(
            session,
            job_id,
            token=None,
            expect=(seen,),
            now=now,
            status=JobStatus.QUEUED,
            resume_status=None,
            attempts=0,
            run_after=None,
            lease_owner=None,
            lease_expires_at=None,
            provider_handle={},
            params=params,
            finished_at=None,
            last_error="",
            progress=0.0,
            requested_by=member_id,
        )
        if not changed:
            await session.rollback()
            return await get_job(db, guild_id, job_id)
        if seen == JobStatus.NEEDS_REVIEW:
            await ledger.settle(
                session,
                guild_id,
                job.requested_by,
                job_id,
                job.estimate_cents,
                provider=job.provider,
                note="unknown submit, assumed charged",
                now=now,
            )
        await ledger.reserve(
            session,
            guild_id,
            member_id,
            job_id,
            job.estimate_cents,
            provider=job.provider,
            note="retry",
            now=now,
        )
        if job.kind == JobKind.TAKE.value and job.shot_id is not None:
            await mark_shot_generating(session, guild_id, job.shot_id)
        await session.commit()
    return await get_job(db, guild_id, job_id)
