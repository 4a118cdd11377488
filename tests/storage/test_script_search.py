"""Words find shots however they are typed: case and accents do not matter, on both databases."""

from __future__ import annotations

from sqlalchemy import text

from storage.db import Database
from storage.migrate import upgrade
from storage.models import Episode, Scene, Series
from storage.script import add_shot, edit_shot, fold_for_search
from storage.script_lookup import suggest_shots
from tests.storage.test_script import GUILD_A, WRITER, seed_series, seed_shots


def test_fold_for_search() -> None:
    assert fold_for_search("Élodie  MONTE l'Escalier") == "elodie monte l'escalier"
    assert fold_for_search("Grégoire") == fold_for_search("GREGOIRE")


async def test_words_match_without_case_or_accents(db: Database) -> None:
    await seed_series(db, GUILD_A)
    _e, scene_id, _ = await seed_shots(db, GUILD_A, count=0)
    async with db.session() as s:
        climb = await add_shot(
            s, GUILD_A, scene_id, action="Élodie monte l'escalier.", created_by=WRITER
        )
        other = await add_shot(s, GUILD_A, scene_id, action="The lamp turns.", created_by=WRITER)
        for typed in ("elodie", "ÉLODIE", "Escalier", "monte l'esc"):
            found = [x.value for x in await suggest_shots(s, GUILD_A, typed)]
            assert found == [f"#{climb.id}"], typed
        await edit_shot(s, GUILD_A, other.id or 0, edited_by=WRITER, action="Le phare s'éteint.")
        assert [x.value for x in await suggest_shots(s, GUILD_A, "eteint")] == [f"#{other.id}"]
        assert await suggest_shots(s, GUILD_A, "lamp") == []


async def test_upgrade_fills_the_key_of_existing_shots(empty_url: str) -> None:
    """Shots written before revision 0003 are searchable right after the upgrade."""
    await upgrade(empty_url, "0002")
    db = Database(empty_url)
    try:
        async with db.session() as s:  # these tables are as they were at 0002
            series = Series(guild_id=7, name="S", name_key="s", created_by=1)
            s.add(series)
            await s.flush()
            episode = Episode(
                guild_id=7, series_id=series.id or 0, number=1, title="P", created_by=1
            )
            s.add(episode)
            await s.flush()
            scene = Scene(
                guild_id=7, episode_id=episode.id or 0, heading="INT. PHARE", created_by=1
            )
            s.add(scene)
            await s.commit()
            ids = {"episode": episode.id, "scene": scene.id}
        async with db.engine.begin() as conn:  # the shot table as it was, without search_key
            await conn.execute(
                text(
                    "INSERT INTO shot (guild_id, episode_id, scene_id, position, action, shot_size,"
                    " movement, lens, duration_s, provider, status, is_key, created_by, created_at,"
                    " updated_at) VALUES (7, :episode, :scene, 1, 'Grégoire ÉTEINT la lampe.',"
                    " 'medium', 'static', '', 5.0, '', 'draft', false, 1, CURRENT_TIMESTAMP,"
                    " CURRENT_TIMESTAMP)"
                ),
                ids,
            )
        await upgrade(empty_url)
        async with db.engine.connect() as conn:
            key = (await conn.execute(text("SELECT search_key FROM shot"))).scalar()
        assert key == "gregoire eteint la lampe."
    finally:
        await db.dispose()
