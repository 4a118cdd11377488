"""/episode: create, show, list and import episodes of the active series."""

from __future__ import annotations

from discord.ext import commands

from commands.episodes._cog import EpisodesCog


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(EpisodesCog(bot))
