"""/character through the sandbox, in English and French: cards, canon, locks, bad input."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import discord
import pytest

from bot.sandbox import SandboxUsageError
from storage import characters
from storage.bible import current_series
from storage.models import MediaAsset
from tests.helpers import (
    Studio,
    bomb_png,
    buttons,
    first_pixel,
    gallery_urls,
    message_text,
    png,
)

# Every command here runs on SQLite and on a real Postgres (the bot migrates it at start).
pytestmark = pytest.mark.parametrize("studio_database", ["sqlite", "postgres"], indirect=True)


async def _count(studio: Studio) -> int:
    async with studio.db.session() as session:
        series = await current_series(session, studio.server.id)
        return await characters.count_characters(session, studio.server.id, series.id or 0)


async def _character(studio: Studio, name: str) -> characters.Character:
    async with studio.db.session() as session:
        series = await current_series(session, studio.server.id)
        return await characters.resolve_character(session, studio.server.id, series.id or 0, name)


async def test_create_posts_a_public_card_with_buttons(studio: Studio) -> None:
    """Crew creates Mara; everyone sees her card with History and Edit buttons."""
    res = await studio.slash(
        studio.crew,
        "character create",
        {"name": "Mara Voss", "appearance": "tall, red coat", "age": "30s", "voice": "en-f1"},
    )
    reply = await res.reply()
    assert not res.ephemeral
    text = message_text(reply)
    assert "**Mara Voss** joined the cast." in text
    assert "tall, red coat" in text and "en-f1" in text and "version 1" in text
    mara = await _character(studio, "mara voss")
    assert f"dailies:character:{mara.id}:history" in reply.custom_ids()
    assert f"dailies:character:{mara.id}:edit" in reply.custom_ids()


async def test_french_member_reads_french(studio: Studio) -> None:
    """A member with a French Discord client gets the card and buttons in French."""
    reply = await studio.reply(studio.francophone, "character create", {"name": "Élodie"})
    assert "**Élodie** rejoint la distribution." in message_text(reply)
    assert [b["label"] for b in buttons(reply)] == ["Historique", "Modifier le canon"]


async def test_reference_images_are_stored_and_shown(studio: Studio) -> None:
    """Two images: stored by sha256 in the media store, attached to the public card."""
    red, blue = png(colour=(200, 0, 0)), png(colour=(0, 0, 200))
    res = await studio.slash(
        studio.crew,
        "character create",
        {
            "name": "Mara",
            "image1": studio.attachment("mara-front.png", red),
            "image2": studio.attachment("mara-side.png", blue),
        },
    )
    confirmation = await res.reply()
    assert res.ephemeral and "card is posted" in confirmation.content
    card = await studio.sandbox.wait_for_message(
        channel=studio.dailies, predicate=lambda m: bool(m.attachments)
    )
    # What is kept and shown is a clean re-encoded copy (no metadata), not the uploaded bytes.
    assert [first_pixel(a.data) for a in card.attachments] == [(200, 0, 0), (0, 0, 200)]
    assert gallery_urls(card) == ["attachment://ref0.png", "attachment://ref1.png"]
    assert "**Mara** joined the cast." in message_text(card)
    for shown in card.attachments:
        assert await studio.media.exists(hashlib.sha256(shown.data).hexdigest())


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("notes.png", lambda: b"this is plain text, not a picture", "is not an image"),
        ("bomb.png", lambda: bomb_png(100), "too many pixels"),
        ("huge.png", lambda: bytes(200 * 1024 * 1024), "too large"),
    ],
    ids=["not-an-image", "100-megapixel-bomb", "200-MB"],
)
async def test_bad_uploads_are_refused_and_change_nothing(
    studio: Studio, filename: str, data: Callable[[], bytes], expected: str
) -> None:
    """A bad file gets a private explanation naming it; no character is created."""
    res = await studio.slash(
        studio.crew,
        "character create",
        {"name": "Mara", "image1": studio.attachment(filename, data())},
    )
    reply = await res.reply()
    assert res.ephemeral
    assert expected in reply.content and filename in reply.content
    assert await _count(studio) == 0
    async with studio.db.session() as session:
        assets = (await session.exec(MediaAsset.__table__.select())).all()  # type: ignore[attr-defined]
    assert assets == []


async def test_blank_duplicate_and_oversized_names(studio: Studio) -> None:
    """Blank and duplicate names get a private message; Discord itself caps names at 80."""
    res = await studio.slash(studio.crew, "character create", {"name": "   "})
    assert "cannot be empty" in (await res.reply()).content and res.ephemeral
    await studio.reply(studio.crew, "character create", {"name": "Mara"})
    res = await studio.slash(studio.crew, "character create", {"name": "MARA"})
    reply = await res.reply()
    assert res.ephemeral and "already a character called **MARA**" in reply.content
    assert await _count(studio) == 1
    with pytest.raises(SandboxUsageError):
        await studio.slash(studio.crew, "character create", {"name": "x" * 10_000})
    option = next(
        o
        for sub in next(c for c in studio.sandbox.commands() if c.name == "character").data[
            "options"
        ]
        if sub["name"] == "create"
        for o in sub["options"]
        if o["name"] == "name"
    )
    assert (option["min_length"], option["max_length"]) == (1, 80)


async def test_mentions_in_names_never_ping(studio: Studio) -> None:
    """'@everyone' and a role mention are kept as written and ping nobody."""
    role = studio.server.crew_role
    reply = await studio.reply(
        studio.crew,
        "character create",
        {"name": "@everyone", "personality": f"loves <@&{role.id}> and @here"},
    )
    assert "@everyone" in message_text(reply)
    assert not reply.mention_everyone and reply.mention_roles == []
    # The card's text is in Components V2 text displays: what protects it is what the bot sent.
    assert reply.allowed_mentions is not None
    assert reply.allowed_mentions.get("parse") == [] and not reply.allowed_mentions.get("roles")
    card = await studio.reply(studio.member, "character show", {"character": "@everyone"})
    assert not card.mention_everyone and card.mention_roles == []
    assert (await _character(studio, "@everyone")).personality == f"loves <@&{role.id}> and @here"


async def test_member_without_crew_role_cannot_create(studio: Studio) -> None:
    """A member without the crew role is told who may, privately; nothing is created."""
    res = await studio.slash(studio.member, "character create", {"name": "Mara"})
    reply = await res.reply()
    assert res.ephemeral and "Only the crew" in reply.content
    assert await _count(studio) == 0


async def test_edit_by_options_then_history(studio: Studio) -> None:
    """An edit names what changed; history lists who changed what."""
    await studio.reply(studio.crew, "character create", {"name": "Mara"})
    reply = await studio.reply(
        studio.crew, "character edit", {"character": "mara", "wardrobe": "grey scarf"}
    )
    assert "**Mara** updated: Wardrobe." in message_text(reply)
    history = await studio.reply(
        studio.member, "character show", {"character": "Mara", "history": True}
    )
    text = message_text(history)
    assert "History of Mara" in text
    assert "v2" in text and "Wardrobe" in text and f"<@{studio.crew.user.id}>" in text
    assert not history.mentions


async def test_edit_without_options_opens_the_canon_form(studio: Studio) -> None:
    """No options: a form prefilled with canon; submitting it saves a new version."""
    await studio.reply(studio.crew, "character create", {"name": "Mara", "appearance": "red coat"})
    opened = await studio.slash(studio.crew, "character edit", {"character": "Mara"})
    await opened.acknowledged()
    assert opened.ack_type == 9
    assert "red coat" in str(opened.modal)
    submitted = await studio.sandbox.submit_modal(
        studio.crew, opened, {"appearance": "blue coat", "age": "31"}
    )
    reply = message_text(await submitted.reply())
    assert "Appearance" in reply and "Age" in reply
    mara = await _character(studio, "Mara")
    assert (mara.appearance, mara.age, mara.version) == ("blue coat", "31", 2)


async def test_locked_canon_needs_the_showrunner(studio: Studio) -> None:
    """Lock: crew edits are refused (command, button and form), the showrunner's go through."""
    card = await studio.reply(studio.crew, "character create", {"name": "Mara"})
    res = await studio.slash(studio.crew, "character lock", {"character": "Mara"})
    assert "Only the showrunner" in (await res.reply()).content and res.ephemeral
    assert not (await _character(studio, "Mara")).locked
    await studio.reply(studio.showrunner, "character lock", {"character": "Mara"})
    assert (await _character(studio, "Mara")).locked

    res = await studio.slash(studio.crew, "character edit", {"character": "Mara", "age": "40"})
    assert "locked" in (await res.reply()).content and res.ephemeral
    mara = await _character(studio, "Mara")
    click = await studio.sandbox.click(studio.crew, card, f"dailies:character:{mara.id}:edit")
    assert "locked" in (await click.reply()).content and click.ephemeral
    assert (await _character(studio, "Mara")).age == ""

    reply = await studio.reply(
        studio.showrunner, "character edit", {"character": "Mara", "age": "40"}
    )
    assert "updated" in message_text(reply)
    assert (await _character(studio, "Mara")).age == "40"


async def test_retire_needs_the_showrunner_and_hides_from_autocomplete(studio: Studio) -> None:
    """Crew cannot retire; once the showrunner retires Mara she leaves the suggestions."""
    await studio.reply(studio.crew, "character create", {"name": "Mara"})
    res = await studio.slash(studio.crew, "character retire", {"character": "Mara"})
    assert "Only the showrunner" in (await res.reply()).content
    await studio.reply(studio.showrunner, "character retire", {"character": "Mara"})
    assert (await _character(studio, "Mara")).retired
    choices = await studio.choices(studio.crew, "character edit", {"character": "ma"}, "character")
    assert choices == []


async def test_admin_without_role_counts_as_showrunner(studio: Studio) -> None:
    """Manage Server is enough to act as showrunner."""
    await studio.reply(studio.crew, "character create", {"name": "Mara"})
    reply = await studio.reply(studio.admin, "character lock", {"character": "Mara"})
    assert "is locked" in reply.content


async def test_autocomplete_and_hand_typed_values(studio: Studio) -> None:
    """Suggestions are case-insensitive; a hand-typed unknown name says how to pick."""
    for name in ("Mara", "Marius", "Omar", "Zoé"):
        await studio.reply(studio.crew, "character create", {"name": name})
    choices = await studio.choices(studio.crew, "character show", {"character": "MAR"}, "character")
    assert [c["name"] for c in choices] == ["Mara", "Marius", "Omar"]
    mara = await _character(studio, "Mara")
    assert choices[0]["value"] == str(mara.id)
    by_id = await studio.reply(studio.member, "character show", {"character": str(mara.id)})
    assert "## Mara" in message_text(by_id)
    res = await studio.slash(studio.member, "character show", {"character": "Marge"})
    reply = await res.reply()
    assert res.ephemeral and "No character called **Marge**" in reply.content
    assert "/character list" in reply.content


async def test_list_shows_the_cast_with_locks(studio: Studio) -> None:
    """The cast list names everyone and marks locked canon."""
    await studio.reply(studio.crew, "character create", {"name": "Mara"})
    await studio.reply(studio.crew, "character create", {"name": "Omar"})
    await studio.reply(studio.showrunner, "character lock", {"character": "Omar"})
    reply = await studio.reply(studio.member, "character list")
    description = reply.embeds[0]["description"]
    assert "**Mara**" in description and "**Omar** 🔒" in description


async def test_no_series_yet_says_how_to_start(bare_studio: Studio) -> None:
    """Before any series exists, /character create explains how to start one."""
    res = await bare_studio.slash(bare_studio.crew, "character create", {"name": "Mara"})
    assert "/series create" in (await res.reply()).content


async def test_form_submitted_after_a_lock_is_refused(studio: Studio) -> None:
    """Crew opens the form, the showrunner locks Mara, the crew's submit changes nothing."""
    await studio.reply(studio.crew, "character create", {"name": "Mara", "age": "30"})
    opened = await studio.slash(studio.crew, "character edit", {"character": "Mara"})
    await opened.acknowledged()
    await studio.reply(studio.showrunner, "character lock", {"character": "Mara"})
    submitted = await studio.sandbox.submit_modal(studio.crew, opened, {"age": "99"})
    reply = await submitted.reply()
    assert "locked" in reply.content and submitted.ephemeral
    assert (await _character(studio, "Mara")).age == "30"


async def test_new_images_replace_the_references_in_one_version(studio: Studio) -> None:
    """Editing with an image and a field records one version naming both."""
    first, second = png(colour=(1, 2, 3)), png(colour=(4, 5, 6))
    res = await studio.slash(
        studio.crew,
        "character create",
        {"name": "Mara", "image1": studio.attachment("a.png", first)},
    )
    await res.reply()
    res = await studio.slash(
        studio.crew,
        "character edit",
        {"character": "Mara", "age": "31", "image1": studio.attachment("b.png", second)},
    )
    await res.reply()
    cards = [m for m in studio.dailies.messages if m.attachments]
    assert [first_pixel(a.data) for a in cards[-1].attachments] == [(4, 5, 6)]
    assert "Age, Reference images" in message_text(cards[-1])
    mara = await _character(studio, "Mara")
    async with studio.db.session() as session:
        history = await characters.character_history(session, studio.server.id, mara.id or 0)
    assert [v.changed_fields for v in history] == [["age", "references"], ["created"]]


async def test_card_comes_privately_when_the_bot_cannot_post_in_the_channel(
    studio: Studio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If Discord refuses the channel post, the member still gets the card (privately)."""

    class Refused:
        status, reason = 403, "Forbidden"

    async def refuse(*args: object, **kwargs: object) -> None:
        raise discord.Forbidden(Refused(), {"code": 50013, "message": "Missing Permissions"})

    monkeypatch.setattr(discord.TextChannel, "send", refuse)
    res = await studio.slash(
        studio.crew,
        "character create",
        {"name": "Mara", "image1": studio.attachment("mara.png", png())},
    )
    reply = await res.reply()
    assert res.ephemeral and "**Mara** joined the cast." in message_text(reply)
    assert gallery_urls(reply) == ["attachment://ref0.png"]
