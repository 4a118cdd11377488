"""Renders report progress: to the CLI bar (a callback) and to the status card (outbox rows)."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from sqlmodel import col, select

from commands.cuts.cli import cut_from_shell
from pipeline.cut import CutOptions, CutRequest, run_render
from storage.db import Database
from storage.media import LocalMediaStore
from storage.models import GuildSettings, OutboxMessage, Series
from tests.cut.seed import seed_episode

GUILD = 333


async def _world(db: Database, tmp: Path, locked: list[bool]) -> tuple[LocalMediaStore, int]:
    async with db.session() as s:
        s.add(GuildSettings(guild_id=GUILD))
        s.add(Series(guild_id=GUILD, name="Nuit Blanche", name_key="nuit blanche", created_by=1,
                     house_width=320, house_height=180, house_fps=24))  # fmt: skip
        await s.commit()
    media = LocalMediaStore(tmp / "media")
    seeded = await seed_episode(db, media, GUILD, tmp / "takes", number=1, locked=locked)
    return media, seeded.episode_id


async def test_progress_reaches_the_card_and_the_bar(sqlite_db: Database, tmp_path: Path) -> None:
    media, episode_id = await _world(sqlite_db, tmp_path, [True, True])
    seen: list[float] = []
    options = CutOptions(title_s=1, scene_card_s=1, credits_s=1)
    request = CutRequest(GUILD, episode_id, 5, options=options, token="card-1", channel_id=99,
                         card_message_id=1234)  # fmt: skip
    await run_render(sqlite_db, media, request, tmp_path / "out",
                     report=lambda _stage, f: seen.append(f))  # fmt: skip
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 3
    async with sqlite_db.session() as s:
        rows = (await s.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    progress = [r.payload["progress"] for r in rows if r.kind == "cut_progress"]
    assert progress and progress == sorted(progress)
    assert rows[-1].kind == "cut_ready" and rows[-1].channel_id == 99
    assert rows[-1].payload["card_message_id"] == 1234 and rows[-1].payload["waiting"] == []


async def test_dailies_cut_from_the_shell(sqlite_db: Database, tmp_path: Path) -> None:
    """`dailies cut` prints where the files are, and refuses a final cut with the codes."""
    media, _episode_id = await _world(sqlite_db, tmp_path, [True, False])
    media_dir = tmp_path / "media"
    del media
    out = io.StringIO()
    console = Console(file=out, width=120)
    code = await cut_from_shell(sqlite_db.url, media_dir, GUILD, "1", tmp_path / "cuts",
                                final=True, console=console)  # fmt: skip
    assert code == 1 and "waiting: 1.2.1" in out.getvalue()
    code = await cut_from_shell(sqlite_db.url, media_dir, GUILD, "1", tmp_path / "cuts",
                                console=console, export=False)  # fmt: skip
    assert code == 0, out.getvalue()
    assert (tmp_path / "cuts" / "episode-1.mp4").exists()
    assert "waiting (slates): 1.2.1" in out.getvalue()
