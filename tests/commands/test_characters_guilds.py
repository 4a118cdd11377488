"""Two servers on one bot and one database never see each other's bible (invariant 2)."""

from __future__ import annotations

import pytest

from storage.bible import current_series
from storage.characters import resolve_character
from tests.helpers import Studio, buttons, message_text

# Every command here runs on SQLite and on a real Postgres (the bot migrates it at start).
pytestmark = pytest.mark.parametrize("studio_database", ["sqlite", "postgres"], indirect=True)


async def test_ids_and_names_from_another_server_are_not_found(studio: Studio) -> None:
    """Server B cannot show, edit or lock A's character by id, and autocomplete lists only B's."""
    b = studio.add_guild("Other Place")
    await studio.configure(b, series="Other Show")
    await studio.reply(studio.crew, "character create", {"name": "Mara"})
    await studio.reply(b.crew, "character create", {"name": "Marcel"})
    async with studio.db.session() as session:
        series = await current_series(session, studio.server.id)
        mara = await resolve_character(session, studio.server.id, series.id or 0, "Mara")

    for command, options in [
        ("character show", {"character": str(mara.id)}),
        ("character edit", {"character": str(mara.id), "age": "99"}),
        ("character lock", {"character": str(mara.id)}),
        ("character show", {"character": "Mara"}),
    ]:
        who = b.showrunner
        res = await studio.slash(who, command, options, channel=b.dailies)
        reply = await res.reply()
        assert res.ephemeral and "No character called" in reply.content, command

    suggestions = await studio.choices(
        b.crew, "character show", {"character": "mar"}, "character", channel=b.dailies
    )
    assert [c["name"] for c in suggestions] == ["Marcel"]
    listed = message_text(await studio.reply(b.member, "character list", channel=b.dailies))
    assert "Marcel" in listed and "Mara" not in listed.replace("Marcel", "")
    async with studio.db.session() as session:
        untouched = await resolve_character(session, studio.server.id, series.id or 0, "Mara")
    assert (untouched.age, untouched.locked) == ("", False)


async def test_buttons_from_another_server_do_not_leak(studio: Studio) -> None:
    """A history button whose id names A's character, clicked in B, finds nothing."""
    b = studio.add_guild("Other Place")
    await studio.configure(b, series="Other Show")
    card = await studio.reply(studio.crew, "character create", {"name": "Mara"})
    history_id = next(c for c in card.custom_ids() if c.endswith(":history"))
    # Same custom id on a message in server B (a forged or copied component).
    forged = await studio.reply(b.crew, "character create", {"name": "Bea"})
    buttons(forged)[0]["custom_id"] = history_id
    res = await studio.sandbox.click(b.member, forged, history_id)
    reply = await res.reply()
    assert res.ephemeral and "could not find" in reply.content
    assert "Mara" not in reply.content
