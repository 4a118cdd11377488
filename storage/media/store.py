"""The media store's contract: bytes in, sha256 out, bytes back by sha256.

Invariant 5: every picture, take, voice line and cut lives here, named by the sha256 of its
bytes. Discord CDN links expire; these files do not. The same bytes stored twice are one file.

``LocalMediaStore`` (storage/media/local.py) is the default. An S3-compatible store implements
the same protocol; docs/storage.md says how (keys, multipart, the read-through cache behind
``local_path``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")
CHUNK_SIZE = 1024 * 1024


class MediaTooLarge(ValueError):
    """A stream went past its byte cap; nothing of it was kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"media larger than {limit} bytes")
        self.limit = limit


class MediaMissing(LookupError):
    """No bytes under this sha256 (never stored, or collected as garbage)."""


@dataclass(frozen=True, slots=True)
class StoredMedia:
    sha256: str
    size: int
    stored_at: datetime | None = None


def check_sha256(sha256: str) -> str:
    """A sha256 as the store names it: 64 lowercase hex digits, so never a path trick."""
    if not SHA256_PATTERN.fullmatch(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256[:80]!r}")
    return sha256


@runtime_checkable
class MediaStore(Protocol):
    """Content-addressed bytes. Every write is atomic: a reader sees all of a file or nothing."""

    async def put_bytes(self, data: bytes) -> StoredMedia:
        """Store ``data`` (small things: images, thumbnails)."""
        ...

    async def put_file(self, path: Path, *, max_bytes: int | None = None) -> StoredMedia:
        """Copy a local file in, hashing as it copies (renders, downloads already on disk)."""
        ...

    async def put_stream(self, chunks: AsyncIterator[bytes], *, max_bytes: int) -> StoredMedia:
        """Store a stream (a download); past ``max_bytes``: MediaTooLarge, and nothing kept."""
        ...

    async def exists(self, sha256: str) -> bool: ...

    async def size(self, sha256: str) -> int:
        """Bytes stored under ``sha256``; MediaMissing if none."""
        ...

    async def read_bytes(self, sha256: str) -> bytes:
        """The whole file in memory; for small things only."""
        ...

    def iter_bytes(self, sha256: str, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        """The file as a stream, for sending it somewhere without holding it in memory."""
        ...

    async def local_path(self, sha256: str) -> Path:
        """A local file with these bytes, for ffmpeg and PyAV. Treat it as read-only.

        The local store returns its own file; a remote store downloads into a cache first.
        """
        ...

    async def delete(self, sha256: str) -> bool:
        """Remove the bytes; True if there were some. Only the garbage collector calls this."""
        ...

    def iter_stored(self) -> AsyncIterator[StoredMedia]:
        """Everything stored, with when it was stored (for the garbage collector)."""
        ...
