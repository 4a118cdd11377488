"""Signed, expiring public links to media in the store, for providers that only take URLs.

Luma keyframes and Sync lip-sync inputs must be URLs the provider can fetch. A link names the
content hash and nothing else (no guild, no member, no file name), carries an expiry, and is
signed with HMAC-SHA256 under a secret only Dailies knows:

    {public_base_url}/media/{sha256}.{ext}?exp={unix seconds}&sig={hex hmac}

The signature covers ``{sha256}.{ext}`` and ``exp``, so neither the content, its type (the
extension decides the Content-Type the link server sends) nor the expiry can be changed. Expiries
are rounded up to a step (a quarter of the TTL, 1 to 15 minutes), and a job's links count from
the moment it entered ``submitting`` (``GenRequest.links_at``, kept in the job), not from now: a
Sync replay with the same ``Idempotency-Key`` then sends the very same inputs however late it
comes (no 409 for changed inputs), and a Luma reconcile compares equal URLs. A link made for a
replay hours later may already be expired; the replay does not need it (the provider fetched the
inputs the first time, or never received the request and fails it cleanly).

No secret configured -> no ``MediaLinks`` at all, and the adapters keep refusing local files
with ``input_needs_url``. ``pipeline/media/links_server.py`` serves the links.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlencode

from storage.media.store import SHA256_PATTERN, check_sha256

DEFAULT_TTL_S = 3600
MIN_SECRET_LEN = 16
# extension -> Content-Type; the extension is signed, so the served type is ours, not a guess.
MIME_OF_EXT: dict[str, str] = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
    "gif": "image/gif",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "webm": "video/webm",
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
}
EXT_OF_MIME: dict[str, str] = {mime: ext for ext, mime in MIME_OF_EXT.items()}
EXT_OF_MIME.update({"image/jpg": "jpg", "audio/x-wav": "wav", "audio/wave": "wav"})
_NAME = re.compile(r"^([0-9a-f]{64})\.([a-z0-9]{1,5})$")


class LinkProblem(StrEnum):
    MALFORMED = "malformed"  # not a name/exp/sig we could have made
    FORGED = "forged"  # the signature does not match
    EXPIRED = "expired"


class LinkRefused(Exception):
    """A link that must not be served (the server answers 403)."""

    def __init__(self, problem: LinkProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


class NotMedia(ValueError):
    """A file whose first bytes are no picture, video or sound we know how to label."""


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """What a verified link points at."""

    sha256: str
    ext: str
    mime: str
    expires_at: int


def sniff_mime(head: bytes) -> str | None:
    """The media type from a file's first bytes (the store keeps bytes, not types)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    return None


class MediaLinks:
    """Makes and checks signed links. Build one per process from the settings."""

    def __init__(
        self,
        base_url: str,
        secret: str | bytes,
        *,
        ttl_s: int = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        key = secret.encode() if isinstance(secret, str) else secret
        if len(key) < MIN_SECRET_LEN:
            raise ValueError(f"the link secret needs at least {MIN_SECRET_LEN} characters")
        if not base_url.startswith(("https://", "http://")):
            raise ValueError(f"public base URL must be http(s): {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._key = key
        self.ttl_s = max(60, int(ttl_s))
        self.step_s = max(60, min(900, self.ttl_s // 4))
        self._clock = clock

    def __repr__(self) -> str:  # never the secret
        return f"<MediaLinks {self.base_url} ttl={self.ttl_s}s secret=***>"

    def _sign(self, name: str, exp: int) -> str:
        return hmac.new(self._key, f"{name}\n{exp}".encode(), hashlib.sha256).hexdigest()

    def expiry(self, ttl_s: int | None = None, at: float | None = None) -> int:
        """``at`` (default now) + TTL, rounded up to the step (see the module note)."""
        ttl = self.ttl_s if ttl_s is None else max(1, int(ttl_s))
        start = self._clock() if at is None else at
        return math.ceil((start + ttl) / self.step_s) * self.step_s

    def link_for(
        self, sha256: str, mime: str, ttl_s: int | None = None, at: float | None = None
    ) -> str:
        ext = EXT_OF_MIME.get(mime.split(";")[0].strip().lower())
        if ext is None:
            raise NotMedia(f"no public link for content type {mime!r}")
        name = f"{check_sha256(sha256)}.{ext}"
        exp = self.expiry(ttl_s, at)
        query = urlencode({"exp": exp, "sig": self._sign(name, exp)})
        return f"{self.base_url}/media/{name}?{query}"

    def verify(self, name: str, exp: str, sig: str) -> LinkTarget:
        """The target of a link, or ``LinkRefused``. The signature is compared in constant
        time, and checked before the expiry so a forger learns nothing from the answer."""
        match = _NAME.match(name)
        if match is None or not exp.isdigit() or len(exp) > 12 or len(sig) != 64:
            raise LinkRefused(LinkProblem.MALFORMED)
        expected = self._sign(name, int(exp))
        if not hmac.compare_digest(expected.encode(), sig.lower().encode()):
            raise LinkRefused(LinkProblem.FORGED)
        if int(exp) < self._clock():
            raise LinkRefused(LinkProblem.EXPIRED)
        sha256, ext = match.groups()
        mime = MIME_OF_EXT.get(ext)
        if mime is None:
            raise LinkRefused(LinkProblem.MALFORMED)
        return LinkTarget(sha256=sha256, ext=ext, mime=mime, expires_at=int(exp))

    async def link_for_file(
        self, path: str | Path, ttl_s: int | None = None, at: float | None = None
    ) -> str:
        """A link to a file of the media store (the executor resolves inputs to store files,
        named by their sha256). The type is read from the file's first bytes. ``at``: the
        moment the expiry counts from (default now; see the module note)."""
        file = Path(path)
        if not SHA256_PATTERN.fullmatch(file.name):
            raise LookupError(f"{file.name} is not a file of the media store")
        head = await asyncio.to_thread(_head, file)
        mime = sniff_mime(head)
        if mime is None:
            raise NotMedia(f"{file.name[:12]}... is not a picture, video or sound")
        return self.link_for(file.name, mime, ttl_s, at)


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as reader:
            return reader.read(64)
    except FileNotFoundError:
        raise LookupError(f"{path.name[:12]}... is not in the media store") from None
