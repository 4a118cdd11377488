"""The budget ledger (invariant 4): reserve at enqueue, settle on success, release otherwise.

Rows are only ever appended. Balances are sums over them:

* held      = sum(reserve) - sum(release)            (all time: a hold lasts until it ends)
* spent     = sum(settle) + sum(adjust)              (this month for the guild, today for a member)
* available = monthly budget - spent - held           (guild; budget 0 = no paid work at all)
              daily quota - spent today - member held (member; quota 0 = no per-member cap)

Settling a job writes two rows: a release of what it held and a settle of what it cost, so
"held" and "spent" stay plain sums. Windows are UTC calendar months and days.

Concurrency: ``lock_guild`` must run first in the transaction that checks and reserves. On
Postgres it is ``SELECT ... FOR UPDATE`` on the guild's settings row; on SQLite its first
statement is a write, which takes the database's single write lock, so a second enqueue waits
and then reads balances that include the first one's reservation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import GuildSettings, LedgerEntry, LedgerKind
from storage.types import utcnow


@dataclass(frozen=True)
class GuildBalance:
    budget_cents: int
    spent_cents: int
    held_cents: int
    available_cents: int
    resets_at: datetime


@dataclass(frozen=True)
class MemberBalance:
    quota_cents: int  # 0: no per-member cap
    spent_cents: int
    held_cents: int
    available_cents: int | None  # None: no per-member cap
    resets_at: datetime


@dataclass(frozen=True)
class BudgetRefusal:
    """Why money could not be reserved, as values the bot renders in the member's language."""

    scope: Literal["guild", "member"]
    needed_cents: int
    available_cents: int
    resets_at: datetime


def month_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month(now: datetime) -> datetime:
    start = month_start(now)
    return (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )


def day_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def next_day(now: datetime) -> datetime:
    return day_start(now) + timedelta(days=1)


async def lock_guild(session: AsyncSession, guild_id: int) -> GuildSettings:
    """The guild's settings row, locked for this transaction (created with defaults if new)."""
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # On SQLite this write is what takes the single write lock; keep it first.
    await session.exec(
        insert(GuildSettings)
        .values(guild_id=guild_id, created_at=utcnow(), updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["guild_id"])
    )
    statement = select(GuildSettings).where(GuildSettings.guild_id == guild_id)
    if dialect == "postgresql":
        statement = statement.with_for_update()
    settings = (await session.exec(statement.execution_options(populate_existing=True))).one()
    return settings


async def _sums(
    session: AsyncSession,
    guild_id: int,
    *,
    member_id: int | None = None,
    job_id: int | None = None,
    since: datetime | None = None,
) -> dict[LedgerKind, int]:
    statement = (
        select(LedgerEntry.kind, func.coalesce(func.sum(LedgerEntry.amount_cents), 0))
        .where(LedgerEntry.guild_id == guild_id)
        .group_by(LedgerEntry.kind)
    )
    if member_id is not None:
        statement = statement.where(LedgerEntry.member_id == member_id)
    if job_id is not None:
        statement = statement.where(LedgerEntry.job_id == job_id)
    if since is not None:
        statement = statement.where(col(LedgerEntry.created_at) >= since)
    rows = (await session.exec(statement)).all()
    return {LedgerKind(kind): int(total) for kind, total in rows}


def _held(sums: dict[LedgerKind, int]) -> int:
    return sums.get(LedgerKind.RESERVE, 0) - sums.get(LedgerKind.RELEASE, 0)


def _spent(sums: dict[LedgerKind, int]) -> int:
    return sums.get(LedgerKind.SETTLE, 0) + sums.get(LedgerKind.ADJUST, 0)


async def guild_balance(
    session: AsyncSession, guild_id: int, *, now: datetime | None = None
) -> GuildBalance:
    now = now or utcnow()
    settings = (
        await session.exec(select(GuildSettings).where(GuildSettings.guild_id == guild_id))
    ).first()
    budget = settings.monthly_budget_cents if settings is not None else 0
    held = _held(await _sums(session, guild_id))
    spent = _spent(await _sums(session, guild_id, since=month_start(now)))
    return GuildBalance(
        budget_cents=budget,
        spent_cents=spent,
        held_cents=held,
        available_cents=budget - spent - held,
        resets_at=next_month(now),
    )


async def member_balance(
    session: AsyncSession, guild_id: int, member_id: int, *, now: datetime | None = None
) -> MemberBalance:
    now = now or utcnow()
    settings = (
        await session.exec(select(GuildSettings).where(GuildSettings.guild_id == guild_id))
    ).first()
    quota = settings.member_daily_quota_cents if settings is not None else 0
    held = _held(await _sums(session, guild_id, member_id=member_id))
    spent = _spent(await _sums(session, guild_id, member_id=member_id, since=day_start(now)))
    return MemberBalance(
        quota_cents=quota,
        spent_cents=spent,
        held_cents=held,
        available_cents=(quota - spent - held) if quota > 0 else None,
        resets_at=next_day(now),
    )


async def check(
    session: AsyncSession,
    guild_id: int,
    member_id: int,
    amount_cents: int,
    *,
    allow_over_quota: bool = False,
    now: datetime | None = None,
) -> BudgetRefusal | None:
    """May ``amount_cents`` be held now? Call after ``lock_guild`` in the same transaction."""
    if amount_cents <= 0:
        return None  # local providers cost nothing and need no budget
    now = now or utcnow()
    guild = await guild_balance(session, guild_id, now=now)
    if amount_cents > guild.available_cents:
        return BudgetRefusal("guild", amount_cents, max(0, guild.available_cents), guild.resets_at)
    if not allow_over_quota:
        member = await member_balance(session, guild_id, member_id, now=now)
        if member.available_cents is not None and amount_cents > member.available_cents:
            return BudgetRefusal(
                "member", amount_cents, max(0, member.available_cents), member.resets_at
            )
    return None


def _entry(
    guild_id: int,
    member_id: int,
    job_id: int | None,
    kind: LedgerKind,
    amount: int,
    provider: str,
    note: str,
    now: datetime | None,
) -> LedgerEntry:
    return LedgerEntry(
        guild_id=guild_id,
        member_id=member_id,
        job_id=job_id,
        kind=kind,
        amount_cents=amount,
        provider=provider[:40],
        note=note[:300],
        created_at=now or utcnow(),
    )


async def reserve(
    session: AsyncSession,
    guild_id: int,
    member_id: int,
    job_id: int,
    amount_cents: int,
    *,
    provider: str = "",
    note: str = "",
    now: datetime | None = None,
) -> LedgerEntry:
    """Hold money for a job (even 0 cents: no reservation, no job)."""
    entry = _entry(
        guild_id, member_id, job_id, LedgerKind.RESERVE, amount_cents, provider, note, now
    )
    session.add(entry)
    return entry


async def job_held(session: AsyncSession, guild_id: int, job_id: int) -> int:
    return _held(await _sums(session, guild_id, job_id=job_id))


async def settle(
    session: AsyncSession,
    guild_id: int,
    member_id: int,
    job_id: int,
    actual_cents: int,
    *,
    provider: str = "",
    note: str = "",
    now: datetime | None = None,
) -> int:
    """The job succeeded (or is assumed charged): end its hold, record what it cost.

    The caller has just moved the job out of its state with a compare-and-set in this same
    transaction, so this runs once per job ending.
    """
    held = await job_held(session, guild_id, job_id)
    if held:
        session.add(
            _entry(guild_id, member_id, job_id, LedgerKind.RELEASE, held, provider, "settled", now)
        )
    session.add(
        _entry(guild_id, member_id, job_id, LedgerKind.SETTLE, actual_cents, provider, note, now)
    )
    return actual_cents


async def release(
    session: AsyncSession,
    guild_id: int,
    member_id: int,
    job_id: int,
    *,
    provider: str = "",
    note: str = "",
    now: datetime | None = None,
) -> int:
    """The job failed or was cancelled: give back what it held. Returns the cents released."""
    held = await job_held(session, guild_id, job_id)
    if held:
        session.add(
            _entry(guild_id, member_id, job_id, LedgerKind.RELEASE, held, provider, note, now)
        )
    return held


async def entries(session: AsyncSession, guild_id: int, *, limit: int = 1000) -> list[LedgerEntry]:
    statement = (
        select(LedgerEntry)
        .where(LedgerEntry.guild_id == guild_id)
        .order_by(col(LedgerEntry.id))
        .limit(limit)
    )
    return list((await session.exec(statement)).all())
