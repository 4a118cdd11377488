"""The Discord client: slash commands only, one error path, French localisations, clean close.

``DailiesBot(settings)`` owns (or is handed) the database and the media store, brings the schema
up to date, loads the feature extensions that exist, syncs the command tree, and closes what it
opened. It points discord.py at ``settings.discord.api_base``/``gateway_url`` before login, so the
same code runs against Discord and against ``bot/sandbox``.
"""

from __future__ import annotations

import importlib.util
import logging
import time
from typing import Any, cast

import discord
import yarl
from discord.ext import commands

from bot.config import Settings
from bot.errors import interaction_error_handler
from bot.host import Host
from bot.i18n import DailiesTranslator
from bot.scheduler import Scheduler
from bot.tree import DailiesTree
from storage.db import Database

log = logging.getLogger(__name__)

FEATURES: list[str] = [
    "commands.settings",
    "commands.series",
    "commands.characters",
    "commands.locations",
    "commands.episodes",
    "commands.shots",
    "commands.board",
    "commands.jobs",
    "commands.budget",
    "commands.dailies",
    "commands.cuts",  # after commands.episodes: it adds /episode cut, recap, export
    "commands.premieres",
    "commands.guide",  # /help reads every other feature's command names
]


def bot_intents() -> discord.Intents:
    """What we listen to. No message content: everything is a slash command or a component."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    intents.guild_messages = True
    intents.guild_polls = True
    intents.guild_scheduled_events = True
    return intents


def point_at(api_base: str, gateway_url: str) -> None:
    """Send discord.py's REST and gateway traffic to these URLs (Discord's or the sandbox's).

    ``Route.BASE`` is a class attribute read by every request, webhooks and follow-ups included;
    the non-sharded client connects to ``DEFAULT_GATEWAY`` without asking ``GET /gateway``.
    """
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def open_media_store(settings: Settings) -> Any:
    """The media store (storage/media.py), or None while it does not exist yet."""
    try:
        from storage.media import LocalMediaStore  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        log.warning("storage.media is not available: reference images cannot be stored")
        return None
    return LocalMediaStore(settings.resolved_media_dir)


async def prepare_database(db: Database) -> None:
    """Migrate to head (storage/migrate.py), or create the tables where migrations are absent."""
    try:
        from storage.migrate import current_revision, head_revision, upgrade
    except ImportError:
        await db.create_all()
        return
    if await current_revision(db.url) == head_revision():
        return  # already at head: skip loading Alembic's environment (start-up time)
    await upgrade(db.url)


class DailiesBot(commands.Bot):
    """The bot. ``.settings``, ``.db`` and ``.media`` are what commands reach through."""

    # bot/host.py: the outbox relay, and the pipeline worker unless this is False.
    worker_in_process: bool = True
    host: Host | None = None
    # bot/scheduler.py: vote deadlines, premieres; runs jobs only in the lock holder.
    scheduler: Scheduler | None = None

    def __init__(
        self,
        settings: Settings,
        *,
        db: Database | None = None,
        media: Any = None,
        features: list[str] | None = None,
        sync_commands: bool = True,
        migrate: bool = True,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=bot_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=settings.discord.guild_ready_timeout,
            enable_debug_events=False,
            tree_cls=DailiesTree,
        )
        self.settings = settings
        # tree_cls=DailiesTree above: the tree is ours (discord.py types it as its base class).
        cast(DailiesTree, self.tree).size_slots(work=settings.discord.work_slots)
        self._owns_db = db is None
        self.db: Database = db if db is not None else Database(settings.resolved_database_url)
        self.media: Any = media if media is not None else open_media_store(settings)
        self.features = list(FEATURES if features is None else features)
        self.loaded_features: list[str] = []
        self.failed_features: dict[str, Exception] = {}
        self.sync_commands = sync_commands
        self.migrate = migrate
        self.started_at = time.monotonic()
        self.tree.on_error = interaction_error_handler  # type: ignore[method-assign]

    async def login(self, token: str) -> None:
        point_at(self.settings.discord.api_base, self.settings.discord.gateway_url)
        await super().login(token)

    async def setup_hook(self) -> None:
        if self.migrate:
            await prepare_database(self.db)
        self.host = Host(self, worker_in_process=self.worker_in_process)
        await self.tree.set_translator(DailiesTranslator())
        for name in self.features:
            if importlib.util.find_spec(name) is None:
                log.info("feature %s is not there yet; skipped", name)
                continue
            try:
                await self.load_extension(name)
            except commands.ExtensionError as exc:
                # One broken feature must not take the others down with it; it is logged with
                # its traceback and its commands are simply absent.
                log.exception("feature %s failed to load", name)
                self.failed_features[name] = exc
                continue
            self.loaded_features.append(name)
        if self.sync_commands:
            await self.sync_tree()
        await self.host.start()
        self.scheduler = Scheduler(self.db.url, context=self)
        await self.scheduler.start()
        if "commands.premieres" in self.loaded_features:
            from bot.premieres import resume_premieres  # jobs a crash lost; a post it cut short

            await resume_premieres(self)

    async def sync_tree(self) -> None:
        """Guild syncs are instant (for trying things out); a global sync reaches every server."""
        guild_ids = self.settings.discord.sync_guilds
        if guild_ids:
            for guild_id in guild_ids:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("synced %d commands to guild %s", len(synced), guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d global commands", len(synced))

    async def on_ready(self) -> None:
        log.info(
            "ready as %s in %d servers after %.2f s",
            self.user,
            len(self.guilds),
            time.monotonic() - self.started_at,
        )

    async def close(self) -> None:
        try:
            if self.scheduler is not None:
                scheduler, self.scheduler = self.scheduler, None
                await scheduler.stop()
            if self.host is not None:
                # Before the connection closes: the relay may still send what the worker wrote.
                host, self.host = self.host, None
                await host.stop()
            # discord.py waits guild_ready_timeout before dispatching "ready"; closing inside that
            # wait would let the task dispatch on a client whose loop is gone (a logged traceback).
            ready = getattr(self._connection, "_ready_task", None)
            if ready is not None and not ready.done():
                ready.cancel()
            await super().close()
        finally:
            if self._owns_db:
                await self.db.dispose()
