"""The money settings of a server: monthly budget, per-member daily quota, confirmation threshold.

/setup does not touch these (storage/guilds.py refuses them); only ``/budget set`` does.
Balances themselves are sums over the ledger (storage/ledger.py).
"""

from __future__ import annotations

from storage.db import Database
from storage.errors import InvalidInput
from storage.models import GuildSettings
from storage.types import utcnow

MAX_CENTS = 100_000_000  # a million a month: far above any real server, far below an overflow


def _check(field: str, value: int | None) -> None:
    if value is not None and not 0 <= value <= MAX_CENTS:
        raise InvalidInput("budget.bad_amount", field=field)


async def set_budget(
    db: Database,
    guild_id: int,
    *,
    monthly_budget_cents: int | None = None,
    member_daily_quota_cents: int | None = None,
    confirm_above_cents: int | None = None,
) -> GuildSettings:
    """Change what is given (None keeps a value) and return the server's settings."""
    _check("monthly", monthly_budget_cents)
    _check("daily_quota", member_daily_quota_cents)
    _check("confirm_above", confirm_above_cents)
    async with db.session() as session:
        row = await session.get(GuildSettings, guild_id)
        if row is None:
            row = GuildSettings(guild_id=guild_id)
            session.add(row)
        if monthly_budget_cents is not None:
            row.monthly_budget_cents = monthly_budget_cents
        if member_daily_quota_cents is not None:
            row.member_daily_quota_cents = member_daily_quota_cents
        if confirm_above_cents is not None:
            row.confirm_above_cents = confirm_above_cents
        row.updated_at = utcnow()
        await session.commit()
        await session.refresh(row)
    return row
