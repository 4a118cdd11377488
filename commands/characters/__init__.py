"""/character: the cast, with canon, versions, reference images and voices."""

from __future__ import annotations

from bot.client import DailiesBot
from commands.characters._cog import CharactersCog


async def setup(bot: DailiesBot) -> None:
    await bot.add_cog(CharactersCog(bot))
