"""Reference images of characters and locations: checked, stored by sha256, at most four each.

An upload is refused before anything decodes it (invariant 6): the byte size first, then the
header's pixel count, then a verify pass. Refusals are ``UserFacingError("upload.<code>")`` with
the file name and the limit, the same codes as ``storage/uploads.py``'s ``UploadRefused``.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import InvalidInput, UserFacingError
from storage.media import register_asset
from storage.models import MediaAsset, ReferenceImage

MAX_REFERENCES = 4
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}


@dataclass(frozen=True, slots=True)
class ImageInfo:
    mime: str
    width: int
    height: int
    size: int


def refuse(code: str, filename: str, limit: str = "") -> UserFacingError:
    return UserFacingError(f"upload.{code}", filename=filename[:100], limit=limit or "?")


def human_bytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def check_declared_size(filename: str, size: int, max_bytes: int = MAX_IMAGE_BYTES) -> None:
    """Refuse by the size Discord announces, before downloading anything."""
    if size > max_bytes:
        raise refuse("too_large", filename, human_bytes(max_bytes))


def inspect_image(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = MAX_IMAGE_BYTES,
    max_pixels: int = MAX_IMAGE_PIXELS,
) -> ImageInfo:
    """Format, size and pixel count from the header; refuse anything we should not decode."""
    check_declared_size(filename, len(data), max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                fmt, width, height = image.format, image.width, image.height
                if fmt not in IMAGE_FORMATS:
                    raise refuse("not_an_image", filename)
                if width * height > max_pixels:
                    raise refuse("too_many_pixels", filename, f"{max_pixels // 1_000_000} MP")
                image.verify()
    except UserFacingError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refuse("too_many_pixels", filename, f"{max_pixels // 1_000_000} MP") from None
    except Image.UnidentifiedImageError:
        raise refuse("not_an_image", filename) from None
    except Exception:
        raise refuse("corrupt", filename) from None
    return ImageInfo(mime=IMAGE_FORMATS[fmt], width=width, height=height, size=len(data))


async def store_image(
    session: AsyncSession,
    media: Any,
    guild_id: int,
    data: bytes,
    filename: str,
    created_by: int,
    *,
    max_bytes: int = MAX_IMAGE_BYTES,
) -> MediaAsset:
    """Check, store the bytes in the media store, and register the guild's asset (flushes)."""
    info = inspect_image(data, filename, max_bytes=max_bytes)
    stored = await media.put_bytes(data)
    return await register_asset(
        session,
        guild_id,
        stored.sha256,
        info.mime,
        info.size,
        width=info.width,
        height=info.height,
        original_name=filename,
        created_by=created_by,
    )


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
