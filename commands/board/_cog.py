"""/board episode, and ``refresh_board``: the board message is edited in place on every change.

The board's channel and message ids live on the Episode row, and edits go through the channel
and message id (a partial message), so a restarted bot, a worker's outbox relay or any other
feature can update a board it never saw posted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import bot_of, crew_only
from bot.i18n import guild_locale, locale_of, t
from commands.board._views import BoardView
from commands.episodes._pick import episode_choices
from storage.errors import NotFound, UserFacingError
from storage.script import set_board_message
from storage.script_lookup import episode_outline, resolve_episode

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()
_locks: dict[tuple[int, int], asyncio.Lock] = {}


def _lock(guild_id: int, episode_id: int) -> asyncio.Lock:
    # One edit at a time per board, so a burst of changes ends with the newest state on screen.
    return _locks.setdefault((guild_id, episode_id), asyncio.Lock())


async def refresh_board(bot: Any, guild_id: int, episode_id: int) -> bool:
    """Redraw the episode's board where it is posted. False if it has none or it is gone.

    Never raises for Discord or storage trouble: a board that cannot be redrawn must not fail
    the command that changed a shot. A deleted board message is forgotten.
    """
    async with _lock(guild_id, episode_id):
        try:
            async with bot.db.session() as session:
                outline = await episode_outline(session, guild_id, episode_id)
        except NotFound:
            return False
        except Exception:
            log.exception("board: could not read episode %s (guild %s)", episode_id, guild_id)
            return False
        episode = outline.episode
        if episode.board_channel_id is None or episode.board_message_id is None:
            return False
        locale = await guild_locale(bot, guild_id)
        channel = bot.get_partial_messageable(episode.board_channel_id, guild_id=guild_id)
        message = channel.get_partial_message(episode.board_message_id)
        try:
            await message.edit(view=BoardView(outline, locale), allowed_mentions=NO_MENTIONS)
        except discord.NotFound:
            log.info(
                "board: message gone, forgetting it (guild %s, episode %s)", guild_id, episode_id
            )
            async with bot.db.session() as session:
                await set_board_message(session, guild_id, episode_id, None, None)
            return False
        except discord.HTTPException:
            log.exception("board: edit failed (guild %s, episode %s)", guild_id, episode_id)
            return False
        return True


async def post_board(
    bot: Any, guild_id: int, episode_id: int, channel: discord.abc.Messageable
) -> discord.Message:
    """Post a fresh board in ``channel``; it becomes the one that updates (the old one goes)."""
    async with _lock(guild_id, episode_id):
        async with bot.db.session() as session:
            outline = await episode_outline(session, guild_id, episode_id)
        old = (outline.episode.board_channel_id, outline.episode.board_message_id)
        locale = await guild_locale(bot, guild_id)
        message = await channel.send(view=BoardView(outline, locale), allowed_mentions=NO_MENTIONS)
        async with bot.db.session() as session:
            await set_board_message(session, guild_id, episode_id, message.channel.id, message.id)
    if old[0] is not None and old[1] is not None and old[1] != message.id:
        # Already gone, or not ours to delete any more: the new board is what counts.
        with contextlib.suppress(discord.HTTPException):
            await bot.get_partial_messageable(old[0]).get_partial_message(old[1]).delete()
    return message


@app_commands.guild_only()
class BoardCog(commands.GroupCog, group_name="board"):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="episode")
    @app_commands.describe(episode="The episode (number or pick one)")
    @app_commands.autocomplete(episode=episode_choices)
    @crew_only()
    async def board_episode(self, interaction: discord.Interaction[Any], episode: str) -> None:
        """Post an episode's production board in this channel"""
        assert interaction.guild_id is not None
        locale = await locale_of(interaction)
        channel = interaction.channel
        if not isinstance(channel, discord.abc.Messageable):
            raise UserFacingError("board.no_channel")
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot = bot_of(interaction)
        async with bot.db.session() as session:
            found = await resolve_episode(session, interaction.guild_id, episode)
        assert found.id is not None
        message = await post_board(bot, interaction.guild_id, found.id, channel)
        await interaction.followup.send(
            t("board.posted", locale, number=found.number, channel=message.jump_url),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
