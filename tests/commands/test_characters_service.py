"""The bible's services on SQLite and Postgres: names, canon versions, locks, guild isolation."""

from __future__ import annotations

import time

import pytest

from storage import bible, characters
from storage.db import Database
from storage.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound

GUILD_A, GUILD_B = 111, 222
WRITER, SHOWRUNNER = 1001, 1002


async def _series(db: Database, guild_id: int = GUILD_A, name: str = "Nuit Blanche") -> int:
    async with db.session() as s:
        series = await bible.create_series(s, guild_id, name, WRITER)
    assert series.id is not None
    return series.id


async def test_create_character_records_version_one(db: Database) -> None:
    """A new character has canon and a first version saying who created it."""
    series_id = await _series(db)
    async with db.session() as s:
        mara = await characters.create_character(
            s, GUILD_A, series_id, "  Mara   Voss ", WRITER, appearance="red coat", voice="en-f1"
        )
        history = await characters.character_history(s, GUILD_A, mara.id or 0)
    assert mara.name == "Mara Voss" and mara.voice == "en-f1"
    assert [(v.version, v.changed_fields, v.changed_by) for v in history] == [
        (1, ["created"], WRITER)
    ]


async def test_duplicate_name_is_refused_case_insensitively(db: Database) -> None:
    """'MARA' after 'Mara' in the same series is refused and nothing is added."""
    series_id = await _series(db)
    async with db.session() as s:
        await characters.create_character(s, GUILD_A, series_id, "Mara", WRITER)
        with pytest.raises(AlreadyExists):
            await characters.create_character(s, GUILD_A, series_id, "MARA", WRITER)
        assert len(await characters.list_characters(s, GUILD_A, series_id)) == 1


@pytest.mark.parametrize("name", ["", "   ", "x" * 10_000])
async def test_bad_names_are_refused(db: Database, name: str) -> None:
    """Empty and 10,000-character names change nothing."""
    series_id = await _series(db)
    async with db.session() as s:
        with pytest.raises(InvalidInput):
            await characters.create_character(s, GUILD_A, series_id, name, WRITER)
        assert await characters.count_characters(s, GUILD_A, series_id) == 0


async def test_mentions_are_stored_as_written(db: Database) -> None:
    """@everyone in canon is kept verbatim (the bot sends it back without pinging)."""
    series_id = await _series(db)
    async with db.session() as s:
        c = await characters.create_character(
            s, GUILD_A, series_id, "@everyone", WRITER, personality="<@&123> fan"
        )
    assert c.name == "@everyone" and c.personality == "<@&123> fan"


async def test_edit_records_what_changed_and_locked_canon_needs_showrunner(db: Database) -> None:
    """An edit is a new version; once locked, only a showrunner's edit goes through."""
    series_id = await _series(db)
    async with db.session() as s:
        c = await characters.create_character(s, GUILD_A, series_id, "Mara", WRITER)
        cid = c.id or 0
        _, changed = await characters.edit_character(
            s, GUILD_A, cid, WRITER, may_edit_locked=False, wardrobe="grey scarf"
        )
        assert changed == ["wardrobe"]
        await characters.set_locked(s, GUILD_A, cid, True, SHOWRUNNER)
        with pytest.raises(NotAllowed):
            await characters.edit_character(
                s, GUILD_A, cid, WRITER, may_edit_locked=False, wardrobe="blue"
            )
        _, changed = await characters.edit_character(
            s, GUILD_A, cid, SHOWRUNNER, may_edit_locked=True, wardrobe="blue"
        )
        history = await characters.character_history(s, GUILD_A, cid)
    assert changed == ["wardrobe"]
    assert [(v.version, v.changed_fields) for v in history] == [
        (4, ["wardrobe"]),
        (3, ["locked"]),
        (2, ["wardrobe"]),
        (1, ["created"]),
    ]
    assert history[0].canon["wardrobe"] == "blue" and history[0].changed_by == SHOWRUNNER


async def test_other_guild_sees_nothing(db: Database) -> None:
    """Guild B cannot read, resolve, edit or autocomplete guild A's character."""
    series_a = await _series(db, GUILD_A)
    series_b = await _series(db, GUILD_B)
    async with db.session() as s:
        mara = await characters.create_character(s, GUILD_A, series_a, "Mara", WRITER)
        with pytest.raises(NotFound):
            await characters.get_character(s, GUILD_B, mara.id or 0)
        with pytest.raises(NotFound):
            await characters.resolve_character(s, GUILD_B, series_b, str(mara.id))
        with pytest.raises(NotFound):
            await characters.edit_character(
                s, GUILD_B, mara.id or 0, WRITER, may_edit_locked=True, age="30"
            )
        assert await characters.suggest_characters(s, GUILD_B, series_b, "ma") == []


async def test_resolve_by_id_or_exact_name(db: Database) -> None:
    """A picked id and a hand-typed name in any case both find the character."""
    series_id = await _series(db)
    async with db.session() as s:
        mara = await characters.create_character(s, GUILD_A, series_id, "Mara Voss", WRITER)
        by_id = await characters.resolve_character(s, GUILD_A, series_id, str(mara.id))
        by_name = await characters.resolve_character(s, GUILD_A, series_id, "mara VOSS")
        with pytest.raises(NotFound):
            await characters.resolve_character(s, GUILD_A, series_id, "Mar")
    assert by_id.id == by_name.id == mara.id


async def test_autocomplete_prefix_first_and_capped(db: Database) -> None:
    """Prefix matches come before substring matches; never more than 25; wildcards are literal."""
    series_id = await _series(db)
    async with db.session() as s:
        for name in ["Anna", "Marianne", "Mara", "Omar", "100%_real"]:
            await characters.create_character(s, GUILD_A, series_id, name, WRITER)
        for i in range(30):
            await characters.create_character(s, GUILD_A, series_id, f"Extra {i:02d}", WRITER)
        found = await characters.suggest_characters(s, GUILD_A, series_id, "MAR")
        percent = await characters.suggest_characters(s, GUILD_A, series_id, "%")
        everyone = await characters.suggest_characters(s, GUILD_A, series_id, "")
    assert [c.name for c in found] == ["Mara", "Marianne", "Omar"]
    assert [c.name for c in percent] == ["100%_real"]
    assert len(everyone) == 25


async def test_retired_characters_leave_autocomplete(db: Database) -> None:
    """A retired character is kept but no longer suggested."""
    series_id = await _series(db)
    async with db.session() as s:
        c = await characters.create_character(s, GUILD_A, series_id, "Mara", WRITER)
        await characters.retire_character(s, GUILD_A, c.id or 0, SHOWRUNNER)
        assert await characters.suggest_characters(s, GUILD_A, series_id, "ma") == []
        hidden = await characters.suggest_characters(
            s, GUILD_A, series_id, "ma", include_retired=True
        )
    assert [h.name for h in hidden] == ["Mara"]


async def test_autocomplete_with_a_thousand_characters_reads_the_index(db: Database) -> None:
    """1,000 characters: suggestions still come back (timing is printed by bench/, not asserted)."""
    series_id = await _series(db)
    async with db.session() as s:
        from storage.models import Character

        s.add_all(
            Character(
                guild_id=GUILD_A,
                series_id=series_id,
                name=f"Figurant {i:04d}",
                name_key=f"figurant {i:04d}",
                created_by=WRITER,
            )
            for i in range(1000)
        )
        await s.commit()
        started = time.perf_counter()
        found = await characters.suggest_characters(s, GUILD_A, series_id, "figurant 09")
        elapsed = time.perf_counter() - started
    assert len(found) == 25 and found[0].name == "Figurant 0900"
    print(f"autocomplete over 1000 characters: {elapsed * 1000:.1f} ms")
