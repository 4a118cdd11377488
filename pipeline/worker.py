"""The worker: claims jobs with a lease, runs each through the executor, renews, shuts down cleanly.

    worker = Worker(db, media_store, registry, worker_id="w1")
    task = asyncio.create_task(worker.run())   # the bot: from setup_hook
    ...
    await worker.stop()                          # the bot: from close(); waits for run() to end

    await worker.drain()                         # tests: run until no job is runnable

Concurrency is per provider: a provider with ``concurrency = 3`` never has more than three of
its jobs held by this worker (submitted and not yet done). Cut and recap renders are jobs of the
pseudo-provider ``render`` (pipeline/cut/job.py runs them, not the executor): ``renders=1`` by
default, ``renders=0`` for a worker that never renders. A side task renews every held lease
every ``lease_s / 3`` seconds; a job whose lease could not be renewed (cancelled, or taken over
after a stall) is told so and stops at its next step.

Shutdown (``stop()`` or cancellation of ``run()``): claim nothing more; jobs waiting between
polls hand themselves back at once; steps in flight (a submit, a download) get
``shutdown_grace_s`` to finish; after that they are cancelled and their leases released, so
another worker picks them up at once from the state they were in. A submit cancelled mid-call
has an unknown outcome: the next worker reconciles it, it never resends it.

Run one from the shell: ``python -m pipeline.worker --help``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import os
import signal
import socket
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.cut.job import Renderer
from pipeline.executor import Executor, ExecutorConfig
from pipeline.finish import Finisher, IngestFinisher, StoreOnlyFinisher
from pipeline.jobs import RENDER_PROVIDER
from pipeline.registry import ProviderRegistry, build_registry
from pipeline.retry import RetryPolicy
from pipeline.transitions import HandBack, JobControl, LeaseLost
from storage import queue
from storage.db import Database
from storage.media import LocalMediaStore, MediaStore
from storage.queue import Claim
from storage.types import utcnow

log = logging.getLogger(__name__)

# Jobs claimed per query when there is room: fewer round trips when a backlog arrives, small
# enough that one worker does not hoard a queue that others could share.
CLAIM_BATCH = 16


@dataclass
class _Held:
    claim: Claim
    ctl: JobControl
    task: asyncio.Task[None]


@dataclass
class WorkerStats:
    claimed: int = 0
    finished: int = 0
    handed_back: int = 0
    lost: int = 0
    errors: int = 0
    by_provider: Counter[str] = field(default_factory=Counter)


class Worker:
    def __init__(
        self,
        db: Database,
        media_store: MediaStore,
        registry: ProviderRegistry,
        *,
        worker_id: str | None = None,
        finisher: Finisher | None = None,
        concurrency: dict[str, int] | None = None,
        lease_s: float = 60.0,
        poll_interval: float = 1.0,
        policy: RetryPolicy | None = None,
        shutdown_grace_s: float = 10.0,
        config: ExecutorConfig | None = None,
        renders: int = 1,
    ) -> None:
        self.db = db
        self.registry = registry
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.lease_s = lease_s
        self.poll_interval = poll_interval
        self.shutdown_grace_s = shutdown_grace_s
        config = config or ExecutorConfig()
        if policy is not None:
            config.policy = policy
        self.executor = Executor(
            db, media_store, registry, finisher or StoreOnlyFinisher(db), config
        )
        self.limits = {**registry.concurrency(), **(concurrency or {})}
        # Renders run ffmpeg here (CPU-heavy): their own lane, one at a time by default.
        self.renderer = Renderer(db, media_store) if renders > 0 else None
        if self.renderer is not None:
            self.limits.setdefault(RENDER_PROVIDER, renders)
        self.stats = WorkerStats()
        self._held: dict[int, _Held] = {}
        self._in_flight: Counter[str] = Counter()
        self._stopping = asyncio.Event()
        self._changed = asyncio.Event()
        self._stopped = asyncio.Event()
        self._running = False
        self._stop_requested = False

    # ------------------------------------------------------------------ public

    async def run(self) -> None:
        """Work until ``stop()``; cancellation is turned into a clean stop."""
        self._stopped.clear()
        self._stop_requested = False
        self._running = True
        renewer = asyncio.create_task(self._renew_forever(), name=f"{self.worker_id}:renew")
        try:
            while not self._stopping.is_set():
                if not await self._fill():
                    await self._idle(self.poll_interval)
        except asyncio.CancelledError:
            self._stopping.set()
            await asyncio.shield(self._shutdown(renewer))
            raise
        await self._shutdown(renewer)

    async def stop(self) -> None:
        """Ask ``run()`` to finish, and wait until it has (when it is running)."""
        self._stop_requested = True
        self._stopping.set()
        self._changed.set()
        if self._running:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), self.shutdown_grace_s + 5)

    async def drain(self, *, horizon_s: float = 5.0, timeout_s: float = 120.0) -> WorkerStats:
        """Run until nothing is runnable now or within ``horizon_s`` (retry waits, expired
        leases of dead workers), then return. arq's burst mode, for tests and benches."""
        renewer = asyncio.create_task(self._renew_forever(), name=f"{self.worker_id}:renew")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        self._stop_requested = False
        try:
            while loop.time() < deadline and not self._stop_requested:
                started = await self._fill()
                if self._held:
                    await self._idle(0.05)
                    continue
                if started:
                    continue
                due = await queue.next_due(self.db, self._lanes())
                now = utcnow()
                if due is None or (due - now).total_seconds() > horizon_s:
                    break
                await asyncio.sleep(min(0.25, max(0.01, (due - now).total_seconds())))
            else:
                log.warning("drain: gave up after %.0f s", timeout_s)
        finally:
            self._stopping.set()
            await self._shutdown(renewer)
            self._stopping.clear()
        return self.stats

    # ------------------------------------------------------------------ claiming

    def _lanes(self) -> list[str]:
        """What this worker claims: its providers, and renders if it renders."""
        return [*self.registry, *([RENDER_PROVIDER] if self.renderer is not None else [])]

    def _free(self) -> dict[str, int]:
        return {
            name: max(1, self.limits.get(name, 1)) - self._in_flight[name]
            for name in self._lanes()
            if self._in_flight[name] < max(1, self.limits.get(name, 1))
        }

    async def _fill(self) -> int:
        """Claim while some provider has room, up to ``CLAIM_BATCH`` jobs per query. Returns
        how many jobs were started."""
        started = 0
        while not self._stopping.is_set():
            free = self._free()
            if not free:
                break
            claims = await queue.claim(
                self.db,
                worker_id=self.worker_id,
                lease_s=self.lease_s,
                caps=free,
                limit=CLAIM_BATCH,
            )
            for claim in claims:
                self._start(claim)
                started += 1
            if len(claims) < min(CLAIM_BATCH, sum(free.values())):
                break
        return started

    def _start(self, claim: Claim) -> None:
        job_id = claim.job.id
        assert job_id is not None
        ctl = JobControl(stopping=self._stopping)
        task = asyncio.create_task(self._work(claim, ctl), name=f"job:{job_id}")
        self._held[job_id] = _Held(claim, ctl, task)
        self._in_flight[claim.job.provider] += 1
        self.stats.claimed += 1
        self.stats.by_provider[claim.job.provider] += 1

    async def _work(self, claim: Claim, ctl: JobControl) -> None:
        job = claim.job
        try:
            if job.provider == RENDER_PROVIDER and self.renderer is not None:
                await self.renderer.advance(claim, ctl)
            else:
                await self.executor.advance(claim, ctl)
            self.stats.finished += 1
        except HandBack:
            self.stats.handed_back += 1
        except LeaseLost:
            self.stats.lost += 1
            log.info("job %s: lease lost (cancelled or taken over)", job.id)
        except asyncio.CancelledError:
            self.stats.handed_back += 1
            raise
        except Exception:
            # A bug, not a provider error (those are decided inside the executor). The lease is
            # kept until it expires, which spaces out the next attempt from the same state.
            self.stats.errors += 1
            ctl.ended = True
            log.exception("job %s: unexpected error in %s", job.id, job.status)
        finally:
            assert job.id is not None
            if not ctl.ended and not ctl.lost:
                with contextlib.suppress(Exception):
                    await asyncio.shield(queue.release_lease(self.db, job.id, claim.token))
            self._held.pop(job.id, None)
            self._in_flight[job.provider] -= 1
            self._changed.set()

    async def _idle(self, seconds: float) -> None:
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout=seconds)

    # ------------------------------------------------------------------ leases

    async def _renew_forever(self) -> None:
        interval = max(0.05, self.lease_s / 3)
        while True:
            await asyncio.sleep(interval)
            await self._renew_once()

    async def _renew_once(self) -> None:
        held = {h.claim.token: h for h in self._held.values()}
        if not held:
            return
        try:
            lost = await queue.renew(self.db, held, self.lease_s)
        except Exception:
            log.exception("lease renewal failed; will retry")
            return
        for token in lost:
            if not held[token].ctl.ended:
                held[token].ctl.lost = True

    # ------------------------------------------------------------------ shutdown

    async def _shutdown(self, renewer: asyncio.Task[None]) -> None:
        tasks = [h.task for h in self._held.values()]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=self.shutdown_grace_s)
            for task in pending:
                task.cancel()
            if pending:
                log.warning("shutdown: %d steps cut short; their leases are released", len(pending))
                await asyncio.gather(*pending, return_exceptions=True)
        renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewer
        self._running = False
        self._stopped.set()


# ---------------------------------------------------------------------- command line


def _load_factory(spec: str) -> Callable[..., Any]:
    module_name, _, attr = spec.partition(":")
    factory = getattr(importlib.import_module(module_name), attr)
    assert callable(factory), spec
    return factory


async def _main(args: argparse.Namespace) -> None:
    from bot.config import load_settings

    settings = load_settings()
    db = Database(args.database_url or settings.resolved_database_url)
    store = LocalMediaStore(Path(args.media_dir) if args.media_dir else settings.resolved_media_dir)
    if args.registry_factory:
        registry = _load_factory(args.registry_factory)(settings)
    else:
        registry = build_registry(settings)
    finisher: Finisher = (
        StoreOnlyFinisher(db) if args.finisher == "store" else IngestFinisher(db, store)
    )
    worker = Worker(
        db,
        store,
        registry,
        worker_id=args.worker_id,
        finisher=finisher,
        lease_s=args.lease_s,
        poll_interval=args.poll_interval,
        renders=args.renders,
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(worker.stop()))
    try:
        if args.burst:
            await worker.drain()
        else:
            await worker.run()
    finally:
        await registry.aclose()
        await db.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.worker", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--database-url", help="default: DAILIES_DATABASE_URL / data_dir SQLite")
    parser.add_argument("--media-dir", help="default: DAILIES_MEDIA_DIR / data_dir/media")
    parser.add_argument("--worker-id")
    parser.add_argument("--lease-s", type=float, default=60.0)
    parser.add_argument("--poll-interval", type=float, default=1.0)
    parser.add_argument("--finisher", choices=("ingest", "store"), default="ingest")
    parser.add_argument("--registry-factory", help="module:callable(settings) -> ProviderRegistry")
    parser.add_argument(
        "--renders", type=int, default=1, help="cut/recap renders at once (0: none)"
    )
    parser.add_argument("--burst", action="store_true", help="drain, then exit")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(_main(args))


if __name__ == "__main__":
    main()
