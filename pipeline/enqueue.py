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

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from pipeline.batch import (
    Enqueued,
    EnqueueResult,
    JobSpec,
    NeedsConfirmation,
    distinct_seeds,
    house_format,
    label_for,
    shot_record_or_raise,
    write_jobs,
)
from pipeline.control import JobNotFound, cancel_job, get_job, list_jobs, retry_job
from pipeline.jobs import JobKind
from pipeline.prompts import brief_from_record, compile_prompt
from pipeline.providers.base import Capability, GenRequest
from pipeline.registry import ProviderRegistry
from storage import queue
from storage.briefs import ShotRecord
from storage.db import Database
from storage.guilds import settings_in
from storage.job_outputs import (
    get_take,
    take_jobs_count,
)
from storage.references import reference_assets

__all__ = [
    "EnqueueResult", "Enqueued", "JobNotFound", "JobSpec", "NeedsConfirmation", "cancel_job",
    "distinct_seeds", "enqueue_finishing", "enqueue_takes", "enqueue_voice_lines", "get_job",
    "label_for", "list_jobs", "retry_job",
]  # fmt: skip

MAX_TAKES = 8


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
    request_key: str | None = None,
) -> EnqueueResult:
    """``takes`` takes of a shot, each with its own seed, from ``provider`` (else the shot's,
    else the local animatic). ``allow_over_quota``: the caller checked the showrunner role.
    ``request_key``: the same key again returns the first batch, ``replayed`` (pipeline/batch)."""
    if not 1 <= takes <= MAX_TAKES:
        raise ValueError(f"takes must be between 1 and {MAX_TAKES}")
    async with db.session() as session:
        record = await shot_record_or_raise(session, guild_id, shot_id)
        shot = record.shot
        name = provider or shot.provider or registry.default_for(Capability.TEXT_TO_VIDEO).name
        chosen = registry[name]
        compiled = compile_prompt(brief_from_record(record), chosen.name)
        settings = await settings_in(session, guild_id)
        house = house_format(record)
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
        return await write_jobs(
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
            request_key=request_key,
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
        record = await shot_record_or_raise(session, guild_id, shot_id)
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
        return await write_jobs(
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
            record = await shot_record_or_raise(session, guild_id, shot_id)
            width, height, fps = house_format(record)
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
        return await write_jobs(
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
