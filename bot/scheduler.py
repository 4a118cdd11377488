"""Things that must happen at a time, even across restarts: a vote's deadline, a premiere.

APScheduler 3.x (``AsyncIOScheduler``) with a persistent ``SQLAlchemyJobStore`` in the same
database as everything else (table ``apscheduler_jobs``), behind a thin interface so that the
rest of the code never imports APScheduler:

    scheduler = Scheduler(database_url, context=bot)
    await scheduler.start()
    await scheduler.schedule_at("dailies:close:12", when, "commands.dailies._closing:close_due",
                                guild_id=1, review_id=12)
    await scheduler.cancel("dailies:close:12")
    await scheduler.stop()

The callable named by ``callable_ref`` (``"module:function"``) is called as
``await function(context, **kwargs)``; kwargs must be plain values (they are stored). A key
scheduled again replaces the earlier entry. A time in the past runs at once; a time missed
while no process held the scheduler runs when one starts (grace ``misfire_grace_s``).

Only one process runs the jobs: on Postgres the holder of a session-level advisory lock
(``pg_try_advisory_lock``, held on a dedicated connection for the scheduler's life; the others
retry every ``retry_lock_s`` and take over when the holder dies), on SQLite the one process that
uses the file. A process that does not hold the lock still writes schedules to the store, and
the holder looks at the store every ``rescan_s`` (APScheduler 3 is not told about rows written
by another process).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler, run_in_event_loop
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine, make_url

log = logging.getLogger(__name__)

LOCK_KEY = 0x0DA1_1E5  # pg advisory lock id: "the Dailies scheduler"
# The context of the scheduler running a job: set by its executor around the task's creation
# (an asyncio task copies the context it is created in), so a job stored by one process runs
# with the context of whichever process holds the scheduler.
_running_context: ContextVar[Any] = ContextVar("dailies_scheduler_context", default=None)


class _ContextExecutor(AsyncIOExecutor):
    """Runs due jobs as tasks in the loop, with the holder's context. Called from the thread
    that scanned the store, so the task is created through ``call_soon_threadsafe``."""

    def __init__(self, context: Any) -> None:
        super().__init__()
        self.context = context

    def _do_submit_job(self, job: Any, run_times: Any) -> None:
        def submit() -> None:
            token = _running_context.set(self.context)
            try:
                AsyncIOExecutor._do_submit_job(self, job, run_times)
            finally:
                _running_context.reset(token)

        self._eventloop.call_soon_threadsafe(submit)


class _OffLoopScheduler(AsyncIOScheduler):
    """AsyncIOScheduler whose store scans run in a worker thread, never in the event loop.

    Why: the store is synchronous SQLAlchemy. On SQLite, a blocking write from the loop thread
    while an aiosqlite transaction of the same process holds the write lock deadlocks (that
    transaction can only finish when the loop runs) until the busy timeout fails it."""

    _scanning = False
    _again = False

    @run_in_event_loop  # type: ignore[untyped-decorator, unused-ignore]
    def wakeup(self) -> None:
        self._stop_timer()
        if self._scanning:
            self._again = True
            return
        self._scanning = True
        future = self._eventloop.run_in_executor(None, self._process_jobs)

        def scanned(done: Any) -> None:
            self._scanning = False
            wait = 1.0 if done.exception() is not None else done.result()
            if self._again:
                self._again = False
                self.wakeup()
            elif self._eventloop is not None:
                self._start_timer(wait)

        future.add_done_callback(scanned)


def sync_url(url: str) -> str:
    """The synchronous SQLAlchemy URL APScheduler's store needs (same database as ``url``)."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        parsed = parsed.set(drivername="sqlite")
    elif parsed.drivername.startswith("postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def resolve(callable_ref: str) -> Callable[..., Awaitable[Any]]:
    module, _, name = callable_ref.partition(":")
    if not module or not name:
        raise ValueError(f"callable_ref must be 'module:function', not {callable_ref!r}")
    target = getattr(importlib.import_module(module), name)
    if not callable(target):
        raise TypeError(f"{callable_ref} is not callable")
    return target


async def _run(callable_ref: str, key: str, kwargs: dict[str, Any]) -> None:
    """What APScheduler stores and calls: the callable is found by name at run time, so a
    stored job survives code reloads and process restarts."""
    context = _running_context.get()
    try:
        await resolve(callable_ref)(context, **kwargs)
    except Exception:
        log.exception("scheduled %s (%s) failed", key, callable_ref)


class Scheduler:
    def __init__(
        self,
        database_url: str,
        *,
        context: Any = None,
        name: str = "default",
        misfire_grace_s: float = 7 * 24 * 3600,
        rescan_s: float = 30.0,
        retry_lock_s: float = 15.0,
    ) -> None:
        self.url = sync_url(database_url)
        self.is_postgres = self.url.startswith("postgresql")
        self.name = name
        self.context = context
        self.misfire_grace_s = misfire_grace_s
        self.rescan_s = rescan_s
        self.retry_lock_s = retry_lock_s
        self.engine: Engine = create_engine(self.url, pool_pre_ping=True)
        self._aps = _OffLoopScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.engine)},
            executors={"default": _ContextExecutor(context)},
            job_defaults={"coalesce": True, "misfire_grace_time": int(misfire_grace_s)},
            timezone="UTC",
        )
        self._lock_conn: Connection | None = None
        self._watch: asyncio.Task[None] | None = None
        self.started = False

    @property
    def holder(self) -> bool:
        """True when this process runs the jobs (not only stores them)."""
        return self.started and (not self.is_postgres or self._lock_conn is not None)

    def _try_lock(self) -> bool:
        if not self.is_postgres:
            return True
        if self._lock_conn is not None:
            return True
        conn = self.engine.connect()
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar())
        conn.commit()  # the lock is session-level: it outlives this transaction
        if got:
            self._lock_conn = conn
        else:
            conn.close()
        return got

    async def start(self) -> None:
        if self.started:
            return
        holder = await asyncio.to_thread(self._try_lock)
        # A paused scheduler still stores schedule_at() calls; only the holder runs them.
        self._aps.start(paused=not holder)
        self.started = True
        self._watch = asyncio.create_task(self._keep_watch(), name=f"scheduler-{self.name}")
        log.info("scheduler %s started (%s)", self.name, "runs jobs" if holder else "standby")

    async def _keep_watch(self) -> None:
        while True:
            if self.holder:
                await asyncio.sleep(self.rescan_s)
                self._aps.wakeup()  # rows other processes wrote
                continue
            await asyncio.sleep(self.retry_lock_s)
            if await asyncio.to_thread(self._try_lock):
                log.info("scheduler %s: took over the lock; running jobs", self.name)
                self._aps.resume()

    async def stop(self) -> None:
        if not self.started:
            return
        self.started = False
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        self._aps.shutdown(wait=False)
        if self._lock_conn is not None:
            conn, self._lock_conn = self._lock_conn, None
            with contextlib.suppress(Exception):
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                conn.commit()
            conn.close()
        self.engine.dispose()

    # The store is synchronous: every call that touches it runs in a thread (see
    # _OffLoopScheduler for the SQLite deadlock this avoids).

    async def schedule_at(self, key: str, when: datetime, callable_ref: str, **kwargs: Any) -> None:
        """Run ``callable_ref(context, **kwargs)`` at ``when`` (aware); replaces ``key``."""
        if when.tzinfo is None:
            raise ValueError("when must be timezone-aware")
        resolve(callable_ref)  # fail now, not at the deadline
        await asyncio.to_thread(
            self._aps.add_job,
            _run,
            trigger="date",
            run_date=when,
            id=key,
            replace_existing=True,
            args=[callable_ref, key, kwargs],
        )

    async def cancel(self, key: str) -> bool:
        def remove() -> bool:
            with contextlib.suppress(JobLookupError):
                self._aps.remove_job(key)
                return True
            return False

        return await asyncio.to_thread(remove)

    async def next_run(self, key: str) -> datetime | None:
        job = await asyncio.to_thread(self._aps.get_job, key)
        return None if job is None else job.next_run_time

    async def keys(self) -> list[str]:
        return [job.id for job in await asyncio.to_thread(self._aps.get_jobs)]


def in_seconds(seconds: float) -> datetime:
    from storage.types import utcnow

    return utcnow() + timedelta(seconds=seconds)
