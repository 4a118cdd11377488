"""The ballot: one message per review with a button per take (or a native poll), the counts
(live or hidden), quorum progress, the deadline and the warnings of flagged takes.

Drawn from storage every time, so redrawing is harmless; a burst of votes becomes one edit a
second per ballot (``refresh_soon``), under Discord's rate limits whatever the crowd.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import discord

from bot.i18n import guild_locale, t
from storage import votes
from storage.guilds import get_settings
from storage.models import Review, Take, TakeFlag, VoteMode
from storage.script_lookup import shot_detail

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()
REFRESH_EVERY_S = 1.0
_pending: dict[int, asyncio.Task[None]] = {}


@dataclass
class BallotState:
    review: Review
    code: str
    takes: list[Take]
    tally: votes.Tally
    flags: list[TakeFlag]
    live: bool


def timecode(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}" + (f".{int(seconds * 10) % 10}" if seconds % 1 else "")


async def load_state(db: Any, guild_id: int, review_id: int) -> BallotState:
    settings = await get_settings(db, guild_id)
    async with db.session() as session:
        review = await votes.get_review(session, guild_id, review_id)
        detail = await shot_detail(session, guild_id, review.shot_id)
        takes = await votes.ballot_takes(session, guild_id, review.shot_id)
        tally = await votes.tally(session, guild_id, review)
        flags = await votes.flags_of(session, guild_id, [t.id for t in takes if t.id])
    return BallotState(review, detail.code, takes, tally, flags, settings.vote_live_counts)


def flag_lines(state: BallotState, locale: str) -> list[str]:
    by_take = {t.id: t for t in state.takes}
    lines = []
    for flag in state.flags:
        take = by_take.get(flag.take_id)
        if take is None:
            continue
        at = timecode(flag.timecode_s)
        lines.append(
            t("dailies.flag_line", locale, label=take.label, count=take.flag_count,
              reason=flag.reason or "—", at=f" @ {at}" if at else "")
        )  # fmt: skip
    return lines


def ballot_embed(state: BallotState, locale: str) -> discord.Embed:
    review, tally = state.review, state.tally
    closed = review.closed_at is not None
    lines = []
    for count in tally.counts:
        if state.live or closed:
            lines.append(t("dailies.count_line", locale, label=count.label, votes=count.votes))
        else:
            lines.append(t("dailies.hidden_line", locale, label=count.label))
    description = "\n".join(lines)
    embed = discord.Embed(
        title=t("dailies.ballot_title", locale, code=state.code), description=description
    )
    embed.add_field(
        name=t("dailies.quorum", locale),
        value=t("dailies.quorum_value", locale, voters=tally.voters, quorum=tally.quorum),
    )
    if closed:
        embed.add_field(name=t("dailies.deadline", locale), value=t("dailies.closed_short", locale))
    elif review.deadline_at is not None:
        stamp = int(review.deadline_at.timestamp())
        embed.add_field(name=t("dailies.deadline", locale), value=f"<t:{stamp}:R>")
    warnings = flag_lines(state, locale)
    if warnings:
        embed.add_field(
            name=t("dailies.flags", locale), value="\n".join(warnings)[:1024], inline=False
        )
    return embed


def ballot_view(state: BallotState, locale: str) -> discord.ui.View:
    from commands.dailies._views import VetoButton, VoteButton  # the buttons call back in here

    view = discord.ui.View(timeout=None)
    review_id = state.review.id or 0
    closed = state.review.closed_at is not None
    for take in state.takes[:20]:
        button = VoteButton(review_id, take.id or 0, take.label, locale, warn=take.flag_count > 0)
        button.item.disabled = closed
        view.add_item(button)
    veto = VetoButton(review_id, locale)
    veto.item.disabled = closed
    view.add_item(veto)
    return view


def take_text(take: Take, flags: list[TakeFlag], locale: str) -> str:
    head = t("dailies.take_head", locale, label=take.label, provider=take.provider or "—",
             seed=take.seed, seconds=f"{take.duration_s or 0:.1f}")  # fmt: skip
    mine = [f for f in flags if f.take_id == take.id]
    if not mine:
        return head
    first = mine[0]
    at = timecode(first.timecode_s)
    warning = t("dailies.take_warning", locale, count=take.flag_count, reason=first.reason or "—",
                at=f" @ {at}" if at else "")  # fmt: skip
    return f"{head}\n{warning}"


def take_view(review_id: int, take: Take, locale: str) -> discord.ui.View:
    from commands.dailies._views import TakeActionButton

    view = discord.ui.View(timeout=None)
    for action in TakeActionButton.ACTIONS:
        view.add_item(TakeActionButton(review_id, take.id or 0, action, locale))
    return view


async def redraw(bot: Any, guild_id: int, review_id: int) -> None:
    """Edit the ballot to what storage says now (buttons mode; a poll cannot be edited)."""
    state = await load_state(bot.db, guild_id, review_id)
    review = state.review
    if review.thread_id is None or review.message_id is None or review.mode == VoteMode.POLL:
        return
    locale = await guild_locale(bot, guild_id)
    message = bot.get_partial_messageable(review.thread_id, guild_id=guild_id).get_partial_message(
        review.message_id
    )
    await message.edit(
        embed=ballot_embed(state, locale),
        view=ballot_view(state, locale),
        allowed_mentions=NO_MENTIONS,
    )


def refresh_soon(bot: Any, guild_id: int, review_id: int) -> None:
    """Redraw the ballot within ``REFRESH_EVERY_S`` (one edit for a burst of votes)."""
    if review_id in _pending and not _pending[review_id].done():
        return

    async def later() -> None:
        await asyncio.sleep(REFRESH_EVERY_S)
        _pending.pop(review_id, None)
        try:
            await redraw(bot, guild_id, review_id)
        except Exception as exc:  # the bot closing, a deleted thread: the next vote redraws
            log.info("ballot of review %s not redrawn: %r", review_id, exc)

    _pending[review_id] = asyncio.create_task(later(), name=f"ballot-{review_id}")


async def cancel_refreshes() -> None:
    tasks = [task for task in _pending.values() if not task.done()]
    _pending.clear()
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
