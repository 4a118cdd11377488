"""/dailies: the community watches a shot's takes side by side, votes, flags, rerolls, and the
winner is locked into the cut. See docs/dailies.md.

Other features and the demo use ``queue_dailies`` (post a shot's dailies), ``decide`` (close on
the vote or ask the showrunner) and ``close`` (lock a take or veto).
"""

from __future__ import annotations

from discord.ext import commands

from commands.dailies import _strings as _strings  # registers the sentences
from commands.dailies._closing import close, close_due, decide
from commands.dailies._cog import DailiesCog
from commands.dailies._post import queue_dailies

__all__ = ["close", "close_due", "decide", "queue_dailies", "setup"]


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(DailiesCog(bot))
