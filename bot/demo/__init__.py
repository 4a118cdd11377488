"""`dailies demo`: the real bot in a local Discord, played by a scripted community.

No token, no key, no network. It starts the sandbox (bot/sandbox), the real DailiesBot against it,
and a showrunner with a few members who set up the server, write the bible, import an episode
and (when the pipeline is there) generate takes with the local providers. What each channel shows
is printed as it happens; the transcript, the database and the media end up in ``demo-output/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from pathlib import Path

from pydantic import SecretStr
from rich.console import Console

from bot.config import DiscordSection, Settings
from bot.demo.community import Community
from bot.demo.transcript import Transcript
from bot.sandbox import Sandbox


def demo_settings(out: Path, sandbox: Sandbox) -> Settings:
    data = out / "data"
    return Settings(
        data_dir=data,
        database_url=f"sqlite:///{(data / 'dailies.db').resolve()}",
        media_dir=data / "media",
        default_locale="en",
        discord=DiscordSection(
            token=SecretStr(sandbox.token),
            api_base=sandbox.api_base,
            gateway_url=sandbox.gateway_url,
            guild_ready_timeout=0.1,
        ),
    )


def _fresh_folder(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    (out / "data").mkdir(parents=True)


async def run_demo(out: Path, console: Console) -> Path:
    """Play the whole script; returns the transcript's path."""
    await asyncio.to_thread(_fresh_folder, out)
    started = time.monotonic()
    sandbox = Sandbox()
    community = Community.cast(sandbox)
    await sandbox.start()
    transcript = Transcript(community.guild, console)
    transcript.start()
    try:
        settings = demo_settings(out, sandbox)
        await community.play(settings, transcript, out)
    finally:
        await transcript.stop()
        await sandbox.stop()
    path = out / "transcript.md"
    await asyncio.to_thread(path.write_text, transcript.markdown(), encoding="utf-8")
    console.print(
        f"\n[bold green]Demo finished in {time.monotonic() - started:.1f} s.[/bold green] "
        f"Transcript: {path}  Database: {out / 'data' / 'dailies.db'}"
    )
    return path


def main(out: Path = Path("demo-output"), *, quiet_logs: bool = True) -> int:
    console = Console()
    if quiet_logs:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        for noisy in ("discord", "aiohttp", "alembic"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_demo(out, console))
        return 0
    return 130
