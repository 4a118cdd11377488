"""Opening a premiere in Discord: its scheduled event (cover: the episode's title card) and the
announcement in the premieres channel with the "Notify me" button. Used by /premiere schedule and
by the weekly cadence (bot/premieres.py)."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import guild_locale, t
from commands.premieres._event import create_event, event_name, set_event_status
from commands.premieres._views import NotifyButton
from pipeline.premiere import cover_png, estimated_runtime_s
from storage import premieres as store
from storage.guilds import get_settings
from storage.models import Premiere
from storage.script import get_episode

if TYPE_CHECKING:
    from bot.client import DailiesBot

ALL_MENTIONS_OFF = discord.AllowedMentions.none()


class NoPremieresChannel(LookupError):
    """The server has no premieres channel the bot can see (the command checks this first)."""


def upload_limit(bot: DailiesBot, guild_id: int, configured: int) -> int:
    guild = bot.get_guild(guild_id)
    return min(configured, guild.filesize_limit) if guild is not None else configured


def when_text(moment: datetime) -> str:
    stamp = int(moment.timestamp())
    return f"<t:{stamp}:F> (<t:{stamp}:R>)"


async def open_premiere(bot: DailiesBot, premiere: Premiere) -> tuple[int | None, discord.Message]:
    """Create the Discord event and post the announcement with its Notify me button (the caller
    then stores the jobs with bot.premieres.plan). Raises ``discord.HTTPException`` when the
    premieres channel refuses the announcement (its event is cancelled first)."""
    gid = premiere.guild_id
    guild = bot.get_guild(gid)
    settings = await get_settings(bot.db, gid)
    channel = guild.get_channel(settings.premieres_channel_id or 0) if guild else None
    if guild is None or not isinstance(channel, discord.TextChannel):
        raise NoPremieresChannel(gid)
    locale = await guild_locale(bot, gid)
    async with bot.db.session() as session:
        episode = await get_episode(session, gid, premiere.episode_id)
    limit = upload_limit(bot, gid, settings.upload_limit_bytes)
    runtime = await estimated_runtime_s(bot.db, bot.media, gid, episode.id or 0, limit)
    cover: bytes | None = None
    with contextlib.suppress(Exception):  # a cover is nice to have; its absence is no reason
        cover = await cover_png(bot.db, gid, episode.id or 0, locale)
    event_id = await create_event(
        guild,
        name=event_name(episode.number, episode.title, t("premiere.word.episode", locale)),
        description=episode.synopsis
        or t("premiere.event.description", locale, channel=channel.name),
        location=f"#{channel.name}",
        start=premiere.starts_at,
        runtime_s=runtime,
        cover=cover,
    )
    if event_id is not None:
        async with bot.db.session() as session:
            await store.set_event(session, gid, premiere.id or 0, event_id)
        premiere.event_id = event_id
    text = t("premiere.announce", locale, number=episode.number,
             title=discord.utils.escape_markdown(episode.title),
             when=when_text(premiere.starts_at))  # fmt: skip
    if event_id is not None:
        text += "\n" + f"https://discord.com/events/{gid}/{event_id}"
    if premiere.weekly:
        text += "\n" + t("premiere.announce.weekly", locale)
    view = discord.ui.View(timeout=None)
    view.add_item(NotifyButton(label=t("premiere.notify.button", locale)))
    try:
        message = await channel.send(text, view=view, allowed_mentions=ALL_MENTIONS_OFF)
    except discord.HTTPException:
        await set_event_status(guild, event_id, "cancelled")
        raise
    return event_id, message


def describe(premiere: Premiere, locale: str, number: int, title: str) -> dict[str, Any]:
    """The words of one line of /premiere list."""
    return {
        "number": number,
        "title": discord.utils.escape_markdown(title),
        "when": when_text(premiere.starts_at),
        "status": t(f"premiere.status.{premiere.status}", locale),
        "zone": premiere.timezone,
        "id": premiere.id,
    }
