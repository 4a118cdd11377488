"""Media assets are per guild: same bytes, one file, one row per guild, never crossed."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from pathlib import Path

from sqlmodel import func, select

from storage.db import Database
from storage.media import (
    LocalMediaStore,
    collect_garbage,
    find_asset,
    get_asset,
    register_asset,
)
from storage.models import MediaAsset

GUILD_A = 111_111_111_111_111_111
GUILD_B = 222_222_222_222_222_222


async def test_two_guilds_with_the_same_bytes_get_their_own_assets(
    db: Database, tmp_path: Path
) -> None:
    """One file in the store, two rows; guild B cannot reach guild A's asset by id or hash."""
    store = LocalMediaStore(tmp_path / "media")
    stored = await store.put_bytes(b"reference picture of Mara")
    async with db.session() as session:
        a = await register_asset(
            session, GUILD_A, stored.sha256, "image/png", stored.size, created_by=1
        )
        await session.commit()
        assert await find_asset(session, GUILD_B, stored.sha256) is None
        assert await get_asset(session, GUILD_B, a.id or 0) is None
        b = await register_asset(
            session, GUILD_B, stored.sha256, "image/png", stored.size, created_by=2
        )
        await session.commit()
    assert a.id != b.id and (a.guild_id, b.guild_id) == (GUILD_A, GUILD_B)
    async with db.session() as session:
        got_a = await get_asset(session, GUILD_A, a.id or 0)
        got_b = await find_asset(session, GUILD_B, stored.sha256)
        assert await get_asset(session, GUILD_A, b.id or 0) is None
    assert got_a is not None and got_a.created_by == 1
    assert got_b is not None and got_b.id == b.id and got_b.created_by == 2


async def test_registering_again_returns_the_same_asset(db: Database) -> None:
    """Get-or-create: a second upload of the same picture reuses the row, even at once."""
    sha = "ab" * 32
    async with db.session() as session:
        first = await register_asset(session, GUILD_A, sha, "image/png", 10, width=4, height=4)
        again = await register_asset(session, GUILD_A, sha, "image/png", 10)
        await session.commit()
    assert first.id == again.id and again.width == 4

    other = "cd" * 32

    async def upload() -> int | None:
        async with db.session() as session:
            asset = await register_asset(session, GUILD_A, other, "video/mp4", 99)
            await session.commit()
            return asset.id

    ids = await asyncio.gather(*(upload() for _ in range(4)))
    assert len(set(ids)) == 1
    async with db.session() as session:
        count = (await session.exec(select(func.count()).select_from(MediaAsset))).one()
    assert count == 2


async def test_garbage_collection_keeps_referenced_and_recent_files(
    db: Database, tmp_path: Path
) -> None:
    """Bytes no asset names are deleted once past the grace period; named bytes stay."""
    store = LocalMediaStore(tmp_path / "media")
    kept = await store.put_bytes(b"the locked take")
    orphan = await store.put_bytes(b"a take nobody registered")
    async with db.session() as session:
        await register_asset(session, GUILD_B, kept.sha256, "video/mp4", kept.size)
        await session.commit()
        assert await collect_garbage(session, store) == 0  # too recent to judge
        for sha in (kept.sha256, orphan.sha256):
            os.utime(store.path_for(sha), (1, 1))
        assert await collect_garbage(session, store, grace=timedelta(hours=1)) == 1
    assert await store.exists(kept.sha256)
    assert not await store.exists(orphan.sha256)
