"""Acknowledge first, then work (bot/tree.py): what a member sees when the bot is busy.

The work slots are held by the test, as a burst of other members' commands would hold them:
the member's command must still be acknowledged at once ("thinking...", only to them), and
answered as soon as a slot frees. A refusal after the acknowledgement stays private and frees
its slot. An autocomplete that starts past the point where Discord would throw its answer away
is dropped instead of answered late.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

import bot.tree
from bot.sandbox import InteractionResult
from bot.tree import DailiesTree
from tests.commands.generation_world import make_shot
from tests.helpers import Studio, message_text


def tree_of(studio: Studio) -> DailiesTree:
    assert studio.bot is not None
    tree = studio.bot.tree
    assert isinstance(tree, DailiesTree)
    return tree


@contextlib.asynccontextmanager
async def all_taken(slots: asyncio.Semaphore, count: int) -> AsyncIterator[None]:
    """Every slot held, as other members' commands in flight would hold them."""
    for _ in range(count):
        await slots.acquire()
    try:
        yield
    finally:
        for _ in range(count):
            slots.release()


async def test_a_busy_bot_acknowledges_at_once_and_answers_when_a_slot_frees(
    studio: Studio,
) -> None:
    code = await make_shot(studio)
    tree = tree_of(studio)
    tree.size_slots(work=2)
    async with all_taken(tree.work_slots, 2):
        result = await studio.slash(studio.crew, "shot show", {"shot": code})
        await result.acknowledged()
        # "Dailies is thinking...", shown to this member only; no answer while the bot is busy.
        assert result.deferred and result.ephemeral
        await asyncio.sleep(0.3)
        assert not result.interaction.replied.is_set()
    shown = await result.reply()
    assert shown.ephemeral
    assert "Mara waits on the pier" in message_text(shown)


async def test_a_refusal_after_the_acknowledgement_is_private_and_frees_the_slot(
    studio: Studio,
) -> None:
    tree = tree_of(studio)
    tree.size_slots(work=1)
    refused = await studio.reply(studio.francophone, "shot show", {"shot": "9.9.9"})
    assert refused.ephemeral
    assert "Je n'ai pas trouvé le plan `9.9.9`" in message_text(refused)
    # The one slot came back: the next member's command is answered.
    shown = await studio.reply(studio.member, "budget show")
    assert "This month: Budget" in message_text(shown)


async def test_a_burst_is_acknowledged_in_full_and_every_member_gets_an_answer(
    studio: Studio,
) -> None:
    await make_shot(studio)
    tree_of(studio).size_slots(work=1)
    members = [studio.crew, studio.member, studio.showrunner, studio.francophone]
    results: list[InteractionResult] = [
        await studio.slash(members[n % 4], "shot list", {"episode": "1"}) for n in range(40)
    ]
    for result in results:
        await result.acknowledged()
        assert result.deferred and result.ephemeral
    answers = [message_text(await result.reply()) for result in results]
    assert all(code_line.startswith("`1.1.1`") for code_line in answers), answers[:2]


async def test_a_stale_autocomplete_is_dropped_and_the_next_keystroke_answered(
    studio: Studio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A keystroke whose lookup only starts once Discord would discard the answer is dropped
    (here every lookup is "stale": the limit is set to zero), so it costs the ones behind it
    nothing; with the real limit the same keystroke is answered."""
    await make_shot(studio)
    sandbox = studio.sandbox
    monkeypatch.setattr(bot.tree, "AUTOCOMPLETE_STALE_S", 0.0)
    data = await sandbox._command_data(studio.crew, "shot show", {"shot": "1."}, "shot")
    stale = sandbox._dispatch(studio.crew, 4, data, studio.dailies)
    await asyncio.sleep(0.5)
    assert stale.ack_type is None and stale.choices is None
    monkeypatch.undo()
    fresh = await studio.choices(studio.crew, "shot show", {"shot": "1."}, "shot")
    assert any("1.1.1" in str(choice["name"]) for choice in fresh), fresh
