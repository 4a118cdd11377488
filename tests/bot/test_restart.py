"""A restart keeps the bible, and buttons posted before it still work (invariants 8 and 9)."""

from __future__ import annotations

from storage.bible import current_series
from storage.characters import resolve_character
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
    assert "Wardrobe" in message_text(await saved.reply())

    shown = message_text(await studio.reply(studio.member, "character show", {"character": "Mara"}))
    assert "grey scarf" in shown and "version 3" in shown


async def test_forms_opened_before_a_restart_still_save(studio: Studio) -> None:
    """A member typing in a form during a deploy loses nothing: canon and style forms save."""
    await studio.reply(studio.crew, "character create", {"name": "Mara"})
    canon_form = await studio.slash(studio.crew, "character edit", {"character": "Mara"})
    style_form = await studio.slash(studio.francophone, "series style")
    await canon_form.acknowledged()
    await style_form.acknowledged()
    await studio.restart()

    saved = await studio.sandbox.submit_modal(studio.crew, canon_form, {"wardrobe": "red coat"})
    assert "**Mara** updated: Wardrobe." in message_text(await saved.reply())
    styled = await studio.sandbox.submit_modal(studio.francophone, style_form, {"look": "grain"})
    assert "mise à jour : Rendu" in (await styled.reply()).content


async def test_two_members_editing_the_same_character_both_save(studio: Studio) -> None:
    """Two open canon forms for one character do not steal each other's submit."""
    await studio.reply(studio.crew, "character create", {"name": "Mara"})
    first = await studio.slash(studio.crew, "character edit", {"character": "Mara"})
    second = await studio.slash(studio.francophone, "character edit", {"character": "Mara"})
    await first.acknowledged()
    await second.acknowledged()
    one = await studio.sandbox.submit_modal(studio.crew, first, {"age": "30"})
    assert "updated" in message_text(await one.reply())
    two = await studio.sandbox.submit_modal(studio.francophone, second, {"wardrobe": "scarf"})
    assert "mis à jour" in message_text(await two.reply())
    async with studio.db.session() as session:
        series = await current_series(session, studio.server.id)
        mara = await resolve_character(session, studio.server.id, series.id or 0, "Mara")
    assert (mara.age, mara.wardrobe) == ("30", "scarf")
