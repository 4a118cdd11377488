"""Media assets: which guild owns which bytes. One row per (guild, sha256); files are shared.

Two servers uploading the same picture share one file in the store but get one row each, so a
lookup in server A can never return server B's asset (invariant 2).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.media.store import MediaStore, check_sha256
from storage.models import MediaAsset
from storage.types import utcnow

log = logging.getLogger(__name__)


async def register_asset(
    session: AsyncSession,
    guild_id: int,
    sha256: str,
    mime: str,
    size_bytes: int,
    *,
    width: int | None = None,
    height: int | None = None,
    duration_s: float | None = None,
    original_name: str = "",
    created_by: int | None = None,
) -> MediaAsset:
    """The guild's asset for these bytes, created on first sight. Flushes; the caller commits.

    Safe against two uploads of the same bytes at once: the insert is ``ON CONFLICT DO
    NOTHING`` on (guild_id, sha256), then the row is read back, whoever wrote it.
    """
    check_sha256(sha256)
    row = MediaAsset(
        guild_id=guild_id,
        sha256=sha256,
        mime=mime,
        size_bytes=size_bytes,
        width=width,
        height=height,
        duration_s=duration_s,
        original_name=original_name[:200],
        created_by=created_by,
    )
    values = row.model_dump(exclude={"id"})
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(MediaAsset)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["guild_id", "sha256"])
    )
    await session.exec(statement)
    asset = await find_asset(session, guild_id, sha256)
    assert asset is not None, "inserted or already there"
    return asset


async def find_asset(session: AsyncSession, guild_id: int, sha256: str) -> MediaAsset | None:
    """This guild's asset for these bytes, if it has one."""
    statement = select(MediaAsset).where(
        MediaAsset.guild_id == guild_id, MediaAsset.sha256 == sha256
    )
    return (await session.exec(statement)).first()


async def get_asset(session: AsyncSession, guild_id: int, asset_id: int) -> MediaAsset | None:
    """The asset by id, only if it belongs to this guild (another guild's id is "not found")."""
    statement = select(MediaAsset).where(MediaAsset.guild_id == guild_id, MediaAsset.id == asset_id)
    return (await session.exec(statement)).first()


async def collect_garbage(
    session: AsyncSession, store: MediaStore, *, grace: timedelta = timedelta(hours=6)
) -> int:
    """Delete stored bytes that no guild's asset row names any more; returns how many.

    Files younger than ``grace`` are kept: an upload writes its bytes before its row is
    committed, and must not be collected in between. This is maintenance across all guilds by
    design: a file belongs to the store, rows belong to guilds.
    """
    referenced = set((await session.exec(select(col(MediaAsset.sha256)).distinct())).all())
    cutoff = utcnow() - grace
    removed = 0
    async for stored in store.iter_stored():
        if stored.sha256 in referenced:
            continue
        if stored.stored_at is not None and stored.stored_at > cutoff:
            continue
        if await store.delete(stored.sha256):
            removed += 1
    if removed:
        log.info("media garbage collection removed %d unreferenced files", removed)
    return removed
