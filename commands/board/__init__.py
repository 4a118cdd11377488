"""/board: an episode's production board, one message edited in place as the script changes.

Other features (and the outbox relay) call ``refresh_board(bot, guild_id, episode_id)``.
"""

from __future__ import annotations

from discord.ext import commands

from commands.board import _strings  # noqa: F401  (registers the sentences)
from commands.board._cog import BoardCog, post_board, refresh_board

__all__ = ["post_board", "refresh_board", "setup"]


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(BoardCog(bot))
