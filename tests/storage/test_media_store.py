"""The local media store: bytes named by their sha256, written whole or not at all."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.media import LocalMediaStore, MediaMissing, MediaStore, MediaTooLarge


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _incoming(store: LocalMediaStore) -> list[Path]:
    return list(store.incoming_dir.iterdir())


async def _chunks(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]
        await asyncio.sleep(0)


@pytest.fixture
def store(tmp_path: Path) -> LocalMediaStore:
    return LocalMediaStore(tmp_path / "media")


async def test_bytes_are_stored_under_their_sha256(store: LocalMediaStore) -> None:
    """The name is the sha256 of the content, in root/ab/cd/<sha256>; the bytes come back."""
    data = b"take A of shot 3" * 100
    stored = await store.put_bytes(data)
    expected = hashlib.sha256(data).hexdigest()
    assert stored.sha256 == expected and stored.size == len(data)
    path = store.root / expected[:2] / expected[2:4] / expected
    assert path.read_bytes() == data
    assert await store.local_path(expected) == path
    assert await store.read_bytes(expected) == data
    assert b"".join([c async for c in store.iter_bytes(expected, chunk_size=100)]) == data
    assert await store.exists(expected) and await store.size(expected) == len(data)
    assert isinstance(store, MediaStore)


async def test_same_bytes_three_ways_make_one_file(store: LocalMediaStore, tmp_path: Path) -> None:
    """put_bytes, put_file and put_stream of the same content all land on one file."""
    data = os.urandom(300_000)
    source = tmp_path / "render.mp4"
    source.write_bytes(data)
    results = [
        await store.put_bytes(data),
        await store.put_file(source),
        await store.put_stream(_chunks(data), max_bytes=1_000_000),
    ]
    assert {r.sha256 for r in results} == {hashlib.sha256(data).hexdigest()}
    assert len(_files(store.root)) == 1
    assert _incoming(store) == []


async def test_a_large_file_is_copied_in_chunks_with_the_right_hash(
    store: LocalMediaStore, tmp_path: Path
) -> None:
    """A multi-megabyte render is hashed while copied; the digest matches hashlib's."""
    source = tmp_path / "episode.mp4"
    with source.open("wb") as out:
        for _ in range(5):
            out.write(os.urandom(1024 * 1024) + b"x")
    stored = await store.put_file(source)
    assert stored.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert stored.size == source.stat().st_size


async def test_a_stream_past_its_cap_is_refused_early_and_leaves_nothing(
    store: LocalMediaStore,
) -> None:
    """A 'video' that never ends is cut off at the cap: error, no file, no temp file."""
    pulled = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal pulled
        while True:
            pulled += 1
            yield b"\0" * 65536

    with pytest.raises(MediaTooLarge) as refused:
        await store.put_stream(endless(), max_bytes=1_000_000)
    assert refused.value.limit == 1_000_000
    assert pulled <= 16  # stopped reading at the cap, not at the end of the world
    assert _files(store.root) == []


async def test_a_capped_file_copy_leaves_nothing(store: LocalMediaStore, tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(b"1" * 10_000)
    with pytest.raises(MediaTooLarge):
        await store.put_file(source, max_bytes=9_999)
    assert _files(store.root) == []


async def test_a_stream_that_breaks_midway_publishes_nothing(store: LocalMediaStore) -> None:
    """Atomicity: until the last byte is in, the final name does not exist; on error, ever."""
    data = os.urandom(500_000)
    final = store.path_for(hashlib.sha256(data).hexdigest())
    seen_early: list[bool] = []

    async def download_that_drops() -> AsyncIterator[bytes]:
        async for chunk in _chunks(data[:400_000]):
            seen_early.append(final.exists())
            yield chunk
        raise ConnectionResetError("provider hung up")

    with pytest.raises(ConnectionResetError):
        await store.put_stream(download_that_drops(), max_bytes=10_000_000)
    assert seen_early and not any(seen_early)
    assert not final.exists() and _files(store.root) == []

    stored = await store.put_stream(_chunks(data), max_bytes=10_000_000)
    assert final.read_bytes() == data and stored.size == len(data)


async def test_a_cancelled_upload_leaves_no_temp_file(store: LocalMediaStore) -> None:
    started = asyncio.Event()

    async def slow() -> AsyncIterator[bytes]:
        yield b"a" * 1000
        started.set()
        await asyncio.sleep(3600)
        yield b"never"

    task = asyncio.create_task(store.put_stream(slow(), max_bytes=10_000))
    await started.wait()
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _files(store.root) == []


async def test_unknown_or_malformed_names_are_refused(store: LocalMediaStore) -> None:
    """A missing sha256 is MediaMissing; a path-like name never reaches the filesystem."""
    with pytest.raises(MediaMissing):
        await store.read_bytes("0" * 64)
    with pytest.raises(MediaMissing):
        await store.local_path("0" * 64)
    for bad in ("../../etc/passwd", "A" * 64, "0" * 63, ""):
        with pytest.raises(ValueError):
            store.path_for(bad)


async def test_abandoned_temp_files_are_swept(store: LocalMediaStore) -> None:
    """A crash mid-write leaves a temp file; the sweep removes old ones, not fresh ones."""
    old = store.incoming_dir / "in-crashed"
    old.write_bytes(b"half")
    os.utime(old, (1, 1))
    fresh = store.incoming_dir / "in-writing-now"
    fresh.write_bytes(b"half")
    assert await store.sweep_incoming(older_than_s=60) == 1
    assert not old.exists() and fresh.exists()
