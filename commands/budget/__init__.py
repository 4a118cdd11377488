"""/budget show | set: what the server may spend, what it spent, what is held."""

from __future__ import annotations

from discord.ext import commands

from commands.budget._cog import BudgetCog


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(BudgetCog(bot))
