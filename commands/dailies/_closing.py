"""Closing a vote: lock the winner into the cut, start its finishing chain, say the result in
the thread, redraw the ballot and the board. And the deadline, fired by the scheduler.

    await close(bot, guild_id, review_id, winner_take_id=..., by=member_id, how="vote")
    await close_due(bot, guild_id=..., review_id=...)     # bot/scheduler.py calls this

At the deadline: quorum met and one clear leader -> closed on the leader. A tie or a missing
quorum leaves the vote open and asks the showrunner (role mentioned) to lock a take or veto.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import discord

from bot.host import registry_of, relay_of
from bot.i18n import guild_locale, t
from commands.dailies import _ballot
from commands.dailies._poll import finalize_poll
from pipeline.finishing import enqueue_finishing_chain
from storage import votes
from storage.errors import NotAllowed
from storage.guilds import get_settings
from storage.script_lookup import shot_detail

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()
CLOSE_DUE = "commands.dailies._closing:close_due"


def deadline_key(review_id: int) -> str:
    return f"dailies:close:{review_id}"


def scheduler_of(bot: Any) -> Any:
    return getattr(bot, "scheduler", None)


def _names(guild: discord.Guild | None, ids: list[int]) -> tuple[dict[int, str], list[int]]:
    """Display names of the voters still here, and the ids of those who left."""
    names: dict[int, str] = {}
    left: list[int] = []
    for member_id in ids:
        member = guild.get_member(member_id) if guild is not None else None
        if member is None:
            left.append(member_id)
        else:
            names[member_id] = member.display_name
    return names, left


async def _start_finishing(bot: Any, guild_id: int, shot_id: int, take_id: int, by: int) -> str:
    """Every line voiced, the lines laid on one dialogue track, the winner lip-synced to it
    (pipeline.finishing), when the shot has dialogue. Returns a status key."""
    async with bot.db.session() as session:
        detail = await shot_detail(session, guild_id, shot_id)
    if not detail.lines:
        return "dailies.finish_none"
    try:
        chain = await enqueue_finishing_chain(
            bot.db, guild_id=guild_id, shot_id=shot_id, take_id=take_id, member_id=by,
            registry=registry_of(bot), confirm=True, allow_over_quota=True,
        )  # fmt: skip
    except Exception:
        log.exception("finishing chain of shot %s (guild %s) not started", shot_id, guild_id)
        return "dailies.finish_refused"
    if chain.job_ids:
        relay = relay_of(bot)
        if relay is not None:
            relay.wake()
    if not chain.started:
        log.info("finishing chain of shot %s (guild %s) stopped: %s", shot_id, guild_id,
                 chain.refused)  # fmt: skip
        return "dailies.finish_refused"
    return "dailies.finish_started"


async def close(
    bot: Any,
    guild_id: int,
    review_id: int,
    *,
    winner_take_id: int | None,
    by: int,
    how: str,
) -> votes.Closing:
    """Close now on ``winner_take_id`` (None: a veto). ``how``: vote | locked | veto."""
    guild = bot.get_guild(guild_id)
    await finalize_poll(bot, guild_id, review_id)
    async with bot.db.session() as session:
        review = await votes.get_review(session, guild_id, review_id)
        ids = await votes.voter_ids(session, guild_id, review.shot_id)
        detail = await shot_detail(session, guild_id, review.shot_id)
    names, left = _names(guild, [*ids, detail.shot.created_by])
    left = [m for m in left if m in ids]
    closing = await votes.close_review(
        bot.db, guild_id, review_id, winner_take_id=winner_take_id, veto=how == "veto",
        left_member_ids=left, names=names,
    )  # fmt: skip
    scheduler = scheduler_of(bot)
    if scheduler is not None:
        await scheduler.cancel(deadline_key(review_id))
    finishing = "dailies.finish_none"
    if closing.winner is not None and closing.winner.id is not None:
        finishing = await _start_finishing(bot, guild_id, review.shot_id, closing.winner.id, by)
    await _announce(bot, guild_id, closing, detail.code, how, finishing)
    with contextlib.suppress(Exception):
        from commands.board._cog import refresh_board_for_shot

        await refresh_board_for_shot(bot, guild_id, review.shot_id)
    log.info("dailies: review %s of shot %s closed (%s) guild %s", review_id, detail.code, how,
             guild_id)  # fmt: skip
    return closing


async def _announce(
    bot: Any, guild_id: int, closing: votes.Closing, code: str, how: str, finishing: str
) -> None:
    review = closing.review
    if review.thread_id is None:
        return
    locale = await guild_locale(bot, guild_id)
    thread = bot.get_partial_messageable(review.thread_id, guild_id=guild_id)
    counts = " · ".join(f"**{c.label}** {c.votes}" for c in closing.tally.counts)
    if closing.winner is None:
        text = t("dailies.result_veto", locale, code=code)
    else:
        text = t(f"dailies.result_{how}", locale, code=code, label=closing.winner.label)
    lines = [text, t("dailies.result_counts", locale, counts=counts, voters=closing.tally.voters)]
    if closing.winner is not None:
        lines.append(t(finishing, locale))
    await thread.send("\n".join(lines), allowed_mentions=NO_MENTIONS)
    with contextlib.suppress(discord.HTTPException):
        await _ballot.redraw(bot, guild_id, review.id or 0)


async def ask_showrunner(bot: Any, guild_id: int, review_id: int, key: str, **kwargs: Any) -> None:
    """A tie or a missing quorum: the showrunner decides (their role is pinged, nobody else)."""
    settings = await get_settings(bot.db, guild_id)
    async with bot.db.session() as session:
        review = await votes.get_review(session, guild_id, review_id)
    if review.thread_id is None:
        return
    locale = await guild_locale(bot, guild_id)
    role = settings.showrunner_role_id
    mention = f"<@&{role}> " if role else ""
    allowed = discord.AllowedMentions(
        everyone=False, users=False, roles=[discord.Object(role)] if role else False
    )
    thread = bot.get_partial_messageable(review.thread_id, guild_id=guild_id)
    await thread.send(mention + t(key, locale, **kwargs), allowed_mentions=allowed)


async def decide(bot: Any, guild_id: int, review_id: int, *, by: int) -> votes.Closing | None:
    """Close on the vote if it can be decided; otherwise ask the showrunner (None)."""
    await finalize_poll(bot, guild_id, review_id)
    async with bot.db.session() as session:
        review = await votes.get_review(session, guild_id, review_id)
        if review.closed_at is not None:
            raise NotAllowed("dailies.closed")
        counts = await votes.tally(session, guild_id, review)
    if not counts.quorum_met:
        await ask_showrunner(bot, guild_id, review_id, "dailies.ask_quorum",
                             voters=counts.voters, quorum=counts.quorum)  # fmt: skip
        return None
    leaders = counts.leaders
    if len(leaders) != 1:
        labels = ", ".join(c.label for c in leaders)
        await ask_showrunner(bot, guild_id, review_id, "dailies.ask_tie", labels=labels)
        return None
    return await close(bot, guild_id, review_id, winner_take_id=leaders[0].take_id, by=by,
                       how="vote")  # fmt: skip


async def close_due(bot: Any, *, guild_id: int, review_id: int) -> None:
    """The deadline (scheduler callback): close on the vote, or ask the showrunner."""
    if bot is None or getattr(bot, "db", None) is None:
        log.warning("deadline of review %s fired without a bot", review_id)
        return
    by = bot.user.id if bot.user is not None else 0
    with contextlib.suppress(NotAllowed):
        await decide(bot, guild_id, review_id, by=by)
