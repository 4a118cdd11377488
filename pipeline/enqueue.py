"""The pipeline's public API for commands/: queue work, cancel it, retry it, list it.

Every enqueue is one transaction: compile the prompt, price it, lock the guild's budget,
check guild budget and member quota, then write one job row per take (idempotency key
included) and one ledger reservation per job. No reservation, no job (invariant 4); the job and
its key exist before any worker can submit it (invariant 3).

Results are values: ``Enqueued``, ``NeedsConfirmation`` (above the guild's confirm threshold;
ask, then call again with ``confirm=True``) or ``BudgetRefusal`` (what is left and when it
resets). Errors: ``ShotNotFound``, ``UnknownProvider``, ``PromptTooLong``, ``JobNotFound``.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from pipeline import notices
from pipeline.control import JobNotFound, cancel_job, get_job, list_jobs, retry_job
from pipeline.jobs import JobKind, request_params
from pipeline.prompts import CompiledPrompt, ShotNotFound, brief_from_record, compile_prompt
from pipeline.providers.base import Capability, GenRequest, Provider
from pipeline.registry import ProviderRegistry
from storage import ledger, queue
from storage.briefs import ShotRecord, shot_record
from storage.db import Database
from storage.job_outputs import (
    get_take,
    mark_shot_generating,
    take_jobs_count,
)
from storage.ledger import BudgetRefusal
from storage.models import GuildSettings, Job, JobStatus
from storage.references import reference_assets
from storage.types import utcnow

__all__ = [
    "EnqueueResult", "Enqueued", "JobNotFound", "JobSpec", "NeedsConfirmation", "cancel_job",
    "distinct_seeds", "enqueue_finishing", "enqueue_takes", "enqueue_voice_lines", "get_job",
    "label_for", "list_jobs", "retry_job",
]  # fmt: skip

MAX_TAKES = 8
LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Enqueued:
    job_ids: tuple[int, ...]
    batch: str
    provider: str
    estimate_cents: int
    labels: tuple[str, ...] = ()
    prompt: CompiledPrompt | None = None


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


async def _settings(session: AsyncSession, guild_id: int) -> GuildSettings:
    found = (
        await session.exec(select(GuildSettings).where(GuildSettings.guild_id == guild_id))
    ).first()
    return found or GuildSettings(guild_id=guild_id)


async def _write_jobs(
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
) -> EnqueueResult:
    """Price, confirm, lock, check, write. The session has done only reads so far."""
    estimates = [provider.price(spec.request) for spec in specs]
    total = sum(estimates)
    settings = await _settings(session, guild_id)
    if total > settings.confirm_above_cents and not confirm:
        return NeedsConfirmation(provider.name, len(specs), total, settings.confirm_above_cents)
    now = utcnow()
    await ledger.lock_guild(session, guild_id)  # first write: serialises budget checks
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
                idempotency_key=f"{spec.kind.value}-{uuid.uuid4().hex}",
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


async def _record(session: AsyncSession, guild_id: int, shot_id: int) -> ShotRecord:
    record = await shot_record(session, guild_id, shot_id)
    if record is None:
        raise ShotNotFound(guild_id, shot_id)
    return record


def _house(record: ShotRecord) -> tuple[int, int, int]:
    series = record.series
    if series is None:
        return 1280, 720, 24
    return series.house_width, series.house_height, series.house_fps


async def _character_references(
    session: AsyncSession, guild_id: int, record: ShotRecord
) -> dict[str, dict[str, Any]]:
    """Each character's first reference picture, as an input the worker resolves to a file:
    what keeps a face the same from shot to shot on providers that take images."""
    inputs: dict[str, dict[str, Any]] = {}
    for character in record.characters:
        assets = await reference_assets(session, guild_id, character_id=character.id)
        if assets and assets[0].id is not None:
            inputs[f"character:{character.name}"] = {"asset": assets[0].id}
    return inputs


async def enqueue_takes(
    db: Database,
    *,
    guild_id: int,
    shot_id: int,
    member_id: int,
    takes: int,
    provider: str | None,
    confirm: bool,
    registry: ProviderRegistry,
    channel_id: int | None = None,
    allow_over_quota: bool = False,
) -> EnqueueResult:
    """``takes`` takes of a shot, each with its own seed, from ``provider`` (else the shot's,
    else the local animatic). ``allow_over_quota``: the caller checked the showrunner role."""
    if not 1 <= takes <= MAX_TAKES:
        raise ValueError(f"takes must be between 1 and {MAX_TAKES}")
    async with db.session() as session:
        record = await _record(session, guild_id, shot_id)
        shot = record.shot
        name = provider or shot.provider or registry.default_for(Capability.TEXT_TO_VIDEO).name
        chosen = registry[name]
        compiled = compile_prompt(brief_from_record(record), chosen.name)
        settings = await _settings(session, guild_id)
        house = _house(record)
        already = await take_jobs_count(session, guild_id, shot_id, JobKind.TAKE.value)
        options = {
            "action": shot.action,
            "shot_size": shot.shot_size,
            "movement": shot.movement,
            "lens": shot.lens,
            "palette": record.series.palette if record.series else "",
            "characters": [c.name for c in record.characters],
            "locale": settings.locale,
        }
        references = await _character_references(session, guild_id, record)
        specs = [
            JobSpec(
                kind=JobKind.TAKE,
                shot_id=shot_id,
                label=label_for(already + i),
                inputs_from=references or None,
                request=GenRequest(
                    capability=Capability.TEXT_TO_VIDEO,
                    prompt=compiled.text,
                    duration_s=shot.duration_s,
                    seed=seed,
                    options=options,
                    width=house[0],
                    height=house[1],
                    fps=house[2],
                ),
            )
            for i, seed in enumerate(distinct_seeds(takes))
        ]
        return await _write_jobs(
            db,
            session,
            guild_id=guild_id,
            member_id=member_id,
            provider=chosen,
            specs=specs,
            confirm=confirm,
            channel_id=channel_id,
            allow_over_quota=allow_over_quota,
            prompt=compiled,
        )


async def enqueue_voice_lines(
    db: Database,
    *,
    guild_id: int,
    shot_id: int,
    member_id: int,
    registry: ProviderRegistry,
    provider: str | None = None,
    confirm: bool = False,
    channel_id: int | None = None,
    allow_over_quota: bool = False,
) -> EnqueueResult:
    """One voice job per dialogue line of the shot, in the speaker's voice and language."""
    async with db.session() as session:
        record = await _record(session, guild_id, shot_id)
        chosen = registry[provider or registry.default_for(Capability.VOICE).name]
        voices = {c.id: c.voice for c in record.characters}
        seeds = distinct_seeds(max(1, len(record.lines)))
        specs = [
            JobSpec(
                kind=JobKind.VOICE,
                shot_id=shot_id,
                label=f"L{i + 1}",
                request=GenRequest(
                    capability=Capability.VOICE,
                    prompt=line.text,
                    duration_s=0.0,
                    seed=seeds[i],
                    options={
                        "speaker": line.speaker,
                        "language": line.language,
                        "voice": voices.get(line.character_id, "") if line.character_id else "",
                        "line_id": line.id,
                    },
                ),
                extra={"line_id": line.id},
            )
            for i, line in enumerate(record.lines)
        ]
        if not specs:
            return Enqueued(job_ids=(), batch="", provider=chosen.name, estimate_cents=0)
        return await _write_jobs(
            db,
            session,
            guild_id=guild_id,
            member_id=member_id,
            provider=chosen,
            specs=specs,
            confirm=confirm,
            channel_id=channel_id,
            allow_over_quota=allow_over_quota,
        )


async def enqueue_finishing(
    db: Database,
    *,
    guild_id: int,
    member_id: int,
    kind: JobKind,
    registry: ProviderRegistry,
    take_id: int | None = None,
    take_job_id: int | None = None,
    voice_job_id: int | None = None,
    dialogue_job_id: int | None = None,
    face_image: str | None = None,
    provider: str | None = None,
    confirm: bool = False,
    channel_id: int | None = None,
    allow_over_quota: bool = False,
    options: dict[str, Any] | None = None,
) -> EnqueueResult:
    """A lip-sync (take + sound) or a face pass (take + face) on a take that exists
    (``take_id``) or is still being made (``take_job_id``). A lip-sync's sound is a shot's
    dialogue track (``dialogue_job_id``, pipeline.finishing) or one voice (``voice_job_id``).
    The job waits for the jobs it needs (``depends_on``) and takes their outputs as its inputs
    when it starts."""
    if kind not in (JobKind.LIPSYNC, JobKind.FACE):
        raise ValueError(f"not a finishing step: {kind}")
    capability = Capability.LIPSYNC if kind == JobKind.LIPSYNC else Capability.FACE
    async with db.session() as session:
        depends: list[int] = []
        inputs_from: dict[str, dict[str, Any]] = {}
        shot_id: int | None = None
        if take_id is not None:
            take = await get_take(session, guild_id, take_id)
            if take is None:
                raise LookupError(f"take {take_id} not found")
            inputs_from["video"] = {"take": take_id, "media": "video"}
            shot_id = take.shot_id
        elif take_job_id is not None:
            take_job = await queue.get_job(session, guild_id, take_job_id)
            if take_job is None:
                raise JobNotFound(guild_id, take_job_id)
            inputs_from["video"] = {"job": take_job_id, "media": "video"}
            depends.append(take_job_id)
            shot_id = take_job.shot_id
        else:
            raise ValueError("a finishing step needs take_id or take_job_id")
        if kind == JobKind.LIPSYNC:
            sound_job_id = dialogue_job_id if dialogue_job_id is not None else voice_job_id
            if sound_job_id is None:
                raise ValueError("a lip-sync needs dialogue_job_id or voice_job_id")
            if await queue.get_job(session, guild_id, sound_job_id) is None:
                raise JobNotFound(guild_id, sound_job_id)
            inputs_from["audio"] = {"job": sound_job_id, "media": "audio"}
            depends.append(sound_job_id)
        chosen = registry[provider or registry.default_for(capability).name]
        # The finished take keeps the shot's length and the series' house format.
        width, height, fps, duration_s = 1280, 720, 24, 5.0
        if shot_id is not None:
            record = await _record(session, guild_id, shot_id)
            width, height, fps = _house(record)
            duration_s = record.shot.duration_s
        spec = JobSpec(
            kind=kind,
            shot_id=shot_id,
            label=kind.value[:4],
            request=GenRequest(
                capability=capability,
                prompt="",
                duration_s=duration_s,
                width=width,
                height=height,
                fps=fps,
                seed=distinct_seeds(1)[0],
                inputs={"face": face_image} if face_image else {},
                options=options or {},
            ),
            depends_on=tuple(depends),
            inputs_from=inputs_from,
            extra={"parent_take_id": take_id} if take_id is not None else None,
        )
        return await _write_jobs(
            db,
            session,
            guild_id=guild_id,
            member_id=member_id,
            provider=chosen,
            specs=[spec],
            confirm=confirm,
            channel_id=channel_id,
            allow_over_quota=allow_over_quota,
        )
