"""Attachments from slash-command options: refused by announced size before any download,
inspected before anything decodes them, then stored in the media store (invariants 5 and 6)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import discord
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import UserFacingError
from storage.models import MediaAsset
from storage.references import (
    MAX_IMAGE_BYTES,
    ImageInfo,
    check_declared_size,
    inspect_image,
    refuse,
    store_image,
)


@dataclass(frozen=True, slots=True)
class ImageUpload:
    filename: str
    data: bytes
    info: ImageInfo


async def read_images(
    attachments: list[discord.Attachment | None], *, max_bytes: int = MAX_IMAGE_BYTES
) -> list[ImageUpload]:
    """Download and inspect the given images; the first bad one refuses them all."""
    given = [a for a in attachments if a is not None]
    for attachment in given:
        check_declared_size(attachment.filename, attachment.size, max_bytes)
    uploads: list[ImageUpload] = []
    for attachment in given:
        try:
            data = await attachment.read()
        except discord.HTTPException as exc:
            raise refuse("corrupt", attachment.filename) from exc
        info = inspect_image(data, attachment.filename, max_bytes=max_bytes)
        uploads.append(ImageUpload(attachment.filename, data, info))
    return uploads


async def store_images(
    session: AsyncSession,
    media: Any,
    guild_id: int,
    uploads: list[ImageUpload],
    created_by: int,
) -> list[MediaAsset]:
    """Put checked uploads in the media store and register them (flushes; the caller commits)."""
    if uploads and media is None:
        raise UserFacingError("upload.no_store")
    return [
        await store_image(session, media, guild_id, u.data, u.filename, created_by) for u in uploads
    ]


async def asset_files(
    media: Any, assets: list[MediaAsset], stem: str = "ref"
) -> list[discord.File]:
    """The stored images as files to attach (``ref0.png``, ``ref1.jpg`` ...)."""
    files: list[discord.File] = []
    if media is None:
        return files
    for position, asset in enumerate(assets):
        extension = asset.mime.split("/")[-1].replace("jpeg", "jpg")
        data = await media.read_bytes(asset.sha256)
        files.append(discord.File(io.BytesIO(data), filename=f"{stem}{position}.{extension}"))
    return files
