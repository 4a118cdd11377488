"""The board follows generation: a take made by the in-process worker shows on it (🎞️)."""

from __future__ import annotations

from tests.commands.generation_world import make_shot, takes
from tests.commands.script_world import board_showing, component_text
from tests.helpers import Studio


async def test_a_generated_take_appears_on_the_board(studio: Studio) -> None:
    """Queue a free local-animatic take; once the take-ready notice is out, the board shows it."""
    code = await make_shot(studio)
    posted = await studio.reply(studio.crew, "board episode", {"episode": "1"})
    assert posted.ephemeral
    board = await board_showing(studio.sandbox, studio.dailies, "Episode 1 · Pilot")
    assert "🎞️" not in component_text(board)
    res = await studio.slash(studio.crew, "shot queue", {"shot": code, "takes": 1})
    await res.acknowledged()
    shown = await board_showing(studio.sandbox, studio.dailies, f"`{code}` 📝 Mara waits")
    redrawn = await studio.sandbox.wait_for_message(
        channel=studio.dailies,
        predicate=lambda m: m.id == board.id and "🎞️ 1" in component_text(m),
        timeout=60,
    )
    assert shown.id == board.id == redrawn.id
    assert len(await takes(studio)) == 1
