"""/episode cut | recap | export: render the episode, its recap and its timeline."""

from __future__ import annotations

from discord.ext import commands

from commands.cuts._cog import CutsCog


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(CutsCog(bot))
