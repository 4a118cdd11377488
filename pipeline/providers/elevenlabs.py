"""ElevenLabs text-to-speech (providers.md §8): synchronous, the audio is the submit's answer.

``submit`` returns ``SubmitResult.immediate`` (SUCCEEDED) whose one output URL is a ``file://``
spool file holding the audio; ``fetch`` streams it back through the same checks as any download
and ``poll`` re-reads it after a restart. 429 comes in two kinds: ``too_many_concurrent_requests``
(our own concurrency; wait for a slot, ``retry_after_s`` short) and ``system_busy`` (back off).
A 422 is a validation refusal. No idempotency: a resent request is generated and billed again.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

import httpx

from pipeline.providers._download import SNIFF_BYTES, check_media
from pipeline.providers._http import HttpAdapter, Phase, PriceTable, Rate, Timeouts, error_fields
from pipeline.providers.base import (
    Capability,
    DownloadError,
    GenRequest,
    PollResult,
    ProviderError,
    ProviderState,
    Refused,
    ResultExpired,
    SubmitOutcomeUnknown,
    SubmitResult,
)

NAME = "elevenlabs"
DEFAULT_VOICE = "21m00Tcm4TlvDq8ikWAM"
OUTPUT_FORMAT = "mp3_44100_128"
_HEADERLESS = ("pcm_", "ulaw_", "alaw_")  # raw sample formats: no file header to sniff
_HEADERLESS_SUFFIXES = {"pcm", "ulaw", "alaw"}


def _not_a_page(data: bytes, content_type: str) -> None:
    if content_type.split(";")[0].strip().lower().startswith(("text/", "application/json")):
        raise DownloadError(f"expected audio, got {content_type}", code="wrong_content_type")


class ElevenLabsAdapter(HttpAdapter):
    name = NAME
    default_base_url = "https://api.elevenlabs.io"
    default_concurrency = 5  # Creator plan; Free 2, Starter 3, Pro 10, Scale/Business 15
    capabilities = frozenset({Capability.VOICE})
    media_kinds = frozenset({"audio"})
    auth_header = "xi-api-key"
    auth_scheme = ""
    # providers.md has no per-character rates: ~$0.30 per 1,000 characters is our guess.
    prices: ClassVar[PriceTable] = PriceTable(
        {
            "eleven_multilingual_v2": Rate(per_character=0.03),
            "eleven_v3": Rate(per_character=0.03),
            "eleven_flash_v2_5": Rate(per_character=0.015),
            "eleven_turbo_v2_5": Rate(per_character=0.015),
        },
        default_model="eleven_multilingual_v2",
    )

    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        http: httpx.AsyncClient | None = None,
        concurrency: int | None = None,
        *,
        timeouts: Timeouts | None = None,
        max_download_bytes: int | None = None,
        connect_retries: int | None = None,
        spool_dir: Path | None = None,
    ) -> None:
        super().__init__(
            api_key,
            base_url,
            http,
            concurrency,
            timeouts=timeouts,
            max_download_bytes=max_download_bytes,
            connect_retries=connect_retries,
        )
        self.spool_dir = (spool_dir or Path(tempfile.gettempdir()) / "dailies-tts").resolve()
        # The provider queues then 429s past the plan's ceiling: keep ourselves under it.
        self._slots = asyncio.Semaphore(self.concurrency)

    def body(self, request: GenRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "text": request.prompt,
            "model_id": self.model_for(request),
            "seed": request.seed,
        }
        for key in ("language_code", "voice_settings", "previous_text", "next_text"):
            if key in request.options:
                body[key] = request.options[key]
        return body

    def refine_error(self, resp: httpx.Response, phase: Phase) -> ProviderError:
        try:
            body = resp.json()
        except ValueError:
            body = {}
        code, message = error_fields(body)
        if resp.status_code == 429:
            exc = super().refine_error(resp, phase)
            if code == "too_many_concurrent_requests":
                exc.code = code
                if exc.retry_after_s is None:
                    exc.retry_after_s = 1.0  # a slot frees when any of ours finishes
            elif code:
                exc.code = code  # system_busy: plain backoff, honour Retry-After when given
            return exc
        if resp.status_code in (400, 422):
            return Refused(
                f"HTTP {resp.status_code} {message}".strip(),
                code=code or "validation_error",
                status=resp.status_code,
            )
        return super().refine_error(resp, phase)

    async def submit(self, request: GenRequest, idempotency_key: str) -> SubmitResult:
        if not request.prompt.strip():
            raise Refused("nothing to say", code="empty_text")
        voice = str(request.options.get("voice_id") or request.inputs.get("voice") or DEFAULT_VOICE)
        fmt = str(request.options.get("output_format", OUTPUT_FORMAT))
        async with self._slots:
            resp = await self.submit_post(
                self.url(f"v1/text-to-speech/{voice}"),
                json_body=self.body(request),
                params={"output_format": fmt},
                headers={"Accept": "audio/mpeg" if fmt.startswith("mp3") else "*/*"},
            )
        audio = resp.content
        if len(audio) > self.max_download_bytes:
            raise SubmitOutcomeUnknown("audio over the size cap", code="oversized")
        try:
            if fmt.startswith(_HEADERLESS):  # raw samples: no magic to check, only not-a-page
                _not_a_page(audio, resp.headers.get("content-type", ""))
            else:
                check_media(
                    audio[:SNIFF_BYTES], resp.headers.get("content-type", ""), self.media_kinds
                )
        except DownloadError as exc:
            # The call was answered 200 and billed; what came back is not audio.
            raise SubmitOutcomeUnknown(str(exc), code=exc.code) from exc
        request_id = resp.headers.get("request-id") or uuid.uuid4().hex
        digest = hashlib.sha256(audio).hexdigest()
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        path = self.spool_dir / f"{digest}.{fmt.split('_')[0]}"
        if not path.exists():
            tmp = path.with_suffix(".partial")
            tmp.write_bytes(audio)
            tmp.replace(path)
        url = path.as_uri()
        raw = {
            "request_id": request_id,
            "sha256": digest,
            "size": len(audio),
            "character_cost": resp.headers.get("character-cost"),
            "voice_id": voice,
        }
        self.log.info(
            "elevenlabs speech %s (%d bytes) for job %s", request_id, len(audio), idempotency_key
        )
        return SubmitResult(
            provider_job_id=request_id,
            handle={"request_id": request_id, "file_url": url, "sha256": digest},
            immediate=PollResult(
                ProviderState.SUCCEEDED, progress=1.0, output_urls=(url,), raw=raw
            ),
        )

    async def poll(self, handle: dict[str, Any]) -> PollResult:
        url = str(handle.get("file_url", ""))
        path = self._spool_path(url)
        if path is None or not path.exists():
            return PollResult(
                ProviderState.FAILED,
                error_code="spool_missing",
                retryable=False,
                error_message="the synthesized audio is no longer on disk",
            )
        return PollResult(
            ProviderState.SUCCEEDED, progress=1.0, output_urls=(url,), raw=dict(handle)
        )

    def _spool_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme != "file":
            return None
        path = Path(unquote(parts.path)).resolve()
        return path if path.is_relative_to(self.spool_dir) else None

    async def fetch(self, url: str) -> AsyncIterator[bytes]:
        if not url.startswith("file:"):
            async for chunk in super().fetch(url):
                yield chunk
            return
        path = self._spool_path(url)
        if path is None:
            raise DownloadError("file URL outside the speech spool", code="bad_url")
        if not path.exists():
            raise ResultExpired("spooled audio is gone", code="spool_missing")
        data = path.read_bytes()
        if path.suffix.lstrip(".") not in _HEADERLESS_SUFFIXES:
            check_media(data[:SNIFF_BYTES], "", self.media_kinds)
        yield data


PROVIDER_CLASS = ElevenLabsAdapter
