"""Dailies through the sandbox with the real discord.py client: takes ready -> a thread with
videos, comparison and contact sheet -> votes -> close -> the winner locked, finishing started,
the board redrawn. In English and in French."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Contribution, Job, Shot, ShotStatus
from tests.commands.dailies_world import (
    ballot,
    ballot_now,
    forged_click,
    review,
    said,
    shot_with_takes,
    takes_by_label,
    thread_of,
    vote,
)
from tests.commands.generation_world import eventually
from tests.helpers import Studio, message_text


async def test_takes_ready_become_a_thread_votes_lock_the_winner(studio: Studio) -> None:
    """Two takes -> thread with both videos, the comparison and the sheet; votes (changeable,
    double clicks count once, a restart in the middle); close locks B and starts finishing."""
    shot_id = await shot_with_takes(studio, takes=2)
    board = await studio.slash(studio.crew, "board episode", {"episode": "1"})
    await board.acknowledged()
    board_message = await studio.sandbox.wait_for_message(
        channel=studio.dailies,
        predicate=lambda m: "🗳️" in message_text(m) and "1.1.1" in message_text(m),
    )
    thread = thread_of(studio)
    files = [a.filename for m in thread.messages for a in m.attachments]
    assert {"take-A.mp4", "take-B.mp4", "comparison.mp4", "contact-sheet.jpg"} <= set(files)
    limit = studio.guild.upload_limit
    assert all(a.size <= limit for m in thread.messages for a in m.attachments)
    assert "Dailies · shot 1.1.1" in message_text(thread.messages[0]) or any(
        "Dailies · shot 1.1.1" in message_text(m) for m in studio.dailies.messages
    )
    assert "Vote: shot 1.1.1" in message_text(await ballot(studio))

    first = await vote(studio, studio.crew, "A")
    assert first.ephemeral and "Your vote: **Take A**" in await said(first)
    again = await vote(studio, studio.crew, "A")
    assert "already voted" in await said(again)
    changed = await vote(studio, studio.crew, "B")
    assert "from Take A to **Take B**" in await said(changed)
    await vote(studio, studio.member, "B")

    await studio.restart()  # the buttons still work on the old messages
    after = await vote(studio, studio.admin, "A")
    assert "Your vote: **Take A**" in await said(after)
    await eventually(lambda: "**Take B**: 2" in message_text(ballot_now(studio)))

    res = await studio.slash(studio.showrunner, "dailies close", {"shot": "1.1.1"})
    assert "Take B is locked" in await said(res)
    async with studio.db.session() as session:
        shot = await session.get(Shot, shot_id)
        assert shot is not None and shot.status == ShotStatus.LOCKED
        assert shot.locked_take_id == (await takes_by_label(studio))["B"].id
        kinds = {j.kind for j in (await session.exec(select(Job))).all()}
        roles = {c.role.value for c in (await session.exec(select(Contribution))).all()}
    assert {"voice", "dialogue", "lipsync"} <= kinds  # the winner's finishing chain is queued
    assert {"writer", "voter"} <= roles
    result = await studio.sandbox.wait_for_message(
        channel=thread, predicate=lambda m: "wins the vote" in message_text(m)
    )
    text = message_text(result)
    assert "**Take B**" in text and "**A** 1 · **B** 2" in text and "3 voters" in text
    assert "a voice for every line, then lip-sync" in text
    assert "<@" not in text  # who voted for what stays private
    await eventually(lambda: "✅" in message_text(board_message))

    found, takes = await review(studio), await takes_by_label(studio)
    late = await forged_click(
        studio, studio.francophone, await ballot(studio), f"dailies:vote:{found.id}:{takes['A'].id}"
    )
    assert late.ephemeral and "Ce vote est clos" in await said(late)  # flore's client is French


async def test_french_server_reads_the_dailies_in_french(studio: Studio) -> None:
    """A French server: thread, ballot, replies and result in French."""
    await shot_with_takes(studio, takes=2, dialogue=False, locale="fr")
    thread = thread_of(studio)
    assert "Rushes · plan 1.1.1" in thread.name
    assert "Vote : plan 1.1.1" in message_text(await ballot(studio))
    res = await vote(studio, studio.francophone, "A")
    assert "Votre vote : **prise A**" in await said(res)
    done = await studio.slash(studio.showrunner, "dailies close", {"shot": "1.1.1"})
    await done.acknowledged()
    result = await studio.sandbox.wait_for_message(
        channel=thread, predicate=lambda m: "remporte le vote" in message_text(m)
    )
    assert "Pas de dialogue" in message_text(result)
