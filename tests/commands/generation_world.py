"""Shared by the generation tests (test_queue*, test_jobs*, test_budget*, test_relay*): a shot
to generate in the studio's server, a priced stand-in for a paid generator, and waits on what
members see (cards, notices)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.sandbox import Channel, Message
from pipeline.providers.base import GenRequest, Refused, SubmitResult
from pipeline.providers.local.animatic import LocalAnimatic
from storage import script
from storage.budget import set_budget
from storage.models import Job, Take
from tests.helpers import Studio, message_text


class PricedAnimatic(LocalAnimatic):
    """The local animatic wearing a paid provider's name and price (a real render, a real take),
    so budget, confirmation and refunds are exercised without a network. ``refuse`` submits
    are refused (moderation), like a real provider would."""

    needs_key = True

    def __init__(self, work_dir: Path, *, name: str = "luma", cents: int = 60, refuse: int = 0):
        super().__init__(work_dir=work_dir)
        self.name = name
        self.cents = cents
        self.refuse = refuse
        self.submits = 0

    def price(self, request: GenRequest) -> int:
        return self.cents

    async def submit(self, request: GenRequest, idempotency_key: str) -> SubmitResult:
        self.submits += 1
        if self.refuse > 0:
            self.refuse -= 1
            raise Refused("prompt blocked by moderation", code="SAFETY", status=400)
        return await super().submit(request, idempotency_key)


def paid(studio: Studio, **kwargs: Any) -> PricedAnimatic:
    """Register a priced provider on the running bot (commands and worker share the registry)."""
    assert studio.bot is not None and studio.bot.host is not None
    provider = PricedAnimatic(studio.tmp_path / "renders", **kwargs)
    studio.bot.host.registry.add(provider)
    return provider


async def pause(studio: Studio) -> None:
    """Stop the bot's background worker: jobs stay queued until the test drains them."""
    assert studio.bot is not None and studio.bot.host is not None
    await studio.bot.host.pause_worker()


async def drain(studio: Studio) -> None:
    """Run every runnable job now (a fast burst worker), then relay what it wrote."""
    assert studio.bot is not None and studio.bot.host is not None
    await studio.bot.host.drain()


async def make_shot(studio: Studio, *, guild_id: int | None = None, seconds: float = 1.0) -> str:
    """Episode 1, scene 1, shot 1 in the studio's server; returns its code "1.1.1"."""
    gid = guild_id or studio.server.id
    who = int(studio.showrunner.user.id)
    async with studio.db.session() as session:
        episode = await script.create_episode(session, gid, title="Pilot", created_by=who)
        assert episode.id is not None
        scene = await script.add_scene(
            session, gid, episode.id, heading="EXT. PIER - NIGHT", created_by=who
        )
        assert scene.id is not None
        await script.add_shot(
            session, gid, scene.id, action="Mara waits on the pier, lantern in hand.",
            created_by=who, duration_s=seconds,
        )  # fmt: skip
    return "1.1.1"


async def budget(studio: Studio, *, monthly: int = 0, quota: int = 0, confirm: int = 100) -> None:
    await set_budget(
        studio.db, studio.server.id, monthly_budget_cents=monthly,
        member_daily_quota_cents=quota, confirm_above_cents=confirm,
    )  # fmt: skip


async def jobs(studio: Studio) -> list[Job]:
    from sqlmodel import select

    async with studio.db.session() as session:
        return list((await session.exec(select(Job).order_by(Job.id))).all())  # type: ignore[arg-type]


async def takes(studio: Studio) -> list[Take]:
    from sqlmodel import select

    async with studio.db.session() as session:
        return list((await session.exec(select(Take).order_by(Take.id))).all())  # type: ignore[arg-type]


async def wait_for_text(
    studio: Studio,
    message: Message,
    wanted: str,
    *,
    timeout: float = 45.0,  # noqa: ASYNC109
) -> Message:
    """The message once what a member reads on it contains ``wanted`` (cards are edited)."""
    return await studio.sandbox.wait_for_message(
        predicate=lambda m: m.id == message.id and wanted in message_text(m), timeout=timeout
    )


def notices(channel: Channel, marker: str) -> list[Message]:
    """Visible messages whose text contains ``marker`` (e.g. a notice title)."""
    return [m for m in channel.messages if not m.deleted and marker in message_text(m)]


async def eventually(check: Callable[[], Any], *, timeout: float = 20.0) -> Any:  # noqa: ASYNC109
    """Poll ``check`` (sync or async) until it returns something truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)
