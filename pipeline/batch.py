"""A priced, reserved batch of jobs for a shot, written in one transaction.

What every enqueue in the pipeline shares (takes and voices in ``pipeline.enqueue``, the
finishing chain in ``pipeline.finishing``, performances in ``pipeline.perform``): price each job,
ask for confirmation above the server's threshold, lock the guild's budget, check it and the
member's quota, then write one job row (with its idempotency key) and one ledger reservation per
job, and the first status-card notice. No reservation, no job (invariant 4).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from pipeline import notices
from pipeline.jobs import JobKind, request_params
from pipeline.prompts import CompiledPrompt, ShotNotFound
from pipeline.providers.base import GenRequest, Provider
from storage import ledger, queue
from storage.briefs import ShotRecord, shot_record
from storage.db import Database
from storage.guilds import settings_in
from storage.job_outputs import mark_shot_generating
from storage.ledger import BudgetRefusal
from storage.models import Job, JobStatus
from storage.types import utcnow

__all__ = [
    "EnqueueResult", "Enqueued", "JobSpec", "NeedsConfirmation", "distinct_seeds",
    "house_format", "label_for", "shot_record_or_raise", "write_jobs",
]  # fmt: skip

LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Enqueued:
    job_ids: tuple[int, ...]
    batch: str
    provider: str
    estimate_cents: int
    labels: tuple[str, ...] = ()
    prompt: CompiledPrompt | None = None
    # True when this request had been written already (same ``request_key``): these are the
    # jobs of that first time, and nothing new was queued or reserved.
    replayed: bool = False


@dataclass(frozen=True)
class NeedsConfirmation:
    provider: str
    jobs: int
    estimate_cents: int
    threshold_cents: int


EnqueueResult = Enqueued | NeedsConfirmation | BudgetRefusal


@dataclass(frozen=True)
class JobSpec:
    """One job to write: what to ask, of whom, and what it waits for."""

    kind: JobKind
    request: GenRequest
    shot_id: int | None
    label: str = ""
    depends_on: tuple[int, ...] = ()
    inputs_from: dict[str, dict[str, Any]] | None = None
    extra: dict[str, Any] | None = None


def label_for(index: int) -> str:
    """A, B, ... Z, AA, AB, ... ZZ, AAA ... (spreadsheet columns; 0-based ``index``)."""
    label = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, len(LABELS))
        label = LABELS[rest] + label
    return label


def distinct_seeds(count: int) -> list[int]:
    base = secrets.randbelow(2**31)
    # A large prime step: distinct for any batch size we allow, and far apart.
    return [(base + i * 104_729) % 2**31 for i in range(count)]


async def write_jobs(
    db: Database,
    session: AsyncSession,
    *,
    guild_id: int,
    member_id: int,
    provider: Provider,
    specs: list[JobSpec],
    confirm: bool,
    channel_id: int | None,
    allow_over_quota: bool,
    prompt: CompiledPrompt | None = None,
    request_key: str | None = None,
) -> EnqueueResult:
    """Price, confirm, lock, check, write. The session has done only reads so far.

    ``request_key`` makes the request idempotent: the same key (a confirmation prompt's id, say)
    returns the batch written the first time, ``replayed``, even across a restart, instead of
    queueing and reserving a second time. Checked under the guild's budget lock, so two racing
    presses cannot both write; the jobs' unique keys are the backstop."""
    estimates = [provider.price(spec.request) for spec in specs]
    total = sum(estimates)
    settings = await settings_in(session, guild_id)
    if total > settings.confirm_above_cents and not confirm:
        return NeedsConfirmation(provider.name, len(specs), total, settings.confirm_above_cents)
    now = utcnow()
    await ledger.lock_guild(session, guild_id)  # first write: serialises budget checks
    if request_key is not None:
        first = await queue.job_by_key(
            session, guild_id, _job_key(specs[0], guild_id, request_key, 0)
        )
        if first is not None:
            replayed = Enqueued(  # read before the rollback expires the row
                job_ids=tuple(first.params.get("batch_ids") or [first.id or 0]),
                batch=str(first.params.get("batch", "")),
                provider=first.provider,
                estimate_cents=0,
                replayed=True,
            )
            await session.rollback()
            return replayed
    refusal = await ledger.check(
        session, guild_id, member_id, total, allow_over_quota=allow_over_quota, now=now
    )
    if refusal is not None:
        await session.rollback()
        return refusal
    batch = uuid.uuid4().hex[:16]
    jobs: list[Job] = []
    for index, (spec, estimate) in enumerate(zip(specs, estimates, strict=True)):
        params: dict[str, Any] = {
            "batch": batch,
            "index": index,
            "total": len(specs),
            "label": spec.label,
            "request": request_params(spec.request),
            **(spec.extra or {}),
        }
        if spec.inputs_from:
            params["inputs_from"] = spec.inputs_from
        if prompt is not None:
            params["prompt_dropped"] = list(prompt.dropped)
        job = await queue.insert_job(
            session,
            Job(
                guild_id=guild_id,
                kind=spec.kind.value,
                status=JobStatus.QUEUED,
                provider=provider.name,
                model=spec.request.model,
                shot_id=spec.shot_id,
                requested_by=member_id,
                idempotency_key=_job_key(spec, guild_id, request_key, index),
                params=params,
                depends_on=list(spec.depends_on),
                estimate_cents=estimate,
                card_channel_id=channel_id,
                created_at=now,
                updated_at=now,
            ),
        )
        assert job.id is not None
        await ledger.reserve(
            session,
            guild_id,
            member_id,
            job.id,
            estimate,
            provider=provider.name,
            note=f"{spec.kind.value} {spec.label}",
            now=now,
        )
        jobs.append(job)
    # Each job knows its batch by id (primary-key lookups for the status card).
    batch_ids = [j.id for j in jobs]
    for job in jobs:
        job.params = {**job.params, "batch_ids": batch_ids}
    await session.flush()
    for shot_id in {spec.shot_id for spec in specs if spec.kind == JobKind.TAKE and spec.shot_id}:
        await mark_shot_generating(session, guild_id, shot_id)
    await notices.job_progress(session, jobs[0], JobStatus.QUEUED, now)
    await session.commit()
    return Enqueued(
        job_ids=tuple(j.id for j in jobs if j.id is not None),
        batch=batch,
        provider=provider.name,
        estimate_cents=total,
        labels=tuple(spec.label for spec in specs),
        prompt=prompt,
    )


async def shot_record_or_raise(session: AsyncSession, guild_id: int, shot_id: int) -> ShotRecord:
    record = await shot_record(session, guild_id, shot_id)
    if record is None:
        raise ShotNotFound(guild_id, shot_id)
    return record


def house_format(record: ShotRecord) -> tuple[int, int, int]:
    series = record.series
    if series is None:
        return 1280, 720, 24
    return series.house_width, series.house_height, series.house_fps


def _job_key(spec: JobSpec, guild_id: int, request_key: str | None, index: int) -> str:
    """Unique per job: random, or derived from the guild and the request's key (hashed, so any
    key fits the column's 80 characters)."""
    if request_key is None:
        return f"{spec.kind.value}-{uuid.uuid4().hex}"
    digest = hashlib.sha256(f"{guild_id}:{request_key}".encode()).hexdigest()[:32]
    return f"{spec.kind.value}-r{digest}-{index}"
