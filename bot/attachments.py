"""Attachments from slash-command options: refused by announced size before any download,
checked (type from magic bytes, pixel count from the header) before anything decodes them, and
kept as a clean re-encoded copy in the media store (invariants 5 and 6; storage/uploads)."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from typing import Any

import discord
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import UserFacingError
from storage.models import MediaAsset
from storage.uploads import (
    DEFAULT_MAX_BYTES,
    CleanImage,
    UploadRefused,
    check_image_upload,
    check_upload_size,
    keep_image,
)

MAX_REFERENCE_BYTES = DEFAULT_MAX_BYTES


@dataclass(frozen=True, slots=True)
class ImageUpload:
    filename: str
    image: CleanImage


async def read_images(
    attachments: list[discord.Attachment | None], *, max_bytes: int = MAX_REFERENCE_BYTES
) -> list[ImageUpload]:
    """Download and check the given images; the first bad one refuses them all
    (``UploadRefused``, worded by bot/errors.py)."""
    given = [a for a in attachments if a is not None]
    for attachment in given:
        check_upload_size(attachment.size, max_bytes=max_bytes, filename=attachment.filename)
    uploads: list[ImageUpload] = []
    for attachment in given:
        try:
            data = await attachment.read()
        except discord.HTTPException as exc:
            raise UploadRefused("corrupt", filename=attachment.filename, detail=str(exc)) from exc
        image = await asyncio.to_thread(
            check_image_upload, data, max_bytes=max_bytes, filename=attachment.filename
        )
        uploads.append(ImageUpload(attachment.filename, image))
    return uploads


async def store_images(
    session: AsyncSession,
    media: Any,
    guild_id: int,
    uploads: list[ImageUpload],
    created_by: int,
) -> list[MediaAsset]:
    """Keep checked uploads in the media store as this guild's assets (flushes; caller commits)."""
    if uploads and media is None:
        raise UserFacingError("upload.no_store")
    return [
        await keep_image(
            session, media, guild_id, u.image, original_name=u.filename, created_by=created_by
        )
        for u in uploads
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


async def receive_images(
    interaction: discord.Interaction[Any], images: list[discord.Attachment | None], media: Any
) -> tuple[bool, list[ImageUpload]]:
    """The reference-image options of a command: defer privately first when files came
    (reading them can take longer than Discord's 3 s), then read and check them. Returns
    (deferred, uploads). Refused when there are files but no media store to keep them."""
    deferred = any(images)
    if deferred:
        await interaction.response.defer(ephemeral=True, thinking=True)
    uploads = await read_images(images)
    if uploads and media is None:
        raise UserFacingError("upload.no_store")
    return deferred, uploads
