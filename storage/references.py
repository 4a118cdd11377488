"""Reference images of characters and locations: which stored assets, in which order, at most
four each. Uploads are checked and kept by ``storage/uploads`` (see bot/attachments.py)."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import InvalidInput
from storage.models import MediaAsset, ReferenceImage

MAX_REFERENCES = 4


def _owner_filter(guild_id: int, character_id: int | None, location_id: int | None) -> Any:
    if (character_id is None) == (location_id is None):
        raise ValueError("name exactly one of character_id, location_id")
    owner = (
        ReferenceImage.character_id == character_id
        if character_id is not None
        else ReferenceImage.location_id == location_id
    )
    return (ReferenceImage.guild_id == guild_id) & owner


async def replace_references(
    session: AsyncSession,
    guild_id: int,
    assets: list[MediaAsset],
    created_by: int,
    *,
    character_id: int | None = None,
    location_id: int | None = None,
) -> None:
    """These assets, in this order, become the references (flushes; the caller commits)."""
    if len(assets) > MAX_REFERENCES:
        raise InvalidInput("bible.too_many_images", max=MAX_REFERENCES)
    await session.exec(
        delete(ReferenceImage).where(_owner_filter(guild_id, character_id, location_id))
    )
    for position, asset in enumerate(assets):
        assert asset.id is not None and asset.guild_id == guild_id
        session.add(
            ReferenceImage(
                guild_id=guild_id,
                character_id=character_id,
                location_id=location_id,
                asset_id=asset.id,
                position=position,
                created_by=created_by,
            )
        )
    await session.flush()


async def reference_assets(
    session: AsyncSession,
    guild_id: int,
    *,
    character_id: int | None = None,
    location_id: int | None = None,
) -> list[MediaAsset]:
    query = (
        select(MediaAsset)
        .join(ReferenceImage, col(ReferenceImage.asset_id) == col(MediaAsset.id))
        .where(_owner_filter(guild_id, character_id, location_id))
        .where(MediaAsset.guild_id == guild_id)
        .order_by(col(ReferenceImage.position))
    )
    return list((await session.exec(query)).all())
