"""Dailies through the sandbox: the deadline and a tie the showrunner breaks, native polls,
flags and rerolls, and every kind of bad click refused privately with nothing counted twice."""

from __future__ import annotations

import asyncio

import discord
from sqlmodel import select

from bot.scheduler import in_seconds
from commands.dailies._closing import CLOSE_DUE
from commands.dailies._views import VoteButton
from storage.models import Shot, ShotStatus, Take, TakeFlag, Vote
from tests.commands.dailies_world import (
    ballot,
    ballot_now,
    review,
    said,
    shot_with_takes,
    take_message,
    takes_by_label,
    thread_of,
    vote,
)
from tests.commands.generation_world import drain, eventually
from tests.helpers import Studio, message_text


async def test_deadline_tie_asks_the_showrunner_who_locks_a_take(studio: Studio) -> None:
    """At the deadline (fired by the scheduler) A and B are tied: the thread pings the
    showrunner role; a crew member cannot lock; the showrunner locks B."""
    shot_id = await shot_with_takes(studio, takes=2, dialogue=False)
    await vote(studio, studio.crew, "A")
    await vote(studio, studio.member, "B")
    found = await review(studio)
    assert studio.bot is not None and studio.bot.scheduler is not None
    await studio.bot.scheduler.schedule_at(
        f"dailies:close:{found.id}", in_seconds(0.1), CLOSE_DUE,
        guild_id=studio.server.id, review_id=found.id,
    )  # fmt: skip
    thread = thread_of(studio)
    ask = await studio.sandbox.wait_for_message(
        channel=thread, predicate=lambda m: "Tie between takes A, B" in message_text(m)
    )
    assert ask.mention_roles == [int(studio.server.showrunner_role.id)]
    takes = await takes_by_label(studio)
    lock_b = f"dailies:take:{found.id}:{takes['B'].id}:lock"
    refused = await studio.sandbox.click(studio.crew, take_message(studio, "B"), lock_b)
    assert "showrunner" in (await said(refused)).lower() and refused.ephemeral
    locked = await studio.sandbox.click(studio.showrunner, take_message(studio, "B"), lock_b)
    assert "Take B is locked" in await said(locked)
    await studio.sandbox.wait_for_message(
        channel=thread, predicate=lambda m: "showrunner locked **Take B**" in message_text(m)
    )
    async with studio.db.session() as session:
        shot = await session.get(Shot, shot_id)
    assert shot is not None and shot.status == ShotStatus.LOCKED
    assert shot.locked_take_id == takes["B"].id


async def test_poll_mode_counts_native_poll_votes(studio: Studio) -> None:
    """vote_mode=poll: a Discord poll with one answer per take; poll votes count, a vote taken
    back is withdrawn, a vote cast while the bot was down counts from the finalized poll, the
    close ends the poll and locks the winner."""
    saved = await studio.slash(studio.showrunner, "dailies settings", {"mode": "poll"})
    assert "**poll**" in await said(saved)
    await shot_with_takes(studio, takes=2, dialogue=False)
    poll_message = await ballot(studio)
    assert poll_message.poll is not None
    assert [a.text for a in poll_message.poll.answers] == ["Take A", "Take B"]
    sandbox = studio.sandbox
    await sandbox.poll_vote(studio.crew, poll_message, 2)
    await sandbox.poll_vote(studio.member, poll_message, 2)
    await sandbox.poll_vote(studio.admin, poll_message, 1)
    await sandbox.poll_unvote(studio.admin, poll_message, 1)
    await sandbox.poll_vote(studio.francophone, poll_message, 1)

    async def stored() -> int:
        async with studio.db.session() as session:
            return len((await session.exec(select(Vote))).all())

    await eventually(lambda: stored_is(stored, 3))
    await studio.stop_bot()
    await sandbox.poll_vote(studio.admin, poll_message, 2)  # nobody hears this event
    await studio.start_bot()
    res = await studio.slash(studio.showrunner, "dailies close", {"shot": "1.1.1"})
    assert "Take B is locked" in await said(res)
    await eventually(lambda: poll_message.poll is not None and poll_message.poll.finalized)
    result = await studio.sandbox.wait_for_message(
        channel=thread_of(studio), predicate=lambda m: "wins the vote" in message_text(m)
    )
    assert "**A** 1 · **B** 3" in message_text(result)


async def stored_is(read: object, wanted: int) -> bool:
    return await read() == wanted  # type: ignore[operator]


async def test_flag_second_and_reroll_a_take(studio: Studio) -> None:
    """A member flags Take A (reason + timecode), another seconds it: the take and the ballot
    show the warning; crew rerolls it and Take C joins the same vote; a remix edits the action
    and queues Take D."""
    await shot_with_takes(studio, takes=2, dialogue=False)
    found, takes = await review(studio), await takes_by_label(studio)
    take_a = take_message(studio, "A")
    flag_id = f"dailies:take:{found.id}:{takes['A'].id}:flag"
    opened = await studio.sandbox.click(studio.member, take_a, flag_id)
    await opened.acknowledged()
    assert opened.ack_type == 9
    bad = await studio.sandbox.submit_modal(
        studio.member, opened, {"reason": "evidence bag floats", "at": "soon"}
    )
    assert "is not a timecode" in await said(bad)
    opened = await studio.sandbox.click(studio.member, take_a, flag_id)
    await opened.acknowledged()
    ok = await studio.sandbox.submit_modal(
        studio.member, opened, {"reason": "evidence bag floats", "at": "0:01"}
    )
    assert "Flagged" in await said(ok)
    second = await studio.sandbox.click(
        studio.crew, take_a, f"dailies:take:{found.id}:{takes['A'].id}:second"
    )
    assert "Seconded" in await said(second)
    await eventually(lambda: "Flagged by 2: evidence bag floats @ 0:01" in message_text(take_a))
    await eventually(lambda: "⚠️ Take A (2)" in message_text(ballot_now(studio)))
    async with studio.db.session() as session:
        assert len((await session.exec(select(TakeFlag))).all()) == 2

    reroll = await studio.sandbox.click(
        studio.crew, take_a, f"dailies:take:{found.id}:{takes['A'].id}:reroll"
    )
    assert "Take C is being made" in await said(reroll)
    await drain(studio)
    await studio.sandbox.wait_for_message(
        channel=thread_of(studio), predicate=lambda m: "new take joins the vote" in message_text(m)
    )
    takes = await takes_by_label(studio)
    assert takes["C"].seed not in (takes["A"].seed, takes["B"].seed)
    await eventually(
        lambda: f"dailies:vote:{found.id}:{takes['C'].id}" in ballot_now(studio).custom_ids()
    )
    res = await vote(studio, studio.member, "C")
    assert "Your vote: **Take C**" in await said(res)

    # Remix: the form opens with the shot's action; the edited action is what Take D is made of.
    remix_id = f"dailies:take:{found.id}:{takes['B'].id}:remix"
    opened = await studio.sandbox.click(studio.crew, take_message(studio, "B"), remix_id)
    await opened.acknowledged()
    assert opened.modal is not None and "lantern in hand" in str(opened.modal)
    done = await studio.sandbox.submit_modal(
        studio.crew, opened, {"action": "Mara waits on the pier; the lantern goes out."}
    )
    assert "Take D is being made" in await said(done)
    async with studio.db.session() as session:
        shot = (await session.exec(select(Shot))).one()
    assert shot.action == "Mara waits on the pier; the lantern goes out."


async def test_bad_clicks_are_refused_and_nothing_counts_twice(studio: Studio) -> None:
    """Bots, members who left, missing voter role, forged ids (another server's take, another
    shot's take, unknown review), and the same member on two clients at once."""
    await shot_with_takes(studio, takes=2, dialogue=False)
    found, takes = await review(studio), await takes_by_label(studio)
    message = await ballot(studio)
    robot = studio.guild.add_member("robot", bot=True)
    res = await vote(studio, robot, "A")
    assert "Bots do not vote" in await said(res)

    # The same member, two clients, the same instant: one vote.
    custom = f"dailies:vote:{found.id}:{takes['A'].id}"
    twins = await asyncio.gather(
        studio.sandbox.click(studio.crew, message, custom),
        studio.sandbox.click(studio.crew, message, custom),
    )
    for twin in twins:
        await twin.acknowledged()

    # Forged or stale ids (a button whose ids do not fit: an unknown review, another server's
    # take, a take of this shot that is not on the ballot), as a bot message could carry them.
    other_server = studio.add_guild("Other")
    await studio.configure(other_server)
    async with studio.db.session() as session:
        shot = (await session.exec(select(Shot))).one()
        stranger = Take(guild_id=studio.server.id, shot_id=shot.id or 0, label="Z")
        session.add(stranger)
        await session.commit()
        odd_take = stranger.id or 0
    view = discord.ui.View()
    for review_id, take_id in ((999, takes["A"].id), (found.id, 99999), (found.id, odd_take)):
        view.add_item(VoteButton(review_id or 0, take_id or 0, "X"))
    assert studio.bot is not None and found.thread_id is not None
    sent = await studio.bot.get_partial_messageable(found.thread_id).send("stale", view=view)
    forged = await studio.sandbox.wait_for_message(predicate=lambda m: int(m.id) == sent.id)
    answers = []
    for custom in forged.custom_ids():
        res = await studio.sandbox.click(studio.member, forged, custom)
        answers.append(await said(res))
    assert "does not exist on this server" in answers[0]
    assert "does not exist on this server" in answers[1]
    assert "not part of this vote" in answers[2]

    # A voter role set: a member without it is refused.
    saved = await studio.slash(
        studio.showrunner, "dailies settings", {"voter_role": studio.server.crew_role}
    )
    assert "voter role <@&" in await said(saved), await said(saved)
    res = await vote(studio, studio.member, "B")
    assert "Voting needs the" in await said(res)

    # A member who left (no longer in the server as the bot knows it).
    assert studio.bot is not None
    guild = studio.bot.get_guild(studio.server.id)
    assert guild is not None
    left = guild.get_member(int(studio.francophone.user.id))
    assert isinstance(left, discord.Member)
    guild._remove_member(left)
    res = await vote(studio, studio.francophone, "B")
    assert "Seuls les membres" in await said(res) and res.ephemeral

    async with studio.db.session() as session:
        rows = (await session.exec(select(Vote))).all()
    assert [(r.member_id, r.take_id) for r in rows] == [(int(studio.crew.user.id), takes["A"].id)]
