"""What runs inside the bot process besides discord.py: the outbox relay and, in `dailies run`,
the pipeline worker. Started from ``DailiesBot.setup_hook``, stopped from ``DailiesBot.close``.

    host = await start_host(bot)    # bot.host: .registry, .relay, .worker
    await host.drain()               # tests and benches: run every runnable job now, then relay
    await host.stop()

* The registry (pipeline/registry.py) is built once from the settings and shared by the
  commands (pricing, enqueue) and the worker, so a provider added at run time (a test's fake)
  is seen by both.
* The worker runs in the bot unless ``bot.worker_in_process`` is False (`dailies bot` next to
  separate `dailies worker` processes). ``dailies worker`` runs ``run_worker`` alone.
* Shutdown order: the worker first (a job step in flight finishes or hands its lease back),
  then the relay (what the last steps wrote is sent if it can be), then provider clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from bot.relay import Relay
from pipeline.executor import ExecutorConfig
from pipeline.finish import Finisher, IngestFinisher, StoreOnlyFinisher
from pipeline.media.links_server import MediaLinkServer, start_link_server
from pipeline.registry import ProviderRegistry, build_registry
from pipeline.retry import RetryPolicy
from pipeline.worker import Worker, WorkerStats
from storage.db import Database

if TYPE_CHECKING:
    from bot.client import DailiesBot

log = logging.getLogger(__name__)


def make_worker(
    db: Database,
    media: Any,
    registry: ProviderRegistry,
    *,
    worker_id: str | None = None,
    fast: bool = False,
    poll_interval: float = 0.5,
) -> Worker:
    """A worker that ingests takes into the media store. ``fast``: millisecond polls and
    backoffs, for tests and benches that drain the queue."""
    finisher: Finisher = IngestFinisher(db, media) if media is not None else StoreOnlyFinisher(db)
    if fast:
        config = ExecutorConfig(
            policy=RetryPolicy(max_attempts=3, base_s=0.01, cap_s=0.05),
            poll_initial_s=0.01,
            poll_max_s=0.05,
            progress_every_s=0.0,
        )
        return Worker(db, media, registry, worker_id=worker_id, finisher=finisher, config=config,
                      lease_s=10.0, poll_interval=0.02, shutdown_grace_s=2.0)  # fmt: skip
    return Worker(
        db, media, registry, worker_id=worker_id, finisher=finisher, poll_interval=poll_interval
    )


class Host:
    def __init__(self, bot: DailiesBot, *, worker_in_process: bool = True) -> None:
        self.bot = bot
        self.registry: ProviderRegistry = build_registry(bot.settings)
        self.relay = Relay(bot)
        self.worker: Worker | None = (
            make_worker(bot.db, bot.media, self.registry) if worker_in_process else None
        )
        self._worker_task: asyncio.Task[None] | None = None
        self.links_server: MediaLinkServer | None = None

    async def start(self) -> None:
        self.relay.start()
        self._start_worker()
        # Signed media links for URL-only providers, when DAILIES_MEDIA__* configures them.
        self.links_server = await start_link_server(self.bot.settings, self.bot.media)
        log.info(
            "host: relay started; worker %s; providers %s",
            "in process" if self.worker else "elsewhere",
            ", ".join(sorted(self.registry)) or "none",
        )

    def _start_worker(self) -> None:
        if self.worker is not None and self._worker_task is None:
            self._worker_task = asyncio.create_task(self.worker.run(), name="pipeline-worker")

    async def _stop_worker(self) -> None:
        task, self._worker_task = self._worker_task, None
        if self.worker is None or task is None:
            return
        await self.worker.stop()
        if not task.done():
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

    async def stop(self) -> None:
        await self._stop_worker()
        await self.relay.stop()
        if self.links_server is not None:
            await self.links_server.stop()
        with contextlib.suppress(Exception):
            await self.registry.aclose()

    async def pause_worker(self) -> bool:
        """Stop the background worker (jobs stay queued). True if it was running."""
        running = self._worker_task is not None
        await self._stop_worker()
        return running

    def resume_worker(self) -> None:
        """Start a fresh background worker (a stopped one cannot run again)."""
        if self._worker_task is None:
            self.worker = make_worker(self.bot.db, self.bot.media, self.registry)
            self._start_worker()

    async def drain(self, *, timeout_s: float = 60.0) -> WorkerStats:
        """Run every job that can run now with a fast burst worker, then relay what it wrote.

        The background worker is paused meanwhile, so the burst sees the whole queue (two
        workers racing would let the burst end while the other still holds jobs)."""
        paused = await self.pause_worker()
        try:
            burst = make_worker(self.bot.db, self.bot.media, self.registry, fast=True,
                                worker_id="drain")  # fmt: skip
            stats = await burst.drain(horizon_s=1.0, timeout_s=timeout_s)
        finally:
            if paused:
                self.resume_worker()
        await self.flush()
        return stats

    async def flush(self, *, rounds: int = 10) -> int:
        """Relay everything due now (tests): rounds until a round claims nothing."""
        total = 0
        for _ in range(rounds):
            handled = await self.relay.relay_once()
            total += handled
            if not handled:
                break
        return total


async def start_host(bot: DailiesBot) -> Host:
    host = Host(bot, worker_in_process=bool(getattr(bot, "worker_in_process", True)))
    await host.start()
    return host


def registry_of(bot: Any) -> ProviderRegistry:
    """The providers the commands price and enqueue with (the host's, or built on demand)."""
    host = getattr(bot, "host", None)
    if isinstance(host, Host):
        return host.registry
    return build_registry(bot.settings)


def relay_of(bot: Any) -> Relay | None:
    host = getattr(bot, "host", None)
    return host.relay if isinstance(host, Host) else None


# ---------------------------------------------------------------------- `dailies worker`


async def run_worker(settings: Settings, *, worker_id: str | None = None) -> None:
    """The worker alone, until SIGINT/SIGTERM: for `dailies worker` next to `dailies bot`."""
    from bot.client import open_media_store

    # No migration here: many workers may start at once; the bot (or `dailies migrate`) does it.
    db = Database(settings.resolved_database_url)
    media = open_media_store(settings)
    registry = build_registry(settings)
    worker = make_worker(db, media, registry, worker_id=worker_id, poll_interval=1.0)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(worker.stop()))
    log.info("worker %s: providers %s", worker.worker_id, ", ".join(sorted(registry)))
    links_server = await start_link_server(settings, media)
    try:
        await worker.run()
    finally:
        if links_server is not None:
            await links_server.stop()
        await registry.aclose()
        await db.dispose()
