"""Performance transfer: a member's acting video drives a character (``/shot perform``).

One job, priced, confirmed above the threshold and reserved like any other (``_write_jobs``):

* The shot has a locked take: the locked take's video is the character (Runway act_two
  ``character.type = video``). The result is a ``performance`` take whose parent is the locked
  take, so the cut shows it instead (storage/cuts.py ``FINISHED_KINDS``), like a lip-sync.
* No locked take yet: the character's first reference picture is the character
  (``character.type = image``). The result is a new candidate take of the shot (job kind
  ``take``, next label), so it joins the dailies vote like the generated ones.

The acting video is a media-store asset (the command stores the checked upload first); both
inputs are resolved to files by the worker when the job starts. The member is credited as a
performer of the shot once the job is queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.batch import (
    Enqueued,
    EnqueueResult,
    JobSpec,
    distinct_seeds,
    house_format,
    label_for,
    shot_record_or_raise,
    write_jobs,
)
from pipeline.jobs import JobKind
from pipeline.providers.base import Capability, GenRequest
from pipeline.registry import ProviderRegistry
from storage.db import Database
from storage.job_outputs import get_take, take_jobs_count
from storage.models import Character
from storage.performances import credit_performer
from storage.references import reference_assets

__all__ = [
    "MAX_ACTING_S",
    "PerformanceRefused",
    "acting_limit_s",
    "enqueue_performance",
    "performance_provider",
]

MAX_ACTING_S = 30.0  # Runway act_two's longest reference video
SLACK_S = 1.0  # an acting clip may run this much past the shot (a breath before "cut")


class PerformanceRefused(Exception):
    """Why a performance cannot be queued; ``code`` names the sentence, ``values`` fill it.

    Codes: ``no_character`` (the shot has neither a character nor a locked take),
    ``not_in_shot`` (the character named is not in the shot), ``no_picture`` (the character has
    no reference picture), ``too_short`` (under the provider's minimum, ``min``),
    ``not_a_performer`` (the provider named cannot do performance transfer)."""

    def __init__(self, code: str, **values: Any) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class PerformancePlan:
    """What the job will drive, said back to the member."""

    source: str  # "locked_take" | "picture"
    character: str  # the character's name ("" when the locked take stands for the shot)
    take_label: str  # the locked take's label, or the new take's label
    character_id: int = 0  # the character whose picture is driven (0: the locked take)


def acting_limit_s(shot_duration_s: float) -> float:
    """The longest acting clip a shot takes: its length plus a little, at least Runway's 3 s
    minimum, never over act_two's 30 s."""
    return min(MAX_ACTING_S, max(shot_duration_s + SLACK_S, 3.0))


def performance_provider(registry: ProviderRegistry, name: str | None) -> str:
    """The provider that will perform: the one named, else the registry's default (the local
    stand-in when present; the pipeline never picks a paid one on its own). ``UnknownProvider``
    when it is not configured; ``PerformanceRefused("not_a_performer")`` when it cannot."""
    chosen = registry[name] if name else registry.default_for(Capability.PERFORMANCE)
    if Capability.PERFORMANCE not in chosen.capabilities:
        able = sorted(p.name for p in registry.for_capability(Capability.PERFORMANCE))
        raise PerformanceRefused("not_a_performer", provider=chosen.name, able=", ".join(able))
    return chosen.name


def _pick_character(characters: list[Character], wanted: str | None) -> Character | None:
    if not wanted:
        return characters[0] if characters else None
    key = wanted.strip().casefold()
    for character in characters:
        if str(character.id) == key or character.name.casefold() == key:
            return character
    raise PerformanceRefused("not_in_shot", character=wanted[:60])


async def enqueue_performance(
    db: Database,
    *,
    guild_id: int,
    shot_id: int,
    member_id: int,
    member_name: str,
    acting_asset_id: int,
    acting_s: float,
    registry: ProviderRegistry,
    character: str | None = None,
    provider: str | None = None,
    confirm: bool = False,
    channel_id: int | None = None,
    allow_over_quota: bool = False,
    label: str = "",
    request_key: str | None = None,
) -> tuple[EnqueueResult, PerformancePlan]:
    """One performance job for the shot from the stored acting video (``acting_asset_id``,
    ``acting_s`` long). ``character``: a name or id among the shot's characters (default: the
    first). ``label``: the stand-in's on-screen label, in the server's language.
    ``request_key``: the same key again returns the first job, ``replayed`` (pipeline/batch)."""
    name = performance_provider(registry, provider)
    chosen = registry[name]
    low, high = getattr(chosen, "performance_seconds", (0.0, MAX_ACTING_S))
    if acting_s < low:
        raise PerformanceRefused("too_short", provider=name, min=low, seconds=acting_s)
    async with db.session() as session:
        record = await shot_record_or_raise(session, guild_id, shot_id)
        shot = record.shot
        width, height, fps = house_format(record)
        picked = _pick_character(record.characters, character)
        inputs: dict[str, dict[str, Any]] = {"video": {"asset": acting_asset_id}}
        locked = (
            await get_take(session, guild_id, shot.locked_take_id)
            if shot.locked_take_id is not None
            else None
        )
        if locked is not None and locked.video_asset_id is not None and not character:
            inputs["character"] = {"take": locked.id, "media": "video"}
            source, who, who_id = "locked_take", "", 0
        else:
            if picked is None:
                raise PerformanceRefused("no_character")
            pictures = await reference_assets(session, guild_id, character_id=picked.id)
            if not pictures or pictures[0].id is None:
                raise PerformanceRefused("no_picture", character=picked.name)
            inputs["character"] = {"asset": pictures[0].id}
            source, who, who_id = "picture", picked.name, picked.id or 0
        if locked is not None:  # a finishing step on the locked take: the cut shows it
            kind, extra, take_label = JobKind.PERFORMANCE, {"parent_take_id": locked.id}, "perf"
            plan = PerformancePlan(source, who, locked.label, who_id)
        else:  # a new candidate take for the dailies
            already = await take_jobs_count(session, guild_id, shot_id, JobKind.TAKE.value)
            kind, extra, take_label = JobKind.TAKE, {}, label_for(already)
            plan = PerformancePlan(source, who, take_label, who_id)
        request = GenRequest(
            capability=Capability.PERFORMANCE,
            prompt=shot.action,
            duration_s=round(min(acting_s, high), 3),
            width=width,
            height=height,
            fps=fps,
            seed=distinct_seeds(1)[0],
            options={
                "label": label,
                "performer": member_name[:100],
                "character": who,
                "bodyControl": True,
                "expressionIntensity": 3,
            },
        )
        spec = JobSpec(
            kind=kind,
            shot_id=shot_id,
            label=take_label,
            request=request,
            inputs_from=inputs,
            extra={**extra, "performer_id": member_id, "acting_asset_id": acting_asset_id},
        )
        result = await write_jobs(
            db,
            session,
            guild_id=guild_id,
            member_id=member_id,
            provider=chosen,
            specs=[spec],
            confirm=confirm,
            channel_id=channel_id,
            allow_over_quota=allow_over_quota,
            request_key=request_key,
        )
        if isinstance(result, Enqueued) and not result.replayed:
            await credit_performer(session, guild_id, shot_id, member_id, member_name)
            await session.commit()
        return result, plan
