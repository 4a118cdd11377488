"""/location: the places of the series, with reference images."""

from __future__ import annotations

from bot.client import DailiesBot
from commands.locations._cog import LocationsCog


async def setup(bot: DailiesBot) -> None:
    await bot.add_cog(LocationsCog(bot))
