"""Premieres in Discord: opening one (event, announcement, scheduled jobs) and firing it.

Three jobs per premiere in the persistent scheduler (bot/scheduler.py), keyed by its id:

    premiere:<id>:prepare  at T - lead    queue render jobs for the recap and the final episode
    premiere:<id>:start    at T           post recap, episode, thread, ping; or postpone / miss
    premiere:<id>:end      at T + runtime mark the Discord event completed

They survive restarts: a job missed while no bot ran fires when one starts. ``start`` then looks at
how late it is: within ``TIMING.grace_s`` it posts with a note ("premiering late: the bot was
offline"); past it the premiere is *missed* and the showrunner is told. ``resume_premieres``
(called once the scheduler runs) puts back the jobs of any active premiere that has none, and
finishes a premiere a crash interrupted mid-post: each post carries a marker line
(``-# premiere <id> · recap``) so a resumed premiere skips what already went out.

Renders are worker jobs (pipeline/cut/job.py), so a restart loses none: the jobs are found
again by episode. At T the premiere waits up to ``render_wait_s`` for jobs under way.
A render that is not ready at T postpones the premiere by ``postpone_s`` (at most
``max_postpones`` times, then missed); a broken or oversized file is never posted.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.i18n import guild_locale, t
from commands.premieres import _strings  # noqa: F401  (registers the sentences)
from commands.premieres._announce import NoPremieresChannel, open_premiere, upload_limit, when_text
from commands.premieres._event import move_event, set_event_status
from pipeline.premiere import (
    Piece,
    Readiness,
    await_renders,
    estimated_runtime_s,
    find_zone,
    next_week,
    prepare,
    readiness,
)
from storage import premieres as store
from storage.errors import AlreadyExists
from storage.guilds import get_settings
from storage.models import Premiere, PremiereStatus
from storage.script import get_episode
from storage.types import utcnow

if TYPE_CHECKING:
    from bot.client import DailiesBot
    from bot.scheduler import Scheduler

log = logging.getLogger(__name__)


@dataclass
class Timing:
    """Seconds. Tests shorten them; production keeps the defaults."""

    lead_s: float = 30 * 60  # prepare the renders this long before T
    grace_s: float = 30 * 60  # after downtime, still premiere this late; past it: missed
    late_note_after_s: float = 10.0  # called this late: no bot ran at T; the post says so
    postpone_s: float = 60 * 60  # a render not ready at T: try again this much later
    max_postpones: int = 3
    render_wait_s: float = 10 * 60  # at T, wait this long for a render already under way
    retry_s: float = 30.0  # Discord hiccup while posting: try again this much later


TIMING = Timing()
PREPARE, START, END = (
    "bot.premieres:prepare_due",
    "bot.premieres:start_due",
    "bot.premieres:end_due",
)
ALL_MENTIONS_OFF = discord.AllowedMentions.none()
_firing: set[tuple[int, int]] = set()


def key(premiere_id: int, step: str) -> str:
    return f"premiere:{premiere_id}:{step}"


def marker(premiere_id: int, kind: str) -> str:
    return f"-# premiere {premiere_id} · {kind}"


async def plan(scheduler: Scheduler, premiere: Premiere, *, postponed: int = 0) -> None:
    """Store the prepare and start jobs of ``premiere`` (replacing earlier ones)."""
    pid, gid = premiere.id or 0, premiere.guild_id
    ready_at = max(utcnow(), premiere.starts_at - timedelta(seconds=TIMING.lead_s))
    await scheduler.schedule_at(
        key(pid, "prepare"), ready_at, PREPARE, guild_id=gid, premiere_id=pid
    )
    await scheduler.schedule_at(
        key(pid, "start"),
        premiere.starts_at,
        START,
        guild_id=gid,
        premiere_id=pid,
        postponed=postponed,
    )


async def unplan(scheduler: Scheduler, premiere_id: int) -> None:
    for step in ("prepare", "start", "end"):
        await scheduler.cancel(key(premiere_id, step))


# --------------------------------------------------------------------------- the jobs


async def _ensure_prepared(bot: DailiesBot, premiere: Premiere) -> Readiness:
    """Queue the premiere's missing renders, or find the jobs under way (the database decides,
    so a second caller or a restarted bot finds the same jobs); the workers render them."""
    gid = premiere.guild_id
    settings = await get_settings(bot.db, gid)
    return await prepare(
        bot.db, bot.media, gid, premiere.episode_id, member_id=premiere.created_by,
        out_dir=Path(bot.settings.data_dir) / "premieres" / str(gid),
        limit_bytes=upload_limit(bot, gid, settings.upload_limit_bytes),
        locale=await guild_locale(bot, gid),
    )  # fmt: skip


async def prepare_due(bot: DailiesBot, *, guild_id: int, premiere_id: int) -> None:
    await bot.wait_until_ready()
    async with bot.db.session() as session:
        premiere = await store.get_premiere(session, guild_id, premiere_id)
    if premiere.status in (PremiereStatus.SCHEDULED, PremiereStatus.POSTPONED):
        state = await _ensure_prepared(bot, premiere)
        log.info("premiere %s prepared: ready=%s %s", premiere_id, state.ready, state.problems)


async def end_due(bot: DailiesBot, *, guild_id: int, premiere_id: int) -> None:
    await bot.wait_until_ready()
    async with bot.db.session() as session:
        premiere = await store.get_premiere(session, guild_id, premiere_id)
    guild = bot.get_guild(guild_id)
    if guild is not None:
        await set_event_status(guild, premiere.event_id, "completed")


async def start_due(
    bot: DailiesBot, *, guild_id: int, premiere_id: int, postponed: int = 0
) -> None:
    """T: post the premiere, or postpone it, or mark it missed."""
    called_at = utcnow()
    await bot.wait_until_ready()
    if (guild_id, premiere_id) in _firing:
        return
    _firing.add((guild_id, premiere_id))
    try:
        await _start(bot, guild_id, premiere_id, postponed, called_at)
    finally:
        _firing.discard((guild_id, premiere_id))


async def _start(
    bot: DailiesBot, guild_id: int, premiere_id: int, postponed: int, called_at: datetime
) -> None:
    async with bot.db.session() as session:
        premiere = await store.get_premiere(session, guild_id, premiere_id)
    if premiere.status not in store.ACTIVE:
        return
    late_s = (called_at - premiere.starts_at).total_seconds()
    settings = await get_settings(bot.db, guild_id)
    limit = upload_limit(bot, guild_id, settings.upload_limit_bytes)
    if premiere.status != PremiereStatus.FIRING:
        if late_s > TIMING.grace_s:
            await _missed(bot, premiere, "offline")
            return
        state = await readiness(bot.db, bot.media, guild_id, premiere.episode_id, limit)
        if not state.ready:
            queued = await _ensure_prepared(bot, premiere)
            if not queued.ready and queued.rendering:
                state = await await_renders(bot.db, bot.media, guild_id, premiere.episode_id,
                                            queued.rendering, limit_bytes=limit,
                                            timeout_s=TIMING.render_wait_s)  # fmt: skip
                state.waiting = queued.waiting
            else:
                state = queued
        if not state.ready:
            await _postpone(bot, premiere, state, postponed)
            return
        async with bot.db.session() as session:
            claimed = await store.claim_firing(session, guild_id, premiere_id, premiere.starts_at)
            fresh = await store.get_premiere(session, guild_id, premiere_id)
        if not claimed:  # cancelled, or moved while the render was awaited: its new time holds
            if fresh.status in store.ACTIVE and bot.scheduler is not None:
                await plan(bot.scheduler, fresh, postponed=postponed)
            return
        premiere.note = "late" if late_s > TIMING.late_note_after_s else ""
    else:  # resumed after a crash or a Discord failure mid-post
        state = await readiness(bot.db, bot.media, guild_id, premiere.episode_id, limit)
        if not state.ready or late_s > 2 * TIMING.grace_s:
            await _missed(bot, premiere, "not_ready" if not state.ready else "cannot_post")
            return
    await _post(bot, premiere, state, late=late_s > TIMING.late_note_after_s)


async def _premieres_channel(bot: DailiesBot, guild_id: int) -> discord.TextChannel | None:
    settings = await get_settings(bot.db, guild_id)
    guild = bot.get_guild(guild_id)
    channel = guild.get_channel(settings.premieres_channel_id or 0) if guild else None
    return channel if isinstance(channel, discord.TextChannel) else None


async def _already_posted(channel: discord.TextChannel, premiere_id: int) -> dict[str, int]:
    """Posts of this premiere that went out before a crash, by kind (their marker line)."""
    found: dict[str, int] = {}
    me = channel.guild.me
    async for message in channel.history(limit=50):
        if me is not None and message.author.id != me.id:
            continue
        for kind in ("recap", "episode"):
            if marker(premiere_id, kind) in (message.content or ""):
                found.setdefault(kind, message.id)
    return found


async def _files(bot: DailiesBot, piece: Piece, stem: str) -> list[discord.File]:
    files = [discord.File(await bot.media.local_path(piece.sha256), filename=f"{stem}.mp4")]
    for language, sha in sorted(piece.subtitles.items()):
        files.append(
            discord.File(await bot.media.local_path(sha), filename=f"{stem}.{language}.srt")
        )
    return files


async def _post(bot: DailiesBot, premiere: Premiere, state: Readiness, *, late: bool) -> None:
    gid, pid = premiere.guild_id, premiere.id or 0
    channel = await _premieres_channel(bot, gid)
    if channel is None:
        await _missed(bot, premiere, "no_channel")
        return
    locale = await guild_locale(bot, gid)
    async with bot.db.session() as session:
        episode = await get_episode(session, gid, premiere.episode_id)
        role_id = await store.viewers_role(session, gid)
    role = channel.guild.get_role(role_id or 0)
    title = discord.utils.escape_markdown(episode.title)
    head = [t("premiere.now", locale, number=episode.number, title=title)]
    if role is not None:
        head.append(role.mention)
    if late:
        head.append(t("premiere.late", locale))
    ping = discord.AllowedMentions(everyone=False, users=False, replied_user=False,
                                   roles=[role] if role is not None else False)  # fmt: skip
    try:
        posted = await _already_posted(channel, pid)
        first = state.recap is None  # the ping and the late note go on the first post
        if state.recap is not None and "recap" not in posted:
            lines = [*head, t("premiere.recap", locale, number=episode.number),
                     marker(pid, "recap")]  # fmt: skip
            await channel.send(
                "\n".join(lines),
                allowed_mentions=ping,
                files=await _files(bot, state.recap, f"recap-{episode.number}"),
            )
        assert state.episode is not None
        episode_message_id = posted.get("episode")
        if episode_message_id is None:
            lines = [*(head if first else []), t("premiere.episode", locale,
                     number=episode.number, title=title), marker(pid, "episode")]  # fmt: skip
            message = await channel.send(
                "\n".join(lines),
                allowed_mentions=ping if first else ALL_MENTIONS_OFF,
                files=await _files(bot, state.episode, f"episode-{episode.number}"),
            )
            episode_message_id = message.id
        thread_id = premiere.thread_id or await _open_thread(
            channel,
            episode_message_id,
            t("premiere.thread", locale, number=episode.number, title=episode.title),
            t("premiere.thread.opening", locale, number=episode.number),
        )
    except discord.Forbidden:
        log.warning("premiere %s: the premieres channel refused the post", pid)
        await _missed(bot, premiere, "cannot_post")
        return
    except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError):
        # Discord failed, or the answer was lost (the post may exist: the retry looks for it)
        log.exception("premiere %s: Discord failed mid-post; trying again", pid)
        if bot.scheduler is not None:
            again = utcnow() + timedelta(seconds=TIMING.retry_s)
            await bot.scheduler.schedule_at(
                key(pid, "start"), again, START, guild_id=gid, premiere_id=pid
            )
        return
    async with bot.db.session() as session:
        await store.set_status(session, gid, pid, PremiereStatus.PREMIERED, thread_id=thread_id,
                               note=premiere.note)  # fmt: skip
    await set_event_status(channel.guild, premiere.event_id, "active")
    if bot.scheduler is not None:
        ends = utcnow() + timedelta(seconds=max(60.0, state.runtime_s))
        await bot.scheduler.schedule_at(key(pid, "end"), ends, END, guild_id=gid, premiere_id=pid)
    log.info("premiere %s of episode %s posted (late=%s)", pid, episode.number, late)
    if premiere.weekly:
        await _next_week(bot, premiere)


async def _open_thread(
    channel: discord.TextChannel, message_id: int, name: str, opening: str
) -> int:
    message = channel.get_partial_message(message_id)
    try:
        thread = await message.create_thread(name=name[:100])
    except discord.Forbidden:
        raise
    except discord.HTTPException:  # a crash after the thread was made: it has the message's id
        return message_id
    await thread.send(opening, allowed_mentions=ALL_MENTIONS_OFF)
    return thread.id


# --------------------------------------------------------------------------- not today


def _why(state: Readiness, locale: str) -> str:
    if state.waiting:
        codes = ", ".join(state.waiting[:12]) + ("…" if len(state.waiting) > 12 else "")
        return t("premiere.why.waiting", locale, codes=codes)
    return t("premiere.why.rendering", locale)


async def _postpone(bot: DailiesBot, premiere: Premiere, state: Readiness, postponed: int) -> None:
    gid, pid = premiere.guild_id, premiere.id or 0
    if postponed >= TIMING.max_postpones:
        await _missed(bot, premiere, "not_ready", state)
        return
    new = max(utcnow(), premiere.starts_at) + timedelta(seconds=TIMING.postpone_s)
    async with bot.db.session() as session:
        premiere = await store.set_status(session, gid, pid, PremiereStatus.POSTPONED,
                                          starts_at=new, note="not_ready")  # fmt: skip
        episode = await get_episode(session, gid, premiere.episode_id)
    guild = bot.get_guild(gid)
    if guild is not None:
        settings = await get_settings(bot.db, gid)
        runtime = await estimated_runtime_s(bot.db, bot.media, gid, premiere.episode_id,
                                            settings.upload_limit_bytes)  # fmt: skip
        await move_event(guild, premiere.event_id, new, runtime)
    if bot.scheduler is not None:
        await plan(bot.scheduler, premiere, postponed=postponed + 1)
    channel = await _premieres_channel(bot, gid)
    locale = await guild_locale(bot, gid)
    if channel is not None:
        with contextlib.suppress(discord.HTTPException):
            await channel.send(t("premiere.postponed", locale, number=episode.number,
                                 when=when_text(new), why=_why(state, locale)),
                               allowed_mentions=ALL_MENTIONS_OFF)  # fmt: skip


async def _missed(
    bot: DailiesBot, premiere: Premiere, reason: str, state: Readiness | None = None
) -> None:
    """Mark it missed, cancel its event, and tell whoever scheduled it, where the crew works."""
    gid, pid = premiere.guild_id, premiere.id or 0
    async with bot.db.session() as session:
        await store.set_status(session, gid, pid, PremiereStatus.MISSED, note=reason)
        episode = await get_episode(session, gid, premiere.episode_id)
    guild = bot.get_guild(gid)
    if guild is not None:
        await set_event_status(guild, premiere.event_id, "cancelled")
    locale = await guild_locale(bot, gid)
    why = _why(state, locale) if state is not None else t(
        f"premiere.missed.{reason}", locale, minutes=round(TIMING.grace_s / 60))  # fmt: skip
    text = t("premiere.missed", locale, who=f"<@{premiere.created_by}>", number=episode.number,
             why=why)  # fmt: skip
    settings = await get_settings(bot.db, gid)
    for channel_id in (settings.dailies_channel_id, settings.premieres_channel_id):
        channel = guild.get_channel(channel_id or 0) if guild else None
        if not isinstance(channel, discord.TextChannel):
            continue
        try:
            await channel.send(
                text,
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, roles=False, users=[discord.Object(premiere.created_by)]
                ),
            )
            break
        except discord.HTTPException:
            continue
    log.warning("premiere %s of episode %s missed: %s", pid, episode.number, reason)


async def _next_week(bot: DailiesBot, premiere: Premiere) -> None:
    """Weekly cadence: the next episode by number, same local time, a week later."""
    gid = premiere.guild_id
    async with bot.db.session() as session:
        following = await store.next_episode(session, gid, premiere.episode_id)
        if following is None:
            log.info("weekly premieres of guild %s stop: no episode after this one", gid)
            return
        try:
            upcoming = await store.create_premiere(
                session, gid, following.id or 0,
                starts_at=next_week(premiere.starts_at, find_zone(premiere.timezone)),
                timezone=premiere.timezone, weekly=True, created_by=premiere.created_by,
            )  # fmt: skip
        except AlreadyExists:
            return
    try:
        await open_premiere(bot, upcoming)
    except (discord.HTTPException, NoPremieresChannel):
        log.exception("weekly premiere %s could not be announced", upcoming.id)
    if bot.scheduler is not None:
        await plan(bot.scheduler, upcoming)


# --------------------------------------------------------------------------- restarts


async def resume_premieres(bot: DailiesBot) -> int:
    """Once the scheduler runs: every active premiere has its jobs; a premiere a crash stopped
    mid-post is finished now. Returns how many were put back."""
    scheduler = bot.scheduler
    if scheduler is None:
        return 0
    async with bot.db.session() as session:
        active = await store.due_everywhere(session)
    put_back = 0
    for premiere in active:
        pid = premiere.id or 0
        if premiere.status == PremiereStatus.FIRING:
            await scheduler.schedule_at(
                key(pid, "start"), utcnow(), START, guild_id=premiere.guild_id, premiere_id=pid
            )
            put_back += 1
        elif await scheduler.next_run(key(pid, "start")) is None:
            await plan(scheduler, premiere, postponed=1 if premiere.status == "postponed" else 0)
            put_back += 1
    if put_back:
        log.info("premieres: put back the jobs of %d premiere(s)", put_back)
    return put_back
