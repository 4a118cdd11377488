"""The tables exist and a row round-trips with an aware UTC datetime, on both databases."""

from __future__ import annotations

from datetime import UTC

from sqlmodel import select

from storage.db import Database
from storage.models import GuildSettings, Series


async def test_series_round_trips_with_aware_datetime(db: Database) -> None:
    async with db.session() as session:
        session.add(GuildSettings(guild_id=2**62, locale="fr"))
        session.add(
            Series(guild_id=2**62, name="Nuit Blanche", name_key="nuit blanche", created_by=1)
        )
        await session.commit()
    async with db.session() as session:
        series = (await session.exec(select(Series))).one()
        settings = (await session.exec(select(GuildSettings))).one()
    assert series.name == "Nuit Blanche"
    assert series.created_at.tzinfo is UTC
    assert settings.guild_id == 2**62 and settings.locale == "fr"
