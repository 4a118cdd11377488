"""Character and location autocomplete latency, SQLite and Postgres, and bot startup time.

Seeds two servers with ``--characters`` characters each (so the guild filter is doing work) and
times ``suggest_characters`` as members type: an empty box, a one-letter prefix, a longer prefix,
a substring from the middle of names, and a miss. Prints p50/p99 per case and the query plan.
Target: p99 under 20 ms at 1,000 characters.

Then, with ``--startup``, times DailiesBot from start to ready against the sandbox (cold: empty
database, so migrations run; warm: migrated database). Target: under 2 s.

    .venv/bin/python bench/bench_bible_autocomplete.py --characters 1000 --startup
    .venv/bin/python bench/bench_bible_autocomplete.py --postgres postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import psycopg
from pydantic import SecretStr
from sqlalchemy import text

from storage import bible
from storage.characters import suggest_characters
from storage.db import Database
from storage.models import Character

GUILDS = (101, 202)
FIRST = ("Mara", "Omar", "Élodie", "Jun", "Ines", "Tomas", "Lea", "Noor", "Anselm", "Zoé")
LAST = ("Voss", "Keller", "Marin", "Okafor", "Duval", "Sato", "Lindqvist", "Haddad")
CASES = {"empty": "", "one letter": "m", "prefix": "mara v", "substring": "kel", "miss": "zzzz"}


async def seed(db: Database, per_guild: int) -> dict[int, int]:
    series_ids: dict[int, int] = {}
    for guild_id in GUILDS:
        async with db.session() as session:
            series = await bible.create_series(session, guild_id, "Nuit Blanche", 1)
            series_ids[guild_id] = series.id or 0
            session.add_all(
                Character(
                    guild_id=guild_id,
                    series_id=series.id or 0,
                    name=(name := f"{FIRST[i % 10]} {LAST[(i // 10) % 8]} {i:04d}"),
                    name_key=bible.name_key(name),
                    created_by=1,
                )
                for i in range(per_guild)
            )
            await session.commit()
    return series_ids


async def time_cases(db: Database, series_id: int, rounds: int) -> None:
    """Wall time per call (what a member waits) and CPU time per call (independent of how busy
    the machine is: the figure to compare between runs)."""
    guild_id = GUILDS[0]
    for label, typed in CASES.items():
        samples = []
        cpu_started = time.process_time()
        for _ in range(rounds):
            async with db.session() as session:
                started = time.perf_counter()
                await suggest_characters(session, guild_id, series_id, typed)
                samples.append((time.perf_counter() - started) * 1000)
        cpu = (time.process_time() - cpu_started) * 1000 / rounds
        samples.sort()
        p50 = statistics.median(samples)
        p99 = samples[int(len(samples) * 0.99) - 1]
        print(f"  {label:<11} p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   cpu {cpu:5.2f} ms/call")


async def show_plan(db: Database, series_id: int) -> None:
    query = (
        "SELECT id, name FROM character WHERE guild_id = 101 AND series_id = :s "
        "AND retired = false AND name_key LIKE '%kel%' ORDER BY name_key LIMIT 25"
    )
    explain = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
    async with db.engine.connect() as conn:
        rows = (await conn.execute(text(explain + query), {"s": series_id})).all()
    print("  plan: " + " | ".join(str(r[-1]) for r in rows))


async def bench_db(url: str, per_guild: int, rounds: int) -> None:
    db = Database(url)
    await db.create_all()
    try:
        series_ids = await seed(db, per_guild)
        print(f"{db.dialect}: {per_guild} characters per server, {len(GUILDS)} servers")
        await time_cases(db, series_ids[GUILDS[0]], rounds)
        await show_plan(db, series_ids[GUILDS[0]])
    finally:
        await db.dispose()


async def bench_startup(runs: int) -> None:
    from bot.client import DailiesBot
    from bot.config import DiscordSection, Settings
    from bot.sandbox import Sandbox, running

    sandbox = Sandbox()
    sandbox.create_guild("Nightshift")
    await sandbox.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(
                data_dir=Path(folder),
                discord=DiscordSection(
                    token=SecretStr(sandbox.token),
                    api_base=sandbox.api_base,
                    gateway_url=sandbox.gateway_url,
                    guild_ready_timeout=0.1,
                ),
            )
            for run in range(runs):
                bot = DailiesBot(settings)
                started = time.perf_counter()
                async with contextlib.AsyncExitStack() as stack:
                    await stack.enter_async_context(running(sandbox, bot))
                    elapsed = time.perf_counter() - started
                kind = "cold (migrates an empty database)" if run == 0 else "warm"
                print(f"startup to ready, {kind}: {elapsed:.2f} s")
    finally:
        await sandbox.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--characters", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--postgres", default=None, help="admin URL; a throwaway DB is made")
    parser.add_argument("--startup", action="store_true")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        await bench_db(f"sqlite:///{folder}/bench.db", args.characters, args.rounds)
    if args.postgres:
        name = f"dailies_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            base = args.postgres.rsplit("/", 1)[0]
            await bench_db(f"{base}/{name}", args.characters, args.rounds)
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if args.startup:
        await bench_startup(3)


if __name__ == "__main__":
    asyncio.run(main())
