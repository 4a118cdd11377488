"""The outbox relay against the sandbox: lost answers, Discord errors, restarts. Never twice."""

from __future__ import annotations

from typing import Any

import aiohttp
import discord
import pytest
from sqlmodel import select

from bot.host import make_worker
from pipeline.registry import build_registry
from storage.models import OutboxMessage, OutboxStatus
from tests.commands.generation_world import (
    drain,
    eventually,
    jobs,
    make_shot,
    notices,
    pause,
    wait_for_text,
)
from tests.helpers import Studio

NOTICE = "Take A of shot 1.1.1 is ready"


async def _take_ready_rows(studio: Studio) -> list[OutboxMessage]:
    async with studio.db.session() as session:
        statement = select(OutboxMessage).where(OutboxMessage.kind == "take_ready")
        return list((await session.exec(statement)).all())


def break_first_notice(monkeypatch: pytest.MonkeyPatch, *, after_sending: bool) -> list[str]:
    """Make the bot's first notice post fail like a dropped connection: before Discord got it,
    or after Discord created the message but before its answer reached us."""
    original = discord.http.HTTPClient.request
    broken: list[str] = []

    async def request(self: Any, route: Any, **kwargs: Any) -> Any:
        if kwargs.get("form") is not None:
            kwargs["form"] = list(kwargs["form"])  # it may be a one-shot iterable
        body = str(kwargs.get("json")) + "".join(
            str(p.get("value")) for p in kwargs.get("form") or []
        )
        notice = route.method == "POST" and route.path == "/channels/{channel_id}/messages"
        if notice and "ref " in body and not broken:
            broken.append(route.path)
            if after_sending:
                await original(self, route, **kwargs)
            raise aiohttp.ClientOSError(104, "Connection reset by peer")
        return await original(self, route, **kwargs)

    monkeypatch.setattr(discord.http.HTTPClient, "request", request)
    return broken


@pytest.mark.parametrize("after_sending", [True, False], ids=["answer-lost", "never-arrived"])
async def test_notice_lands_once_after_a_discord_failure(
    studio: Studio, monkeypatch: pytest.MonkeyPatch, after_sending: bool
) -> None:
    """The relay retries with backoff; when Discord had created the message, the retry finds
    it by its marker instead of posting a second one."""
    await pause(studio)
    code = await make_shot(studio)
    await studio.reply(studio.crew, "shot queue", {"shot": code, "takes": 1})
    broken = break_first_notice(monkeypatch, after_sending=after_sending)
    await drain(studio)
    assert broken, "the failure was not injected"
    assert len(notices(studio.dailies, NOTICE)) == (1 if after_sending else 0)

    async def delivered() -> OutboxMessage | None:
        [row] = await _take_ready_rows(studio)
        return row if row.status == OutboxStatus.SENT else None

    row = await eventually(delivered, timeout=15)  # the first backoff is 2 s
    [posted] = notices(studio.dailies, NOTICE)
    assert row.discord_message_id == posted.id
    assert row.attempts == 1


async def test_relay_resumes_after_a_restart_and_edits_the_card_by_id(studio: Studio) -> None:
    """The bot is down while the worker finishes: the next bot relays what waited, editing the
    card through the channel (the interaction token plays no part) and posting the notice."""
    await pause(studio)
    code = await make_shot(studio)
    res = await studio.slash(studio.crew, "shot queue", {"shot": code, "takes": 1})
    card = await res.followup(1)
    await eventually(lambda: _card_stored(studio, card.id))
    await studio.stop_bot()
    worker = make_worker(studio.db, studio.media, build_registry(studio.settings), fast=True)
    await worker.drain(horizon_s=1.0)
    assert await _take_ready_rows(studio)  # waiting in the outbox, nobody to send it
    assert not notices(studio.dailies, NOTICE)
    await studio.start_bot()
    await wait_for_text(studio, card, "Ready: 1 of 1", timeout=15)
    await eventually(lambda: notices(studio.dailies, NOTICE))
    edits = [
        r
        for r in studio.sandbox.requests
        if r.method == "PATCH" and r.path == f"/channels/{studio.dailies.id}/messages/{card.id}"
    ]
    assert edits
    await studio.restart()  # a second restart sends nothing again
    await eventually(lambda: True)
    assert len(notices(studio.dailies, NOTICE)) == 1


async def _card_stored(studio: Studio, card_id: int) -> bool:
    return any(j.card_message_id == card_id for j in await jobs(studio))
