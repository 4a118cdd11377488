"""Poll mode and rerolls, through the sandbox and the real discord.py client, on SQLite and
Postgres: a take rerolled while the shot's native poll runs ends that poll, opens a new one with
every take and the same deadline, keeps the votes already cast (read back from the ended poll's
voter lists, events missed while the bot was down included), counts each member once, and the
deadline closes on the right winner. A poll already at Discord's 10 answers refuses a reroll."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.sandbox import Member, Message
from bot.scheduler import in_seconds
from commands.dailies._closing import CLOSE_DUE
from commands.dailies._post import queue_dailies
from storage.models import Job, Shot, ShotStatus, Take, TakeKind, Vote
from storage.reviews import set_deadline
from tests.commands.dailies_world import (
    ballot,
    review,
    said,
    shot_with_takes,
    take_message,
    takes_by_label,
    thread_of,
)
from tests.commands.generation_world import drain, eventually
from tests.helpers import Studio, message_text

pytestmark = pytest.mark.parametrize("studio_database", ["sqlite", "postgres"], indirect=True)


async def stored_votes(studio: Studio) -> dict[int, str]:
    """``{member id: take label}`` as the database counts them."""
    labels = {t.id: t.label for t in (await takes_by_label(studio)).values()}
    async with studio.db.session() as session:
        rows = (await session.exec(select(Vote))).all()
    return {v.member_id: labels[v.take_id] for v in rows}


def uid(member: Member) -> int:
    return int(member.user.id)


async def new_poll(studio: Studio, old: Message) -> Message:
    """The poll that replaced ``old`` once the bot has posted it."""

    async def posted() -> Message | None:
        found = await ballot(studio)
        return found if found.id != old.id else None

    result: Message = await eventually(posted)
    return result


async def poll_mode(studio: Studio) -> None:
    saved = await studio.slash(studio.showrunner, "dailies settings", {"mode": "poll"})
    await saved.reply()


async def test_reroll_opens_a_new_poll_that_keeps_the_votes(studio: Studio) -> None:
    """A/B poll; A, A, B voted; crew rerolls B into C: the first poll is ended, the thread says
    why, a new poll offers A, B, C until the same deadline; the earlier votes still count, a
    member voting again counts once (same take or another), and the deadline elects C."""
    await poll_mode(studio)
    shot_id = await shot_with_takes(studio, takes=2, dialogue=False)
    sandbox, first = studio.sandbox, await ballot(studio)
    await sandbox.poll_vote(studio.member, first, 1)
    await sandbox.poll_vote(studio.admin, first, 1)
    await sandbox.poll_vote(studio.crew, first, 2)
    await eventually(lambda: stored_is(studio, 3))
    found, takes = await review(studio), await takes_by_label(studio)

    reroll = await sandbox.click(
        studio.crew, take_message(studio, "B"), f"dailies:take:{found.id}:{takes['B'].id}:reroll"
    )
    assert "Take C is being made" in await said(reroll)
    await drain(studio)
    note = await sandbox.wait_for_message(
        channel=thread_of(studio), predicate=lambda m: "earlier poll has ended" in message_text(m)
    )
    assert "**Take C** joins the vote" in message_text(note)
    assert "takes A, B, C" in message_text(note)
    assert "Votes already cast are kept (3 so far)" in message_text(note)
    assert f"<t:{int(found.deadline_at.timestamp())}:R>" in message_text(note)  # type: ignore[union-attr]
    second = await new_poll(studio, first)
    assert first.poll is not None and first.poll.finalized
    assert second.poll is not None and not second.poll.finalized
    assert [a.text for a in second.poll.answers] == ["Take A", "Take B", "Take C"]
    assert (await review(studio)).deadline_at == found.deadline_at

    await sandbox.poll_vote(studio.admin, second, 1)  # A again: still one vote
    await sandbox.poll_vote(studio.crew, second, 3)  # B -> C: changed, not added
    await sandbox.poll_vote(studio.francophone, second, 3)
    await sandbox.poll_vote(studio.showrunner, second, 3)
    want = {uid(studio.member): "A", uid(studio.admin): "A", uid(studio.crew): "C",
            uid(studio.francophone): "C", uid(studio.showrunner): "C"}  # fmt: skip
    await eventually(lambda: votes_are(studio, want))

    assert studio.bot is not None and studio.bot.scheduler is not None
    await studio.bot.scheduler.schedule_at(
        f"dailies:close:{found.id}", in_seconds(0.1), CLOSE_DUE,
        guild_id=studio.server.id, review_id=found.id,
    )  # fmt: skip
    result = await sandbox.wait_for_message(
        channel=thread_of(studio), predicate=lambda m: "wins the vote" in message_text(m)
    )
    assert "**Take C** wins" in message_text(result)
    assert "**A** 2 · **B** 0 · **C** 3 · 5 voters" in message_text(result)
    assert second.poll.finalized
    async with studio.db.session() as session:
        shot = await session.get(Shot, shot_id)
    takes = await takes_by_label(studio)
    assert shot is not None and shot.status == ShotStatus.LOCKED
    assert shot.locked_take_id == takes["C"].id


async def test_french_votes_missed_while_down_survive_the_new_poll(studio: Studio) -> None:
    """A French server: a vote cast on the first poll while the bot was down is read from the
    ended poll's voter lists and kept; the reroll's answer (French client), the note, the new
    poll and the result are in French; /dailies close elects C."""
    await poll_mode(studio)
    await shot_with_takes(studio, takes=2, dialogue=False, locale="fr")
    sandbox, first = studio.sandbox, await ballot(studio)
    assert first.poll is not None
    assert [a.text for a in first.poll.answers] == ["Prise A", "Prise B"]
    await sandbox.poll_vote(studio.member, first, 2)
    await eventually(lambda: stored_is(studio, 1))
    await studio.stop_bot()
    await sandbox.poll_vote(studio.admin, first, 1)  # nobody hears this event
    await studio.start_bot()
    found, takes = await review(studio), await takes_by_label(studio)

    reroll = await sandbox.click(
        studio.francophone, take_message(studio, "A"),
        f"dailies:take:{found.id}:{takes['A'].id}:reroll",
    )  # fmt: skip
    assert "La prise C est en cours" in await said(reroll)
    await drain(studio)
    note = await sandbox.wait_for_message(
        channel=thread_of(studio), predicate=lambda m: "nouveau sondage" in message_text(m)
    )
    assert "La **prise C** rejoint le vote" in message_text(note)
    assert "Les votes déjà exprimés sont conservés (2 pour l’instant)" in message_text(note)
    second = await new_poll(studio, first)
    assert second.poll is not None
    assert [a.text for a in second.poll.answers] == ["Prise A", "Prise B", "Prise C"]
    await sandbox.poll_vote(studio.member, second, 3)  # B -> C
    await sandbox.poll_vote(studio.francophone, second, 3)
    want = {uid(studio.admin): "A", uid(studio.member): "C", uid(studio.francophone): "C"}
    await eventually(lambda: votes_are(studio, want))

    res = await studio.slash(studio.showrunner, "dailies close", {"shot": "1.1.1"})
    assert "Take C is locked" in await said(res)  # the showrunner's own client is English
    result = await sandbox.wait_for_message(
        channel=thread_of(studio), predicate=lambda m: "remporte le vote" in message_text(m)
    )
    assert "**A** 1 · **B** 0 · **C** 2 · 3 votants" in message_text(result)
    assert second.poll.finalized


async def test_a_full_poll_refuses_a_reroll(studio: Studio) -> None:
    """Ten takes in the poll (Discord's cap): the poll is reopened with all ten and the vote
    kept, then a reroll and a remix are refused privately with the reason; nothing is queued."""
    await poll_mode(studio)
    shot_id = await shot_with_takes(studio, takes=2, dialogue=False)
    sandbox, first = studio.sandbox, await ballot(studio)
    await sandbox.poll_vote(studio.member, first, 1)
    await eventually(lambda: stored_is(studio, 1))
    takes = await takes_by_label(studio)
    take_a = takes["A"]
    async with studio.db.session() as session:
        for label in "CDEFGHIJ":  # eight more takes showing A's picture
            session.add(Take(guild_id=studio.server.id, shot_id=shot_id, label=label,
                             kind=TakeKind.RAW, provider=take_a.provider, seed=ord(label),
                             video_asset_id=take_a.video_asset_id,
                             thumb_asset_id=take_a.thumb_asset_id,
                             duration_s=take_a.duration_s))  # fmt: skip
        await session.commit()
    takes = await takes_by_label(studio)
    assert studio.bot is not None
    assert await queue_dailies(studio.bot, studio.server.id, shot_id, take_id=takes["J"].id) == (
        "take"
    )
    second = await new_poll(studio, first)
    assert second.poll is not None
    assert [a.text for a in second.poll.answers] == [f"Take {x}" for x in "ABCDEFGHIJ"]
    assert await stored_votes(studio) == {uid(studio.member): "A"}

    async with studio.db.session() as session:
        jobs_before = len((await session.exec(select(Job))).all())
    found = await review(studio)
    reroll = await sandbox.click(
        studio.crew, take_message(studio, "B"), f"dailies:take:{found.id}:{takes['B'].id}:reroll"
    )
    refused = await reroll.reply()
    assert refused.ephemeral
    assert "a poll holds at most 10 answers" in message_text(refused)
    assert "already has 10 takes" in message_text(refused)
    remix = await sandbox.click(
        studio.crew, take_message(studio, "B"), f"dailies:take:{found.id}:{takes['B'].id}:remix"
    )
    assert "at most 10 answers" in await said(remix)
    async with studio.db.session() as session:
        assert len((await session.exec(select(Job))).all()) == jobs_before
    assert (await ballot(studio)).id == second.id


async def stored_is(studio: Studio, wanted: int) -> bool:
    return len(await stored_votes(studio)) == wanted


async def votes_are(studio: Studio, wanted: dict[int, str]) -> bool:
    return await stored_votes(studio) == wanted


async def test_a_reroll_after_a_tied_deadline_gets_a_new_deadline(studio: Studio) -> None:
    """The deadline ended the poll on a tie (the showrunner was asked); a reroll then opens a
    new poll with the server's voting time and schedules the deadline again."""
    await poll_mode(studio)
    await shot_with_takes(studio, takes=2, dialogue=False)
    sandbox, first = studio.sandbox, await ballot(studio)
    await sandbox.poll_vote(studio.crew, first, 1)
    await sandbox.poll_vote(studio.member, first, 2)
    await eventually(lambda: stored_is(studio, 2))
    found, takes = await review(studio), await takes_by_label(studio)
    assert studio.bot is not None and studio.bot.scheduler is not None
    scheduler = studio.bot.scheduler
    key = f"dailies:close:{found.id}"
    due = in_seconds(0.1)
    async with studio.db.session() as session:  # the deadline comes (and the scheduler fires)
        await set_deadline(session, studio.server.id, found.id or 0, due)
    await scheduler.schedule_at(key, due, CLOSE_DUE, guild_id=studio.server.id,
                                review_id=found.id)  # fmt: skip
    await sandbox.wait_for_message(
        channel=thread_of(studio), predicate=lambda m: "Tie between takes A, B" in message_text(m)
    )
    assert first.poll is not None and first.poll.finalized

    reroll = await sandbox.click(
        studio.crew, take_message(studio, "A"), f"dailies:take:{found.id}:{takes['A'].id}:reroll"
    )
    assert "Take C is being made" in await said(reroll)
    await drain(studio)
    second = await new_poll(studio, first)
    assert second.poll is not None and not second.poll.finalized
    assert [a.text for a in second.poll.answers] == ["Take A", "Take B", "Take C"]
    moved = (await review(studio)).deadline_at
    assert moved is not None
    assert moved - due > timedelta(hours=23.9)  # the server's 24 h again, from now
    when = await scheduler.next_run(key)
    assert when is not None and abs((when - moved).total_seconds()) < 1
    assert await stored_votes(studio) == {uid(studio.crew): "A", uid(studio.member): "B"}
