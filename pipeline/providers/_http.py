"""Shared HTTP plumbing for the provider adapters.

Every adapter talks to its provider through ``HttpAdapter``: auth headers that never reach a log
or a repr, one mapping from HTTP status to ``ProviderError`` subclasses, ``Retry-After`` in both
its forms, split timeouts, and a streaming download that refuses truncated, oversized or wrongly
typed files. The one rule that matters most (DESIGN invariant 3) lives in ``submit_post``: a paid
POST is resent only when the connection never opened; anything that may have reached the
provider becomes ``SubmitOutcomeUnknown``.

Downloads and media sniffing live in ``_download``.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import json
import logging
import math
import ssl
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from pipeline.providers._download import stream_download
from pipeline.providers.base import (
    Capability,
    GenRequest,
    PollResult,
    ProviderError,
    RateLimited,
    Refused,
    ResultExpired,
    SubmitOutcomeUnknown,
    SubmitResult,
    TransientError,
)

log = logging.getLogger("pipeline.providers")

MB = 1024 * 1024
REFUSED = "refused"  # prefix of PollResult.error_code for moderation/validation refusals


class Phase(StrEnum):
    SUBMIT = "submit"  # the paid POST: never resent once it may have been received
    POLL = "poll"  # idempotent GET/DELETE/PUT: safe to retry
    DOWNLOAD = "download"  # result bytes: 403/404/410 mean the link expired


@dataclass(frozen=True)
class Timeouts:
    """Seconds. ``submit_read`` is how long a submit may take to answer before its outcome is
    unknown; ``read`` is for polls and downloads (between bytes, not in total)."""

    connect: float = 5.0
    read: float = 30.0
    submit_read: float = 60.0
    write: float = 30.0
    pool: float = 10.0

    def httpx(self, read: float | None = None) -> httpx.Timeout:
        return httpx.Timeout(
            connect=self.connect,
            read=self.read if read is None else read,
            write=self.write,
            pool=self.pool,
        )


@dataclass(frozen=True)
class Rate:
    """One line of a price table, in cents (floats: the estimate is rounded up once)."""

    per_request: float = 0.0
    per_second: float = 0.0
    per_character: float = 0.0


@dataclass(frozen=True)
class PriceTable:
    """Estimates from shared/reference/providers.md, not billing truth: they size reservations."""

    rates: Mapping[str, Rate]
    default_model: str
    source: str = "providers.md (estimates)"

    def rate(self, model: str) -> Rate:
        return self.rates.get(model) or self.rates[self.default_model]

    def estimate(
        self, request: GenRequest, model: str | None = None, seconds: float | None = None
    ) -> int:
        rate = self.rate(model or request.model or self.default_model)
        billed = request.duration_s if seconds is None else seconds
        cents = (
            rate.per_request
            + rate.per_second * max(billed, 0.0)
            + rate.per_character * len(request.prompt)
        )
        return math.ceil(cents - 1e-9)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP-date; None when absent/bad."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


def redact(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


def error_fields(body: Any) -> tuple[str, str]:
    """(code, message) from the error envelopes our providers use.

    Google ``{"error": {"code", "message", "status"}}``, FastAPI ``{"detail": str | [..] |
    {...}}``, Sync ``{"errorCode", "message"}``, plain ``{"error": str}`` / ``{"message": str}``.
    """
    if not isinstance(body, dict):
        return "", str(body)[:300] if body else ""
    err = body.get("error")
    if isinstance(err, dict):
        return str(err.get("status") or err.get("code") or ""), str(err.get("message", ""))
    detail = body.get("detail")
    if isinstance(detail, dict):
        code = detail.get("code") or detail.get("status") or detail.get("type") or ""
        return str(code), str(detail.get("message", ""))
    if isinstance(detail, list):
        msgs = [_validation_line(d) for d in detail]
        return "validation_error", "; ".join(msgs)
    code = body.get("error_type") or body.get("errorCode") or body.get("code") or ""
    message = detail or body.get("message") or err or ""
    if isinstance(message, list):
        message = "; ".join(str(m) for m in message)
    return str(code), str(message)


def _validation_line(item: Any) -> str:
    """One FastAPI-style validation entry: ``body.text: field required``."""
    if not isinstance(item, dict):
        return str(item)
    where = ".".join(str(p) for p in item.get("loc") or [])
    return f"{where}: {item.get('msg', '')}" if where else str(item.get("msg", item))


def _body_of(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except (ValueError, UnicodeDecodeError, httpx.ResponseNotRead):
        try:
            return resp.text[:300]
        except (UnicodeDecodeError, httpx.ResponseNotRead):
            return ""


def exception_for(resp: httpx.Response, phase: Phase, secret: str = "") -> ProviderError:
    """The one status -> exception map. Adapters refine a few provider codes before calling it."""
    status = resp.status_code
    code, message = error_fields(_body_of(resp))
    message = redact(f"HTTP {status} {message}".strip(), secret)
    retry_after = parse_retry_after(resp.headers.get("retry-after"))
    if status == 429:
        return RateLimited(
            message, code=code or "rate_limited", retry_after_s=retry_after, status=status
        )
    if phase is Phase.DOWNLOAD and status in (403, 404, 410):
        return ResultExpired(message, code=code or "expired", status=status)
    if status in (401, 403):
        return Refused(message, code=code or "unauthorized", status=status)
    if status == 408 or status >= 500:
        if phase is Phase.SUBMIT:
            # The provider saw the request; it may have created (and billed) the job.
            return SubmitOutcomeUnknown(
                message, code=code or f"http_{status}", retry_after_s=retry_after, status=status
            )
        return TransientError(
            message, code=code or f"http_{status}", retry_after_s=retry_after, status=status
        )
    if status == 404:
        return Refused(message, code=code or "not_found", status=status)
    return Refused(message, code=code or f"http_{status}", status=status)


# -- the adapter base -----------------------------------------------------------------------


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verified TLS context for every adapter: building one costs ~40 ms of CPU."""
    return httpx.create_ssl_context()


@dataclass
class _Settings:
    timeouts: Timeouts = field(default_factory=Timeouts)
    max_download_bytes: int = 512 * MB
    connect_retries: int = 2


class HttpAdapter:
    """Base for the HTTP providers. Subclasses set the class attributes and the four verbs."""

    name: str = ""
    default_base_url: ClassVar[str] = ""
    default_concurrency: ClassVar[int] = 2
    capabilities: frozenset[Capability] = frozenset()
    prices: ClassVar[PriceTable]
    auth_header: ClassVar[str] = "Authorization"
    auth_scheme: ClassVar[str] = "Bearer "
    media_kinds: ClassVar[frozenset[str]] = frozenset({"video", "image", "audio"})
    needs_key: bool = True
    # True only where the provider dedupes a repeated submit (Sync's Idempotency-Key).
    idempotent_submit: ClassVar[bool] = False

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
    ) -> None:
        self._key = api_key or ""
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.concurrency = concurrency or self.default_concurrency
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(follow_redirects=False, verify=tls_context())
        s = _Settings()
        self.timeouts = timeouts or s.timeouts
        self.max_download_bytes = max_download_bytes or s.max_download_bytes
        self.connect_retries = s.connect_retries if connect_retries is None else connect_retries
        self.log = logging.getLogger(f"pipeline.providers.{self.name}")

    def __repr__(self) -> str:  # never the key
        return f"<{type(self).__name__} {self.name} base_url={self.base_url!r} key=***>"

    def available(self) -> bool:
        return bool(self._key)

    def price(self, request: GenRequest) -> int:
        return self.prices.estimate(
            request, self.model_for(request), seconds=self.billed_seconds(request)
        )

    def billed_seconds(self, request: GenRequest) -> float:
        """The duration the provider will actually make (and bill) for this request."""
        return request.duration_s

    def model_for(self, request: GenRequest) -> str:
        return request.model or self.prices.default_model

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    # -- headers and URLs

    def auth_headers(self) -> dict[str, str]:
        return {self.auth_header: f"{self.auth_scheme}{self._key}"}

    def api_headers(self) -> dict[str, str]:
        return self.auth_headers()

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def is_api_host(self, url: str) -> bool:
        return urlsplit(url).hostname == urlsplit(self.base_url).hostname

    def download_headers(self, url: str) -> dict[str, str]:
        """Result links are usually signed CDN URLs: the key goes nowhere but the API host."""
        return {}

    # -- requests

    def _fail(self, exc: ProviderError) -> ProviderError:
        exc.args = (redact(str(exc), self._key),)
        return exc

    async def submit_post(
        self,
        url: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        read_timeout: float | None = None,
    ) -> httpx.Response:
        """The paid POST. Resent only after a connect failure (nothing was sent); 2xx returned."""
        all_headers = {**self.api_headers(), **(headers or {})}
        timeout = self.timeouts.httpx(read_timeout or self.timeouts.submit_read)
        attempt = 0
        while True:
            try:
                resp = await self._http.post(
                    url, json=json_body, headers=all_headers, params=params, timeout=timeout
                )
                await resp.aread()
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                attempt += 1
                if attempt <= self.connect_retries:
                    self.log.info(
                        "%s submit: connect failed (%s), retry %d",
                        self.name,
                        type(exc).__name__,
                        attempt,
                    )
                    await asyncio.sleep(min(0.1 * 2 ** (attempt - 1), 2.0))
                    continue
                raise self._fail(
                    TransientError(
                        f"cannot reach {self.name}: {type(exc).__name__}", code="connect"
                    )
                ) from exc
            except httpx.TransportError as exc:
                # Read timeout, reset, half-sent body: the provider may have the job.
                self.log.warning("%s submit outcome unknown: %s", self.name, type(exc).__name__)
                raise self._fail(
                    SubmitOutcomeUnknown(
                        f"{self.name} submit outcome unknown: {type(exc).__name__}",
                        code="timeout" if isinstance(exc, httpx.TimeoutException) else "transport",
                    )
                ) from exc
            if resp.is_success:
                return resp
            self.log.info("%s submit answered HTTP %d", self.name, resp.status_code)
            raise self._fail(self.refine_error(resp, Phase.SUBMIT))

    async def call(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        auth: bool = True,
    ) -> httpx.Response:
        """An idempotent call (poll, list, cancel): every failure is an exception with a verdict."""
        all_headers = {**(self.api_headers() if auth else {}), **(headers or {})}
        try:
            resp = await self._http.request(
                method,
                url,
                json=json_body,
                headers=all_headers,
                params=params,
                timeout=self.timeouts.httpx(),
            )
            await resp.aread()
        except httpx.TransportError as exc:
            code = "timeout" if isinstance(exc, httpx.TimeoutException) else "transport"
            raise self._fail(
                TransientError(f"{self.name} {method}: {type(exc).__name__}", code=code)
            ) from exc
        if not resp.is_success:
            raise self._fail(self.refine_error(resp, Phase.POLL))
        return resp

    def refine_error(self, resp: httpx.Response, phase: Phase) -> ProviderError:
        """Hook for provider-specific error codes; the default is the shared map."""
        return exception_for(resp, phase, self._key)

    def json_of(self, resp: httpx.Response, phase: Phase) -> dict[str, Any]:
        try:
            body = resp.json()
        except (ValueError, UnicodeDecodeError) as exc:
            err: ProviderError
            if phase is Phase.SUBMIT:
                # 2xx with an unreadable body: the job exists but we cannot name it.
                err = SubmitOutcomeUnknown(
                    f"{self.name}: malformed JSON on submit",
                    code="malformed_json",
                    status=resp.status_code,
                )
            else:
                err = TransientError(
                    f"{self.name}: malformed JSON", code="malformed_json", status=resp.status_code
                )
            raise self._fail(err) from exc
        if not isinstance(body, dict):
            cls = SubmitOutcomeUnknown if phase is Phase.SUBMIT else TransientError
            raise self._fail(cls(f"{self.name}: unexpected JSON shape", code="malformed_json"))
        return body

    # -- download

    async def fetch(self, url: str) -> AsyncIterator[bytes]:
        """Stream a result. Checks type (header and magic bytes), size and completeness."""
        async for chunk in stream_download(
            self._http,
            url,
            headers=self.download_headers(url),
            timeouts=self.timeouts,
            max_bytes=self.max_download_bytes,
            kinds=self.media_kinds,
            secret=self._key,
        ):
            yield chunk

    # -- the verbs each provider writes

    async def submit(self, request: GenRequest, idempotency_key: str) -> SubmitResult:
        raise NotImplementedError

    async def poll(self, handle: dict[str, Any]) -> PollResult:
        raise NotImplementedError

    # -- defaults for optional verbs

    async def cancel(self, handle: dict[str, Any]) -> None:
        self.log.info("%s has no cancel endpoint; job %s runs to its end", self.name, handle)

    async def reconcile(self, idempotency_key: str, request: GenRequest) -> SubmitResult | None:
        return None


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 timestamp (``Z`` or offset) as an aware datetime; None when unreadable."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def ratio_of(width: int, height: int, choices: list[str]) -> str:
    """The choice ("W:H") nearest to width/height."""
    target = width / max(height, 1)

    def distance(choice: str) -> float:
        w, h = (float(x) for x in choice.split(":"))
        return abs(math.log((w / h) / target))

    return min(choices, key=distance)
