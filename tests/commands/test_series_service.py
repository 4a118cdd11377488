"""Series and locations services: the active series, the style bible, location names."""

from __future__ import annotations

import pytest

from storage import bible
from storage.db import Database
from storage.errors import AlreadyExists, InvalidInput, NotFound

GUILD_A, GUILD_B, WRITER = 111, 222, 1001


async def test_last_created_series_is_active_and_choosing_switches(db: Database) -> None:
    """A new series becomes the active one; choosing by name switches back."""
    async with db.session() as s:
        with pytest.raises(NotFound):
            await bible.current_series(s, GUILD_A)
        first = await bible.create_series(s, GUILD_A, "Nuit Blanche", WRITER)
        await bible.create_series(s, GUILD_A, "Le Phare", WRITER)
        assert (await bible.current_series(s, GUILD_A)).name == "Le Phare"
        await bible.choose_series(s, GUILD_A, "nuit blanche")
        assert (await bible.current_series(s, GUILD_A)).id == first.id
        with pytest.raises(NotFound):
            await bible.current_series(s, GUILD_B)


async def test_style_fields_are_checked_and_changes_reported(db: Database) -> None:
    """Style edits report what changed; an over-long field changes nothing."""
    async with db.session() as s:
        series = await bible.create_series(s, GUILD_A, "Nuit Blanche", WRITER)
        sid = series.id or 0
        _, changed = await bible.update_style(s, GUILD_A, sid, look="35mm grain", era="1970s")
        assert sorted(changed) == ["era", "look"]
        with pytest.raises(InvalidInput):
            await bible.update_style(s, GUILD_A, sid, era="x" * 201)
    async with db.session() as s:
        again = await bible.get_series(s, GUILD_A, sid)
    assert again.era == "1970s" and again.look == "35mm grain"


async def test_locations_unique_per_series_and_guild_scoped(db: Database) -> None:
    """Two locations cannot share a name; another guild cannot see them."""
    async with db.session() as s:
        series = await bible.create_series(s, GUILD_A, "Nuit Blanche", WRITER)
        other = await bible.create_series(s, GUILD_B, "Other", WRITER)
        sid = series.id or 0
        lighthouse = await bible.create_location(
            s, GUILD_A, sid, "The Lighthouse", WRITER, description="white tower"
        )
        with pytest.raises(AlreadyExists):
            await bible.create_location(s, GUILD_A, sid, "the lighthouse", WRITER)
        with pytest.raises(NotFound):
            await bible.get_location(s, GUILD_B, lighthouse.id or 0)
        assert await bible.suggest_locations(s, GUILD_B, other.id or 0, "light") == []
        found = await bible.suggest_locations(s, GUILD_A, sid, "HOUSE")
        _, changed = await bible.edit_location(
            s, GUILD_A, lighthouse.id or 0, name="Old Lighthouse"
        )
    assert [f.name for f in found] == ["The Lighthouse"]
    assert changed == ["name"]
