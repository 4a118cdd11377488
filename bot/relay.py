"""The outbox relay: what the pipeline wrote down (storage/outbox.py) reaches Discord, once.

    relay = Relay(bot)             # bot/host.py starts it in every bot process
    relay.start(); relay.wake(); await relay.stop()

Each round claims due rows (hidden from other relays for ``lease_s``), renders them in the
server's language (bot/cards.py), sends or edits, then marks them sent with the Discord message
id, or failed (storage/outbox.py backs off, then gives up: ``dead``).

Never twice:

* a status card is *edited* by the message id stored on its jobs (``Job.card_message_id``),
  never through the interaction token (gone after 15 minutes), and always drawn from the
  jobs' current state, so replaying an edit after a crash is harmless;
* a notice is *posted* with its outbox id in the footer. A row that may have been tried before
  (it failed once, or it is older than a claim lease, so an earlier relay may have died
  mid-send) is first looked for in the channel; if Discord already has it, it is only marked.

Latency: the relay polls every ``poll_s`` and is woken at once by ``wake()``; ``watch_outbox``
wakes it whenever a transaction of this process that wrote an outbox row commits (the
in-process worker), so a take that is done shows on its card within milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord
from sqlalchemy import event

from bot import cards
from bot.i18n import guild_locale
from storage import outbox, queue
from storage.db import Database
from storage.guilds import get_settings
from storage.job_outputs import asset_sha256
from storage.models import OutboxMessage
from storage.types import utcnow

if TYPE_CHECKING:
    from bot.client import DailiesBot

log = logging.getLogger(__name__)

# A card whose command has not stored its message id yet is drawn by that command (it reads
# the jobs after storing the id). Past this age the command is presumed dead: the relay posts.
CARD_GRACE_S = 60.0
HISTORY_LOOKBACK = 100
Renderer = Callable[["Relay", OutboxMessage], Awaitable[int | None]]


class NothingToSay(Exception):
    """The notice has no channel to go to (no card channel, no dailies channel)."""


class Relay:
    def __init__(
        self,
        bot: DailiesBot,
        *,
        poll_s: float = 0.5,
        batch: int = 20,
        lease_s: float = 30.0,
        stop_grace_s: float = 5.0,
    ) -> None:
        self.bot = bot
        self.poll_s = poll_s
        self.batch = batch
        self.lease_s = lease_s
        self.stop_grace_s = stop_grace_s
        self.renderers: dict[str, Renderer] = {
            "take_ready": Relay._take_ready,
            "job_failed": Relay._job_failed,
            "job_needs_review": Relay._needs_review,
        }
        self.sent = 0
        self.failed = 0
        self._wake = asyncio.Event()
        self._round = asyncio.Lock()  # one round at a time: flush() waits for the loop's round
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._unwatch: Callable[[], None] | None = None

    @property
    def db(self) -> Database:
        return self.bot.db

    # ------------------------------------------------------------------ lifecycle

    def register(self, kind: str, renderer: Renderer) -> None:
        """Another feature renders its own outbox kind (returns the Discord message id)."""
        self.renderers[kind] = renderer

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is not None:
            return
        self._stopping.clear()
        loop = asyncio.get_running_loop()

        def wake_soon() -> None:
            loop.call_soon_threadsafe(self._wake.set)

        self._unwatch = watch_outbox(self.db, wake_soon)
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Finish the message in hand (up to ``stop_grace_s``), then stop polling."""
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), self.stop_grace_s)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                handled = await self.relay_once()
            except Exception:
                log.exception("outbox relay round failed; trying again")
                handled = 0
            if handled >= self.batch:
                continue  # more may be due right now
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_s)

    # ------------------------------------------------------------------ one round

    async def relay_once(self, *, now: datetime | None = None) -> int:
        """Claim what is due and deliver it. Returns how many rows were claimed."""
        async with self._round:
            return await self._round_once(now)

    async def _round_once(self, now: datetime | None) -> int:
        claimed = await outbox.claim(self.db, limit=self.batch, lease_s=self.lease_s, now=now)
        if not claimed:
            return 0
        # One edit per card however many of its updates are due: the card shows the jobs'
        # state now, not the state each update was written in.
        cards_due: dict[tuple[int, str], list[OutboxMessage]] = {}
        for message in claimed:
            if message.kind == "job_progress":
                payload = message.payload
                batch = str(payload.get("batch") or f"job:{payload.get('job_id')}")
                cards_due.setdefault((message.guild_id, batch), []).append(message)
        for (guild_id, _batch), messages in cards_due.items():
            job_id = int(messages[0].payload.get("job_id") or 0)
            await self._deliver(messages, self._card(guild_id, job_id, messages))
        for message in claimed:
            if message.kind == "job_progress":
                continue
            renderer = self.renderers.get(message.kind)
            if renderer is None:
                log.warning("outbox %s: no renderer for %r; dropped", message.id, message.kind)
                await outbox.mark_failed(self.db, _id(message), "no renderer", max_attempts=1)
                continue
            await self._deliver([message], renderer(self, message))
        return len(claimed)

    async def _deliver(self, messages: list[OutboxMessage], send: Awaitable[int | None]) -> None:
        try:
            discord_id = await send
        except NothingToSay:
            discord_id = None
        except Exception as exc:
            gone = isinstance(exc, discord.NotFound)  # the channel was deleted: never coming back
            retry_after = getattr(exc, "retry_after", None)
            for message in messages:
                log.warning(
                    "outbox %s (%s, guild %s) not delivered: %r",
                    message.id, message.kind, message.guild_id, exc,
                )  # fmt: skip
                await outbox.mark_failed(
                    self.db, _id(message), repr(exc), retry_after_s=retry_after,
                    max_attempts=1 if gone else outbox.MAX_ATTEMPTS,
                )  # fmt: skip
            self.failed += len(messages)
            return
        for message in messages:
            await outbox.mark_sent(self.db, _id(message), discord_id)
        self.sent += len(messages)

    # ------------------------------------------------------------------ the status card

    async def _card(self, guild_id: int, job_id: int, messages: list[OutboxMessage]) -> int | None:
        batch = await cards.load_batch_of_job_id(self.db, guild_id, job_id)
        if batch is None:
            return None
        locale = await guild_locale(self.bot, guild_id)
        embed = cards.card_embed(batch, locale)
        view = cards.card_view(batch, locale)
        where = batch.card
        if where is not None:
            channel = self.bot.get_partial_messageable(where[0], guild_id=guild_id)
            try:
                await channel.get_partial_message(where[1]).edit(embed=embed, view=view)
                return where[1]
            except discord.NotFound as exc:
                if exc.code != 10008:  # Unknown Message: the card was deleted; post a new one
                    raise
                log.info(
                    "card %s of jobs %s was deleted; posting a new one", where[1], batch.job_ids
                )
        oldest = min(m.created_at for m in messages)
        if where is None and (utcnow() - oldest).total_seconds() < CARD_GRACE_S:
            return None  # the command is posting it right now and will draw this state
        channel_id = batch.channel_id
        if channel_id is None:
            raise NothingToSay
        channel = self.bot.get_partial_messageable(channel_id, guild_id=guild_id)
        # A relay that died between posting a card and storing its id left it in the channel:
        # the footer names the batch's jobs, so find it and adopt it rather than post twice.
        since = min(j.created_at for j in batch.jobs)  # no card of theirs can be older
        existing = await self._find_card(channel, embed.footer.text or "", since)
        if existing is not None:
            await existing.edit(embed=embed, view=view)
            await store_card(self.db, batch, existing.id)
            return existing.id
        posted = await channel.send(
            embed=embed,
            view=view or discord.utils.MISSING,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        await store_card(self.db, batch, posted.id)
        return posted.id

    async def _find_card(
        self, channel: discord.PartialMessageable, footer: str, since: datetime
    ) -> discord.Message | None:
        if not footer or self.bot.user is None:
            return None
        after = discord.Object(discord.utils.time_snowflake(since) - 1)
        async for found in channel.history(limit=HISTORY_LOOKBACK, after=after):
            if found.author.id == self.bot.user.id and any(
                e.footer.text == footer for e in found.embeds
            ):
                return found
        return None

    # ------------------------------------------------------------------ notices

    async def _channel_for(self, message: OutboxMessage) -> discord.PartialMessageable:
        channel_id = message.channel_id
        if channel_id is None:
            channel_id = (await get_settings(self.db, message.guild_id)).dailies_channel_id
        if channel_id is None:
            raise NothingToSay
        return self.bot.get_partial_messageable(channel_id, guild_id=message.guild_id)

    async def _already_posted(
        self, channel: discord.PartialMessageable, message: OutboxMessage
    ) -> int | None:
        """The Discord id of this notice if an earlier attempt did post it."""
        maybe_tried = message.attempts > 0 or (
            utcnow() - message.created_at >= timedelta(seconds=self.lease_s)
        )
        if not maybe_tried or self.bot.user is None:
            return None
        since = discord.Object(discord.utils.time_snowflake(message.created_at) - 1)
        async for found in channel.history(limit=HISTORY_LOOKBACK, after=since):
            if found.author.id == self.bot.user.id and cards.has_marker(found, _id(message)):
                log.info("outbox %s was already in Discord as %s", message.id, found.id)
                return found.id
        return None

    async def _post(
        self, message: OutboxMessage, embed: discord.Embed, **kwargs: Any
    ) -> int | None:
        channel = await self._channel_for(message)
        existing = await self._already_posted(channel, message)
        if existing is not None:
            return existing
        posted = await channel.send(
            embed=embed,
            allowed_mentions=discord.AllowedMentions.none(),
            nonce=f"dailies-{message.id}"[:25],
            **kwargs,
        )
        return posted.id

    async def _take_ready(self, message: OutboxMessage) -> int | None:
        payload = message.payload
        locale = await guild_locale(self.bot, message.guild_id)
        code = await cards.shot_code_of(self.db, message.guild_id, payload.get("shot_id"))
        embed = cards.take_ready_embed(payload, code, _id(message), locale)
        file = await self._take_file(message)
        return await self._post(message, embed, **({"file": file} if file else {}))

    async def _take_file(self, message: OutboxMessage) -> discord.File | None:
        """The take's video (or voice) as an attachment when it fits the server's upload limit."""
        payload = message.payload
        asset_id = payload.get("video_asset_id") or payload.get("audio_asset_id")
        media = getattr(self.bot, "media", None)
        if not asset_id or media is None:
            return None
        async with self.db.session() as session:
            sha = await asset_sha256(session, message.guild_id, int(asset_id))
        if sha is None:
            return None
        guild = self.bot.get_guild(message.guild_id)
        limit = (
            guild.filesize_limit
            if guild is not None
            else discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES
        )
        try:
            if await media.size(sha) > limit:
                return None
            path = await media.local_path(sha)
        except Exception:
            log.exception("take media %s unavailable for outbox %s", sha[:12], message.id)
            return None
        suffix = (
            ".wav"
            if payload.get("audio_asset_id") and not payload.get("video_asset_id")
            else ".mp4"
        )
        name = f"take-{payload.get('label') or payload.get('take_id')}{suffix}"
        return discord.File(path, filename=name)

    async def _job_failed(self, message: OutboxMessage) -> int | None:
        payload = message.payload
        locale = await guild_locale(self.bot, message.guild_id)
        code = await cards.shot_code_of(self.db, message.guild_id, payload.get("shot_id"))
        embed = cards.job_failed_embed(payload, code, _id(message), locale)
        if payload.get("status") == "failed" and payload.get("job_id"):
            view = cards.retry_view(int(payload["job_id"]), locale)
            return await self._post(message, embed, view=view)
        return await self._post(message, embed)

    async def _needs_review(self, message: OutboxMessage) -> int | None:
        payload = message.payload
        locale = await guild_locale(self.bot, message.guild_id)
        code = await cards.shot_code_of(self.db, message.guild_id, payload.get("shot_id"))
        return await self._post(
            message, cards.needs_review_embed(payload, code, _id(message), locale)
        )


# ---------------------------------------------------------------------- helpers


async def store_card(db: Database, batch: cards.Batch, message_id: int) -> None:
    """Remember the batch's card on its jobs (its channel is theirs since enqueue): from now
    on the relay edits that message by id."""
    async with db.session() as session:
        await queue.set_card_message(session, batch.guild_id, batch.job_ids, message_id)
        await session.commit()
    for job in batch.jobs:
        job.card_message_id = message_id


def watch_outbox(db: Database, wake: Callable[[], None]) -> Callable[[], None]:
    """Call ``wake`` once a transaction of this process that inserted an outbox row committed.

    Engine events see each statement and each commit of ``db``'s connections; a flag on the
    connection links them. The wake waits for the connection's return to the pool, which
    comes after the database's commit: the ``commit`` event fires before it, when a relay
    woken at once could still miss the row.
    """
    engine = db.engine.sync_engine
    written, committed = "dailies_outbox_written", "dailies_outbox_committed"

    def on_statement(conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        # A duplicate append (same dedupe key: ON CONFLICT DO NOTHING) inserts no row.
        if getattr(cursor, "rowcount", 1) == 0:
            return
        if statement.lstrip()[:32].upper().startswith("INSERT INTO OUTBOX_MESSAGE"):
            conn.info[written] = True

    def on_commit(conn: Any) -> None:
        if conn.info.pop(written, False):
            conn.info[committed] = True

    def on_rollback(conn: Any) -> None:
        conn.info.pop(written, None)
        conn.info.pop(committed, None)

    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(committed, False):
            wake()

    listeners: list[tuple[str, Callable[..., None]]] = [
        ("after_cursor_execute", on_statement),
        ("commit", on_commit),
        ("rollback", on_rollback),
        ("checkin", on_checkin),
    ]
    for name, listener in listeners:
        event.listen(engine, name, listener)

    def unwatch() -> None:
        for name, listener in listeners:
            event.remove(engine, name, listener)

    return unwatch


def _id(message: OutboxMessage) -> int:
    assert message.id is not None
    return message.id
