"""How a URL-only provider reads its inputs: HEAD, then GET, over a real socket.

Luma (keyframes) and Sync (video, audio) fetch what they are given by URL. The fakes do the
same for URLs on this machine (127.0.0.1, localhost: our link server in tests) and record every
request, so a test can prove the provider got exactly our bytes. Other URLs (``https://
example.com/...`` in the contract tests) are accepted without fetching: there is no internet.

Like Runway documents (and a careful CDN client does): no redirects, HEAD must give a
Content-Type and a Content-Length, and the GET body must match that length.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Fetched:
    method: str
    url: str
    status: int
    content_type: str | None
    content_length: int | None
    sha256: str | None = None  # GET only: the digest of the bytes received
    size: int = 0


class InputUnreachable(Exception):
    """The provider could not read an input; ``status`` is the HTTP status (0: no answer)."""

    def __init__(self, url: str, status: int, why: str) -> None:
        super().__init__(f"{why} (HTTP {status})" if status else why)
        self.url, self.status = url, status


def fetchable(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and (parts.hostname or "") in LOCAL_HOSTS


async def fetch_input(url: str, log: list[Fetched]) -> Fetched | None:
    """HEAD then GET ``url`` if it is on this machine; None when it is not fetched at all.
    Raises ``InputUnreachable`` on anything a provider would give up on."""
    if not fetchable(url):
        return None
    timeout = aiohttp.ClientTimeout(total=10)
    try:
        async with aiohttp.ClientSession(timeout=timeout, auto_decompress=False) as session:
            async with session.head(url, allow_redirects=False) as head:
                checked = Fetched("HEAD", url, head.status, head.headers.get("Content-Type"),
                                  _length(head.headers.get("Content-Length")))  # fmt: skip
                log.append(checked)
            if checked.status != 200:
                raise InputUnreachable(url, checked.status, "HEAD refused")
            if not checked.content_type or checked.content_length is None:
                raise InputUnreachable(url, 200, "HEAD without Content-Type/Content-Length")
            digest, size = hashlib.sha256(), 0
            async with session.get(url, allow_redirects=False) as resp:
                if resp.status == 200:
                    async for chunk in resp.content.iter_chunked(64 * 1024):
                        digest.update(chunk)
                        size += len(chunk)
                got = Fetched("GET", url, resp.status, resp.headers.get("Content-Type"),
                              _length(resp.headers.get("Content-Length")),
                              digest.hexdigest() if resp.status == 200 else None, size)  # fmt: skip
                log.append(got)
    except aiohttp.ClientError as exc:
        raise InputUnreachable(url, 0, f"could not connect: {exc}") from exc
    if got.status != 200:
        raise InputUnreachable(url, got.status, "GET refused")
    if size != checked.content_length:
        raise InputUnreachable(url, 200, f"got {size} bytes, HEAD said {checked.content_length}")
    return got


def _length(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None
