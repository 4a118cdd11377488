"""The production board: one Components V2 message, edited in place, even after a restart."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Episode
from tests.commands.script_world import (
    Studio,
    answer,
    board_showing,
    component_text,
    count_components,
    studio,
)

__all__ = ["studio"]


async def test_board_is_posted_then_updated_in_place_across_a_restart(studio: Studio) -> None:
    sb, ana, room = studio.sandbox, studio.ana, studio.writers_room
    async with studio.bot():
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
    async with studio.db.session() as s:
        episode = (await s.exec(select(Episode))).one()
    assert (episode.board_channel_id, episode.board_message_id) == (room.id, board.id)
    # A new process: the board is found by its stored ids and edited, not reposted.
    async with studio.bot():
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
    assert count_components(board) <= 40 and len(text) <= 4000
