"""/help (fr /aide): what Dailies does, the next step for this server, what this member may do."""

from __future__ import annotations

from discord.ext import commands

from commands.guide._cog import GuideCog


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(GuideCog(bot))
