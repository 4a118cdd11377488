"""Episodes, scenes and shots: create, edit, move, resolve by code, and never across guilds."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, func, select

from storage.db import Database
from storage.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound
from storage.models import (
    Character,
    Contribution,
    DialogueLine,
    Episode,
    GuildSettings,
    Location,
    Series,
    Shot,
    ShotCharacter,
    ShotStatus,
)
from storage.script import (
    LineDraft,
    add_scene,
    add_shot,
    create_episode,
    edit_shot,
    move_scene,
    move_shot,
    resolve_characters,
)
from storage.script_lookup import (
    episode_outline,
    list_episodes,
    resolve_episode,
    resolve_location,
    resolve_scene,
    resolve_shot,
    shot_detail,
    suggest_cast,
    suggest_episodes,
    suggest_scenes,
    suggest_shots,
)

GUILD_A = 111_111_111_111_111_111
GUILD_B = 222_222_222_222_222_222
WRITER = 42


async def seed_series(db: Database, guild_id: int, name: str = "La Nuit du Phare") -> int:
    """A series with Élodie, Mara and the lighthouse, as /series and /character would make."""
    async with db.session() as s:
        series = Series(guild_id=guild_id, name=name, name_key=name.casefold(), created_by=1)
        s.add(series)
        await s.flush()
        assert series.id is not None
        for who in ("Élodie", "Mara"):
            s.add(
                Character(
                    guild_id=guild_id, series_id=series.id, name=who, name_key=who.casefold(),
                    created_by=1,
                )
            )  # fmt: skip
        s.add(
            Location(
                guild_id=guild_id, series_id=series.id, name="Phare de Kerbras",
                name_key="phare de kerbras", created_by=1,
            )
        )  # fmt: skip
        s.add(GuildSettings(guild_id=guild_id, active_series_id=series.id))
        await s.commit()
        return series.id


async def seed_shots(db: Database, guild_id: int, count: int = 3) -> tuple[int, int, list[int]]:
    async with db.session() as s:
        episode = await create_episode(s, guild_id, title="Pilote", created_by=WRITER)
        assert episode.id is not None
        scene = await add_scene(
            s, guild_id, episode.id, heading="INT. PHARE - NUIT", created_by=WRITER
        )
        assert scene.id is not None
        shots = []
        for i in range(count):
            shot = await add_shot(s, guild_id, scene.id, action=f"Beat {i + 1}", created_by=WRITER)
            assert shot.id is not None
            shots.append(shot.id)
        return episode.id, scene.id, shots


async def codes(db: Database, guild_id: int, episode_id: int) -> list[tuple[str, str]]:
    async with db.session() as s:
        outline = await episode_outline(s, guild_id, episode_id)
    return [(row.code, row.action) for row in outline.shots]


async def test_episode_numbers_count_up_and_duplicates_are_refused(db: Database) -> None:
    await seed_series(db, GUILD_A)
    async with db.session() as s:
        first = await create_episode(s, GUILD_A, title="Pilote", created_by=WRITER)
        second = await create_episode(s, GUILD_A, title="La Marée", created_by=WRITER)
        assert (first.number, second.number) == (1, 2)
        with pytest.raises(AlreadyExists) as dup:
            await create_episode(s, GUILD_A, title="Again", number=2, created_by=WRITER)
        assert dup.value.key == "script.episode_exists"
    async with db.session() as s:
        assert [e.episode.title for e in await list_episodes(s, GUILD_A)] == ["Pilote", "La Marée"]


BAD_TITLES = [
    ("", "script.text_empty"),
    ("   ", "script.text_empty"),
    ("x" * 10_000, "script.text_too_long"),
    ("Hello @everyone", "script.text_mention"),
    ("Ping <@&123456789012345678>", "script.text_mention"),
]


async def test_bad_text_is_refused_and_nothing_is_written(db: Database) -> None:
    await seed_series(db, GUILD_A)
    for title, key in BAD_TITLES:
        async with db.session() as s:
            with pytest.raises(InvalidInput) as caught:
                await create_episode(s, GUILD_A, title=title, created_by=WRITER)
            assert caught.value.key == key, title[:20]
    async with db.session() as s:
        assert (await s.exec(select(func.count()).select_from(Episode))).one() == 0


async def test_shot_codes_follow_moves_within_and_across_scenes(db: Database) -> None:
    await seed_series(db, GUILD_A)
    episode_id, scene_id, shots = await seed_shots(db, GUILD_A)
    async with db.session() as s:
        await move_shot(s, GUILD_A, shots[2], position=1)
    assert await codes(db, GUILD_A, episode_id) == [
        ("1.1.1", "Beat 3"),
        ("1.1.2", "Beat 1"),
        ("1.1.3", "Beat 2"),
    ]
    async with db.session() as s:
        other = await add_scene(s, GUILD_A, episode_id, heading="EXT. FALAISE", created_by=WRITER)
        await move_scene(s, GUILD_A, other.id or 0, 1)
        await move_shot(s, GUILD_A, shots[0], scene_id=scene_id, position=99)
        moved = await move_shot(s, GUILD_A, shots[1], scene_id=other.id, position=1)
    assert moved.from_episode_id == episode_id
    assert await codes(db, GUILD_A, episode_id) == [
        ("1.1.1", "Beat 2"),
        ("1.2.1", "Beat 3"),
        ("1.2.2", "Beat 1"),
    ]


async def test_codes_and_ids_resolve_and_garbage_does_not(db: Database) -> None:
    await seed_series(db, GUILD_A)
    episode_id, scene_id, shots = await seed_shots(db, GUILD_A)
    async with db.session() as s:
        assert (await resolve_episode(s, GUILD_A, "1")).id == episode_id
        assert (await resolve_episode(s, GUILD_A, "E1")).id == episode_id
        assert (await resolve_episode(s, GUILD_A, f"#{episode_id}")).id == episode_id
        assert (await resolve_scene(s, GUILD_A, "1.1")).id == scene_id
        assert (await resolve_shot(s, GUILD_A, "1.1.2")).id == shots[1]
        assert (await resolve_shot(s, GUILD_A, f"#{shots[2]}")).id == shots[2]
        assert (await resolve_location(s, GUILD_A, "PHARE DE KERBRAS")).name == "Phare de Kerbras"
        for typed in ("1.1.9", "9.1.1", "Beat 2", "1.1", "#999999", "@everyone"):
            with pytest.raises(NotFound) as caught:
                await resolve_shot(s, GUILD_A, typed)
            assert caught.value.key == "script.shot_not_found"
            assert caught.value.kwargs["value"] == typed.strip()[:40]


async def test_guild_b_cannot_see_or_move_guild_a_shots(db: Database) -> None:
    await seed_series(db, GUILD_A)
    await seed_series(db, GUILD_B, name="Autre Série")
    episode_a, scene_a, shots_a = await seed_shots(db, GUILD_A)
    _episode_b, scene_b, _shots_b = await seed_shots(db, GUILD_B, count=1)
    async with db.session() as s:
        with pytest.raises(NotFound):
            await resolve_shot(s, GUILD_B, f"#{shots_a[0]}")
        with pytest.raises(NotFound):
            await move_shot(s, GUILD_B, shots_a[0], position=2)
        with pytest.raises(NotFound):
            await move_shot(s, GUILD_A, shots_a[0], scene_id=scene_b, position=1)
        with pytest.raises(NotFound):
            await edit_shot(s, GUILD_B, shots_a[0], edited_by=7, action="Stolen")
        with pytest.raises(NotFound):
            await add_shot(s, GUILD_B, scene_a, action="Intrusion", created_by=7)
        with pytest.raises(NotFound):
            await episode_outline(s, GUILD_B, episode_a)
        seen_by_b = {x.value for x in await suggest_shots(s, GUILD_B, "Beat")}
        assert seen_by_b.isdisjoint(f"#{i}" for i in shots_a) and len(seen_by_b) == 1
    assert await codes(db, GUILD_A, episode_a) == [
        ("1.1.1", "Beat 1"),
        ("1.1.2", "Beat 2"),
        ("1.1.3", "Beat 3"),
    ]


async def test_shot_with_cast_and_bilingual_lines_round_trips(db: Database) -> None:
    await seed_series(db, GUILD_A)
    _episode_id, scene_id, _ = await seed_shots(db, GUILD_A, count=0)
    async with db.session() as s:
        elodie, = await resolve_characters(s, GUILD_A, ["ELODIE"])  # fmt: skip
        shot = await add_shot(
            s, GUILD_A, scene_id, action="Élodie climbs the stairs.", created_by=WRITER,
            created_by_name="Ana", shot_size="close-up", movement="handheld", lens="35mm",
            duration_s=6, provider="veo", character_ids=[elodie.id or 0],
            lines=[
                LineDraft("élodie", "Il y a quelqu'un ?", "fr"),
                LineDraft("MARA", "Up here.", "en"),
            ],
        )  # fmt: skip
        detail = await shot_detail(s, GUILD_A, shot.id or 0)
    assert detail.code == "1.1.1"
    assert detail.characters == ["Mara", "Élodie"]  # a speaker is on screen too
    assert [(x.speaker, x.text, x.language) for x in detail.lines] == [
        ("Élodie", "Il y a quelqu'un ?", "fr"),
        ("Mara", "Up here.", "en"),
    ]
    assert detail.writers == [WRITER]
    assert (detail.shot.shot_size, detail.shot.lens, detail.shot.provider) == (
        "close-up",
        "35mm",
        "veo",
    )


async def test_edit_replaces_lines_and_credits_the_editor(db: Database) -> None:
    await seed_series(db, GUILD_A)
    _e, _sc, shots = await seed_shots(db, GUILD_A, count=1)
    async with db.session() as s:
        await edit_shot(
            s, GUILD_A, shots[0], edited_by=99, action="Rain on the glass.", duration_s=3,
            lines=[LineDraft("Mara", "Don't touch the lens.", "en")],
        )  # fmt: skip
        await edit_shot(
            s, GUILD_A, shots[0], edited_by=99, lines=[LineDraft("Élodie", "Trop tard.", "fr")]
        )
        detail = await shot_detail(s, GUILD_A, shots[0])
        credits = (
            await s.exec(select(Contribution.member_id).order_by(col(Contribution.id)))
        ).all()
    assert detail.shot.action == "Rain on the glass." and detail.shot.duration_s == 3
    assert [x.text for x in detail.lines] == ["Trop tard."]
    assert list(credits) == [WRITER, 99]


BAD_EDITS: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"duration_s": 0.5}, InvalidInput, "script.shot_bad_duration"),
    ({"duration_s": 21}, InvalidInput, "script.shot_bad_duration"),
    ({"shot_size": "gigantic"}, InvalidInput, "script.bad_choice"),
    ({"provider": "midjourney"}, InvalidInput, "script.bad_choice"),
    ({"action": "x" * 10_000}, InvalidInput, "script.text_too_long"),
    ({"action": "@here now"}, InvalidInput, "script.text_mention"),
    ({"lines": [LineDraft("Nobody", "Hi", "en")]}, NotFound, "script.unknown_characters"),
    ({"lines": [LineDraft("Mara", "", "en")]}, InvalidInput, "script.text_empty"),
    ({"lines": [LineDraft("Mara", "Salut", "de")]}, InvalidInput, "script.bad_choice"),
]


async def test_bad_shot_edits_change_nothing(db: Database) -> None:
    """Each bad edit is refused with its own key; the shot and its lines stay as they were."""
    await seed_series(db, GUILD_A)
    _e, _sc, shots = await seed_shots(db, GUILD_A, count=1)
    for changes, error, key in BAD_EDITS:
        async with db.session() as s:
            with pytest.raises(error) as caught:
                await edit_shot(s, GUILD_A, shots[0], edited_by=WRITER, **changes)
            assert getattr(caught.value, "key", None) == key, changes
        async with db.session() as s:
            shot = await s.get(Shot, shots[0])
            assert shot is not None and shot.action == "Beat 1" and shot.duration_s == 5.0
            assert (await s.exec(select(func.count()).select_from(DialogueLine))).one() == 0


async def test_locked_shot_cannot_be_edited(db: Database) -> None:
    await seed_series(db, GUILD_A)
    _e, _sc, shots = await seed_shots(db, GUILD_A, count=1)
    async with db.session() as s:
        shot = await s.get(Shot, shots[0])
        assert shot is not None
        shot.status = ShotStatus.LOCKED
        await s.commit()
        with pytest.raises(NotAllowed):
            await edit_shot(s, GUILD_A, shots[0], edited_by=WRITER, action="Changed")


async def test_suggestions_match_codes_text_and_comma_lists(db: Database) -> None:
    await seed_series(db, GUILD_A)
    _e, _sc, shots = await seed_shots(db, GUILD_A)
    async with db.session() as s:
        by_code = await suggest_shots(s, GUILD_A, "1.1.2")
        by_text = await suggest_shots(s, GUILD_A, "beat 3")
        episodes = await suggest_episodes(s, GUILD_A, "pil")
        scenes = await suggest_scenes(s, GUILD_A, "1.")
        cast = await suggest_cast(s, GUILD_A, "Élodie, ma")
        none_for_percent = await suggest_shots(s, GUILD_A, "%")
    assert [(x.label, x.value) for x in by_code] == [("1.1.2 · Beat 2", f"#{shots[1]}")]
    assert [x.value for x in by_text] == [f"#{shots[2]}"]
    assert [x.label for x in episodes] == ["1 · Pilote"]
    assert [x.label for x in scenes] == ["1.1 · INT. PHARE - NUIT"]
    assert [x.value for x in cast] == ["Élodie, Mara"]
    assert none_for_percent == []


async def test_shot_characters_rows_are_guild_scoped(db: Database) -> None:
    await seed_series(db, GUILD_A)
    series_b = await seed_series(db, GUILD_B, name="Autre")
    _e, scene_id, _ = await seed_shots(db, GUILD_A, count=0)
    async with db.session() as s:
        foreign = (await s.exec(select(Character).where(Character.series_id == series_b))).first()
        assert foreign is not None
        with pytest.raises(NotFound):
            await add_shot(
                s, GUILD_A, scene_id, action="x", created_by=1, character_ids=[foreign.id or 0]
            )
    async with db.session() as s:
        assert (await s.exec(select(func.count()).select_from(ShotCharacter))).one() == 0
