"""The dailies part of `dailies demo`: scripted members review every shot through the sandbox
(real clicks, modals and slash commands), for bot/demo/community.py to call:

    from commands.dailies.demo import community_votes
    outcomes = await community_votes(sandbox, bot, guild, voters=[cam, flore, milo, ada],
                                     showrunner=sasha, crew=cam)
    for o in outcomes: print(o.code, o.winner, o.how)   # "1.1.1 B locked (tie)" ...

For every shot with open dailies (oldest first): the first gets a flagged take (reason and
timecode, seconded by a second member) that crew rerolls, and the new take wins the vote; the
second ends in a tie that the deadline turns into a question to the showrunner, who locks a
take; every other shot is voted on and closed with `/dailies close`. Dailies are posted by the
bot on its own when a shot's takes are done; ``post_missing=True`` first opens them for shots
that have takes but no dailies yet.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import select

from commands.dailies import _closing, _post
from storage import votes
from storage.models import Review, Shot, ShotStatus, Take
from storage.script_lookup import shot_detail


@dataclass(frozen=True)
class DemoOutcome:
    code: str
    winner: str | None
    how: str  # "vote" | "tie broken" | "rerolled, then voted"
    voters: int


async def _wait(check: Any, timeout: float = 120.0) -> Any:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("the demo waited too long for the dailies")
        await asyncio.sleep(0.2)


async def _ballot_message(guild: Any, bot: Any, guild_id: int, review_id: int) -> Any:
    async def found() -> Any:
        host = getattr(bot, "host", None)
        if host is not None:
            await host.flush()
        async with bot.db.session() as session:
            review = await votes.get_review(session, guild_id, review_id)
        if review.message_id is None or review.thread_id is None:
            return None
        channel = guild.channels.get(review.thread_id)
        messages = channel.messages if channel is not None else []
        return next((m for m in messages if int(m.id) == review.message_id), None)

    return await _wait(found)


async def _takes(bot: Any, guild_id: int, shot_id: int) -> list[Take]:
    async with bot.db.session() as session:
        return await votes.ballot_takes(session, guild_id, shot_id)


async def _click(sandbox: Any, who: Any, message: Any, custom_id: str) -> Any:
    """A click, waited for until the member has the bot's answer (or its form)."""
    result = await sandbox.click(who, message, custom_id)
    await result.acknowledged()
    if result.ack_type != 9:  # a modal is its own answer
        await result.reply(timeout=60)
    return result


def _take_message(thread: Any, take: Take) -> Any:
    suffix = f":{take.id}:flag"
    return next(m for m in thread.messages if any(c.endswith(suffix) for c in m.custom_ids()))


async def community_votes(
    sandbox: Any,
    bot: Any,
    guild: Any,
    *,
    voters: Sequence[Any],
    showrunner: Any,
    crew: Any,
    post_missing: bool = True,
) -> list[DemoOutcome]:
    """Review every shot that has dailies (see the module docstring); returns what happened."""
    guild_id = int(guild.id)
    async with bot.db.session() as session:
        shots = (await session.exec(select(Shot).where(Shot.guild_id == guild_id))).all()
    waiting: list[int] = []
    for shot in shots:
        if shot.status == ShotStatus.LOCKED or shot.id is None:
            continue
        if not await _takes(bot, guild_id, shot.id):
            continue
        waiting.append(shot.id)
        if post_missing:
            await _post.queue_dailies(bot, guild_id, shot.id)

    async def all_posted() -> list[Review] | None:
        host = getattr(bot, "host", None)
        if host is not None:
            await host.flush()
        async with bot.db.session() as session:
            found = await votes.open_reviews(session, guild_id)
        posted = [r for r in found if r.message_id is not None and r.shot_id in waiting]
        return posted if len(posted) >= len(waiting) else None

    reviews: list[Review] = await _wait(all_posted, timeout=300) if waiting else []
    outcomes = []
    for index, review in enumerate(reviews):
        outcomes.append(
            await _review_one(sandbox, bot, guild, review, index, voters, showrunner, crew)
        )
    return outcomes


async def _review_one(
    sandbox: Any,
    bot: Any,
    guild: Any,
    review: Review,
    index: int,
    voters: Sequence[Any],
    showrunner: Any,
    crew: Any,
) -> DemoOutcome:
    guild_id = int(guild.id)
    assert review.id is not None
    message = await _ballot_message(guild, bot, guild_id, review.id)
    thread = guild.channels[review.thread_id]
    async with bot.db.session() as session:
        code = (await shot_detail(session, guild_id, review.shot_id)).code
    takes = await _takes(bot, guild_id, review.shot_id)
    how = "vote"
    if index == 0 and len(voters) >= 2:
        # A flagged take, seconded, rerolled; the new take joins the vote and wins it.
        first = takes[0]
        opened = await _click(sandbox, voters[0], _take_message(thread, first),
                              f"dailies:take:{review.id}:{first.id}:flag")  # fmt: skip
        flagged = await sandbox.submit_modal(
            voters[0], opened, {"reason": "the evidence bag floats", "at": "0:02"}
        )
        await flagged.reply(timeout=60)
        await _click(sandbox, voters[1], _take_message(thread, first),
                     f"dailies:take:{review.id}:{first.id}:second")  # fmt: skip
        await _click(sandbox, crew, _take_message(thread, first),
                     f"dailies:take:{review.id}:{first.id}:reroll")  # fmt: skip
        known = {t.id for t in takes}

        async def rerolled() -> Take | None:
            host = getattr(bot, "host", None)
            if host is not None:
                await host.flush()
            fresh = [t for t in await _takes(bot, guild_id, review.shot_id) if t.id not in known]
            return fresh[0] if fresh else None

        new_take: Take = await _wait(rerolled, timeout=300)
        message = await _wait(lambda: _has_button(sandbox, message, review.id, new_take))
        for who in voters:
            await _click(sandbox, who, message, f"dailies:vote:{review.id}:{new_take.id}")
        await sandbox.slash(showrunner, "dailies close", {"shot": f"#{review.shot_id}"},
                            channel=thread)  # fmt: skip
        how = "rerolled, then voted"
    elif index == 1 and len(takes) >= 2 and len(voters) >= 2:
        # A tie: the deadline asks the showrunner, who locks the second take.
        pairs = len(voters) // 2 * 2
        for n, who in enumerate(voters[:pairs]):
            await _click(sandbox, who, message, f"dailies:vote:{review.id}:{takes[n % 2].id}")
        await _closing.close_due(bot, guild_id=guild_id, review_id=review.id)
        await _click(sandbox, showrunner, _take_message(thread, takes[1]),
                     f"dailies:take:{review.id}:{takes[1].id}:lock")  # fmt: skip
        how = "tie broken"
    else:
        favourite = takes[-1]
        for n, who in enumerate(voters):
            pick = favourite if n % 3 != 2 else takes[0]
            await _click(sandbox, who, message, f"dailies:vote:{review.id}:{pick.id}")
        await sandbox.slash(showrunner, "dailies close", {"shot": f"#{review.shot_id}"},
                            channel=thread)  # fmt: skip

    async def closed() -> Review | None:
        async with bot.db.session() as session:
            fresh = await votes.get_review(session, guild_id, review.id or 0)
        return fresh if fresh.closed_at is not None else None

    done: Review = await _wait(closed)
    async with bot.db.session() as session:
        counts = await votes.tally(session, guild_id, done)
        winner = await session.get(Take, done.winner_take_id) if done.winner_take_id else None
    return DemoOutcome(code, winner.label if winner else None, how, counts.voters)


async def _has_button(sandbox: Any, message: Any, review_id: int | None, take: Take) -> Any:
    wanted = f"dailies:vote:{review_id}:{take.id}"
    return message if wanted in message.custom_ids() else None
