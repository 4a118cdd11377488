"""/series through the sandbox: create, show, switch, and the style bible (options and form)."""

from __future__ import annotations

import pytest

from storage.bible import current_series
from tests.helpers import Studio, message_text

# Every command here runs on SQLite and on a real Postgres (the bot migrates it at start).
pytestmark = pytest.mark.parametrize("studio_database", ["sqlite", "postgres"], indirect=True)


async def _active_name(studio: Studio) -> str:
    async with studio.db.session() as session:
        return (await current_series(session, studio.server.id)).name


async def test_showrunner_creates_a_series_that_becomes_active(bare_studio: Studio) -> None:
    """The new series is active and its card shows the logline."""
    s = bare_studio
    reply = await s.reply(
        s.admin, "series create", {"name": "Le Phare", "logline": "A keeper hears voices."}
    )
    text = message_text(reply)
    assert "**Le Phare** is now the active series" in text and "A keeper hears voices." in text
    assert await _active_name(s) == "Le Phare"


async def test_crew_cannot_create_or_switch_series(studio: Studio) -> None:
    """Creating and switching series are the showrunner's; crew gets a private refusal."""
    res = await studio.slash(studio.crew, "series create", {"name": "Other Show"})
    assert "Only the showrunner" in (await res.reply()).content and res.ephemeral
    assert await _active_name(studio) == "Nuit Blanche"


async def test_duplicate_series_name_is_refused(studio: Studio) -> None:
    """Series names are unique per server, whatever the case."""
    res = await studio.slash(studio.showrunner, "series create", {"name": "NUIT BLANCHE"})
    assert "already a series" in (await res.reply()).content and res.ephemeral


async def test_use_switches_the_active_series_by_autocomplete(studio: Studio) -> None:
    """Two series; picking one from the suggestions makes it active."""
    await studio.reply(studio.showrunner, "series create", {"name": "Le Phare"})
    choices = await studio.choices(studio.showrunner, "series use", {"series": "nuit"}, "series")
    assert [c["name"] for c in choices] == ["Nuit Blanche"]
    reply = await studio.reply(studio.showrunner, "series use", {"series": choices[0]["value"]})
    assert "Now working on **Nuit Blanche**" in reply.content
    assert await _active_name(studio) == "Nuit Blanche"


async def test_style_by_options_and_show(studio: Studio) -> None:
    """Crew sets the look and era; /series show prints the bible."""
    reply = await studio.reply(
        studio.crew, "series style", {"look": "sodium-vapour night, 35mm grain", "era": "1978"}
    )
    assert "Look" in reply.content and "Era" in reply.content
    shown = message_text(await studio.reply(studio.member, "series show"))
    assert "sodium-vapour night, 35mm grain" in shown and "1978" in shown


async def test_style_form_is_prefilled_and_saves(studio: Studio) -> None:
    """No options: a form with the current bible; what is submitted is saved."""
    await studio.reply(studio.crew, "series style", {"palette": "teal and amber"})
    opened = await studio.slash(studio.francophone, "series style")
    await opened.acknowledged()
    assert opened.ack_type == 9 and "teal and amber" in str(opened.modal)
    assert "Bible visuelle" in str(opened.modal)
    done = await studio.sandbox.submit_modal(
        studio.francophone, opened, {"references": "Melville, Le Samouraï"}
    )
    reply = await done.reply()
    assert "Bible visuelle de **Nuit Blanche** mise à jour : Références." in reply.content
    async with studio.db.session() as session:
        series = await current_series(session, studio.server.id)
    assert series.references == "Melville, Le Samouraï" and series.palette == "teal and amber"


async def test_series_show_without_any_series_explains(bare_studio: Studio) -> None:
    """No series yet: the member learns the command that starts one, in French too."""
    res = await bare_studio.slash(bare_studio.francophone, "series show")
    assert "/série créer" in (await res.reply()).content and res.ephemeral
