"""Premieres: when an episode drops in the server, and what became of it.

A premiere is *active* while it is scheduled, postponed or firing (posting right now). At most one
active premiere per episode. Every function takes ``(session, guild_id, ...)`` and filters by the
guild, except ``due_everywhere`` which the scheduler's holder uses at start to put back what a
crash lost (it is the one cross-guild read, like the job queue's claim).

The state machine::

    scheduled --(T, renders ready)--> firing --> premiered
        |  ^                            |
        |  +---- postponed <--(not ready, at most N times)
        +--> cancelled        missed <--(past the grace window, or never ready)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import AlreadyExists, NotFound
from storage.models import (
    Episode,
    GuildSettings,
    Premiere,
    PremiereStatus,
    Shot,
)
from storage.types import utcnow

ACTIVE = (PremiereStatus.SCHEDULED, PremiereStatus.POSTPONED, PremiereStatus.FIRING)


@dataclass(frozen=True)
class PremiereView:
    """A premiere with its episode's number and title (for lists and autocomplete)."""

    premiere: Premiere
    number: int
    title: str


async def _episode(session: AsyncSession, guild_id: int, episode_id: int) -> Episode:
    episode = (
        await session.exec(
            select(Episode).where(Episode.guild_id == guild_id, Episode.id == episode_id)
        )
    ).first()
    if episode is None:
        raise NotFound("script.episode_not_found", value=str(episode_id))
    return episode


async def locked_shot_count(session: AsyncSession, guild_id: int, episode_id: int) -> int:
    rows = await session.exec(
        select(Shot.id).where(
            Shot.guild_id == guild_id,
            Shot.episode_id == episode_id,
            col(Shot.locked_take_id).is_not(None),
        )
    )
    return len(rows.all())


async def active_for_episode(
    session: AsyncSession, guild_id: int, episode_id: int
) -> Premiere | None:
    return (
        await session.exec(
            select(Premiere).where(
                Premiere.guild_id == guild_id,
                Premiere.episode_id == episode_id,
                col(Premiere.status).in_([s.value for s in ACTIVE]),
            )
        )
    ).first()


async def create_premiere(
    session: AsyncSession,
    guild_id: int,
    episode_id: int,
    *,
    starts_at: datetime,
    timezone: str,
    weekly: bool,
    created_by: int,
) -> Premiere:
    """A scheduled premiere (commits). ``AlreadyExists`` when the episode already has one."""
    episode = await _episode(session, guild_id, episode_id)
    if await active_for_episode(session, guild_id, episode_id) is not None:
        raise AlreadyExists("premiere.already_scheduled", number=episode.number)
    premiere = Premiere(
        guild_id=guild_id,
        episode_id=episode_id,
        starts_at=starts_at,
        timezone=timezone,
        weekly=weekly,
        created_by=created_by,
    )
    number = episode.number  # read now: a rollback expires the episode row
    session.add(premiere)
    try:
        await session.commit()
    except IntegrityError:
        # Another /premiere schedule for this episode committed between our check and ours:
        # the partial unique index (uq_premiere_active_episode) keeps only one.
        await session.rollback()
        raise AlreadyExists("premiere.already_scheduled", number=number) from None
    await session.refresh(premiere)
    return premiere


async def get_premiere(session: AsyncSession, guild_id: int, premiere_id: int) -> Premiere:
    premiere = (
        await session.exec(
            select(Premiere).where(Premiere.guild_id == guild_id, Premiere.id == premiere_id)
        )
    ).first()
    if premiere is None:
        raise NotFound("premiere.not_found", value=str(premiere_id))
    return premiere


async def get_active(session: AsyncSession, guild_id: int, premiere_id: int) -> Premiere:
    premiere = await get_premiere(session, guild_id, premiere_id)
    if premiere.status not in ACTIVE:
        raise NotFound("premiere.not_found", value=str(premiere_id))
    return premiere


async def list_premieres(
    session: AsyncSession, guild_id: int, *, active_only: bool = True, limit: int = 25
) -> list[PremiereView]:
    """Soonest first; the active ones only unless asked."""
    query = (
        select(Premiere, Episode.number, Episode.title)
        .join(Episode, col(Episode.id) == col(Premiere.episode_id))
        .where(Premiere.guild_id == guild_id, Episode.guild_id == guild_id)
    )
    if active_only:
        query = query.where(col(Premiere.status).in_([s.value for s in ACTIVE]))
    rows = await session.exec(
        query.order_by(col(Premiere.starts_at), col(Premiere.id)).limit(limit)
    )
    return [PremiereView(p, number, title) for p, number, title in rows.all()]


async def delete_premiere(session: AsyncSession, guild_id: int, premiere_id: int) -> None:
    """Undo a schedule whose Discord side failed (commits)."""
    premiere = await get_premiere(session, guild_id, premiere_id)
    await session.delete(premiere)
    await session.commit()


async def set_status(
    session: AsyncSession,
    guild_id: int,
    premiere_id: int,
    status: PremiereStatus,
    *,
    note: str | None = None,
    starts_at: datetime | None = None,
    thread_id: int | None = None,
) -> Premiere:
    """Change a premiere's status (and its time, note, thread) and commit."""
    premiere = await get_premiere(session, guild_id, premiere_id)
    premiere.status = status
    if note is not None:
        premiere.note = note[:300]
    if starts_at is not None:
        premiere.starts_at = starts_at
    if thread_id is not None:
        premiere.thread_id = thread_id
    session.add(premiere)
    await session.commit()
    await session.refresh(premiere)
    return premiere


async def move_premiere(
    session: AsyncSession, guild_id: int, premiere_id: int, starts_at: datetime, timezone: str
) -> Premiere:
    premiere = await get_active(session, guild_id, premiere_id)
    if premiere.status == PremiereStatus.FIRING:
        raise AlreadyExists("premiere.already_firing")
    premiere.starts_at = starts_at
    premiere.timezone = timezone
    premiere.status = PremiereStatus.SCHEDULED
    premiere.note = ""
    session.add(premiere)
    await session.commit()
    await session.refresh(premiere)
    return premiere


async def cancel_premiere(session: AsyncSession, guild_id: int, premiere_id: int) -> Premiere:
    premiere = await get_active(session, guild_id, premiere_id)
    if premiere.status == PremiereStatus.FIRING:
        raise AlreadyExists("premiere.already_firing")
    premiere.status = PremiereStatus.CANCELLED
    session.add(premiere)
    await session.commit()
    await session.refresh(premiere)
    return premiere


async def set_event(session: AsyncSession, guild_id: int, premiere_id: int, event_id: int) -> None:
    premiere = await get_premiere(session, guild_id, premiere_id)
    premiere.event_id = event_id
    session.add(premiere)
    await session.commit()


async def claim_firing(
    session: AsyncSession, guild_id: int, premiere_id: int, starts_at: datetime | None = None
) -> bool:
    """scheduled/postponed -> firing, in one conditional UPDATE: a cancel (or, given
    ``starts_at``, a move) since the caller looked wins, and two callers never both fire. True if
    this caller claimed it (commits)."""
    query = update(Premiere).where(
        col(Premiere.guild_id) == guild_id,
        col(Premiere.id) == premiere_id,
        col(Premiere.status).in_([PremiereStatus.SCHEDULED.value, PremiereStatus.POSTPONED.value]),
    )
    if starts_at is not None:
        query = query.where(col(Premiere.starts_at) == starts_at)
    result = await session.exec(query.values(status=PremiereStatus.FIRING.value))
    await session.commit()
    return bool(result.rowcount)


async def due_everywhere(session: AsyncSession) -> list[Premiere]:
    """Every active premiere of every server (for the scheduler's holder at start)."""
    rows = await session.exec(
        select(Premiere).where(col(Premiere.status).in_([s.value for s in ACTIVE]))
    )
    return list(rows.all())


async def recent_timezones(session: AsyncSession, guild_id: int, limit: int = 5) -> list[str]:
    """The server's time zones, most recently chosen first (autocomplete puts them on top)."""
    rows = await session.exec(
        select(Premiere.timezone)
        .where(Premiere.guild_id == guild_id)
        .order_by(col(Premiere.created_at).desc(), col(Premiere.id).desc())
        .limit(50)
    )
    seen: list[str] = []
    for zone in rows.all():
        if zone not in seen:
            seen.append(zone)
        if len(seen) >= limit:
            break
    return seen


async def next_episode(session: AsyncSession, guild_id: int, episode_id: int) -> Episode | None:
    """The episode after this one in its series (the weekly cadence's next premiere)."""
    episode = await _episode(session, guild_id, episode_id)
    return (
        await session.exec(
            select(Episode)
            .where(
                Episode.guild_id == guild_id,
                Episode.series_id == episode.series_id,
                Episode.number > episode.number,
            )
            .order_by(col(Episode.number))
        )
    ).first()


async def viewers_role(session: AsyncSession, guild_id: int) -> int | None:
    row = await session.get(GuildSettings, guild_id)
    return row.viewers_role_id if row is not None else None


async def set_viewers_role(session: AsyncSession, guild_id: int, role_id: int) -> None:
    """The opt-in role premieres ping (commits; created by the bot on the first "Notify me")."""
    row = await session.get(GuildSettings, guild_id)
    if row is None:
        row = GuildSettings(guild_id=guild_id)
    row.viewers_role_id = role_id
    row.updated_at = utcnow()
    session.add(row)
    await session.commit()
