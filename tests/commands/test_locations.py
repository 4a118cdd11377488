"""/location through the sandbox: create with images, edit, the form, autocomplete."""

from __future__ import annotations

import pytest

from storage.bible import current_series, resolve_location
from storage.models import Location
from tests.helpers import Studio, first_pixel, gallery_urls, message_text, png

# Every command here runs on SQLite and on a real Postgres (the bot migrates it at start).
pytestmark = pytest.mark.parametrize("studio_database", ["sqlite", "postgres"], indirect=True)


async def _location(studio: Studio, name: str) -> Location:
    async with studio.db.session() as session:
        series = await current_series(session, studio.server.id)
        return await resolve_location(session, studio.server.id, series.id or 0, name)


async def test_create_and_show_a_location(studio: Studio) -> None:
    """A location card with its description, shown to anyone."""
    reply = await studio.reply(
        studio.crew,
        "location create",
        {"name": "The Lighthouse", "description": "white tower, green lamp"},
    )
    assert "New location: **The Lighthouse**." in message_text(reply)
    shown = message_text(
        await studio.reply(studio.member, "location show", {"location": "the lighthouse"})
    )
    assert "white tower, green lamp" in shown


async def test_location_images_go_on_the_card(studio: Studio) -> None:
    """A reference image is stored and attached to the card posted in the channel."""
    picture = png(colour=(10, 120, 10))
    res = await studio.slash(
        studio.crew,
        "location create",
        {"name": "Harbour", "image1": studio.attachment("harbour.png", picture)},
    )
    await res.reply()
    card = await studio.sandbox.wait_for_message(
        channel=studio.dailies, predicate=lambda m: bool(m.attachments)
    )
    assert first_pixel(card.attachments[0].data) == first_pixel(picture)
    assert "## Harbour" in message_text(card)
    assert gallery_urls(card) == ["attachment://ref0.png"]


async def test_edit_form_and_duplicates(studio: Studio) -> None:
    """The form saves the description; renaming onto another location is refused."""
    await studio.reply(studio.crew, "location create", {"name": "Harbour"})
    await studio.reply(studio.crew, "location create", {"name": "Lighthouse"})
    opened = await studio.slash(studio.crew, "location edit", {"location": "Harbour"})
    await opened.acknowledged()
    done = await studio.sandbox.submit_modal(studio.crew, opened, {"description": "fog, cranes"})
    assert "updated: Description" in message_text(await done.reply())
    assert (await _location(studio, "Harbour")).description == "fog, cranes"
    res = await studio.slash(
        studio.crew, "location edit", {"location": "Harbour", "name": "LIGHTHOUSE"}
    )
    assert "already a location" in (await res.reply()).content and res.ephemeral


async def test_location_autocomplete_and_not_found_in_french(studio: Studio) -> None:
    """Suggestions match anywhere in the name; an unknown name is explained in French."""
    await studio.reply(studio.crew, "location create", {"name": "Old Harbour"})
    choices = await studio.choices(studio.crew, "location show", {"location": "HARB"}, "location")
    assert [c["name"] for c in choices] == ["Old Harbour"]
    res = await studio.slash(studio.francophone, "location show", {"location": "Gare"})
    assert "Aucun décor nommé **Gare**" in (await res.reply()).content


async def test_member_without_crew_role_cannot_create(studio: Studio) -> None:
    """Writing the bible is for the crew."""
    res = await studio.slash(studio.member, "location create", {"name": "Harbour"})
    assert "Only the crew" in (await res.reply()).content and res.ephemeral


async def test_mentions_in_a_description_never_ping(studio: Studio) -> None:
    """@everyone in a description is kept and shown, and pings nobody."""
    reply = await studio.reply(
        studio.crew, "location create", {"name": "@here", "description": "@everyone meets here"}
    )
    assert "@here" in message_text(reply) and not reply.mention_everyone
    assert reply.allowed_mentions is not None and reply.allowed_mentions.get("parse") == []
    assert (await _location(studio, "@here")).description == "@everyone meets here"
