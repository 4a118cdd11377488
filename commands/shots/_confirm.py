"""The Confirm / Cancel buttons under a request that costs more than the server's threshold
(/shot queue, /shot perform).

Only the member who asked may press them. The first press answers the prompt (a second press,
by a double click or after a restart, is told it was already answered): Cancel clears it, Confirm
runs the request and replaces the prompt with its outcome. A refusal at that point (budget spent
meanwhile) leaves nothing queued, so the member may press again. The request carries the
prompt's id as its key (``pipeline.batch``): a press after a restart, when the in-memory record
below is gone, finds the jobs of the first press instead of queueing again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.i18n import locale_of, t
from storage.errors import NotAllowed, UserFacingError

NO_MENTIONS = discord.AllowedMentions.none()
Say = Callable[[str], Awaitable[None]]
# Prompts already answered (message ids, the newest 10,000): a double click is told at once. Across
# a restart the request key does the same from the database.
_ANSWERED: dict[int, None] = {}
_REMEMBERED = 10_000


def confirm_button(action: str, locale: str, custom_id: str) -> discord.ui.Button[Any]:
    """``action`` "go" is Confirm (primary), anything else Cancel."""
    go = action == "go"
    return discord.ui.Button(
        label=t("queue.confirm_button" if go else "queue.cancel_button", locale),
        style=discord.ButtonStyle.primary if go else discord.ButtonStyle.secondary,
        custom_id=custom_id,
    )


def only_the_asker(interaction: discord.Interaction[Any], member_id: int) -> bool:
    if interaction.user.id != member_id:
        raise NotAllowed("error.not_yours")
    return True


async def answer_prompt(
    interaction: discord.Interaction[Any],
    action: str,
    run: Callable[[Say, str | None], Awaitable[None]],
) -> None:
    """Answer the prompt once; ``run(say, request_key)`` does the confirmed request, ``say``
    edits the prompt into its outcome, ``request_key`` names the prompt (None without one)."""
    locale = await locale_of(interaction)
    prompt_id = interaction.message.id if interaction.message else 0
    if prompt_id in _ANSWERED:
        await interaction.response.send_message(t("queue.already_answered", locale), ephemeral=True)
        return
    _ANSWERED[prompt_id] = None
    while len(_ANSWERED) > _REMEMBERED:
        _ANSWERED.pop(next(iter(_ANSWERED)))
    if action == "no":
        await interaction.response.edit_message(content=t("queue.not_queued", locale), view=None)
        return
    await interaction.response.defer()

    async def say(text: str) -> None:
        await interaction.edit_original_response(
            content=text, view=None, allowed_mentions=NO_MENTIONS
        )

    try:
        await run(say, f"prompt-{prompt_id}" if prompt_id else None)
    except UserFacingError:
        _ANSWERED.pop(prompt_id, None)  # refused, nothing queued: the member may press again
        raise
