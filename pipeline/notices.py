"""What the pipeline tells Discord, written to the outbox (the bot relays it).

Every payload is plain JSON with ids and values, never sentences: the bot renders them in the
guild's language. Shapes are documented in pipeline/README.md ("Outbox messages").
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import outbox
from storage.job_outputs import batch_jobs
from storage.models import Job, JobStatus, Take
from storage.queue import lock_job


class NoticeKind(StrEnum):
    JOB_PROGRESS = "job_progress"
    TAKE_READY = "take_ready"
    JOB_FAILED = "job_failed"
    JOB_NEEDS_REVIEW = "job_needs_review"


def _base(job: Job) -> dict[str, Any]:
    return {
        "job_id": job.id,
        "kind": job.kind,
        "shot_id": job.shot_id,
        "provider": job.provider,
        "batch": job.params.get("batch"),
        "label": job.params.get("label"),
        "requested_by": job.requested_by,
    }


async def job_progress(session: AsyncSession, job: Job, status: JobStatus, now: datetime) -> None:
    """The status card of the job's batch: ``generating n of N``, elapsed, cost."""
    batch_ids = [int(i) for i in job.params.get("batch_ids", [])]
    if batch_ids:
        # Serialise with the batch's other jobs, then count what they committed.
        await lock_job(session, min(batch_ids))
        jobs = await batch_jobs(session, job.guild_id, batch_ids) or [job]
    else:
        jobs = [job]
    first = jobs[0]
    done = [j for j in jobs if j.status == JobStatus.SUCCEEDED]
    ended = {JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.NEEDS_REVIEW}
    payload = {
        **_base(job),
        "status": status.value,
        "progress": round(job.progress, 3),
        "takes_total": len(jobs),
        "takes_done": len(done),
        "takes_failed": sum(1 for j in jobs if j.status in ended),
        "takes_active": sum(
            1
            for j in jobs
            if j.status in (JobStatus.SUBMITTING, JobStatus.RUNNING, JobStatus.FETCHING)
        ),
        "elapsed_s": round((now - first.created_at).total_seconds(), 1),
        "cost_cents": sum(j.actual_cents or 0 for j in done),
        "estimate_cents": sum(j.estimate_cents for j in jobs),
        "card_message_id": first.card_message_id,
    }
    key = f"job_progress:{job.id}:{status.value}:{job.attempts}:{job.params.get('submit_no', 0)}"
    await outbox.append(
        session, job.guild_id, NoticeKind.JOB_PROGRESS, first.card_channel_id, payload, key, now=now
    )


async def take_ready(session: AsyncSession, job: Job, take: Take, now: datetime) -> None:
    payload = {
        **_base(job),
        "take_id": take.id,
        "take_kind": take.kind.value,
        "video_asset_id": take.video_asset_id,
        "audio_asset_id": take.audio_asset_id,
        "thumb_asset_id": take.thumb_asset_id,
        "duration_s": take.duration_s,
        "seed": take.seed,
        "model": take.model,
        "cost_cents": take.cost_cents,
    }
    await outbox.append(
        session,
        job.guild_id,
        NoticeKind.TAKE_READY,
        job.card_channel_id,
        payload,
        f"take_ready:{take.id}",
        now=now,
    )


async def job_failed(
    session: AsyncSession,
    job: Job,
    *,
    status: JobStatus,
    reason: str,
    detail: str,
    refund_cents: int,
    charged_cents: int,
    now: datetime,
) -> None:
    payload = {
        **_base(job),
        "status": status.value,
        "reason": reason,
        "detail": detail[:500],
        "refund_cents": refund_cents,
        "charged_cents": charged_cents,
        "attempts": job.attempts,
    }
    key = f"job_failed:{job.id}:{status.value}:{job.attempts}:{job.params.get('submit_no', 0)}"
    await outbox.append(
        session, job.guild_id, NoticeKind.JOB_FAILED, job.card_channel_id, payload, key, now=now
    )


async def job_needs_review(
    session: AsyncSession, job: Job, *, reason: str, detail: str, now: datetime
) -> None:
    payload = {
        **_base(job),
        "reason": reason,
        "detail": detail[:500],
        "held_cents": job.estimate_cents,
        "idempotency_key": job.idempotency_key,
    }
    key = f"job_needs_review:{job.id}:{job.attempts}:{job.params.get('submit_no', 0)}"
    await outbox.append(
        session,
        job.guild_id,
        NoticeKind.JOB_NEEDS_REVIEW,
        job.card_channel_id,
        payload,
        key,
        now=now,
    )
