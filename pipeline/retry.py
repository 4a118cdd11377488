"""Retry decisions as values: when to try again and why, or why not.

``RetryPolicy.decide(error, attempts, phase)`` maps a provider error to a ``RetryDecision``.
The rules (shared/reference/providers.md, "Retry rules that hold for every provider"):

* polls and downloads (GETs) retry 429, 5xx, timeouts and truncated downloads;
* a submit (a paid POST) retries only when the request provably never arrived: a 429
  (``RateLimited``) or a connect error (``TransientError`` from the adapter); anything else on a
  submit (``SubmitOutcomeUnknown``, or an error we do not recognise) is an unknown outcome and
  is never repeated: ``needs_review=True`` sends it to reconciliation;
* ``Refused`` (moderation, validation, bad key) and ``ResultExpired`` never retry;
* attempts are bounded; delays are exponential with full jitter; a ``Retry-After`` is honoured
  (and a wait longer than ``max_wait_s`` gives up rather than hold a worker slot for hours).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from pipeline.providers.base import (
    DownloadError,
    ProviderError,
    RateLimited,
    Refused,
    ResultExpired,
    SubmitOutcomeUnknown,
    TransientError,
)
from storage.types import utcnow


class Phase(StrEnum):
    SUBMIT = "submit"
    POLL = "poll"
    FETCH = "fetch"
    FINISH = "finish"


class Reason(StrEnum):
    """Why a job waits or ended; the bot translates these (en/fr)."""

    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"
    DOWNLOAD_FAILED = "download_failed"
    FINISH_FAILED = "finish_failed"
    PROVIDER_FAILED = "provider_failed"
    REFUSED = "refused"
    RESULT_EXPIRED = "result_expired"
    SUBMIT_OUTCOME_UNKNOWN = "submit_outcome_unknown"
    ATTEMPTS_EXHAUSTED = "attempts_exhausted"
    WAIT_TOO_LONG = "wait_too_long"
    DEPENDENCY_FAILED = "dependency_failed"
    CANCELLED = "cancelled"
    UNKNOWN_PROVIDER = "unknown_provider"
    BAD_INPUT = "bad_input"


@dataclass(frozen=True)
class RetryDecision:
    retry: bool
    at: datetime | None
    reason: Reason
    detail: str = ""
    needs_review: bool = False


@dataclass
class RetryPolicy:
    max_attempts: int = 5
    base_s: float = 2.0
    cap_s: float = 300.0
    max_wait_s: float = 3600.0
    rng: random.Random = field(default_factory=random.Random)

    def backoff_s(self, attempts: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2^(attempts-1))]."""
        ceiling = min(self.cap_s, self.base_s * 2 ** max(0, attempts - 1))
        return self.rng.uniform(0, ceiling)

    def decide(
        self,
        error: BaseException,
        attempts: int,
        phase: Phase,
        *,
        now: datetime | None = None,
    ) -> RetryDecision:
        """``attempts``: failures so far, this one included."""
        now = now or utcnow()
        detail = _describe(error)
        if isinstance(error, Refused):
            return RetryDecision(False, None, Reason.REFUSED, detail)
        if isinstance(error, ResultExpired):
            return RetryDecision(False, None, Reason.RESULT_EXPIRED, detail)
        if phase is Phase.SUBMIT and not isinstance(error, RateLimited | TransientError):
            # SubmitOutcomeUnknown, or anything we cannot prove happened before sending.
            return RetryDecision(
                False, None, Reason.SUBMIT_OUTCOME_UNKNOWN, detail, needs_review=True
            )
        reason = _reason(error, phase)
        if attempts >= self.max_attempts:
            return RetryDecision(
                False, None, Reason.ATTEMPTS_EXHAUSTED, f"{reason}: {detail} ({attempts} tries)"
            )
        delay = self.backoff_s(attempts)
        retry_after = getattr(error, "retry_after_s", None)
        if retry_after is not None:
            if retry_after > self.max_wait_s:
                return RetryDecision(False, None, Reason.WAIT_TOO_LONG, detail)
            # Honour the server's wait; add a little jitter so workers do not stampede.
            delay = retry_after + self.rng.uniform(0, min(1.0, retry_after * 0.1))
        return RetryDecision(True, now + timedelta(seconds=delay), reason, detail)


def _reason(error: BaseException, phase: Phase) -> Reason:
    if isinstance(error, RateLimited):
        return Reason.RATE_LIMITED
    if isinstance(error, DownloadError) or phase is Phase.FETCH:
        return Reason.DOWNLOAD_FAILED
    if phase is Phase.FINISH:
        return Reason.FINISH_FAILED
    return Reason.TRANSIENT


def _describe(error: BaseException) -> str:
    name = type(error).__name__
    code = getattr(error, "code", "") if isinstance(error, ProviderError) else ""
    text = str(error)
    return f"{name}{f'[{code}]' if code else ''}: {text}"[:500]


__all__ = [
    "Phase",
    "Reason",
    "RetryDecision",
    "RetryPolicy",
    "SubmitOutcomeUnknown",
]
