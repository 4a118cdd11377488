"""The outbox relay against the sandbox: lost answers, Discord errors, restarts. Never twice."""

from __future__ import annotations

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


@pytest.mark.parametrize("after_sending", [True, False], ids=["answer-lost", "refused-503"])
async def test_notice_lands_once_after_a_discord_failure(
    studio: Studio, after_sending: bool
) -> None:
    """Discord fails the first notice post: either it created the message and the answer was
    lost (the socket closed), or it refused with a 503. The relay retries with backoff; in the
    first case the retry finds the message by its marker instead of posting a second one."""
    await pause(studio)
    code = await make_shot(studio)
    await studio.reply(studio.crew, "shot queue", {"shot": code, "takes": 1})
    route = r"/channels/\d+/messages"
    if after_sending:
        fault = studio.sandbox.faults.add("POST", route, when="after", body_contains="ref ")
    else:
        fault = studio.sandbox.faults.add(
            "POST", route, when="before", status=503, body_contains="ref "
        )
    await drain(studio)
    assert fault.hits == 1, "the failure was not injected"
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
    assert studio.bot is not None and studio.bot.host is not None
    await studio.bot.host.flush()
    assert len(notices(studio.dailies, NOTICE)) == 1


async def _card_stored(studio: Studio, card_id: int) -> bool:
    return any(j.card_message_id == card_id for j in await jobs(studio))
