"""/premiere schedule | list | cancel | move: an episode's drop (docs/premieres.md)."""

from __future__ import annotations

from discord.ext import commands


async def setup(bot: commands.Bot) -> None:
    # Imported here, not at the top: bot/premieres.py imports this package's helpers, and the
    # cog imports bot/premieres.py.
    from commands.premieres._cog import PremieresCog

    await bot.add_cog(PremieresCog(bot))
