"""A server's settings from /setup: channels, roles, default language, the active series."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.errors import InvalidInput
from storage.models import GuildSettings
from storage.types import utcnow

LOCALES = ("en", "fr")

# The fields /setup may change; everything else (budget, votes) belongs to other commands.
SETUP_FIELDS = frozenset(
    {
        "locale",
        "dailies_channel_id",
        "premieres_channel_id",
        "showrunner_role_id",
        "crew_role_id",
    }
)


async def settings_in(session: AsyncSession, guild_id: int) -> GuildSettings:
    """``get_settings`` inside a transaction the caller holds (the enqueue's budget check)."""
    row = await session.get(GuildSettings, guild_id)
    return row if row is not None else GuildSettings(guild_id=guild_id)


async def get_settings(db: Database, guild_id: int) -> GuildSettings:
    """The server's settings, or the defaults (not saved) for a server that never ran /setup."""
    async with db.session() as session:
        row = await session.get(GuildSettings, guild_id)
    return row if row is not None else GuildSettings(guild_id=guild_id)


async def get_locale(db: Database, guild_id: int) -> str | None:
    """The default language chosen in /setup, or None if the server never chose one."""
    async with db.session() as session:
        row = await session.get(GuildSettings, guild_id)
    return row.locale if row is not None else None


async def update_settings(db: Database, guild_id: int, **changes: Any) -> GuildSettings:
    """Change some settings (None keeps a field, see ``clear``) and return them all."""
    unknown = set(changes) - SETUP_FIELDS - {"active_series_id"}
    if unknown:
        raise ValueError(f"not settings: {sorted(unknown)}")
    locale = changes.get("locale")
    if locale is not None and locale not in LOCALES:
        raise InvalidInput("setup.bad_locale", locale=locale)
    async with db.session() as session:
        row = await session.get(GuildSettings, guild_id)
        if row is None:
            row = GuildSettings(guild_id=guild_id)
            session.add(row)
        for field, value in changes.items():
            if value is not None:
                setattr(row, field, value)
        row.updated_at = utcnow()
        await session.commit()
        await session.refresh(row)
    return row


async def clear_settings(db: Database, guild_id: int, *fields: str) -> GuildSettings:
    """Forget some channels or roles (set them back to "not configured")."""
    if set(fields) - SETUP_FIELDS - {"active_series_id"}:
        raise ValueError(f"not settings: {sorted(fields)}")
    async with db.session() as session:
        row = await session.get(GuildSettings, guild_id)
        if row is None:
            return GuildSettings(guild_id=guild_id)
        for field in fields:
            setattr(row, field, "en" if field == "locale" else None)
        row.updated_at = utcnow()
        await session.commit()
        await session.refresh(row)
    return row
