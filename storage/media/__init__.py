"""The media store (content-addressed bytes) and media assets (which guild owns which bytes)."""

from storage.media.assets import collect_garbage, find_asset, get_asset, register_asset
from storage.media.local import LocalMediaStore
from storage.media.store import (
    MediaMissing,
    MediaStore,
    MediaTooLarge,
    StoredMedia,
    check_sha256,
)

__all__ = [
    "LocalMediaStore",
    "MediaMissing",
    "MediaStore",
    "MediaTooLarge",
    "StoredMedia",
    "check_sha256",
    "collect_garbage",
    "find_asset",
    "get_asset",
    "register_asset",
]
