"""/queue and /job: the visible generation queue, and looking after one job."""

from __future__ import annotations

from discord.ext import commands

from commands.jobs._cog import JobCog, QueueCog


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(QueueCog(bot))
    await bot.add_cog(JobCog(bot))
