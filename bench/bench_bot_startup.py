"""DailiesBot from start to ready against the sandbox, cold and warm, and where the time goes.

cold: a fresh, empty database (the migrations run). warm: the database is already at head.
The first run in the process also pays Python's first import of every feature package.
Each run: a fresh DailiesBot, ``running(sandbox, bot)`` until ``is_ready()``, then close.

Phases (timestamps taken around the bot's own steps, by wrapping them in this process only):
login (GET /users/@me), migrations, feature loading (extensions), command sync, host + scheduler
start, then gateway connect -> READY -> discord.py's wait for GUILD_CREATEs (it waits
``guild_ready_timeout`` after the last one: 2 s by default, 0.1 s in tests) -> ready.

    .venv/bin/python bench/bench_bot_startup.py --runs 5
    .venv/bin/python bench/bench_bot_startup.py --runs 3 --db postgres --guild-ready-timeout 2

Target (issue 2): under 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import bot.client as client_module
from bench._world import machine_line, open_world, throwaway_database
from bot.client import DailiesBot
from bot.host import Host
from bot.sandbox import running
from bot.scheduler import Scheduler

TARGET_S = 2.0
marks: dict[str, float] = defaultdict(float)


def timed(name: str, fn: Callable[..., Awaitable[Any]]) -> Any:
    """``fn`` wrapped to add its wall time to ``marks[name]`` (typed Any: it replaces methods)."""

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await fn(*args, **kwargs)
        finally:
            marks[name] += time.perf_counter() - started

    return wrapper


def instrument() -> None:
    client_module.prepare_database = timed("migrations", client_module.prepare_database)
    DailiesBot.load_extension = timed("features", DailiesBot.load_extension)  # type: ignore[method-assign]
    DailiesBot.sync_tree = timed("command sync", DailiesBot.sync_tree)  # type: ignore[method-assign]
    DailiesBot.login = timed("login", DailiesBot.login)  # type: ignore[method-assign]
    DailiesBot.setup_hook = timed("setup_hook", DailiesBot.setup_hook)  # type: ignore[method-assign]
    Host.start = timed("host start", Host.start)  # type: ignore[method-assign]
    Scheduler.start = timed("scheduler start", Scheduler.start)  # type: ignore[method-assign]


async def one_run(url: str, guild_ready_timeout: float) -> dict[str, float]:
    """Start and stop a bot on a new sandbox; the database at ``url`` is kept between runs."""
    world = await open_world(url, members=3, guild_ready_timeout=guild_ready_timeout, migrate=False)
    try:
        marks.clear()
        bot = DailiesBot(world.settings, db=world.db)
        started = time.perf_counter()
        async with running(world.sandbox, bot, timeout=30):
            total = time.perf_counter() - started
        figures = dict(marks)
        figures["total"] = total
        # discord.py's login() runs setup_hook(): split them.
        figures["login"] = marks["login"] - marks["setup_hook"]
        parts = ("migrations", "features", "command sync", "host start", "scheduler start")
        figures["setup_hook other"] = marks["setup_hook"] - sum(marks[k] for k in parts)
        figures["gateway to ready"] = total - marks["login"]
        return figures
    finally:
        await world.close()


PHASES = (
    "login",
    "migrations",
    "features",
    "command sync",
    "host start",
    "scheduler start",
    "setup_hook other",
    "gateway to ready",
    "total",
)


def show(label: str, runs: list[dict[str, float]]) -> None:
    totals = [r["total"] for r in runs]
    median = statistics.median(totals)
    print(
        f"{label}: n={len(runs)} median {median:.2f} s  max {max(totals):.2f} s  "
        f"ratio to 2 s target {median / TARGET_S:.2f}x (max {max(totals) / TARGET_S:.2f}x)"
    )
    for phase in PHASES:
        values = [r.get(phase, 0.0) for r in runs]
        cells = " ".join(f"{v * 1000:7.0f}" for v in values)
        print(f"    {phase:<16} median {statistics.median(values) * 1000:7.0f} ms | runs: {cells}")


async def main(db_kind: str, runs: int, guild_ready_timeout: float) -> None:
    instrument()
    print(
        f"# DailiesBot start to ready, {db_kind}, guild_ready_timeout={guild_ready_timeout:g} s | "
        f"{machine_line()}"
    )
    print(
        "  (login = GET /users/@me; setup_hook other = translator, host and premieres resume; "
        "gateway to ready = connect, IDENTIFY, READY, GUILD_CREATE, guild_ready_timeout)"
    )
    cold: list[dict[str, float]] = []
    first_import = None
    for n in range(runs):
        async with throwaway_database(db_kind) as url:
            figures = await one_run(url, guild_ready_timeout)
            if n == 0:
                first_import = figures
            else:
                cold.append(figures)
            if n == runs - 1:
                warm = [await one_run(url, guild_ready_timeout) for _ in range(runs)]
    assert first_import is not None
    show("first start in this process (cold database, cold imports)", [first_import])
    if cold:
        show("cold (fresh database: migrations run)", cold)
    show("warm (database at head)", warm)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--guild-ready-timeout",
        type=float,
        default=0.1,
        help="discord.py's wait after the last GUILD_CREATE (setting default: 2.0)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    asyncio.run(main(args.db, args.runs, args.guild_ready_timeout))
