"""The outbox: idempotent appends, one relay per message, backoff, then dead."""

from __future__ import annotations

from datetime import timedelta

from storage import outbox
from storage.db import Database
from storage.models import OutboxStatus
from storage.types import utcnow
from tests.pipeline.conftest import GUILD


async def test_append_is_idempotent_on_dedupe_key(db: Database) -> None:
    """The same step retried writes its message once."""
    async with db.session() as s:
        for _ in range(3):
            await outbox.append(s, GUILD, "take_ready", 55, {"take_id": 1}, "take_ready:1")
        await outbox.append(s, GUILD, "take_ready", 55, {"take_id": 2}, "take_ready:2")
        await s.commit()
    async with db.session() as s:
        pending = await outbox.pending(s, GUILD)
    assert [m.payload["take_id"] for m in pending] == [1, 2]
    assert pending[0].channel_id == 55


async def test_a_claimed_message_is_hidden_from_a_second_relay(db: Database) -> None:
    """Two relays never both send one message; a sent message is never claimed again."""
    async with db.session() as s:
        await outbox.append(s, GUILD, "job_progress", None, {"n": 1}, "p:1")
        await s.commit()
    (first,) = await outbox.claim(db, limit=10, lease_s=30)
    assert await outbox.claim(db, limit=10, lease_s=30) == []
    assert first.id is not None
    await outbox.mark_sent(db, first.id, 123456789012345678)
    later = utcnow() + timedelta(minutes=5)
    assert await outbox.claim(db, limit=10, now=later) == []
    async with db.session() as s:
        (sent,) = await outbox.messages(s, GUILD)
    assert sent.status == OutboxStatus.SENT and sent.discord_message_id == 123456789012345678


async def test_failed_sends_back_off_then_die(db: Database) -> None:
    """Each failure pushes the next try further out; after the last try the message is dead."""
    async with db.session() as s:
        await outbox.append(s, GUILD, "job_failed", 9, {}, "f:1")
        await s.commit()
    now = utcnow()
    (message,) = await outbox.claim(db, now=now)
    assert message.id is not None
    gaps = []
    for attempt in range(1, 4):
        status = await outbox.mark_failed(
            db, message.id, "503 from Discord", max_attempts=3, now=now
        )
        async with db.session() as s:
            (row,) = await outbox.messages(s, GUILD)
        if attempt < 3:
            assert status == OutboxStatus.PENDING and row.next_attempt_at is not None
            gaps.append(row.next_attempt_at - now)
            assert await outbox.claim(db, now=now) == []  # not before its time
        else:
            assert status == OutboxStatus.DEAD and row.status == OutboxStatus.DEAD
            assert row.attempts == 3 and row.last_error == "503 from Discord"
    assert gaps[0] < gaps[1]


async def test_discord_retry_after_is_honoured(db: Database) -> None:
    """A 429 from Discord with retry_after 40 s waits 40 s, not the 2 s backoff."""
    async with db.session() as s:
        await outbox.append(s, GUILD, "take_ready", 9, {}, "r:1")
        await s.commit()
    now = utcnow()
    (message,) = await outbox.claim(db, now=now)
    assert message.id is not None
    await outbox.mark_failed(db, message.id, "429", retry_after_s=40, now=now)
    assert await outbox.claim(db, now=now + timedelta(seconds=39)) == []
    assert len(await outbox.claim(db, now=now + timedelta(seconds=41))) == 1
