"""/series: the show and its style bible."""

from __future__ import annotations

from bot.client import DailiesBot
from commands.series._cog import SeriesCog


async def setup(bot: DailiesBot) -> None:
    await bot.add_cog(SeriesCog(bot))
