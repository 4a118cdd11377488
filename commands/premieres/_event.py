"""The Discord scheduled event that mirrors a premiere: created when it is scheduled, moved with
it, started when it fires, ended after its runtime, cancelled with it.

An external event (location = the premieres channel's name, end = start + runtime), with the
episode's title card as its cover. Every call is best effort: a server where the bot may not
manage events still gets its premiere, only without the event (the command says so).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import discord

log = logging.getLogger(__name__)


def event_name(number: int, title: str, word: str) -> str:
    return f"{word} {number} · {title}"[:100]


async def create_event(
    guild: discord.Guild,
    *,
    name: str,
    description: str,
    location: str,
    start: datetime,
    runtime_s: float,
    cover: bytes | None,
) -> int | None:
    """The event's id, or None when Discord refuses (no Manage Events, a start too soon)."""
    extra: dict[str, Any] = {"image": cover} if cover else {}
    try:
        event = await guild.create_scheduled_event(
            name=name[:100],
            description=description[:1000],
            start_time=start,
            end_time=start + timedelta(seconds=max(60.0, runtime_s)),
            entity_type=discord.EntityType.external,
            privacy_level=discord.PrivacyLevel.guild_only,
            location=location[:100],
            **extra,
        )
    except discord.HTTPException as exc:
        log.warning("no scheduled event in guild %s: %s", guild.id, exc)
        return None
    return event.id


async def _fetch(guild: discord.Guild, event_id: int | None) -> discord.ScheduledEvent | None:
    if event_id is None:
        return None
    try:
        return await guild.fetch_scheduled_event(event_id)
    except discord.HTTPException:
        return None


async def move_event(
    guild: discord.Guild, event_id: int | None, start: datetime, runtime_s: float
) -> None:
    event = await _fetch(guild, event_id)
    if event is None or event.status is not discord.EventStatus.scheduled:
        return
    try:
        await event.edit(start_time=start, end_time=start + timedelta(seconds=max(60.0, runtime_s)))
    except discord.HTTPException as exc:
        log.warning("could not move event %s (guild %s): %s", event_id, guild.id, exc)


async def set_event_status(guild: discord.Guild, event_id: int | None, status: str) -> None:
    """``status``: active | completed | cancelled, where Discord allows that move."""
    event = await _fetch(guild, event_id)
    if event is None:
        return
    try:
        if status == "active" and event.status is discord.EventStatus.scheduled:
            await event.start()
        elif status == "completed" and event.status is discord.EventStatus.active:
            await event.end()
        elif status == "cancelled" and event.status is discord.EventStatus.scheduled:
            await event.cancel()
    except discord.HTTPException as exc:
        log.warning("event %s (guild %s) could not become %s: %s", event_id, guild.id, status, exc)
