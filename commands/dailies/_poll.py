"""Native Discord polls for the dailies (``vote_mode=poll``): posting, reading, ending, and
opening a fresh poll when a rerolled or remixed take arrives while one is running.

A Discord poll cannot be edited once posted (its answers are fixed), so a new take cannot join
a running poll. Instead ``reopen`` ends the running poll early, makes the stored votes match
its final voter lists (``finalize_poll``), and posts a new poll with every take and the same
deadline. Votes are rows of the database (one per member and shot), not of a poll: the votes
already cast stay counted and members need not vote again. A member who votes in the new poll
replaces their earlier vote (the same upsert as a button click): nothing counts twice.

Answers name their take ("Take C" / "Prise C"): the label is read back from the answer's text,
so a poll maps to the takes it was posted with even when the ballot has grown since.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import discord

from bot.i18n import guild_locale, register_strings, t
from storage import votes
from storage.errors import NotAllowed, UserFacingError
from storage.guilds import get_settings
from storage.models import Review, Take, VoteMode
from storage.script_lookup import shot_detail
from storage.types import utcnow

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()
MAX_ANSWERS = 10  # Discord's cap on a poll's answers
MAX_HOURS = 768  # Discord's cap on a poll's duration
# A vote written less than this after a poll was posted may predate it on Discord's clock:
# it is treated as carried over (kept when the member is not on the poll's final lists).
CLOCK_MARGIN = timedelta(seconds=5)

register_strings(
    en={
        "dailies.poll_full": "This vote is a Discord poll, and a poll holds at most {max} "
        "answers: this shot already has {count} takes (or takes being made). Lock or veto "
        "first, or switch to buttons with `/dailies settings mode:buttons` for the next shots.",
        "dailies.poll_reopened": "🗳️ **Take {label}** joins the vote. A Discord poll cannot "
        "gain answers, so the earlier poll has ended and a new one is open below with takes "
        "{labels}, until {when}. Votes already cast are kept ({voters} so far): no need to vote "
        "again. Voting in the new poll replaces your earlier vote; it never counts twice.",
        "dailies.poll_left_out": "⚠️ **Take {label}** is posted but cannot join the poll: a "
        "Discord poll holds at most {max} answers. The showrunner can still **Lock** it.",
    },
    fr={
        "dailies.poll_full": "Ce vote est un sondage Discord, qui compte au plus {max} "
        "réponses : ce plan a déjà {count} prises (ou prises en cours). Verrouillez ou mettez "
        "un veto d’abord, ou passez aux boutons avec `/dailies settings mode:buttons` pour les "
        "plans suivants.",
        "dailies.poll_reopened": "🗳️ La **prise {label}** rejoint le vote. Un sondage Discord "
        "ne peut pas gagner de réponses : le sondage précédent est donc terminé et un nouveau "
        "est ouvert ci-dessous avec les prises {labels}, jusqu’à {when}. Les votes déjà "
        "exprimés sont conservés ({voters} pour l’instant) : inutile de revoter. Voter dans le "
        "nouveau sondage remplace votre vote précédent ; il ne compte jamais deux fois.",
        "dailies.poll_left_out": "⚠️ La **prise {label}** est publiée mais ne peut pas rejoindre "
        "le sondage : un sondage Discord compte au plus {max} réponses. Le showrunner peut "
        "toujours la **verrouiller**.",
    },
)


@dataclass
class PollBook:
    """Per bot: which take each answer of a poll names (filled when the bot posts a poll, or
    read once from the message after a restart), and one reopening at a time per review."""

    answers: dict[int, dict[int, int]] = field(default_factory=dict)
    locks: dict[int, asyncio.Lock] = field(default_factory=dict)


def book(bot: Any) -> PollBook:
    found = getattr(bot, "_dailies_polls", None)
    if not isinstance(found, PollBook) or type(found).__module__ != __name__:
        found = PollBook()
        bot._dailies_polls = found
    return found


def answer_label(text: str) -> str:
    """ "Take C" / "Prise C" -> "C" (the label is the answer's last word, in any language)."""
    return text.strip().rsplit(" ", 1)[-1]


def answer_takes(answers: list[tuple[int, str]], takes: list[Take]) -> dict[int, int]:
    """``{answer_id: take_id}`` from the answers' text; an answer whose label is not a take
    falls back to its position (answer n = the n-th take)."""
    by_label = {take.label: take.id or 0 for take in takes}
    mapping: dict[int, int] = {}
    for answer_id, text in answers:
        take_id = by_label.get(answer_label(text))
        if take_id is None and 0 <= answer_id - 1 < len(takes):
            take_id = takes[answer_id - 1].id or 0
        if take_id:
            mapping[answer_id] = take_id
    return mapping


def poll_hours(deadline: datetime | None) -> int:
    """The poll's duration in whole hours: up to the deadline (rounded up, so members can vote
    until the deadline closes it), within Discord's 1-768."""
    if deadline is None:
        return 24
    hours = (deadline - utcnow()).total_seconds() / 3600
    return min(MAX_HOURS, max(1, math.ceil(hours - 1e-6)))


async def post_poll(
    bot: Any, guild_id: int, review: Review, thread: Any, takes: list[Take], code: str, locale: str
) -> int:
    """Post the poll (one answer per take, at most 10) and make it the review's ballot."""
    poll = discord.Poll(
        question=t("dailies.poll_question", locale, code=code)[:300],
        duration=timedelta(hours=poll_hours(review.deadline_at)),
    )
    listed = takes[:MAX_ANSWERS]
    for take in listed:
        poll.add_answer(text=t("dailies.vote_button", locale, label=take.label)[:55])
    posted = await thread.send(poll=poll, allowed_mentions=NO_MENTIONS)
    book(bot).answers[int(posted.id)] = {n: take.id or 0 for n, take in enumerate(listed, 1)}
    async with bot.db.session() as session:
        await votes.set_review_place(session, guild_id, review.id or 0, message_id=posted.id)
    for take in takes[MAX_ANSWERS:]:
        await thread.send(t("dailies.poll_left_out", locale, label=take.label, max=MAX_ANSWERS),
                          allowed_mentions=NO_MENTIONS)  # fmt: skip
    return int(posted.id)


async def take_of_answer(bot: Any, guild_id: int, review: Review, answer_id: int) -> int | None:
    """The take a poll answer names (a vote event carries only the answer's number)."""
    message_id = review.message_id or 0
    known = book(bot).answers.get(message_id)
    if known is None:
        async with bot.db.session() as session:
            takes = await votes.ballot_takes(session, guild_id, review.shot_id)
        try:
            thread = bot.get_partial_messageable(review.thread_id or 0, guild_id=guild_id)
            message = await thread.fetch_message(message_id)
        except discord.HTTPException:
            log.warning("poll of review %s unreadable; answers taken in ballot order", review.id)
            message = None
        if message is not None and message.poll is not None:
            pairs = [(a.id, a.text) for a in message.poll.answers]
        else:
            pairs = [(n, "") for n in range(1, len(takes) + 1)]
        known = answer_takes(pairs, takes)
        book(bot).answers[message_id] = known
    return known.get(answer_id)


async def _listed_takes(bot: Any, guild_id: int, review: Review) -> set[int]:
    """The takes the review's current poll offers."""
    known = book(bot).answers.get(review.message_id or 0)
    if known is None:
        await take_of_answer(bot, guild_id, review, 1)
        known = book(bot).answers.get(review.message_id or 0, {})
    return set(known.values())


async def poll_voter_weight(bot: Any, guild_id: int, user_id: int) -> float:
    """Who may vote, for a poll vote (no interaction: the member from the bot's cache)."""
    settings = await get_settings(bot.db, guild_id)
    guild = bot.get_guild(guild_id)
    member = guild.get_member(user_id) if guild is not None else None
    if member is None:
        raise NotAllowed("dailies.not_a_member")
    if member.bot:
        raise NotAllowed("dailies.no_bots")
    role_ids = [role.id for role in member.roles]
    if settings.voter_role_id and settings.voter_role_id not in role_ids:
        raise NotAllowed("dailies.needs_voter_role", role="")
    days = settings.vote_min_account_age_days
    if days and utcnow() - member.created_at < timedelta(days=days):
        raise NotAllowed("dailies.account_too_young", days=days)
    return votes.member_weight(role_ids, settings.vote_role_weights)


async def finalize_poll(bot: Any, guild_id: int, review_id: int) -> None:
    """Poll mode: end the poll, then make the stored votes match its final voter lists (votes
    whose events the bot missed while it was down count too; a vote taken back is gone).

    A stored vote older than the poll (carried over from an earlier poll of the same vote) is
    kept when its member is not on this poll's lists: they did not vote again."""
    async with bot.db.session() as session:
        review = await votes.get_review(session, guild_id, review_id)
        takes = await votes.ballot_takes(session, guild_id, review.shot_id)
        stored = await votes.votes_by_member(session, guild_id, review.shot_id)
        written = await votes.vote_times(session, guild_id, review.shot_id)
    if review.mode != VoteMode.POLL or review.thread_id is None or review.message_id is None:
        return
    thread = bot.get_partial_messageable(review.thread_id, guild_id=guild_id)
    with contextlib.suppress(discord.HTTPException):
        await thread.get_partial_message(review.message_id).end_poll()
    try:
        message = await thread.fetch_message(review.message_id)
    except discord.HTTPException:
        log.warning("poll of review %s unreadable; counting the events only", review_id)
        return
    if message.poll is None:
        return
    mapping = answer_takes([(a.id, a.text) for a in message.poll.answers], takes)
    final: dict[int, int] = {}
    for answer in message.poll.answers:
        take_id = mapping.get(answer.id)
        if take_id is None:
            continue
        async for user in answer.voters(limit=None):
            final[user.id] = take_id
    for member_id, take_id in final.items():
        if stored.get(member_id) == take_id:
            continue
        try:
            weight = await poll_voter_weight(bot, guild_id, member_id)
            await votes.cast_vote(bot.db, guild_id, review_id, take_id, member_id, weight=weight)
        except UserFacingError as refused:
            log.info("poll voter %s of review %s not counted: %s", member_id, review_id,
                     refused.key)  # fmt: skip
    posted_at = discord.utils.snowflake_time(review.message_id) + CLOCK_MARGIN
    for member_id in stored.keys() - final.keys():
        when = written.get(member_id)
        if when is not None and when <= posted_at:
            continue  # carried over from an earlier poll, not voted again here
        await votes.withdraw_vote(bot.db, guild_id, review_id, member_id)


async def ensure_room(db: Any, guild_id: int, review: Review) -> None:
    """Refuse a reroll or remix a poll could not hold (10 answers, takes being made included)."""
    if review.mode != VoteMode.POLL:
        return
    async with db.session() as session:
        count = len(await votes.ballot_takes(session, guild_id, review.shot_id))
        count += await votes.takes_in_progress(session, guild_id, review.shot_id)
    if count >= MAX_ANSWERS:
        raise NotAllowed("dailies.poll_full", max=MAX_ANSWERS, count=count)


async def reopen(bot: Any, guild_id: int, review_id: int, take: Take) -> None:
    """A new take arrived while the shot's poll runs: end that poll (votes kept), post a new
    one with every take and the same deadline, and say why in the thread."""
    lock = book(bot).locks.setdefault(review_id, asyncio.Lock())
    async with lock:
        async with bot.db.session() as session:
            review = await votes.get_review(session, guild_id, review_id)
            takes = await votes.ballot_takes(session, guild_id, review.shot_id)
            detail = await shot_detail(session, guild_id, review.shot_id)
        if review.closed_at is not None or review.thread_id is None or review.mode != VoteMode.POLL:
            return
        if review.message_id is not None:
            listed = await _listed_takes(bot, guild_id, review)
            if take.id in listed:
                return  # a replayed outbox row: this poll has the take already
        locale = await guild_locale(bot, guild_id)
        thread = bot.get_partial_messageable(review.thread_id, guild_id=guild_id)
        if len(takes) > MAX_ANSWERS:
            await thread.send(t("dailies.poll_left_out", locale, label=take.label,
                                max=MAX_ANSWERS), allowed_mentions=NO_MENTIONS)  # fmt: skip
            return
        await finalize_poll(bot, guild_id, review_id)
        review = await _deadline_ahead(bot, guild_id, review)
        async with bot.db.session() as session:
            counts = await votes.tally(session, guild_id, review)
        when = f"<t:{int(review.deadline_at.timestamp())}:R>" if review.deadline_at else "—"
        await thread.send(
            t("dailies.poll_reopened", locale, label=take.label, when=when, voters=counts.voters,
              labels=", ".join(t.label for t in takes[:MAX_ANSWERS])),
            allowed_mentions=NO_MENTIONS,
        )  # fmt: skip
        await post_poll(bot, guild_id, review, thread, takes, detail.code, locale)
        log.info("dailies: poll of review %s reopened for take %s (%d votes kept) guild %s",
                 review_id, take.label, counts.voters, guild_id)  # fmt: skip


async def _deadline_ahead(bot: Any, guild_id: int, review: Review) -> Review:
    """The same deadline; when it has passed already (the showrunner was asked to decide), the
    new take gets the server's usual voting time and the deadline is scheduled again."""
    if review.deadline_at is not None and review.deadline_at > utcnow() + timedelta(minutes=1):
        return review
    from commands.dailies._post import schedule_deadline

    settings = await get_settings(bot.db, guild_id)
    when = utcnow() + timedelta(hours=settings.vote_hours)
    async with bot.db.session() as session:
        await votes.set_deadline(session, guild_id, review.id or 0, when)
    review = review.model_copy(update={"deadline_at": when})
    await schedule_deadline(bot, guild_id, review)
    return review
