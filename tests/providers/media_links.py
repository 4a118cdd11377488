"""A media store with its link server on a real socket, for the URL-only provider tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.media.links_server import MediaLinkServer
from storage.media import LocalMediaStore
from storage.media.links import MediaLinks
from tests.fakes.contract import closed_port

SECRET = "link-secret-for-tests-0123456789"


@dataclass
class Published:
    store: LocalMediaStore
    server: MediaLinkServer

    @property
    def links(self) -> MediaLinks:
        return self.server.links

    async def put(self, data: bytes) -> tuple[str, str]:
        """Store ``data``; its sha256 and its path in the store (what the executor hands on)."""
        stored = await self.store.put_bytes(data)
        return stored.sha256, str(await self.store.local_path(stored.sha256))


@asynccontextmanager
async def published(root: Path) -> AsyncIterator[Published]:
    port = closed_port()
    links = MediaLinks(f"http://127.0.0.1:{port}", SECRET)
    store = LocalMediaStore(root)
    async with MediaLinkServer(links, store, port=port) as server:
        yield Published(store, server)
