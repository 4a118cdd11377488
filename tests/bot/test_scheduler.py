"""The scheduler on SQLite and Postgres: fires on time, survives a restart, one holder only."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from bot.scheduler import Scheduler, in_seconds
from storage.db import Database
from storage.types import utcnow

fired: list[tuple[Any, dict[str, Any]]] = []


async def remember(context: Any, **kwargs: Any) -> None:
    fired.append((context, kwargs))


async def until(check: Any, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "not in time"
        await asyncio.sleep(0.05)


@pytest.fixture(autouse=True)
def _clear() -> None:
    fired.clear()


async def test_a_deadline_fires_with_its_context_and_values(db: Database) -> None:
    scheduler = Scheduler(db.url, context="bot-1", name="t1")
    await scheduler.start()
    try:
        assert scheduler.holder
        await scheduler.schedule_at("k1", in_seconds(0.3), f"{__name__}:remember", review_id=7)
        await scheduler.schedule_at("k2", in_seconds(0.3), f"{__name__}:remember", review_id=8)
        assert await scheduler.cancel("k2")
        assert not await scheduler.cancel("k2")
        await until(lambda: fired)
        await asyncio.sleep(0.5)
        assert fired == [("bot-1", {"review_id": 7})]
    finally:
        await scheduler.stop()


async def test_a_schedule_survives_a_restart_and_fires_after_downtime(db: Database) -> None:
    """Scheduled, process stops, the time passes, a new process starts: it fires once."""
    first = Scheduler(db.url, context="old", name="t2")
    await first.start()
    await first.schedule_at("dailies:close:1", utcnow() + timedelta(seconds=0.5),
                      f"{__name__}:remember", review_id=1)  # fmt: skip
    await first.stop()
    await asyncio.sleep(0.8)
    assert fired == []
    second = Scheduler(db.url, context="new", name="t2")
    await second.start()
    try:
        await until(lambda: fired)
        assert fired == [("new", {"review_id": 1})]
        assert await second.keys() == []
    finally:
        await second.stop()


async def test_only_one_process_runs_jobs_on_postgres(db: Database) -> None:
    """Two schedulers on one Postgres: one runs jobs, the other stores them and stands by."""
    if db.is_sqlite:
        pytest.skip("SQLite is one process by design; the advisory lock is Postgres-only")
    a = Scheduler(db.url, context="a", name="a", rescan_s=0.2, retry_lock_s=0.2)
    b = Scheduler(db.url, context="b", name="b", rescan_s=0.2, retry_lock_s=0.2)
    await a.start()
    await b.start()
    try:
        assert a.holder and not b.holder
        await b.schedule_at("from-b", in_seconds(0.1), f"{__name__}:remember", n=1)
        await until(lambda: fired)  # the holder saw the row b wrote
        assert fired == [("a", {"n": 1})]
        await a.stop()
        await until(lambda: b.holder)  # b takes over
        await b.schedule_at("after", in_seconds(0.1), f"{__name__}:remember", n=2)
        await until(lambda: len(fired) == 2)
        assert fired[1] == ("b", {"n": 2})
    finally:
        await a.stop()
        await b.stop()
