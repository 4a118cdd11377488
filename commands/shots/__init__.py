"""/scene and /shot: break episodes into scenes and shots, with cast, camera and dialogue."""

from __future__ import annotations

from discord.ext import commands

from commands.shots._cog import SceneCog, ShotCog


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(SceneCog(bot))
    await bot.add_cog(ShotCog(bot))
