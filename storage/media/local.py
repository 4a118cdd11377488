"""The media store on a local folder: ``root/ab/cd/<sha256>``, written atomically.

Each write goes to a temp file in ``root/.incoming/`` (same filesystem), is hashed while it is
written, flushed to disk, then renamed onto its final name. A rename is atomic, so a reader (or
a crash) sees the whole file or no file; two writers of the same bytes both end with one file.
Blocking file work runs in threads so the bot's event loop never waits on the disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from storage.media.store import (
    CHUNK_SIZE,
    SHA256_PATTERN,
    MediaMissing,
    MediaTooLarge,
    StoredMedia,
    check_sha256,
)

log = logging.getLogger(__name__)

INCOMING = ".incoming"


class _Incoming:
    """One file being written: hashed as it goes, published by rename, or thrown away."""

    def __init__(self, store: LocalMediaStore) -> None:
        self._store = store
        fd, name = tempfile.mkstemp(dir=store.incoming_dir, prefix="in-")
        self.path = Path(name)
        self._file: BinaryIO = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self._hash.update(chunk)
        self._file.write(chunk)
        self.size += len(chunk)

    def publish(self) -> StoredMedia:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        sha256 = self._hash.hexdigest()
        final = self._store.path_for(sha256)
        if final.exists():
            # Same name means same bytes: keep the file readers may already have open, and
            # touch it so the garbage collector's grace period starts again for this upload.
            self.path.unlink()
            os.utime(final)
        else:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(self.path, 0o644)
            os.replace(self.path, final)
        return StoredMedia(sha256=sha256, size=self.size)

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()
        self.path.unlink(missing_ok=True)


def _touch_if_exists(path: Path) -> bool:
    """Refresh an existing file's mtime (see ``collect_garbage``'s grace); False if absent."""
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    return True


class LocalMediaStore:
    """A MediaStore in a folder the user chose (``settings.resolved_media_dir``)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.incoming_dir = self.root / INCOMING
        self.incoming_dir.mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str) -> Path:
        check_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    # ------------------------------------------------------------------ writing

    async def put_bytes(self, data: bytes) -> StoredMedia:
        sha256 = hashlib.sha256(data).hexdigest()
        if await asyncio.to_thread(_touch_if_exists, self.path_for(sha256)):
            return StoredMedia(sha256=sha256, size=len(data))
        return await asyncio.to_thread(self._write_all, [data])

    async def put_file(self, path: Path, *, max_bytes: int | None = None) -> StoredMedia:
        return await asyncio.to_thread(self._copy_file, Path(path), max_bytes)

    async def put_stream(self, chunks: AsyncIterator[bytes], *, max_bytes: int) -> StoredMedia:
        incoming = await asyncio.to_thread(_Incoming, self)
        try:
            async for chunk in chunks:
                if incoming.size + len(chunk) > max_bytes:
                    raise MediaTooLarge(max_bytes)
                await asyncio.to_thread(incoming.write, chunk)
            return await asyncio.to_thread(incoming.publish)
        except BaseException:
            # Also on cancellation: a half-written temp file must not outlive the request.
            incoming.discard()
            raise

    def _write_all(self, chunks: list[bytes]) -> StoredMedia:
        incoming = _Incoming(self)
        try:
            for chunk in chunks:
                incoming.write(chunk)
            return incoming.publish()
        except BaseException:
            incoming.discard()
            raise

    def _copy_file(self, source: Path, max_bytes: int | None) -> StoredMedia:
        incoming = _Incoming(self)
        try:
            with source.open("rb") as reader:
                while chunk := reader.read(CHUNK_SIZE):
                    if max_bytes is not None and incoming.size + len(chunk) > max_bytes:
                        raise MediaTooLarge(max_bytes)
                    incoming.write(chunk)
            return incoming.publish()
        except BaseException:
            incoming.discard()
            raise

    # ------------------------------------------------------------------ reading

    async def exists(self, sha256: str) -> bool:
        return await asyncio.to_thread(self.path_for(sha256).is_file)

    async def size(self, sha256: str) -> int:
        path = self.path_for(sha256)
        try:
            return (await asyncio.to_thread(path.stat)).st_size
        except FileNotFoundError:
            raise MediaMissing(sha256) from None

    async def read_bytes(self, sha256: str) -> bytes:
        path = self.path_for(sha256)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise MediaMissing(sha256) from None

    async def iter_bytes(self, sha256: str, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        path = self.path_for(sha256)
        try:
            reader = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise MediaMissing(sha256) from None
        try:
            while chunk := await asyncio.to_thread(reader.read, chunk_size):
                yield chunk
        finally:
            reader.close()

    async def local_path(self, sha256: str) -> Path:
        path = self.path_for(sha256)
        if not await asyncio.to_thread(path.is_file):
            raise MediaMissing(sha256)
        return path

    # ------------------------------------------------------------------ housekeeping

    async def delete(self, sha256: str) -> bool:
        path = self.path_for(sha256)
        try:
            await asyncio.to_thread(path.unlink)
        except FileNotFoundError:
            return False
        return True

    async def iter_stored(self) -> AsyncIterator[StoredMedia]:
        for entry in await asyncio.to_thread(self._scan):
            yield entry

    def _scan(self) -> list[StoredMedia]:
        found: list[StoredMedia] = []
        for path in self.root.glob("??/??/*"):
            if not SHA256_PATTERN.fullmatch(path.name) or not path.is_file():
                continue
            stat = path.stat()
            stored_at = datetime.fromtimestamp(stat.st_mtime, UTC)
            found.append(StoredMedia(sha256=path.name, size=stat.st_size, stored_at=stored_at))
        return found

    async def sweep_incoming(self, older_than_s: float = 3600.0) -> int:
        """Delete temp files left by a crash mid-write; returns how many."""

        def sweep() -> int:
            cutoff = time.time() - older_than_s
            removed = 0
            for path in self.incoming_dir.iterdir():
                with contextlib.suppress(FileNotFoundError):
                    if path.stat().st_mtime < cutoff:
                        path.unlink()
                        removed += 1
            return removed

        removed = await asyncio.to_thread(sweep)
        if removed:
            log.info("media store %s: swept %d abandoned temp files", self.root, removed)
        return removed
