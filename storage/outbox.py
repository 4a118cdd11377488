"""The outbox: what the pipeline wants said in Discord, relayed by the bot until Discord has it.

``append`` is idempotent on ``dedupe_key`` (a retried step writes the same message once). The
relay ``claim``s a batch (each claimed row is hidden from other relays for ``lease_s``), sends
it, then ``mark_sent`` or ``mark_failed``; a failed message comes back after an exponential
backoff and is ``dead`` after ``max_attempts``. Payload shapes: pipeline/README.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus
from storage.types import utcnow

MAX_ATTEMPTS = 8
BASE_BACKOFF_S = 2.0
MAX_BACKOFF_S = 600.0


async def append(
    session: AsyncSession,
    guild_id: int,
    kind: str,
    channel_id: int | None,
    payload: dict[str, Any],
    dedupe_key: str,
    *,
    now: datetime | None = None,
) -> None:
    """Queue a message in the caller's transaction; a second append with the same key is a no-op."""
    now = now or utcnow()
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.exec(
        insert(OutboxMessage)
        .values(
            guild_id=guild_id,
            kind=kind,
            channel_id=channel_id,
            payload=payload,
            dedupe_key=dedupe_key[:120],
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=None,
            last_error="",
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )


async def claim(
    db: Database, *, limit: int = 20, lease_s: float = 30.0, now: datetime | None = None
) -> list[OutboxMessage]:
    """Pending messages that are due, oldest first, hidden from other relays for ``lease_s``."""
    now = now or utcnow()
    due = or_(
        col(OutboxMessage.next_attempt_at).is_(None), col(OutboxMessage.next_attempt_at) <= now
    )
    claimed: list[OutboxMessage] = []
    async with db.session() as session:
        statement = (
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING, due)
            .order_by(col(OutboxMessage.id))
            .limit(limit)
        )
        if not db.is_sqlite:
            statement = statement.with_for_update(skip_locked=True)
        for message in (await session.exec(statement)).all():
            hidden_until = now + timedelta(seconds=lease_s)
            result = await session.exec(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.id) == message.id,
                    col(OutboxMessage.status) == OutboxStatus.PENDING,
                    due,
                )
                .values(next_attempt_at=hidden_until)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:
                message.next_attempt_at = hidden_until
                claimed.append(message)
        await session.commit()
    return claimed


async def mark_sent(
    db: Database, message_id: int, discord_message_id: int | None, *, now: datetime | None = None
) -> None:
    async with db.session() as session:
        await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id)
            .values(
                status=OutboxStatus.SENT,
                discord_message_id=discord_message_id,
                sent_at=now or utcnow(),
                last_error="",
            )
            .execution_options(synchronize_session=False)
        )
        await session.commit()


def backoff_s(attempts: int) -> float:
    return min(MAX_BACKOFF_S, BASE_BACKOFF_S * 2 ** max(0, attempts - 1))


async def mark_failed(
    db: Database,
    message_id: int,
    error: str,
    *,
    max_attempts: int = MAX_ATTEMPTS,
    retry_after_s: float | None = None,
    now: datetime | None = None,
) -> OutboxStatus:
    """Count a failed send; back off (or honour Discord's retry_after), dead after the last try."""
    now = now or utcnow()
    async with db.session() as session:
        message = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.id == message_id))
        ).first()
        if message is None or message.status != OutboxStatus.PENDING:
            return message.status if message is not None else OutboxStatus.DEAD
        attempts = message.attempts + 1
        dead = attempts >= max_attempts
        delay = max(backoff_s(attempts), retry_after_s or 0.0)
        await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id)
            .values(
                attempts=attempts,
                status=OutboxStatus.DEAD if dead else OutboxStatus.PENDING,
                next_attempt_at=None if dead else now + timedelta(seconds=delay),
                last_error=error[:1000],
            )
            .execution_options(synchronize_session=False)
        )
        await session.commit()
    return OutboxStatus.DEAD if dead else OutboxStatus.PENDING


async def pending(
    session: AsyncSession, guild_id: int, *, kind: str | None = None
) -> list[OutboxMessage]:
    """Everything not yet sent for a guild, oldest first (tests and /job status)."""
    statement = select(OutboxMessage).where(
        OutboxMessage.guild_id == guild_id, OutboxMessage.status == OutboxStatus.PENDING
    )
    if kind is not None:
        statement = statement.where(OutboxMessage.kind == kind)
    return list((await session.exec(statement.order_by(col(OutboxMessage.id)))).all())


async def messages(
    session: AsyncSession, guild_id: int, *, kind: str | None = None
) -> list[OutboxMessage]:
    """Every message of a guild, any status, oldest first."""
    statement = select(OutboxMessage).where(OutboxMessage.guild_id == guild_id)
    if kind is not None:
        statement = statement.where(OutboxMessage.kind == kind)
    return list((await session.exec(statement.order_by(col(OutboxMessage.id)))).all())
