"""Posting a shot's dailies, through the outbox relay (bot/relay.py), so it lands once.

When the last take job of a shot ends (the relay has just rendered its ``take_ready`` or
``job_failed`` notice), ``after_notice`` writes a ``dailies_post`` outbox row (dedupe: the
shot and its newest take). Its renderer opens the review and posts, in a thread of the dailies
channel (a post when it is a forum): the shot summary, each take as a video with its actions,
the comparison video, the contact sheet, then the ballot (buttons or a poll). A take made later
for an open review (a reroll) is a ``dailies_take`` row: posted in the same thread, added to the
ballot.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord

from bot.host import relay_of
from bot.i18n import guild_locale, t
from commands.dailies import _ballot, _poll
from commands.dailies._closing import CLOSE_DUE, deadline_key, scheduler_of
from pipeline.dailies import TakeMedia, prepare_dailies
from storage import outbox, votes
from storage.guilds import get_settings
from storage.job_outputs import asset_sha256
from storage.models import OutboxMessage, Review, ShotStatus, Take, VoteMode
from storage.script import get_shot
from storage.script_lookup import shot_detail
from storage.types import utcnow

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()
POST, TAKE = "dailies_post", "dailies_take"
NOTICES = ("take_ready", "job_failed", "job_needs_review")


# ---------------------------------------------------------------------- when to post


async def after_notice(bot: Any, guild_id: int, payload: dict[str, Any]) -> None:
    """Called after a take notice: queue the dailies once every take of the shot is done."""
    shot_id = payload.get("shot_id")
    if not shot_id or payload.get("kind", "take") != "take":
        return
    await queue_dailies(bot, guild_id, int(shot_id), take_id=payload.get("take_id"))


async def queue_dailies(
    bot: Any,
    guild_id: int,
    shot_id: int,
    *,
    take_id: int | None = None,
    force: bool = False,
    hours: int | None = None,
) -> str:
    """Write the outbox row that posts the dailies (or a rerolled take). Returns what it did:
    ``posting`` | ``take`` | ``waiting`` (takes still running) | ``nothing``."""
    async with bot.db.session() as session:
        shot = await get_shot(session, guild_id, shot_id)
        review = await votes.review_of_shot(session, guild_id, shot_id)
        takes = await votes.ballot_takes(session, guild_id, shot_id)
        running = await votes.takes_in_progress(session, guild_id, shot_id)
        if not takes or shot.status == ShotStatus.LOCKED:
            return "nothing"
        if review is not None and review.closed_at is None and review.message_id is not None:
            if take_id is None or take_id not in {t.id for t in takes}:
                return "nothing"
            await outbox.append(session, guild_id, TAKE, review.thread_id,
                                {"shot_id": shot_id, "take_id": take_id, "review_id": review.id},
                                f"{TAKE}:{take_id}")  # fmt: skip
            await session.commit()
            _wake(bot)
            return "take"
        if running and not force:
            return "waiting"
        newest = max(t.id or 0 for t in takes)
        payload: dict[str, Any] = {"shot_id": shot_id, "hours": hours}
        # A showrunner's /dailies open may repeat a post that failed: a fresh key each time.
        suffix = f":{utcnow().timestamp():.0f}" if force else ""
        await outbox.append(session, guild_id, POST, None, payload,
                            f"{POST}:{shot_id}:{newest}{suffix}")  # fmt: skip
        await session.commit()
    _wake(bot)
    return "posting"


def _wake(bot: Any) -> None:
    relay = relay_of(bot)
    if relay is not None:
        relay.wake()


def hook_relay(bot: Any) -> Callable[[], None]:
    """Register the two kinds and follow take notices. Returns the undo for cog_unload."""
    relay = relay_of(bot)
    if relay is None:
        return lambda: None
    originals = {kind: relay.renderers[kind] for kind in NOTICES if kind in relay.renderers}

    def follow(render: Any) -> Any:
        async def render_then_check(relay: Any, message: OutboxMessage) -> int | None:
            sent = await render(relay, message)
            try:
                await after_notice(relay.bot, message.guild_id, dict(message.payload))
            except Exception:
                log.exception("dailies: could not check shot after outbox %s", message.id)
            return sent

        return render_then_check

    for kind, render in originals.items():
        relay.register(kind, follow(render))
    relay.register(POST, render_post)
    relay.register(TAKE, render_take)

    def unhook() -> None:
        relay.renderers.pop(POST, None)
        relay.renderers.pop(TAKE, None)
        relay.renderers.update(originals)

    return unhook


# ---------------------------------------------------------------------- the post


def upload_limit(bot: Any, guild_id: int, configured: int) -> int:
    """The server's per-file limit (boost tier) when Discord told us, else the setting."""
    guild = bot.get_guild(guild_id)
    return int(guild.filesize_limit) if guild is not None else configured


async def _take_media(bot: Any, guild_id: int, takes: list[Take]) -> list[TakeMedia]:
    found = []
    async with bot.db.session() as session:
        for take in takes:
            sha = await asset_sha256(session, guild_id, take.video_asset_id or 0)
            thumb = (
                await asset_sha256(session, guild_id, take.thumb_asset_id)
                if take.thumb_asset_id
                else None
            )
            if sha is None:
                continue
            video = await bot.media.local_path(sha)
            still = await bot.media.local_path(thumb) if thumb else None
            found.append(TakeMedia(take.label, Path(video), Path(still) if still else None))
    return found


async def _thread_for(bot: Any, guild_id: int, review: Review, summary: str, name: str) -> int:
    if review.thread_id is not None:
        return review.thread_id
    settings = await get_settings(bot.db, guild_id)
    channel = bot.get_channel(settings.dailies_channel_id or 0)
    if channel is None and settings.dailies_channel_id:
        channel = await bot.fetch_channel(settings.dailies_channel_id)
    if isinstance(channel, discord.ForumChannel):
        created = await channel.create_thread(name=name, content=summary,
                                              allowed_mentions=NO_MENTIONS)  # fmt: skip
        thread_id = created.thread.id
    elif isinstance(channel, discord.TextChannel):
        starter = await channel.send(summary, allowed_mentions=NO_MENTIONS)
        thread_id = (await starter.create_thread(name=name)).id
    else:
        from bot.relay import NothingToSay

        raise NothingToSay
    async with bot.db.session() as session:
        await votes.set_review_place(session, guild_id, review.id or 0, thread_id=thread_id)
    return thread_id


def _summary(detail: Any, locale: str, deadline: Any) -> str:
    lines = [t("dailies.summary_title", locale, code=detail.code, heading=detail.scene.heading)]
    if detail.shot.action:
        lines.append(f"> {detail.shot.action[:500]}")
    if detail.characters:
        lines.append(t("dailies.summary_cast", locale, cast=", ".join(detail.characters)))
    for line in detail.lines[:3]:
        lines.append(f"**{line.speaker}**: {line.text[:200]}")
    if deadline is not None:
        lines.append(
            t("dailies.summary_deadline", locale, when=f"<t:{int(deadline.timestamp())}:R>")
        )
    return "\n".join(lines)[:1900]


async def render_post(relay: Any, message: OutboxMessage) -> int | None:
    bot, guild_id = relay.bot, message.guild_id
    shot_id = int(message.payload.get("shot_id") or 0)
    settings = await get_settings(bot.db, guild_id)
    if settings.dailies_channel_id is None:
        from bot.relay import NothingToSay

        raise NothingToSay
    hours = message.payload.get("hours") or settings.vote_hours
    async with bot.db.session() as session:
        review, _new = await votes.open_review(
            session, guild_id, shot_id, mode=settings.vote_mode,
            deadline_at=utcnow() + timedelta(hours=float(hours)), quorum=settings.vote_quorum,
        )  # fmt: skip
        if review.message_id is not None:
            return review.message_id  # already posted (a replayed row)
        detail = await shot_detail(session, guild_id, shot_id)
        takes = await votes.ballot_takes(session, guild_id, shot_id)
    locale = await guild_locale(bot, guild_id)
    name = t("dailies.thread_name", locale, code=detail.code)[:100]
    thread_id = await _thread_for(
        bot, guild_id, review, _summary(detail, locale, review.deadline_at), name
    )
    thread = bot.get_partial_messageable(thread_id, guild_id=guild_id)
    work = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix=f"dailies-{shot_id}-"))
    try:
        media = await prepare_dailies(
            await _take_media(bot, guild_id, takes), work,
            max_bytes=upload_limit(bot, guild_id, settings.upload_limit_bytes),
        )  # fmt: skip
        for take in takes:
            path = media.takes.get(take.label)
            await thread.send(
                _ballot.take_text(take, [], locale),
                file=discord.File(path, filename=f"take-{take.label}.mp4")
                if path
                else discord.utils.MISSING,
                view=_ballot.take_view(review.id or 0, take, locale),
                allowed_mentions=NO_MENTIONS,
            )
        if media.comparison is not None:
            clip = discord.File(media.comparison, filename="comparison.mp4")
            await thread.send(t("dailies.comparison", locale), file=clip)
        if media.contact_sheet is not None:
            sheet = discord.File(media.contact_sheet, filename="contact-sheet.jpg")
            await thread.send(t("dailies.contact_sheet", locale), file=sheet)
    finally:
        await asyncio.to_thread(shutil.rmtree, work, True)
    ballot_id = await _post_ballot(bot, guild_id, review, thread, takes, detail.code, locale)
    await schedule_deadline(bot, guild_id, review)
    return ballot_id


async def _post_ballot(
    bot: Any, guild_id: int, review: Review, thread: Any, takes: list[Take], code: str, locale: str
) -> int:
    if review.mode == VoteMode.POLL:
        return await _poll.post_poll(bot, guild_id, review, thread, takes, code, locale)
    state = await _ballot.load_state(bot.db, guild_id, review.id or 0)
    posted = await thread.send(
        embed=_ballot.ballot_embed(state, locale), view=_ballot.ballot_view(state, locale),
        allowed_mentions=NO_MENTIONS,
    )  # fmt: skip
    async with bot.db.session() as session:
        await votes.set_review_place(session, guild_id, review.id or 0, message_id=posted.id)
    return int(posted.id)


async def schedule_deadline(bot: Any, guild_id: int, review: Review) -> None:
    scheduler = scheduler_of(bot)
    if scheduler is None or review.deadline_at is None or review.id is None:
        return
    await scheduler.schedule_at(deadline_key(review.id), review.deadline_at, CLOSE_DUE,
                          guild_id=guild_id, review_id=review.id)  # fmt: skip


async def render_take(relay: Any, message: OutboxMessage) -> int | None:
    """A take made for an open review (a reroll or a remix): into the thread, onto the ballot."""
    bot, guild_id = relay.bot, message.guild_id
    review_id = int(message.payload.get("review_id") or 0)
    take_id = int(message.payload.get("take_id") or 0)
    settings = await get_settings(bot.db, guild_id)
    async with bot.db.session() as session:
        review, take = await votes.take_in_review(session, guild_id, review_id, take_id)
    if review.closed_at is not None or review.thread_id is None:
        return None
    locale = await guild_locale(bot, guild_id)
    thread = bot.get_partial_messageable(review.thread_id, guild_id=guild_id)
    work = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix=f"dailies-take-{take_id}-"))
    try:
        media = await prepare_dailies(
            await _take_media(bot, guild_id, [take]), work,
            max_bytes=upload_limit(bot, guild_id, settings.upload_limit_bytes), compare=False,
        )  # fmt: skip
        path = media.takes.get(take.label)
        posted = await thread.send(
            t("dailies.new_take", locale, label=take.label)
            + "\n"
            + _ballot.take_text(take, [], locale),
            file=discord.File(path, filename=f"take-{take.label}.mp4")
            if path
            else discord.utils.MISSING,
            view=_ballot.take_view(review_id, take, locale),
            allowed_mentions=NO_MENTIONS,
        )
    finally:
        await asyncio.to_thread(shutil.rmtree, work, True)
    if review.mode == VoteMode.POLL:
        # A poll cannot gain answers: a new poll with every take replaces it (votes kept).
        await _poll.reopen(bot, guild_id, review_id, take)
    else:
        await _ballot.redraw(bot, guild_id, review_id)
    return int(posted.id)
