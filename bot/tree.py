"""The command tree: acknowledge first, then do the work a few at a time (invariant 1).

Discord drops an interaction that is not acknowledged within 3 s. One Python process serves
about a hundred commands a second; when 500 arrive at once, asyncio interleaves every handler
and they all answer late together. Two rules keep the acknowledgements on time instead:

- A command declared with ``extras=answer_later()`` is deferred ("Dailies is thinking...")
  before anything else runs, then waits for one of ``settings.discord.work_slots`` slots to do
  its database work. Under a burst the *answers* queue, first come first served; the
  acknowledgements do not. Its handler replies with :func:`answer`, which follows up.
- Autocomplete cannot be deferred: its answer is its acknowledgement. Lookups run at once
  (a gate measured worse: aiosqlite and psycopg overlap their waits, see docs/benchmarks.md);
  one that only starts when Discord would discard its answer anyway is dropped instead of
  spending the time of the ones behind it.

Commands without the marker (forms, buttons that answer at once) run as before.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import discord
from discord import app_commands

from bot.errors import NO_MENTIONS

log = logging.getLogger(__name__)

# An autocomplete answer later than this after the keystroke reached us is thrown away by
# Discord (3 s), counting the time our answer takes to reach it. Measured on our monotonic
# clock from the gateway event, not from the interaction's snowflake: a host clock a few
# seconds off would otherwise drop every keystroke.
AUTOCOMPLETE_STALE_S = 2.5
_RECEIVED_AT = "received_at"
_ANSWER_LATER = "answer_later"


def answer_later(*, ephemeral: bool = True) -> dict[str, Any]:
    """``@app_commands.command(extras=answer_later())``: defer first, then queue the work.

    Only for commands whose whole answer has one visibility (a refusal would take the same):
    an ephemeral defer makes every follow-up ephemeral, a public one every follow-up public.
    """
    return {_ANSWER_LATER: "ephemeral" if ephemeral else "public"}


async def answer(interaction: discord.Interaction[Any], **kwargs: Any) -> None:
    """Reply by whichever route is open: the response, or the follow-up after a defer."""
    kwargs.setdefault("allowed_mentions", NO_MENTIONS)
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


class DailiesTree(app_commands.CommandTree[Any]):
    """``tree_cls`` of the bot: the acknowledgement policy above, before every command."""

    def __init__(self, client: discord.Client, **options: Any) -> None:
        super().__init__(client, **options)
        self.size_slots(work=4)

    def size_slots(self, *, work: int) -> None:
        """From the settings; the bot calls it once its settings are set, before any command."""
        self.work_slots = asyncio.Semaphore(work)

    def _from_interaction(self, interaction: discord.Interaction[Any]) -> None:
        # Called by discord.py as the gateway event is parsed: the moment it reached us.
        interaction.extras[_RECEIVED_AT] = time.monotonic()
        super()._from_interaction(interaction)

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.type is discord.InteractionType.autocomplete:
            received = interaction.extras.get(_RECEIVED_AT)
            age = time.monotonic() - received if isinstance(received, float) else 0.0
            if age > AUTOCOMPLETE_STALE_S:
                log.info(
                    "dropped a stale autocomplete (%.1f s old) guild=%s user=%s",
                    age,
                    interaction.guild_id,
                    interaction.user.id,
                )
                return False
            return True
        if interaction.type is not discord.InteractionType.application_command:
            return True
        command = interaction.command
        mode = command.extras.get(_ANSWER_LATER) if command is not None else None
        if mode is None:
            return True
        if not interaction.response.is_done():
            await interaction.response.defer(ephemeral=mode == "ephemeral", thinking=True)
        await self._hold(self.work_slots)
        return True

    @staticmethod
    async def _hold(slots: asyncio.Semaphore) -> None:
        """Take a slot until this interaction's task ends, however it ends.

        ``interaction_check`` runs inside the task the tree starts for the interaction, before
        the handler, so the task's end is the handler's end (errors included).
        """
        await slots.acquire()
        task = asyncio.current_task()
        if task is None:  # not reachable from the tree; never keep a slot nobody returns
            slots.release()
            return
        task.add_done_callback(lambda _task: slots.release())
