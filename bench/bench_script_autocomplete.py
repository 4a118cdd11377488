"""Autocomplete latency for shots, scenes and episodes with a large script, SQLite and Postgres.

Seeds one server with ``--shots`` shots (20 episodes x N scenes x 10 shots) and a second server
with as many again (so the guild filter is doing work), then times the storage calls the
autocomplete handlers make, as members type: an empty box, a code prefix ("7.", "7.3."), a full
code ("7.3.4") and words from an action. Target: p99 under 20 ms at 5,000 shots.

    .venv/bin/python bench/bench_script_autocomplete.py --shots 5000
    .venv/bin/python bench/bench_script_autocomplete.py --shots 5000 --postgres postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import psycopg
from sqlalchemy import text

from storage.db import Database
from storage.models import GuildSettings, Series
from storage.screenplay import Outline, OutlineScene, OutlineShot
from storage.script_import import import_outline
from storage.script_lookup import suggest_episodes, suggest_scenes, suggest_shots

GUILDS = (101, 202)
EPISODES = 20
SHOTS_PER_SCENE = 10
WORDS = ("lighthouse", "fog", "harbour", "key", "lantern", "stairs", "cliff", "boat", "letter")


def outline(episode: int, scenes: int) -> Outline:
    return Outline(
        title=f"Episode {episode}",
        scenes=[
            OutlineScene(
                heading=f"INT. ROOM {s} - NIGHT",
                location="ROOM",
                shots=[
                    OutlineShot(
                        f"Shot {k}: the {WORDS[(episode + s + k) % len(WORDS)]} in the rain.", 4.0
                    )
                    for k in range(SHOTS_PER_SCENE)
                ],
            )
            for s in range(scenes)
        ],
    )


async def seed(db: Database, shots: int) -> None:
    scenes = max(1, shots // (EPISODES * SHOTS_PER_SCENE))
    for guild_id in GUILDS:
        async with db.session() as s:
            series = Series(guild_id=guild_id, name="Bench", name_key="bench", created_by=1)
            s.add(series)
            await s.flush()
            s.add(GuildSettings(guild_id=guild_id, active_series_id=series.id))
            await s.commit()
    # Servers write at the same time, so their rows interleave as they would in production.
    for episode in range(1, EPISODES + 1):
        for guild_id in GUILDS:
            async with db.session() as s:
                await import_outline(s, guild_id, outline(episode, scenes), created_by=1)


async def timed(
    db: Database, fn: object, typed: str, rounds: int
) -> tuple[list[float], list[float]]:
    """Wall-clock ms per call, and this process's CPU ms per call (all threads, so SQLite's
    worker thread counts). On a loaded machine the CPU figure is the one to compare."""
    wall, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        async with db.session() as s:
            await fn(s, GUILDS[0], typed)  # type: ignore[operator]
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def line(label: str, wall: list[float], cpu: list[float]) -> str:
    return (
        f"  {label:<24} wall p50 {statistics.median(wall):6.2f} p99 {pct(wall, 0.99):6.2f} ms"
        f"   cpu p50 {statistics.median(cpu):5.2f} p99 {pct(cpu, 0.99):5.2f} ms"
    )


async def run(url: str, name: str, shots: int, rounds: int) -> None:
    db = Database(url)
    await db.create_all()
    start = time.perf_counter()
    await seed(db, shots)
    async with db.engine.begin() as conn:  # what autovacuum / a running server would have done
        await conn.execute(text("ANALYZE"))
    print(f"{name}: {shots} shots per server x {len(GUILDS)} servers, seeded in "
          f"{time.perf_counter() - start:.1f} s; {rounds} rounds each")  # fmt: skip
    cases = [
        ("shot, empty box", suggest_shots, ""),
        ("shot, episode '7.'", suggest_shots, "7."),
        ("shot, scene '7.3.'", suggest_shots, "7.3."),
        ("shot, code '7.3.4'", suggest_shots, "7.3.4"),
        ("shot, words 'lantern'", suggest_shots, "lantern"),
        ("shot, no match 'zzz'", suggest_shots, "zzz"),
        ("scene, '7.'", suggest_scenes, "7."),
        ("episode, empty box", suggest_episodes, ""),
    ]
    for label, fn, typed in cases:
        await timed(db, fn, typed, 5)  # warm up
        print(line(label, *await timed(db, fn, typed, rounds)))
    await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shots", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--postgres", default=os.environ.get("DAILIES_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        await run(f"sqlite:///{folder}/bench.db", "SQLite", args.shots, args.rounds)
    if args.postgres:
        name = f"dailies_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            await run(
                f"{args.postgres.rsplit('/', 1)[0]}/{name}", "Postgres", args.shots, args.rounds
            )
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
