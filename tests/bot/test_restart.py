"""A restart keeps the bible, and buttons posted before it still work (invariants 8 and 9)."""

from __future__ import annotations

from tests.helpers import Studio, message_text


async def test_restart_keeps_data_and_buttons(studio: Studio) -> None:
    """Create Mara, restart the bot, then her old card's buttons answer from storage."""
    card = await studio.reply(
        studio.crew, "character create", {"name": "Mara", "appearance": "red coat"}
    )
    await studio.reply(studio.crew, "character edit", {"character": "Mara", "age": "31"})
    await studio.restart()

    history_id = next(c for c in card.custom_ids() if c.endswith(":history"))
    res = await studio.sandbox.click(studio.member, card, history_id)
    text = message_text(await res.reply())
    assert res.ephemeral and "History of Mara" in text and "v2" in text

    edit_id = next(c for c in card.custom_ids() if c.endswith(":edit"))
    opened = await studio.sandbox.click(studio.crew, card, edit_id)
    await opened.acknowledged()
    assert opened.ack_type == 9 and "red coat" in str(opened.modal)
    saved = await studio.sandbox.submit_modal(studio.crew, opened, {"wardrobe": "grey scarf"})
    assert "Wardrobe" in (await saved.reply()).content

    shown = message_text(await studio.reply(studio.member, "character show", {"character": "Mara"}))
    assert "grey scarf" in shown and "version 3" in shown
