"""/premiere schedule | list | cancel | move.

Refusals come first and change nothing (a time that has passed, an unknown time zone, an episode
with no locked shot, a second premiere for one episode, a premieres channel the bot cannot post
in, a member who is not a showrunner). Then the command defers privately, stores the premiere,
and bot/premieres.py opens it: the Discord event, the announcement with its "Notify me" button,
the scheduled jobs. Scheduling, moving and cancelling are for showrunners (invariant 7).
"""

from __future__ import annotations

import contextlib
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import premieres as firing
from bot.checks import bot_of, showrunner_only
from bot.i18n import guild_locale, locale_of, t
from commands.episodes._pick import episode_choices
from commands.premieres._announce import NoPremieresChannel, describe, open_premiere, when_text
from commands.premieres._event import move_event, set_event_status
from commands.premieres._views import NotifyButton
from pipeline.premiere import BadTime, UnknownZone, estimated_runtime_s, find_zone, parse_when
from pipeline.premiere import suggest_zones as _suggest_zones
from storage import premieres as store
from storage.errors import InvalidInput, NotFound
from storage.guilds import get_settings
from storage.models import Premiere
from storage.script import get_episode
from storage.script_lookup import resolve_episode
from storage.types import utcnow

NO_MENTIONS = discord.AllowedMentions.none()
NEEDED = ("view_channel", "send_messages", "attach_files", "create_public_threads",
          "send_messages_in_threads")  # fmt: skip


def _zone(name: str) -> Any:
    try:
        return find_zone(name)
    except UnknownZone:
        raise InvalidInput("premiere.bad_zone", zone=name[:64]) from None


def _when(text: str, zone_name: str) -> Any:
    try:
        return parse_when(text, _zone(zone_name), utcnow())
    except BadTime as exc:
        raise InvalidInput(f"premiere.bad_time.{exc.code}", when=text[:60],
                           zone=zone_name[:64]) from None  # fmt: skip


async def _channel(interaction: discord.Interaction[Any]) -> discord.TextChannel:
    """The premieres channel, if the bot can post, attach, and open threads there."""
    guild = interaction.guild
    assert guild is not None
    settings = await get_settings(bot_of(interaction).db, guild.id)
    channel = guild.get_channel(settings.premieres_channel_id or 0)
    if not isinstance(channel, discord.TextChannel):
        raise InvalidInput("premiere.no_channel")
    mine = channel.permissions_for(guild.me)
    missing = [name for name in NEEDED if not getattr(mine, name)]
    if missing:
        words = ", ".join(name.replace("_", " ") for name in missing)
        raise InvalidInput("premiere.cannot_post", channel=channel.mention, missing=words)
    return channel


async def _premiere(interaction: discord.Interaction[Any], value: str) -> Premiere:
    assert interaction.guild_id is not None
    if not value.strip().isdigit():
        raise NotFound("premiere.not_found", value=value[:40])
    async with bot_of(interaction).db.session() as session:
        return await store.get_active(session, interaction.guild_id, int(value.strip()))


async def zone_choices(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    recent: list[str] = []
    if interaction.guild_id is not None:
        async with bot_of(interaction).db.session() as session:
            recent = await store.recent_timezones(session, interaction.guild_id)
    return [app_commands.Choice(name=z, value=z) for z in _suggest_zones(current[:64], recent)]


async def premiere_choices(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    async with bot_of(interaction).db.session() as session:
        found = await store.list_premieres(session, interaction.guild_id)
    locale = await locale_of(interaction)
    out = []
    for view in found:
        local = view.premiere.starts_at.astimezone(find_zone(view.premiere.timezone))
        label = t(
            "premiere.choice",
            locale,
            number=view.number,
            title=view.title,
            when=local.strftime("%Y-%m-%d %H:%M"),
            zone=view.premiere.timezone,
        )[:100]
        if current.lower() in label.lower():
            out.append(app_commands.Choice(name=label, value=str(view.premiere.id)))
    return out[:25]


@app_commands.guild_only()
class PremieresCog(commands.GroupCog, group_name="premiere"):
    """Schedule an episode's premiere in the server"""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(NotifyButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(NotifyButton)

    @app_commands.command(name="schedule")
    @app_commands.describe(
        episode="The episode (number or pick one)",
        when='"2026-12-01 20:00", "20:00", "tomorrow 21:30"',
        timezone="Your time zone, e.g. Europe/Paris",
        weekly="Then the next episode every week at the same time",
    )
    @app_commands.autocomplete(episode=episode_choices, timezone=zone_choices)
    @showrunner_only()
    async def schedule(
        self,
        interaction: discord.Interaction[Any],
        episode: str,
        when: str,
        timezone: str,
        weekly: bool = False,
    ) -> None:
        """Premiere an episode at a set time"""
        assert interaction.guild_id is not None
        bot = bot_of(interaction)
        gid = interaction.guild_id
        starts_at = _when(when, timezone)
        zone = _zone(timezone).key
        async with bot.db.session() as session:
            found = await resolve_episode(session, gid, episode)
            if await store.locked_shot_count(session, gid, found.id or 0) == 0:
                raise InvalidInput("premiere.nothing_locked", number=found.number)
            if await store.active_for_episode(session, gid, found.id or 0) is not None:
                raise InvalidInput("premiere.already_scheduled", number=found.number)
        channel = await _channel(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        locale = await locale_of(interaction)
        async with bot.db.session() as session:
            premiere = await store.create_premiere(
                session, gid, found.id or 0, starts_at=starts_at, timezone=zone, weekly=weekly,
                created_by=interaction.user.id,
            )  # fmt: skip
        try:
            event_id, _announcement = await open_premiere(bot, premiere)
        except (discord.HTTPException, NoPremieresChannel):
            async with bot.db.session() as session:
                await store.delete_premiere(session, gid, premiere.id or 0)
            raise InvalidInput(
                "premiere.cannot_post",
                channel=channel.mention,
                missing=t("premiere.cannot_post.refused", locale),
            ) from None
        if bot.scheduler is not None:
            await firing.plan(bot.scheduler, premiere)
        text = t("premiere.scheduled", locale, number=found.number,
                 title=discord.utils.escape_markdown(found.title),
                 when=when_text(starts_at), channel=channel.mention)  # fmt: skip
        text += "\n" + t("premiere.scheduled.event" if event_id else "premiere.scheduled.no_event",
                         locale)  # fmt: skip
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="list")
    async def list_(self, interaction: discord.Interaction[Any]) -> None:
        """The premieres to come"""
        assert interaction.guild_id is not None
        locale = await locale_of(interaction)
        async with bot_of(interaction).db.session() as session:
            found = await store.list_premieres(session, interaction.guild_id)
        if not found:
            await interaction.response.send_message(t("premiere.list.empty", locale),
                                                    ephemeral=True)  # fmt: skip
            return
        lines = [t("premiere.list.title", locale)]
        for view in found:
            words = describe(view.premiere, locale, view.number, view.title)
            line = t("premiere.list.line", locale, **words)
            if view.premiere.weekly:
                line += " · " + t("premiere.list.weekly", locale)
            lines.append(line)
        await interaction.response.send_message("\n".join(lines)[:2000], ephemeral=True,
                                                allowed_mentions=NO_MENTIONS)  # fmt: skip

    @app_commands.command(name="cancel")
    @app_commands.describe(premiere="The premiere to call off")
    @app_commands.autocomplete(premiere=premiere_choices)
    @showrunner_only()
    async def cancel(self, interaction: discord.Interaction[Any], premiere: str) -> None:
        """Call off a premiere (its Discord event too)"""
        assert interaction.guild_id is not None
        bot = bot_of(interaction)
        gid = interaction.guild_id
        found = await _premiere(interaction, premiere)
        async with bot.db.session() as session:
            row = await store.cancel_premiere(session, gid, found.id or 0)
            episode = await get_episode(session, gid, row.episode_id)
        if bot.scheduler is not None:
            await firing.unplan(bot.scheduler, row.id or 0)
        if interaction.guild is not None:
            await set_event_status(interaction.guild, row.event_id, "cancelled")
        locale = await locale_of(interaction)
        await interaction.response.send_message(
            t("premiere.cancelled", locale, number=episode.number), ephemeral=True
        )
        await self._tell_channel(gid, "premiere.cancelled.public", number=episode.number)

    @app_commands.command(name="move")
    @app_commands.describe(
        premiere="The premiere to move",
        when='"2026-12-01 20:00", "20:00", "tomorrow 21:30"',
        timezone="Time zone (default: the premiere's)",
    )
    @app_commands.autocomplete(premiere=premiere_choices, timezone=zone_choices)
    @showrunner_only()
    async def move(
        self,
        interaction: discord.Interaction[Any],
        premiere: str,
        when: str,
        timezone: str | None = None,
    ) -> None:
        """Move a premiere to another time (its Discord event too)"""
        assert interaction.guild_id is not None
        bot = bot_of(interaction)
        gid = interaction.guild_id
        found = await _premiere(interaction, premiere)
        zone_name = timezone or found.timezone
        starts_at = _when(when, zone_name)
        async with bot.db.session() as session:
            row = await store.move_premiere(session, gid, found.id or 0, starts_at,
                                            _zone(zone_name).key)  # fmt: skip
            episode = await get_episode(session, gid, row.episode_id)
        if bot.scheduler is not None:
            await firing.plan(bot.scheduler, row)
        if interaction.guild is not None:
            settings = await get_settings(bot.db, gid)
            runtime = await estimated_runtime_s(bot.db, bot.media, gid, row.episode_id,
                                                settings.upload_limit_bytes)  # fmt: skip
            await move_event(interaction.guild, row.event_id, starts_at, runtime)
        locale = await locale_of(interaction)
        await interaction.response.send_message(
            t("premiere.moved", locale, number=episode.number, when=when_text(starts_at)),
            ephemeral=True,
        )
        await self._tell_channel(gid, "premiere.moved.public", number=episode.number,
                                 when=when_text(starts_at))  # fmt: skip

    async def _tell_channel(self, guild_id: int, key: str, **words: Any) -> None:
        """A line in the premieres channel, for the viewers (best effort)."""
        bot = self.bot
        settings = await get_settings(bot.db, guild_id)  # type: ignore[attr-defined]
        guild = bot.get_guild(guild_id)
        channel = guild.get_channel(settings.premieres_channel_id or 0) if guild else None
        if isinstance(channel, discord.TextChannel):
            with contextlib.suppress(discord.HTTPException):
                await channel.send(t(key, await guild_locale(bot, guild_id), **words),
                                   allowed_mentions=NO_MENTIONS)  # fmt: skip
