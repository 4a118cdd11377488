"""/board episode, and ``refresh_board``: the board message is edited in place on every change.

The board's channel and message ids live on the Episode row, and edits go through the channel
and message id (a partial message), so a restarted bot, a worker's outbox relay or any other
feature can update a board it never saw posted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import bot_of, crew_only
from bot.host import relay_of
from bot.i18n import guild_locale, locale_of, t
from bot.relay import Renderer
from commands.board._views import BoardView
from commands.episodes._pick import episode_choices
from storage.errors import NotFound, UserFacingError
from storage.models import OutboxMessage
from storage.script import BOARD_REFRESH, get_shot, set_board_message
from storage.script_lookup import episode_outline, resolve_episode

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()
# Outbox notices about one shot (payload has shot_id): its board is redrawn once they are out.
SHOT_NOTICES = ("take_ready", "job_failed", "job_needs_review")
_locks: dict[tuple[int, int], asyncio.Lock] = {}
# Boards that changed while they were being drawn: the drawer draws once more when done.
_stale: set[tuple[int, int]] = set()


def _lock(guild_id: int, episode_id: int) -> asyncio.Lock:
    return _locks.setdefault((guild_id, episode_id), asyncio.Lock())


async def refresh_board(bot: Any, guild_id: int, episode_id: int) -> bool:
    """Redraw the episode's board where it is posted. False if it has none or it is gone.

    One drawing at a time per board, and bursts coalesce: a refresh asked for while the board
    is being drawn only marks it stale, and the drawer draws once more from the newest state
    (ten quick shot edits cost two message edits, not ten, and Discord's edit limit is spared).

    Never raises for Discord or storage trouble: a board that cannot be redrawn must not fail
    the command that changed a shot. A deleted board message is forgotten.
    """
    key = (guild_id, episode_id)
    lock = _lock(guild_id, episode_id)
    if lock.locked():
        _stale.add(key)
        return True
    async with lock:
        drawn = False
        while True:
            _stale.discard(key)
            drawn = await _draw(bot, guild_id, episode_id)
            # No await between this check and the lock's release: nothing can slip in.
            if not drawn or key not in _stale:
                return drawn


async def _draw(bot: Any, guild_id: int, episode_id: int) -> bool:
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
        log.info("board: message gone, forgetting it (guild %s, episode %s)", guild_id, episode_id)
        async with bot.db.session() as session:
            await set_board_message(session, guild_id, episode_id, None, None)
        return False
    except discord.HTTPException:
        log.exception("board: edit failed (guild %s, episode %s)", guild_id, episode_id)
        return False
    return True


async def refresh_board_for_shot(bot: Any, guild_id: int, shot_id: int) -> bool:
    """Redraw the board of the episode ``shot_id`` belongs to (False if none or not found)."""
    try:
        async with bot.db.session() as session:
            shot = await get_shot(session, guild_id, shot_id)
    except NotFound:
        return False
    return await refresh_board(bot, guild_id, shot.episode_id)


async def _render_board_refresh(relay: Any, message: OutboxMessage) -> int | None:
    """The ``board_refresh`` outbox kind (storage.script.request_board_refresh)."""
    episode_id = int(message.payload.get("episode_id") or 0)
    await refresh_board(relay.bot, message.guild_id, episode_id)
    return None  # nothing new was posted; the board keeps its message id


def _then_refresh(render: Renderer) -> Renderer:
    async def render_then_refresh(relay: Any, message: OutboxMessage) -> int | None:
        sent = await render(relay, message)
        shot_id = message.payload.get("shot_id")
        if shot_id:
            await refresh_board_for_shot(relay.bot, message.guild_id, int(shot_id))
        return sent

    return render_then_refresh


def hook_relay(bot: Any) -> Callable[[], None]:
    """Let the outbox redraw boards: the ``board_refresh`` kind, and after shot notices.

    Returns the undo (the cog calls it on unload). Without a relay (no host) it does nothing.
    """
    relay = relay_of(bot)
    if relay is None:
        return lambda: None
    originals = {kind: relay.renderers[kind] for kind in SHOT_NOTICES if kind in relay.renderers}
    relay.register(BOARD_REFRESH, _render_board_refresh)
    for kind, render in originals.items():
        relay.register(kind, _then_refresh(render))

    def unhook() -> None:
        relay.renderers.pop(BOARD_REFRESH, None)
        relay.renderers.update(originals)

    return unhook


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
    if (guild_id, episode_id) in _stale:  # changed while it was being posted
        await refresh_board(bot, guild_id, episode_id)
    if old[0] is not None and old[1] is not None and old[1] != message.id:
        # Already gone, or not ours to delete any more: the new board is what counts.
        with contextlib.suppress(discord.HTTPException):
            await bot.get_partial_messageable(old[0]).get_partial_message(old[1]).delete()
    return message


@app_commands.guild_only()
class BoardCog(commands.GroupCog, group_name="board"):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self._unhook: Callable[[], None] = lambda: None
        super().__init__()

    async def cog_load(self) -> None:
        self._unhook = hook_relay(self.bot)

    async def cog_unload(self) -> None:
        self._unhook()

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
