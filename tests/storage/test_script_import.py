"""A Fountain screenplay becomes an episode in one transaction, matched against canon."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, func, select

from storage.db import Database
from storage.errors import AlreadyExists
from storage.models import DialogueLine, Episode, Location, Scene, Shot, ShotCharacter
from storage.screenplay import Outline, OutlineScene, OutlineShot, parse_screenplay
from storage.script_import import import_outline
from storage.script_lookup import episode_outline
from tests.storage.test_script import GUILD_A, GUILD_B, WRITER, seed_series

SAMPLE = Path(__file__).parent.parent / "data" / "la_nuit_du_phare.fountain"


async def counts(db: Database) -> dict[str, int]:
    async with db.session() as s:
        out = {}
        for model in (Episode, Scene, Shot, DialogueLine, Location, ShotCharacter):
            table: Any = model
            out[model.__name__] = (await s.exec(select(func.count()).select_from(table))).one()
        return out


async def test_sample_imports_scenes_shots_lines_and_locations(db: Database) -> None:
    await seed_series(db, GUILD_A)
    outline = parse_screenplay(SAMPLE.read_text(encoding="utf-8"))
    async with db.session() as s:
        report = await import_outline(s, GUILD_A, outline, created_by=WRITER, created_by_name="Ana")
    assert (report.episode.number, report.episode.title) == (1, "La Nuit du Phare")
    assert (report.scenes, report.shots, report.lines) == (4, 14, 8)
    assert report.unknown_speakers == ["McCLANE", "GRÉGOIRE"]
    assert report.new_locations == ["Falaise", "Sous-sol du Phare", "Cuisine de l'Auberge"]
    async with db.session() as s:
        board = await episode_outline(s, GUILD_A, report.episode.id or 0)
        first_scene = board.scenes[0].scene
        canon_place = (
            await s.exec(select(Location).where(Location.name == "Phare de Kerbras"))
        ).one()
        lines = (await s.exec(select(DialogueLine).order_by(col(DialogueLine.id)))).all()
        dual_shot = board.scenes[0].shots[4]
        dual_cast = (
            await s.exec(select(ShotCharacter).where(ShotCharacter.shot_id == dual_shot.id))
        ).all()
    # "PHARE DE KERBRAS - SALLE DES LAMPES" is the canon lighthouse, not a new place.
    assert first_scene.location_id == canon_place.id
    assert [row.code for row in board.shots][:5] == ["1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5"]
    assert (lines[0].speaker, lines[0].language, lines[0].character_id is not None) == (
        "Élodie", "fr", True,
    )  # fmt: skip
    mcclane = next(line for line in lines if line.speaker == "McCLANE")
    assert mcclane.character_id is None
    assert len(dual_cast) == 2  # Élodie and Mara share the dual-dialogue shot


async def test_duplicate_episode_number_imports_nothing(db: Database) -> None:
    await seed_series(db, GUILD_A)
    outline = parse_screenplay(SAMPLE.read_text(encoding="utf-8"))
    async with db.session() as s:
        await import_outline(s, GUILD_A, outline, created_by=WRITER)
    before = await counts(db)
    async with db.session() as s:
        with pytest.raises(AlreadyExists):
            await import_outline(s, GUILD_A, outline, created_by=WRITER, number=1)
    assert await counts(db) == before


async def test_a_failure_half_way_leaves_the_server_unchanged(db: Database) -> None:
    """The second scene breaks at the database; the first scene's new location is gone too."""
    await seed_series(db, GUILD_A)
    before = await counts(db)
    broken = Outline(
        title="Broken",
        scenes=[
            OutlineScene("EXT. QUAI - NUIT", "QUAI", shots=[OutlineShot("Fog.", 3.0)]),
            OutlineScene("INT. CAVE - NUIT", "CAVE", shots=[OutlineShot(None, 3.0)]),  # type: ignore[arg-type]
        ],
    )
    async with db.session() as s:
        with pytest.raises(Exception):  # noqa: B017  (the database's own integrity error)
            await import_outline(s, GUILD_A, broken, created_by=WRITER)
    assert await counts(db) == before


async def test_import_lands_in_the_importing_guild_only(db: Database) -> None:
    await seed_series(db, GUILD_A)
    await seed_series(db, GUILD_B, name="Autre")
    outline = parse_screenplay(SAMPLE.read_text(encoding="utf-8"))
    async with db.session() as s:
        report = await import_outline(s, GUILD_B, outline, created_by=WRITER)
        guilds = set((await s.exec(select(Shot.guild_id))).all())
        lines_guilds = set((await s.exec(select(DialogueLine.guild_id))).all())
    assert report.unknown_speakers == ["McCLANE", "GRÉGOIRE"]
    assert guilds == {GUILD_B} and lines_guilds == {GUILD_B}
