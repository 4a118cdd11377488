"""1,000 members vote on one shot within 10 s, through the sandbox and the real DailiesBot.

Prints, per database: the acknowledgement latency of every click (the sandbox dispatches
INTERACTION_CREATE -> the bot's defer reaches Discord; target p99 < 100 ms; every member then
gets their private answer), and whether the final count is exact (1,000 votes: nothing lost,
nothing doubled; 50 members also click twice at the same instant).

    .venv/bin/python bench/bench_votes_burst.py                  # SQLite and Postgres
    .venv/bin/python bench/bench_votes_burst.py --db sqlite --members 300 --spread 3
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from pydantic import SecretStr
from sqlmodel import select

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.bench_sandbox_ack import percentile
from bot.client import DailiesBot
from bot.config import DiscordSection, Settings
from bot.sandbox import Sandbox, running
from commands.dailies import _ballot
from storage import votes
from storage.db import Database
from storage.guilds import update_settings
from storage.media import LocalMediaStore
from storage.models import Episode, MediaAsset, Scene, Series, Shot, Take, Vote, VoteMode

PG_ADMIN = os.environ.get("DAILIES_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


async def seed(db: Database, guild_id: int, channel_id: int) -> tuple[int, list[int]]:
    """A shot with four takes (rows only: the burst is about votes, not videos)."""
    await update_settings(db, guild_id, dailies_channel_id=channel_id)
    async with db.session() as s:
        series = Series(guild_id=guild_id, name="Bench", name_key="bench", created_by=1)
        s.add(series)
        await s.flush()
        episode = Episode(guild_id=guild_id, series_id=series.id or 0, number=1, title="P",
                          created_by=1)  # fmt: skip
        s.add(episode)
        await s.flush()
        scene = Scene(guild_id=guild_id, episode_id=episode.id or 0, heading="EXT", created_by=1)
        s.add(scene)
        await s.flush()
        shot = Shot(guild_id=guild_id, episode_id=episode.id or 0, scene_id=scene.id or 0,
                    created_by=1)  # fmt: skip
        s.add(shot)
        await s.flush()
        take_ids = []
        for i in range(4):
            asset = MediaAsset(guild_id=guild_id, sha256=f"{i}".rjust(64, "0"), mime="video/mp4",
                               size_bytes=1)  # fmt: skip
            s.add(asset)
            await s.flush()
            take = Take(guild_id=guild_id, shot_id=shot.id or 0, label="ABCD"[i],
                        video_asset_id=asset.id)  # fmt: skip
            s.add(take)
            await s.flush()
            take_ids.append(take.id or 0)
        await s.commit()
        review, _ = await votes.open_review(s, guild_id, shot.id or 0, mode=VoteMode.BUTTONS,
                                            deadline_at=None, quorum=1)  # fmt: skip
    return review.id or 0, take_ids


async def run(url: str, label: str, members: int, spread: float, work: Path) -> None:
    sandbox = Sandbox()
    guild = sandbox.create_guild("Burst")
    channel = guild.add_channel("dailies")
    crowd = [guild.add_member(f"m{i}") for i in range(members)]
    await sandbox.start()
    db = Database(url)
    settings = Settings(
        data_dir=work, database_url=db.url, media_dir=work / "media", default_locale="en",
        discord=DiscordSection(token=SecretStr(sandbox.token), api_base=sandbox.api_base,
                               gateway_url=sandbox.gateway_url, guild_ready_timeout=0.1),
    )  # fmt: skip
    bot = DailiesBot(settings, db=db, media=LocalMediaStore(work / "media"), migrate=False)
    bot.worker_in_process = False
    try:
        async with running(sandbox, bot, timeout=60):
            review_id, take_ids = await seed(db, int(guild.id), int(channel.id))
            state = await _ballot.load_state(db, int(guild.id), review_id)
            sent = await bot.get_partial_messageable(int(channel.id)).send(
                embed=_ballot.ballot_embed(state, "en"), view=_ballot.ballot_view(state, "en")
            )
            async with db.session() as s:
                await votes.set_review_place(s, int(guild.id), review_id, thread_id=int(channel.id),
                                             message_id=sent.id)  # fmt: skip
            message = await sandbox.wait_for_message(predicate=lambda m: int(m.id) == sent.id)
            results = []
            started = time.perf_counter()
            for n, member in enumerate(crowd):
                custom = f"dailies:vote:{review_id}:{take_ids[n % 4]}"
                results.append(await sandbox.click(member, message, custom))
                if n < 50:  # the same member on a second client at the same instant
                    results.append(await sandbox.click(member, message, custom))
                if spread:
                    await asyncio.sleep(spread / members)
            acks, late = [], 0
            for res in results:
                try:
                    await res.acknowledged()
                    acks.append(res.ack_latency or 0.0)
                    await res.reply(timeout=60)  # every member got an answer
                except AssertionError:
                    late += 1
            wall = time.perf_counter() - started
            async with db.session() as s:
                rows = (await s.exec(select(Vote))).all()
                review = await votes.get_review(s, int(guild.id), review_id)
                tally = await votes.tally(s, int(guild.id), review)
            exact = len(rows) == members and tally.voters == members
            ms = [a * 1000 for a in acks]
            clicks = len(results)
            print(f"{label}: {members} members ({clicks} clicks incl. 50 double) in "
                  f"{wall:.1f} s (spread {spread:.0f} s)")  # fmt: skip
            p50, p90, p99 = (percentile(ms, q) for q in (50, 90, 99))
            print(f"  ack  p50 {p50:6.1f} ms  p90 {p90:6.1f} ms  p99 {p99:6.1f} ms  "
                  f"max {max(ms):6.1f} ms  late(>3 s) {late}")  # fmt: skip
            print(f"  votes stored {len(rows)}, tally {[c.votes for c in tally.counts]}, "
                  f"voters {tally.voters}: {'EXACT' if exact else 'WRONG'}")  # fmt: skip
    finally:
        await db.dispose()
        await sandbox.stop()


async def main(which: list[str], members: int, spread: float) -> None:
    logging.basicConfig(level=logging.WARNING)
    for name in which:
        work = Path(tempfile.mkdtemp(prefix=f"bench-votes-{name}-"))
        if name == "sqlite":
            db = Database(f"sqlite:///{work / 'bench.db'}")
            await db.create_all()
            await db.dispose()
            await run(f"sqlite:///{work / 'bench.db'}", "SQLite", members, spread, work)
        else:
            dbname = f"bench_votes_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{dbname}"')
            url = f"{PG_ADMIN.rsplit('/', 1)[0]}/{dbname}"
            try:
                db = Database(url)
                await db.create_all()
                await db.dispose()
                await run(url, "Postgres", members, spread, work)
            finally:
                with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--spread", type=float, default=10.0)
    args = parser.parse_args()
    chosen = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    asyncio.run(main(chosen, args.members, args.spread))
