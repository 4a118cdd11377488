"""/setup: the server's channels, roles and language."""

from __future__ import annotations

from bot.client import DailiesBot
from commands.settings._cog import SetupCog


async def setup(bot: DailiesBot) -> None:
    await bot.add_cog(SetupCog(bot))
