"""Result downloads for the provider adapters: type sniffing, size caps, data: URLs, sha256.

Result links are signed, short-lived and sometimes wrong (an HTML login page, a cut connection,
a file far bigger than a take). ``stream_download`` refuses all of those before the bytes reach
the media store; ``download_to`` hashes what it writes and never leaves a partial file behind.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from pipeline.providers.base import DownloadError

if TYPE_CHECKING:
    from pipeline.providers._http import Timeouts
    from pipeline.providers.base import Provider


def sniff_kind(head: bytes) -> str | None:
    """'video', 'image', 'audio' or None, from the first bytes of a file."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        return "audio" if brand in (b"M4A ", b"M4B ") else "video"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return "video"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video"  # Matroska / WebM
    if head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff"):
        return "image"
    if head.startswith(b"GIF8"):
        return "image"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio"
    if head.startswith((b"ID3", b"OggS", b"fLaC")):
        return "audio"
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:
        return "audio"  # MPEG audio frame sync
    return None


SNIFF_BYTES = 16
MAX_REDIRECTS = 5
TEXTUAL_TYPES = ("text/html", "text/plain", "application/json", "application/xml", "text/xml")


def check_media(head: bytes, content_type: str, kinds: frozenset[str]) -> str:
    ctype = content_type.split(";")[0].strip().lower()
    if ctype in TEXTUAL_TYPES or head.lstrip()[:1] in (b"<", b"{"):
        raise DownloadError(
            f"expected media, got {ctype or 'an untyped'} document", code="wrong_content_type"
        )
    kind = sniff_kind(head)
    if kind is None or kind not in kinds:
        raise DownloadError(
            f"expected {'/'.join(sorted(kinds))}, got {ctype or 'unknown'} ({kind or 'no magic'})",
            code="wrong_content_type",
        )
    return kind


def decode_data_url(url: str) -> tuple[str, bytes]:
    header, _, payload = url.partition(",")
    ctype = header[5:].split(";")[0]
    try:
        data = (
            base64.b64decode(payload, validate=False)
            if header.endswith(";base64")
            else payload.encode()
        )
    except (binascii.Error, ValueError) as exc:
        raise DownloadError("unreadable data: URL", code="malformed") from exc
    return ctype, data


_MIME_BY_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF8", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"WAVE", 8, "audio/wav"),
    (b"ID3", 0, "audio/mpeg"),
    (b"OggS", 0, "audio/ogg"),
    (b"fLaC", 0, "audio/flac"),
    (b"\x1a\x45\xdf\xa3", 0, "video/webm"),
    (b"ftypqt", 4, "video/quicktime"),
    (b"ftyp", 4, "video/mp4"),
)


def mime_of(head: bytes) -> str:
    """The MIME type of a file from its first bytes (media-store files have no extension)."""
    for magic, offset, mime in _MIME_BY_MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return mime
    if sniff_kind(head) == "audio":
        return "audio/mpeg"  # bare MPEG frame sync
    return "application/octet-stream"


def data_url_for(path: str | Path, mime: str | None = None) -> str:
    raw = Path(path).read_bytes()
    mime = mime or mime_of(raw[:SNIFF_BYTES])
    return f"data:{mime};base64,{base64.b64encode(raw).decode()}"


def is_remote(value: str) -> bool:
    return value.startswith(("https://", "http://"))


@dataclass(frozen=True)
class Downloaded:
    path: Path
    sha256: str
    size: int


async def download_to(adapter: Provider, url: str, directory: Path) -> Downloaded:
    """Stream a result into ``directory`` (temp file, then rename): path, sha256, size.

    A partial file never survives: any error deletes it before re-raising.
    """
    digest = hashlib.sha256()
    size = 0
    tmp = _open_partial(directory)
    try:
        with tmp.open("wb") as out:
            async for chunk in adapter.fetch(url):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        final = _promote(tmp, directory / digest.hexdigest())
        return Downloaded(final, digest.hexdigest(), size)
    except BaseException:
        _discard(tmp)
        raise


def _open_partial(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=directory, prefix=".partial-")
    os.close(fd)
    return Path(name)


def _promote(tmp: Path, final: Path) -> Path:
    tmp.replace(final)
    return final


def _discard(tmp: Path) -> None:
    tmp.unlink(missing_ok=True)


async def stream_download(
    client: httpx.AsyncClient,
    url: str,
    *,
    headers: Mapping[str, str],
    timeouts: Timeouts,
    max_bytes: int,
    kinds: frozenset[str],
    secret: str = "",
) -> AsyncIterator[bytes]:
    if url.startswith("data:"):
        ctype, data = decode_data_url(url)
        if len(data) > max_bytes:
            raise DownloadError(f"result is {len(data)} bytes, cap {max_bytes}", code="oversized")
        check_media(data[:SNIFF_BYTES], ctype, kinds)
        yield data
        return
    if not is_remote(url):
        raise DownloadError("only http(s) and data: result URLs are fetched", code="bad_url")
    current, hop_headers = url, dict(headers)
    try:
        for _ in range(MAX_REDIRECTS + 1):
            # identity: the byte count we check is the byte count on the wire
            request_headers = {"Accept-Encoding": "identity", **hop_headers}
            async with client.stream(
                "GET",
                current,
                headers=request_headers,
                timeout=timeouts.httpx(),
                follow_redirects=False,
            ) as resp:
                if resp.is_redirect:
                    target = str(resp.url.join(resp.headers.get("location", "")))
                    if not is_remote(target):
                        raise DownloadError("redirect to a non-http URL", code="bad_url")
                    if urlsplit(target).hostname != urlsplit(current).hostname:
                        hop_headers = {}  # the key stays with the host it was meant for
                    current = target
                    continue
                if not resp.is_success:
                    await resp.aread()
                    raise _expired_or_error(resp, secret)
                async for chunk in _checked_body(resp, max_bytes, kinds):
                    yield chunk
                return
        raise DownloadError(f"more than {MAX_REDIRECTS} redirects", code="bad_url")
    except httpx.TimeoutException as exc:
        raise DownloadError(f"download stalled: {type(exc).__name__}", code="timeout") from exc
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise DownloadError(f"download cut short: {type(exc).__name__}", code="truncated") from exc
    except httpx.TransportError as exc:
        raise DownloadError(f"download failed: {type(exc).__name__}", code="transport") from exc


async def _checked_body(
    resp: httpx.Response, max_bytes: int, kinds: frozenset[str]
) -> AsyncIterator[bytes]:
    declared = resp.headers.get("content-length")
    expected = int(declared) if declared and declared.isdigit() else None
    if expected is not None and expected > max_bytes:
        raise DownloadError(f"result is {expected} bytes, cap {max_bytes}", code="oversized")
    ctype = resp.headers.get("content-type", "")
    head = b""
    total = 0
    checked = False
    async for chunk in resp.aiter_raw():
        total += len(chunk)
        if total > max_bytes:
            raise DownloadError(f"result passed the {max_bytes}-byte cap", code="oversized")
        if not checked:
            head += chunk
            if len(head) < SNIFF_BYTES:
                continue
            check_media(head, ctype, kinds)
            checked = True
            chunk, head = head, b""
        yield chunk
    if not checked:
        check_media(head, ctype, kinds)
        if head:
            yield head
    if expected is not None and total != expected:
        raise DownloadError(f"got {total} of {expected} bytes", code="truncated")


def _expired_or_error(resp: httpx.Response, secret: str) -> Exception:
    from pipeline.providers._http import Phase, exception_for

    return exception_for(resp, Phase.DOWNLOAD, secret)
