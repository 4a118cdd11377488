"""The premiere "Done when" check, literally: a premiere scheduled two minutes ahead fires after the
bot process is killed (SIGKILL, no clean shutdown) and restarted in between.

The sandbox Discord runs in this process; the bot is a real ``dailies run`` child process pointed
at it through DAILIES_* variables, on a SQLite file and a media folder in a temporary directory.

    .venv/bin/python bench/bench_premiere_restart.py                # 120 s ahead, kill at +30 s,
                                                                    # restart at +60 s
    .venv/bin/python bench/bench_premiere_restart.py --restart-at 140  # restart after T: late note
    .venv/bin/python bench/bench_premiere_restart.py --kill-mid-render --restart-at 10
        # SIGKILL while the worker inside bot 1 renders the premiere's cut (a render job): bot 2's
        # worker renders it again once the dead lease (60 s) has expired

Prints when each step happened and how late the recap/episode post was against the scheduled
time. Exits 1 if the premiere was not posted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlmodel import select

from bot.sandbox import Sandbox
from pipeline.jobs import RENDER_PROVIDER
from storage import bible
from storage.db import Database
from storage.guilds import update_settings
from storage.media import LocalMediaStore
from storage.migrate import upgrade
from storage.models import Job, JobStatus
from storage.types import utcnow
from tests.cut.seed import seed_episode, small_house
from tests.helpers import build_server


def child_env(sandbox: Sandbox, folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DAILIES_DISCORD__TOKEN": sandbox.token,
        "DAILIES_DISCORD__API_BASE": sandbox.api_base,
        "DAILIES_DISCORD__GATEWAY_URL": sandbox.gateway_url,
        "DAILIES_DISCORD__GUILD_READY_TIMEOUT": "0.1",
        "DAILIES_DATA_DIR": str(folder),
        "DAILIES_DATABASE_URL": f"sqlite:///{folder / 'dailies.db'}",
        "DAILIES_MEDIA_DIR": str(folder / "media"),
        "DAILIES_LOG_LEVEL": "WARNING",
    }


async def start_bot(sandbox: Sandbox, folder: Path, log: Path) -> asyncio.subprocess.Process:
    before = sandbox.gateway.identify_count
    out = log.open("ab")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", env=child_env(sandbox, folder),
        stdout=out, stderr=out, cwd=sys.path[0],
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while sandbox.gateway.identify_count == before:
        if process.returncode is not None or time.monotonic() > deadline:
            raise SystemExit(f"the bot did not connect; see {log}")
        await asyncio.sleep(0.1)
    return process


async def rendering(url: str) -> bool:
    """A render job (the premiere's cut) is running in the bot's worker right now."""
    db = Database(url)
    try:
        async with db.session() as session:
            jobs = await session.exec(select(Job).where(Job.provider == RENDER_PROVIDER))
            return any(job.status == JobStatus.RUNNING for job in jobs.all())
    finally:
        await db.dispose()


async def render_jobs(url: str) -> list[Job]:
    db = Database(url)
    try:
        async with db.session() as session:
            jobs = await session.exec(select(Job).where(Job.provider == RENDER_PROVIDER))
            return list(jobs.all())
    finally:
        await db.dispose()


async def main(ahead: float, kill_at: float, restart_at: float, mid_render: bool = False) -> int:
    folder = Path(tempfile.mkdtemp(prefix="dailies-premiere-bench-"))
    log = folder / "bot.log"
    sandbox = Sandbox()
    server = build_server(sandbox, "Nightshift")
    await sandbox.start()
    url = f"sqlite:///{folder / 'dailies.db'}"
    await upgrade(url)
    db = Database(url)
    media = LocalMediaStore(folder / "media")
    await update_settings(db, server.id, showrunner_role_id=int(server.showrunner_role.id),
                          crew_role_id=int(server.crew_role.id),
                          dailies_channel_id=int(server.dailies.id),
                          premieres_channel_id=int(server.premieres.id))  # fmt: skip
    async with db.session() as session:
        await bible.create_series(
            session, server.id, "Nuit Blanche", int(server.showrunner.user.id)
        )
    await small_house(db, server.id)
    await seed_episode(db, media, server.id, folder / "takes", number=1, locked=[True, True])
    await db.dispose()

    t0 = time.monotonic()

    def at() -> str:
        return f"+{time.monotonic() - t0:6.1f} s"

    bot = await start_bot(sandbox, folder, log)
    print(f"{at()}  bot 1 connected (pid {bot.pid})")
    starts = (utcnow() + timedelta(seconds=ahead)).replace(microsecond=0)
    res = await sandbox.slash(server.showrunner, "premiere schedule",
                              {"episode": "1", "when": starts.strftime("%Y-%m-%d %H:%M:%S"),
                               "timezone": "UTC"}, channel=server.dailies)  # fmt: skip
    print(f"{at()}  scheduled for {starts:%H:%M:%S} UTC: {(await res.reply()).content[:90]!r}")
    scheduled_at = time.monotonic()
    if mid_render:
        while not await rendering(url):
            if time.monotonic() - scheduled_at > 60:
                raise SystemExit("no render job ran within 60 s")
            await asyncio.sleep(0.05)
    else:
        await asyncio.sleep(max(0.0, scheduled_at + kill_at - time.monotonic()))
    bot.send_signal(signal.SIGKILL)
    await bot.wait()
    print(f"{at()}  bot 1 killed (SIGKILL, exit {bot.returncode})")
    await asyncio.sleep(max(0.0, scheduled_at + restart_at - time.monotonic()))
    bot = await start_bot(sandbox, folder, log)
    print(f"{at()}  bot 2 connected (pid {bot.pid})")
    try:
        post = await sandbox.wait_for_message(
            channel=server.premieres, predicate=lambda m: "· episode" in (m.content or ""),
            timeout=max(60.0, ahead + 120),
        )  # fmt: skip
    except (TimeoutError, AssertionError):
        print(f"{at()}  NOT POSTED; bot log: {log}")
        return 1
    finally:
        bot.send_signal(signal.SIGTERM)
        await bot.wait()
        await sandbox.stop()
    delay = (post.created_at - starts).total_seconds()
    names = [a.filename for a in post.attachments]
    print(f"{at()}  posted {names}, {delay:+.2f} s from the scheduled time")
    late = "the bot was offline" in post.content
    print(f"           late note: {late}; thread: {bool(post.thread)}")
    for job in await render_jobs(url):
        finished = f"{job.finished_at:%H:%M:%S} UTC" if job.finished_at else "-"
        print(f"           render job {job.id} ({job.kind}): {job.status}, "
              f"attempts {job.attempts}, finished {finished}")  # fmt: skip
    print(f"           files and log in {folder}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ahead", type=float, default=120.0, help="seconds until the premiere")
    parser.add_argument("--kill-at", type=float, default=30.0, help="kill bot 1 after (s)")
    parser.add_argument("--restart-at", type=float, default=60.0, help="start bot 2 after (s)")
    parser.add_argument(
        "--kill-mid-render", action="store_true", help="kill bot 1 while its worker renders"
    )
    args = parser.parse_args()
    raise SystemExit(
        asyncio.run(main(args.ahead, args.kill_at, args.restart_at, args.kill_mid_render))
    )
