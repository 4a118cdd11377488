"""Upload checks (invariant 6): type from magic bytes, size, pixels and duration, then a clean copy.

Use::

    check_upload_size(attachment.size, max_bytes=limit)          # before downloading
    image = await asyncio.to_thread(check_image_upload, data, max_bytes=limit)
    asset = await keep_image(session, store, guild_id, image, original_name=..., created_by=...)

Refusals are ``UploadRefused`` with a machine ``code`` (see ``CODES``) and the ``limit`` broken;
bot/errors.py turns them into a sentence in the member's language.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.media import MediaStore, register_asset
from storage.models import MediaAsset
from storage.uploads._av import (
    DEFAULT_AUDIO_MAX_BYTES,
    DEFAULT_AUDIO_MAX_SECONDS,
    DEFAULT_VIDEO_MAX_BYTES,
    DEFAULT_VIDEO_MAX_SECONDS,
    CheckedMedia,
    check_audio_upload,
    check_video_upload,
)
from storage.uploads._image import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PIXELS,
    Buffer,
    CleanImage,
    check_image_upload,
    check_upload_size,
)
from storage.uploads._refusal import CODES, UploadRefused
from storage.uploads._sniff import Sniffed, sniff

__all__ = [
    "CODES",
    "DEFAULT_AUDIO_MAX_BYTES",
    "DEFAULT_AUDIO_MAX_SECONDS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_VIDEO_MAX_BYTES",
    "DEFAULT_VIDEO_MAX_SECONDS",
    "CheckedMedia",
    "CleanImage",
    "Sniffed",
    "UploadRefused",
    "check_audio_upload",
    "check_image_upload",
    "check_upload_size",
    "check_video_upload",
    "keep_image",
    "keep_media",
    "sniff",
]


async def keep_image(
    session: AsyncSession,
    store: MediaStore,
    guild_id: int,
    image: CleanImage,
    *,
    original_name: str = "",
    created_by: int | None = None,
) -> MediaAsset:
    """Store a checked image's clean bytes and register them as this guild's asset."""
    stored = await store.put_bytes(image.data)
    return await register_asset(
        session,
        guild_id,
        stored.sha256,
        image.mime,
        stored.size,
        width=image.width,
        height=image.height,
        original_name=original_name,
        created_by=created_by,
    )


async def keep_media(
    session: AsyncSession,
    store: MediaStore,
    guild_id: int,
    source: Path | Buffer,
    checked: CheckedMedia,
    *,
    original_name: str = "",
    created_by: int | None = None,
) -> MediaAsset:
    """Store a checked video or audio upload (unchanged bytes) as this guild's asset."""
    if isinstance(source, Path):
        stored = await store.put_file(source, max_bytes=checked.size_bytes)
    else:
        stored = await store.put_bytes(bytes(source))
    return await register_asset(
        session,
        guild_id,
        stored.sha256,
        checked.mime,
        stored.size,
        width=checked.width,
        height=checked.height,
        duration_s=checked.duration_s,
        original_name=original_name,
        created_by=created_by,
    )
