"""The finishing chain of a locked take: every dialogue line voiced, laid on one track, lip-synced.

    chain = await enqueue_finishing_chain(db, guild_id=g, shot_id=s, take_id=t, member_id=m,
                                          registry=registry, confirm=True)

Three steps, each its own job with its own provenance, cost (ledger reservation) and
``/job retry``:

    voice L1 ─┐
    voice L2 ─┼─> dialogue (local-dialogue, free) ──> lip-sync (take + dialogue track)
    voice L3 ─┘

* one ``voice`` job per line, in the speaker's voice and the line's language
  (``pipeline.enqueue.enqueue_voice_lines``);
* one ``dialogue`` job that depends on all of them and takes their outputs as inputs
  (``inputs_from`` "line:1", "line:2"...): the lines placed where the cut's subtitles show them,
  on a track the take's length (``pipeline.media.dialogue``);
* one ``lipsync`` job on the take with the dialogue track as its sound.

A shot without dialogue gets no chain (``FinishingChain.started`` is False, nothing queued).
A refusal (budget, confirmation) stops the chain where it happened; the jobs already queued
stay queued (the voices are still useful to the cut's timing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.batch import Enqueued, EnqueueResult, JobSpec, shot_record_or_raise, write_jobs
from pipeline.enqueue import JobNotFound, enqueue_finishing, enqueue_voice_lines
from pipeline.jobs import JobKind
from pipeline.providers.base import Capability, GenRequest
from pipeline.registry import ProviderRegistry
from storage import queue
from storage.db import Database
from storage.job_outputs import get_take

__all__ = ["FinishingChain", "enqueue_dialogue", "enqueue_finishing_chain"]

DIALOGUE_LABEL = "DLG"


@dataclass(frozen=True)
class FinishingChain:
    """What was queued. ``refused``: the result that stopped the chain (None if it did not)."""

    voice_job_ids: tuple[int, ...] = ()
    dialogue_job_id: int | None = None
    lipsync_job_id: int | None = None
    refused: EnqueueResult | None = None

    @property
    def started(self) -> bool:
        return self.lipsync_job_id is not None

    @property
    def job_ids(self) -> tuple[int, ...]:
        rest = (self.dialogue_job_id, self.lipsync_job_id)
        return (*self.voice_job_ids, *(i for i in rest if i is not None))


async def enqueue_dialogue(
    db: Database,
    *,
    guild_id: int,
    shot_id: int,
    member_id: int,
    registry: ProviderRegistry,
    voice_job_ids: tuple[int, ...] | list[int],
    take_id: int | None = None,
    provider: str | None = None,
    confirm: bool = False,
    channel_id: int | None = None,
    allow_over_quota: bool = False,
) -> EnqueueResult:
    """One ``dialogue`` job: the voice jobs' outputs on one track, in the shot's line order,
    as long as the take (``take_id``) or else the shot. Raises ``JobNotFound`` for a voice job
    of another guild or shot, ``ValueError`` when there is none."""
    if not voice_job_ids:
        raise ValueError("a dialogue track needs at least one voice job")
    async with db.session() as session:
        record = await shot_record_or_raise(session, guild_id, shot_id)
        by_line: dict[Any, int] = {}
        for job_id in voice_job_ids:
            job = await queue.get_job(session, guild_id, job_id)
            if job is None or job.kind != JobKind.VOICE.value or job.shot_id != shot_id:
                raise JobNotFound(guild_id, job_id)
            by_line[job.params.get("line_id")] = job_id
        order = {line.id: i for i, line in enumerate(record.lines)}
        # Story order; a voice whose line was deleted since goes last rather than vanishing.
        ranked = sorted(by_line.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[1]))
        lines = {line.id: line for line in record.lines}
        length = record.shot.duration_s
        if take_id is not None:
            take = await get_take(session, guild_id, take_id)
            if take is None:
                raise LookupError(f"take {take_id} not found")
            length = take.duration_s or length
        inputs_from: dict[str, dict[str, Any]] = {}
        described: list[dict[str, Any]] = []
        for i, (line_id, job_id) in enumerate(ranked, start=1):
            name = f"line:{i}"
            inputs_from[name] = {"job": job_id, "media": "audio"}
            line = lines.get(line_id)
            described.append({
                "input": name, "line_id": line_id, "voice_job_id": job_id,
                "speaker": line.speaker if line else "", "language": line.language if line else "",
            })  # fmt: skip
        script = "\n".join(f"{lines[i].speaker}: {lines[i].text}" for i, _ in ranked if i in lines)
        chosen = registry[provider or registry.default_for(Capability.DIALOGUE).name]
        spec = JobSpec(
            kind=JobKind.DIALOGUE,
            shot_id=shot_id,
            label=DIALOGUE_LABEL,
            request=GenRequest(
                capability=Capability.DIALOGUE,
                prompt=script,
                duration_s=float(length),
                options={"lines": described},
            ),
            depends_on=tuple(job_id for _, job_id in ranked),
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


async def enqueue_finishing_chain(
    db: Database,
    *,
    guild_id: int,
    shot_id: int,
    take_id: int,
    member_id: int,
    registry: ProviderRegistry,
    voice_provider: str | None = None,
    lipsync_provider: str | None = None,
    confirm: bool = False,
    channel_id: int | None = None,
    allow_over_quota: bool = False,
    lipsync_options: dict[str, Any] | None = None,
) -> FinishingChain:
    """Voices for every line, the dialogue track, the lip-sync of ``take_id`` (module doc)."""
    common: dict[str, Any] = {
        "guild_id": guild_id, "member_id": member_id, "registry": registry, "confirm": confirm,
        "channel_id": channel_id, "allow_over_quota": allow_over_quota,
    }  # fmt: skip
    voices = await enqueue_voice_lines(db, shot_id=shot_id, provider=voice_provider, **common)
    if not isinstance(voices, Enqueued):
        return FinishingChain(refused=voices)
    if not voices.job_ids:
        return FinishingChain()
    dialogue = await enqueue_dialogue(
        db, shot_id=shot_id, take_id=take_id, voice_job_ids=voices.job_ids, **common
    )
    if not isinstance(dialogue, Enqueued):
        return FinishingChain(voice_job_ids=voices.job_ids, refused=dialogue)
    synced = await enqueue_finishing(
        db, kind=JobKind.LIPSYNC, take_id=take_id, dialogue_job_id=dialogue.job_ids[0],
        provider=lipsync_provider, options=lipsync_options, **common,
    )  # fmt: skip
    if not isinstance(synced, Enqueued):
        return FinishingChain(voices.job_ids, dialogue.job_ids[0], refused=synced)
    return FinishingChain(voices.job_ids, dialogue.job_ids[0], synced.job_ids[0])
