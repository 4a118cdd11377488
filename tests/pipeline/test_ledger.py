"""The ledger: holds, settlements, windows, and a race for the last cents."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlmodel import select

from pipeline.enqueue import Enqueued, enqueue_takes
from pipeline.registry import ProviderRegistry
from storage import ledger
from storage.db import Database
from storage.ledger import BudgetRefusal
from storage.models import GuildSettings, LedgerEntry, LedgerKind
from tests.pipeline.conftest import GUILD, MEMBER, make_shot
from tests.pipeline.fakes import FakeProvider

OCT = datetime(2026, 10, 31, 23, 0, tzinfo=UTC)
NOV = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


async def _settings(db: Database, budget: int, quota: int = 0) -> None:
    async with db.session() as s:
        s.add(
            GuildSettings(
                guild_id=GUILD, monthly_budget_cents=budget, member_daily_quota_cents=quota
            )
        )
        await s.commit()


async def test_balances_are_sums_of_rows_and_months_reset(db: Database) -> None:
    """Held lasts until released; spending counts in its own month only."""
    await _settings(db, budget=1000)
    async with db.session() as s:
        await ledger.reserve(s, GUILD, MEMBER, None, 300, now=OCT)
        await ledger.reserve(s, GUILD, MEMBER, None, 200, now=OCT)
        await s.commit()
    async with db.session() as s:
        rows = (await s.exec(select(LedgerEntry))).all()
        assert [r.kind for r in rows] == [LedgerKind.RESERVE, LedgerKind.RESERVE]
        october = await ledger.guild_balance(s, GUILD, now=OCT)
    assert (october.held_cents, october.spent_cents, october.available_cents) == (500, 0, 500)
    assert october.resets_at == datetime(2026, 11, 1, tzinfo=UTC)


async def test_settle_and_release_close_a_jobs_hold(db: Database) -> None:
    """Settle = release the hold + spend the actual cost; release gives it all back; once."""
    await _settings(db, budget=1000)
    ids = await make_shot(db, GUILD + 1)  # a job row to hang the entries on
    fake = FakeProvider(price_cents=120)
    result = await enqueue_takes(
        db,
        guild_id=ids.guild_id,
        shot_id=ids.shot_id,
        member_id=MEMBER,
        takes=2,
        provider="fake",
        confirm=True,
        registry=ProviderRegistry([fake]),
    )
    assert isinstance(result, Enqueued)
    first, second = result.job_ids
    guild = ids.guild_id
    async with db.session() as s:
        await ledger.settle(s, guild, MEMBER, first, 95, now=OCT)
        assert await ledger.release(s, guild, MEMBER, second, now=OCT) == 120
        assert await ledger.release(s, guild, MEMBER, second, now=OCT) == 0
        await s.commit()
        balance = await ledger.guild_balance(s, guild, now=OCT)
        member = await ledger.member_balance(s, guild, MEMBER, now=OCT)
        november = await ledger.guild_balance(s, guild, now=NOV)
    assert (balance.spent_cents, balance.held_cents) == (95, 0)
    assert balance.available_cents == 10_000 - 95
    assert member.spent_cents == 95 and member.available_cents is None
    assert november.spent_cents == 0


async def test_two_enqueues_racing_cannot_both_take_the_last_cents(db: Database) -> None:
    """Budget 100, two members each asking for 60 at the same instant: exactly one gets it."""
    ids = await make_shot(db, budget_cents=100)
    registry = ProviderRegistry([FakeProvider(price_cents=60)])
    other = Database(db.url)

    async def ask(database: Database, member: int) -> object:
        return await enqueue_takes(
            database,
            guild_id=GUILD,
            shot_id=ids.shot_id,
            member_id=member,
            takes=1,
            provider="fake",
            confirm=True,
            registry=registry,
        )

    try:
        results = await asyncio.gather(ask(db, 1), ask(other, 2))
    finally:
        await other.dispose()
    enqueued = [r for r in results if isinstance(r, Enqueued)]
    refused = [r for r in results if isinstance(r, BudgetRefusal)]
    assert len(enqueued) == 1 and len(refused) == 1
    assert (refused[0].scope, refused[0].needed_cents, refused[0].available_cents) == (
        "guild",
        60,
        40,
    )
    async with db.session() as s:
        assert (await ledger.guild_balance(s, GUILD)).held_cents == 60


async def test_member_quota_refusal_says_what_is_left_and_when(db: Database) -> None:
    """Quota 25/day at 10 a take: the third take is refused with 5 left until tomorrow."""
    ids = await make_shot(db, quota_cents=25)
    registry = ProviderRegistry([FakeProvider(price_cents=10)])

    async def ask(over: bool = False) -> object:
        return await enqueue_takes(
            db,
            guild_id=GUILD,
            shot_id=ids.shot_id,
            member_id=MEMBER,
            takes=1,
            provider="fake",
            confirm=True,
            registry=registry,
            allow_over_quota=over,
        )

    assert isinstance(await ask(), Enqueued) and isinstance(await ask(), Enqueued)
    refusal = await ask()
    assert isinstance(refusal, BudgetRefusal)
    assert (refusal.scope, refusal.available_cents) == ("member", 5)
    assert refusal.resets_at.hour == 0 and refusal.resets_at > datetime.now(UTC)
    assert isinstance(await ask(over=True), Enqueued)  # a showrunner may go over
