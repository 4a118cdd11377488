"""The production board: one Components V2 message, edited in place, even after a restart."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from bot.host import relay_of
from commands.board import refresh_board
from storage.models import Episode, GuildSettings, Scene, Shot, ShotStatus, Take
from storage.screenplay import Outline, OutlineScene, OutlineShot
from storage.script import add_shot, request_board_refresh
from storage.script_import import import_outline
from tests.commands.script_world import (
    ScriptStudio,
    answer,
    board_showing,
    component_text,
    count_components,
    script_studio,
)

__all__ = ["script_studio"]


async def test_board_is_posted_then_updated_in_place_across_a_restart(
    script_studio: ScriptStudio,
) -> None:
    sb, ana, room = script_studio.sandbox, script_studio.ana, script_studio.writers_room
    async with script_studio.bot():
        reply = await answer(
            await sb.slash(ana, "episode create", {"title": "Pilote"}, channel=room)
        )
        assert "Pilote" in reply.content
        await answer(
            await sb.slash(
                ana, "scene add", {"episode": "1", "heading": "INT. PHARE - NUIT"}, channel=room
            )
        )
        posted = await answer(await sb.slash(ana, "board episode", {"episode": "1"}, channel=room))
        assert posted.ephemeral
        boards = [m for m in room.messages if "Episode 1 · Pilote" in component_text(m)]
        assert len(boards) == 1
        board = boards[0]
        assert "1.1 · INT. PHARE - NUIT" in component_text(board)
        await answer(
            await sb.slash(
                ana, "shot add", {"scene": "1.1", "action": "Rain on the great lens."}, channel=room
            )
        )
        assert (await board_showing(sb, room, "Rain on the great lens.")).id == board.id
        assert board.edited
    async with script_studio.db.session() as s:
        episode = (await s.exec(select(Episode))).one()
    assert (episode.board_channel_id, episode.board_message_id) == (room.id, board.id)
    # A new process: the board is found by its stored ids and edited, not reposted.
    async with script_studio.bot():
        await answer(
            await sb.slash(
                ana,
                "shot add",
                {"scene": "1.1", "action": "Élodie climbs the stairs."},
                channel=room,
            )
        )
        assert (await board_showing(sb, room, "Élodie climbs")).id == board.id
    text = component_text(board)
    assert "`1.1.2`" in text and "Élodie climbs the stairs." in text
    assert len([m for m in room.messages if "Episode 1 · Pilote" in component_text(m)]) == 1
    assert f"✍️ <@{ana.id}>" in text and not board.mentions  # credited, never pinged
    assert count_components(board) <= 40 and len(text) <= 4000


def big_outline(scenes: int, shots_per_scene: int) -> Outline:
    return Outline(
        title="La Tempête",
        scenes=[
            OutlineScene(
                heading=f"EXT. FALAISE {n} - NUIT",
                location="FALAISE",
                shots=[
                    OutlineShot(f"Wave {k} breaks over the rocks, spray in the lamp's beam.", 4.0)
                    for k in range(shots_per_scene)
                ],
            )
            for n in range(scenes)
        ],
    )


async def test_a_large_episode_is_summarised_within_discord_limits(
    script_studio: ScriptStudio,
) -> None:
    """120 scenes of 10 shots: one message, <= 40 components, <= 4000 characters."""
    sb, ana, room = script_studio.sandbox, script_studio.ana, script_studio.writers_room
    async with script_studio.db.session() as s:
        await import_outline(s, script_studio.guild.id, big_outline(120, 10), created_by=ana.id)
    async with script_studio.bot():
        await answer(await sb.slash(ana, "board episode", {"episode": "1"}, channel=room))
        board = await board_showing(sb, room, "Episode 1 · La Tempête")
    text = component_text(board)
    assert count_components(board) <= 40 and len(text) <= 4000
    assert "120 scenes · 1200 shots · 0 locked · 1:20:00" in text
    assert "**1.1 · EXT. FALAISE 0 - NUIT** · 10 shots: 📝 10" in text
    assert "more scenes (/shot list)" in text


async def test_a_mid_sized_episode_lists_shots_with_shorter_excerpts(
    script_studio: ScriptStudio,
) -> None:
    sb, ana, room = script_studio.sandbox, script_studio.ana, script_studio.writers_room
    async with script_studio.db.session() as s:
        await import_outline(s, script_studio.guild.id, big_outline(6, 9), created_by=ana.id)
    async with script_studio.bot():
        await answer(await sb.slash(ana, "board episode", {"episode": "1"}, channel=room))
        board = await board_showing(sb, room, "Episode 1 · La Tempête")
    text = component_text(board)
    assert count_components(board) <= 40 and len(text) <= 4000
    assert "`1.6.9`" in text  # every shot is listed
    assert "Wave 8 breaks over the rocks, spray in the lamp's beam." not in text  # excerpted


async def test_board_speaks_the_servers_language_and_forgets_a_deleted_message(
    script_studio: ScriptStudio,
) -> None:
    sb, bea, room = script_studio.sandbox, script_studio.bea, script_studio.writers_room
    async with script_studio.db.session() as s:
        settings = await s.get(GuildSettings, script_studio.guild.id)
        assert settings is not None
        settings.locale = "fr"
        await s.commit()
    async with script_studio.bot() as bot:
        await answer(await sb.slash(bea, "episode create", {"title": "Pilote"}, channel=room))
        posted = await answer(await sb.slash(bea, "board episode", {"episode": "1"}, channel=room))
        assert posted.content.startswith("Le tableau de l'épisode 1 est publié dans")
        board = await board_showing(sb, room, "Épisode 1 · Pilote")
        assert "Pas encore de scène." in component_text(board)
        async with script_studio.db.session() as s:
            episode = (await s.exec(select(Episode))).one()
        assert await refresh_board(bot, script_studio.guild.id, episode.id or 0) is True
        await bot.get_partial_messageable(room.id).get_partial_message(board.id).delete()
        assert await refresh_board(bot, script_studio.guild.id, episode.id or 0) is False
        # Another server's id is not found: nothing to refresh there.
        assert await refresh_board(bot, script_studio.guild.id + 1, episode.id or 0) is False
    async with script_studio.db.session() as s:
        forgotten = (await s.exec(select(Episode))).one()
    assert (forgotten.board_channel_id, forgotten.board_message_id) == (None, None)


async def test_posting_again_moves_the_board_and_removes_the_old_one(
    script_studio: ScriptStudio,
) -> None:
    sb, ana, room = script_studio.sandbox, script_studio.ana, script_studio.writers_room
    other_room = script_studio.guild.add_channel("production")
    async with script_studio.bot():
        await answer(await sb.slash(ana, "episode create", {"title": "Pilote"}, channel=room))
        await answer(await sb.slash(ana, "board episode", {"episode": "1"}, channel=room))
        first = await board_showing(sb, room, "Episode 1 · Pilote")
        await answer(await sb.slash(ana, "board episode", {"episode": "1"}, channel=other_room))
        second = await board_showing(sb, other_room, "Episode 1 · Pilote")
        await answer(
            await sb.slash(ana, "scene add", {"episode": "1", "heading": "INT. CAVE"}, channel=room)
        )
        await board_showing(sb, other_room, "INT. CAVE")
    assert first.deleted and not second.deleted
    assert "INT. CAVE" not in component_text(first)


async def test_the_outbox_redraws_the_board_when_the_pipeline_changes_a_shot(
    script_studio: ScriptStudio,
) -> None:
    """A worker marks a shot in review and asks for a refresh; the relay redraws the board."""
    sb, ana, room = script_studio.sandbox, script_studio.ana, script_studio.writers_room
    async with script_studio.bot() as bot:
        await answer(await sb.slash(ana, "episode create", {"title": "Pilote"}, channel=room))
        await answer(
            await sb.slash(
                ana, "scene add", {"episode": "1", "heading": "INT. PHARE"}, channel=room
            )
        )
        await answer(
            await sb.slash(ana, "shot add", {"scene": "1.1", "action": "Rain."}, channel=room)
        )
        await answer(await sb.slash(ana, "board episode", {"episode": "1"}, channel=room))
        board = await board_showing(sb, room, "`1.1.1` 📝 Rain.")
        async with (
            script_studio.db.session() as s
        ):  # what the pipeline would do, in its own process
            shot = (await s.exec(select(Shot))).one()
            shot.status = ShotStatus.IN_REVIEW
            s.add(Take(guild_id=script_studio.guild.id, shot_id=shot.id or 0, label="A"))
            await request_board_refresh(s, script_studio.guild.id, shot.episode_id)
            await s.commit()
        relay = relay_of(bot)
        assert relay is not None
        await relay.relay_once()
        assert (await board_showing(sb, room, "`1.1.1` 🗳️ Rain. · 5 s · 🎞️ 1")).id == board.id


async def test_a_burst_of_refreshes_costs_two_edits_and_shows_the_last_state(
    script_studio: ScriptStudio,
) -> None:
    sb, ana, room = script_studio.sandbox, script_studio.ana, script_studio.writers_room
    async with script_studio.bot() as bot:
        await answer(await sb.slash(ana, "episode create", {"title": "Pilote"}, channel=room))
        await answer(
            await sb.slash(
                ana, "scene add", {"episode": "1", "heading": "INT. PHARE"}, channel=room
            )
        )
        await answer(await sb.slash(ana, "board episode", {"episode": "1"}, channel=room))
        board = await board_showing(sb, room, "Episode 1 · Pilote")
        async with script_studio.db.session() as s:
            episode = (await s.exec(select(Episode))).one()
            scene_id = (await s.exec(select(Scene.id))).one()
            for n in range(10):
                await add_shot(
                    s, script_studio.guild.id, scene_id, action=f"Beat {n}.", created_by=ana.id
                )
        edits_before = len(
            [r for r in sb.requests if r.method == "PATCH" and str(board.id) in r.path]
        )
        results = await asyncio.gather(
            *(refresh_board(bot, script_studio.guild.id, episode.id or 0) for _ in range(10))
        )
        edits = len([r for r in sb.requests if r.method == "PATCH" and str(board.id) in r.path])
    assert all(results)
    assert edits - edits_before <= 2
    assert "`1.1.10` 📝 Beat 9." in component_text(board)
