"""/shot queue above the server's confirmation threshold: Confirm / Cancel buttons."""

from __future__ import annotations

import copy

import pytest

from commands.shots import _confirm
from storage.ledger import entries
from tests.commands.generation_world import (
    budget,
    eventually,
    jobs,
    make_shot,
    paid,
    pause,
)
from tests.helpers import Studio, message_text


def button(message: object, action: str) -> str:
    ids = message.custom_ids()  # type: ignore[attr-defined]
    return next(i for i in ids if i.endswith(":" + action))


@pytest.mark.parametrize(
    ("lang", "ask", "queued"),
    [("en", "This costs about **$1.20** for 2 take(s)", "Queued 2 take(s) of shot 1.1.1"),
     ("fr", "Cela coûte environ **1,20 $** pour 2 prise(s)", "2 prise(s) du plan 1.1.1 en file")],
)  # fmt: skip
async def test_confirm_queues_and_posts_the_card(
    studio: Studio, lang: str, ask: str, queued: str
) -> None:
    """Above the threshold nothing is held until the member confirms; then the card follows."""
    await budget(studio, monthly=10_000, confirm=100)
    paid(studio, cents=60)
    await pause(studio)  # rendering is test_queue_discord's business
    code = await make_shot(studio)
    who = studio.francophone if lang == "fr" else studio.crew
    res = await studio.slash(who, "shot queue", {"shot": code, "takes": 2, "provider": "luma"})
    prompt = await res.reply()
    assert prompt.ephemeral and ask in prompt.content
    assert await jobs(studio) == []
    click = await studio.sandbox.click(who, prompt, button(prompt, "go"))
    await click.acknowledged()
    card = await click.followup(0)
    assert not card.ephemeral
    assert queued in (await studio.sandbox.wait_for_message(
        predicate=lambda m: m.id == prompt.id and queued in m.content)).content  # fmt: skip

    async def stored() -> bool:
        return {j.card_message_id for j in await jobs(studio)} == {card.id}

    await eventually(stored)  # the card's id is on every job of the request
    assert [j.estimate_cents for j in await jobs(studio)] == [60, 60]
    assert "Queued: 2 take(s)" in message_text(card)  # the card speaks the server's language


async def test_cancel_queues_nothing_and_another_member_cannot_confirm(studio: Studio) -> None:
    await pause(studio)
    await budget(studio, monthly=10_000, confirm=100)
    paid(studio, cents=60)
    code = await make_shot(studio)
    res = await studio.slash(studio.crew, "shot queue", {"shot": code, "takes": 2,
                                                         "provider": "luma"})  # fmt: skip
    prompt = await res.reply()
    # Someone else presses Confirm: refused, nothing queued.
    stranger = await studio.sandbox.click(studio.showrunner, prompt, button(prompt, "go"))
    refusal = await stranger.reply()
    assert refusal.ephemeral and "belong to someone else" in refusal.content
    assert await jobs(studio) == []
    # The member cancels.
    cancel = await studio.sandbox.click(studio.crew, prompt, button(prompt, "no"))
    await cancel.acknowledged()
    assert cancel.ack_type == 7
    await studio.sandbox.wait_for_message(
        predicate=lambda m: m.id == prompt.id and "Nothing was queued" in message_text(m)
    )
    assert await jobs(studio) == []


async def test_confirm_button_survives_a_restart(studio: Studio) -> None:
    """The buttons carry their ids: after a restart, Confirm re-prices from storage and works."""
    await budget(studio, monthly=10_000, confirm=100)
    paid(studio, cents=60)
    code = await make_shot(studio)
    prompt = await studio.reply(studio.crew, "shot queue", {"shot": code, "takes": 2,
                                                            "provider": "luma"})  # fmt: skip
    await studio.restart()
    paid(studio, cents=60)  # the new process configured the same provider
    await pause(studio)
    click = await studio.sandbox.click(studio.crew, prompt, button(prompt, "go"))
    await click.acknowledged()
    card = await click.followup(0)
    assert card.embeds and len(await jobs(studio)) == 2


@pytest.mark.parametrize("studio_database", ["sqlite", "postgres"], indirect=True)
async def test_a_second_confirm_after_a_restart_queues_nothing_more(studio: Studio) -> None:
    """Confirm, and the bot dies before the prompt loses its buttons; after the restart (its
    memory of answered prompts is gone) the member presses Confirm again: they are told it was
    already answered; still 2 jobs and one hold each."""
    await budget(studio, monthly=10_000, confirm=100)
    paid(studio, cents=60)
    await pause(studio)
    code = await make_shot(studio)
    prompt = await studio.reply(studio.crew, "shot queue", {"shot": code, "takes": 2,
                                                            "provider": "luma"})  # fmt: skip
    go, buttons = button(prompt, "go"), copy.deepcopy(prompt.components)
    first = await studio.sandbox.click(studio.crew, prompt, go)
    await first.acknowledged()
    await first.followup(0)
    assert len(await jobs(studio)) == 2
    await studio.restart()
    prompt.components = buttons  # the edit that removed them died with the old process
    _confirm._ANSWERED.clear()  # the tests share one process: a real restart forgets it too
    paid(studio, cents=60)
    await pause(studio)
    again = await studio.sandbox.click(studio.crew, prompt, go)
    await again.acknowledged()
    await studio.sandbox.wait_for_message(
        predicate=lambda m: m.id == prompt.id and "already answered" in message_text(m)
    )
    assert len(await jobs(studio)) == 2
    async with studio.db.session() as session:
        holds = [e for e in await entries(session, studio.server.id) if e.kind == "reserve"]
    assert len(holds) == 2
