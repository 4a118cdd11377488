"""The one contract every generator speaks: submit, poll, fetch, optional cancel.

See shared/reference/providers.md ("A common provider contract"). Adapters normalise each
provider's states into ``ProviderState`` and its errors into ``ProviderError`` subclasses, so the
worker decides retries from values, never from a provider's raw strings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class Capability(StrEnum):
    TEXT_TO_VIDEO = "text_to_video"
    IMAGE_TO_VIDEO = "image_to_video"
    IMAGE = "image"
    LIPSYNC = "lipsync"
    FACE = "face"
    VOICE = "voice"
    PERFORMANCE = "performance"
    DIALOGUE = "dialogue"  # a shot's voice lines laid on one track (local, free)


class ProviderState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class GenRequest:
    """What a job asks a provider for. ``inputs`` are local file paths (reference images, audio)."""

    capability: Capability
    prompt: str
    model: str = ""
    duration_s: float = 5.0
    width: int = 1280
    height: int = 720
    fps: int = 24
    seed: int = 0
    inputs: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    # When this submit's input links were first made (Unix seconds, set by the executor as the
    # job enters `submitting`): links signed from it are identical on a replay, however late.
    links_at: int | None = None


@dataclass(frozen=True)
class SubmitResult:
    provider_job_id: str
    handle: dict[str, Any]
    immediate: PollResult | None = None


@dataclass(frozen=True)
class PollResult:
    state: ProviderState
    progress: float | None = None
    output_urls: tuple[str, ...] = ()
    error_code: str | None = None
    error_message: str = ""
    retryable: bool = False
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Price:
    """Cost model: a fixed part plus a part per second of output, in cents."""

    per_request_cents: int = 0
    per_second_cents: int = 0

    def estimate(self, duration_s: float) -> int:
        return self.per_request_cents + round(self.per_second_cents * duration_s)


class ProviderError(Exception):
    """A provider refused or failed. ``retryable`` and ``retry_after_s`` drive the retry policy."""

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        retry_after_s: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.retry_after_s = retry_after_s
        self.status = status


class RateLimited(ProviderError):
    retryable = True


class TransientError(ProviderError):
    """5xx or a connect error on a GET; safe to try again later."""

    retryable = True


class SubmitOutcomeUnknown(ProviderError):
    """The submit may or may not have reached the provider (read timeout, 5xx after sending).

    Never resend blindly: reconcile through the provider's list endpoint or go to needs_review.
    """


class Refused(ProviderError):
    """Moderation, validation or a bad key: retrying would not help."""


class ResultExpired(ProviderError):
    """The result link is gone (403/404/410 on download)."""


class DownloadError(ProviderError):
    """Truncated, oversized or wrongly typed download."""

    retryable = True


@runtime_checkable
class Provider(Protocol):
    name: str
    capabilities: frozenset[Capability]
    concurrency: int
    needs_key: bool

    def price(self, request: GenRequest) -> int:
        """Estimated cost in cents."""
        ...

    async def submit(self, request: GenRequest, idempotency_key: str) -> SubmitResult: ...

    async def poll(self, handle: dict[str, Any]) -> PollResult: ...

    def fetch(self, url: str) -> AsyncIterator[bytes]: ...

    async def cancel(self, handle: dict[str, Any]) -> None: ...

    async def reconcile(self, idempotency_key: str, request: GenRequest) -> SubmitResult | None:
        """Find a submit whose outcome was unknown; None when the provider cannot tell."""
        ...
