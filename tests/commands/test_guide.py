"""/help (fr /aide): the next step for this server, the production's commands as the member's
client names them, and what this member may do."""

from __future__ import annotations

from tests.commands.generation_world import make_shot
from tests.helpers import Studio, message_text


async def test_a_new_server_is_told_to_run_setup(bare_studio: Studio) -> None:
    shown = await bare_studio.reply(bare_studio.admin, "help")
    text = message_text(shown)
    assert shown.ephemeral
    assert "A member with Manage Server runs `/setup`" in text
    assert "Showrunner:" in text  # Manage Server makes a showrunner
    assert "cmd." not in text and "help." not in text  # every name and sentence resolved


async def test_a_french_crew_member_gets_french_command_names(studio: Studio) -> None:
    """A series but no episode yet: the next step is to write one; the commands are the
    ones a French client shows (/épisode importer, /plan générer...)."""
    text = message_text(await studio.reply(studio.francophone, "help"))
    assert "Prochaine étape ici" in text
    assert "`/épisode importer`" in text and "`/tableau épisode`" in text
    assert "`/plan générer|jouer`" in text and "`/file`" in text
    assert "Équipe\u202f: vous écrivez la bible" in text
    assert "cmd." not in text and "help." not in text


async def test_with_shots_written_the_next_step_is_takes_and_a_member_can_vote(
    studio: Studio,
) -> None:
    await make_shot(studio)
    text = message_text(await studio.reply(studio.member, "help"))
    assert "Make takes with `/shot queue`; `/queue` shows what is being made." in text
    assert "Member: you vote on takes in dailies" in text
    showrunner = message_text(await studio.reply(studio.showrunner, "help"))
    assert "Showrunner: you set the budget" in showrunner


async def test_a_set_up_server_without_a_show_is_told_to_create_it(bare_studio: Studio) -> None:
    await bare_studio.configure(bare_studio.server, series=None)
    text = message_text(await bare_studio.reply(bare_studio.crew, "help"))
    assert "Create the show with `/series create`, then its cast with `/character create`" in text
    assert "Crew: you write the bible" in text
