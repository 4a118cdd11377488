"""Shared set-up for the premiere tests: a premieres channel, small real episodes, short timings."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from sqlmodel import select

import bot.premieres as firing
from bot.sandbox import Message
from pipeline.premiere import Readiness, await_renders, prepare
from storage.guilds import update_settings
from storage.models import Premiere
from tests.cut.seed import Seeded, seed_episode, small_house
from tests.helpers import Studio


@contextlib.contextmanager
def short_timing() -> Iterator[firing.Timing]:
    """Short, test-sized timings (the module's TIMING is read at each call)."""
    saved = firing.TIMING
    firing.TIMING = firing.Timing(lead_s=0.0, grace_s=60.0, late_note_after_s=0.5,
                                  postpone_s=2.0, max_postpones=1, render_wait_s=20.0,
                                  retry_s=1.0)  # fmt: skip
    try:
        yield firing.TIMING
    finally:
        firing.TIMING = saved


async def premieres_channel(studio: Studio) -> None:
    await update_settings(studio.db, studio.server.id,
                          premieres_channel_id=int(studio.server.premieres.id))  # fmt: skip


async def episodes(studio: Studio, locked: list[list[bool]]) -> list[Seeded]:
    """Episodes 1..n of the active series with real 320x180 takes (``locked[i]`` per shot)."""
    await small_house(studio.db, studio.server.id)
    return [
        await seed_episode(
            studio.db,
            studio.media,
            studio.server.id,
            studio.tmp_path / "takes",
            number=i + 1,
            locked=shots,
        )
        for i, shots in enumerate(locked)
    ]


async def rendered(studio: Studio, seeded: Seeded) -> Readiness:
    """The final cut and recap made ahead (what T-30 min does: render jobs, which the running
    bot's worker renders), so firing tests don't wait."""
    limit = 10 * 1024 * 1024
    queued = await prepare(studio.db, studio.media, studio.server.id, seeded.episode_id,
                           member_id=int(studio.showrunner.user.id),
                           out_dir=studio.tmp_path / "renders", limit_bytes=limit)  # fmt: skip
    state = await await_renders(studio.db, studio.media, studio.server.id, seeded.episode_id,
                                queued.rendering, limit_bytes=limit, timeout_s=120)  # fmt: skip
    assert state.ready, state
    return state


async def rows(studio: Studio) -> list[Premiere]:
    async with studio.db.session() as s:
        return list((await s.exec(select(Premiere).order_by(Premiere.id))).all())  # type: ignore[arg-type]


async def until(check: Callable[[], Any], timeout: float = 20.0) -> Any:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        assert loop.time() < deadline, "not in time"
        await asyncio.sleep(0.1)


def posts(studio: Studio, marker: str) -> list[Message]:
    return [m for m in studio.server.premieres.messages if marker in (m.content or "")]


def utc_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")
