"""Retry decisions are values: bounded, jittered, Retry-After honoured, no blind resubmits."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.providers.base import (
    DownloadError,
    RateLimited,
    Refused,
    ResultExpired,
    SubmitOutcomeUnknown,
    TransientError,
)
from pipeline.retry import Phase, Reason, RetryPolicy

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def policy() -> RetryPolicy:
    return RetryPolicy(max_attempts=5, base_s=2.0, cap_s=60.0, rng=random.Random(7))


@pytest.mark.parametrize(
    ("error", "phase", "retry", "reason", "review"),
    [
        (RateLimited("429"), Phase.SUBMIT, True, Reason.RATE_LIMITED, False),
        (TransientError("connect refused"), Phase.SUBMIT, True, Reason.TRANSIENT, False),
        (
            SubmitOutcomeUnknown("read timeout"),
            Phase.SUBMIT,
            False,
            Reason.SUBMIT_OUTCOME_UNKNOWN,
            True,
        ),
        (OSError("reset by peer"), Phase.SUBMIT, False, Reason.SUBMIT_OUTCOME_UNKNOWN, True),
        (Refused("moderated", code="SAFETY"), Phase.SUBMIT, False, Reason.REFUSED, False),
        (TransientError("503"), Phase.POLL, True, Reason.TRANSIENT, False),
        (OSError("reset by peer"), Phase.POLL, True, Reason.TRANSIENT, False),
        (DownloadError("truncated"), Phase.FETCH, True, Reason.DOWNLOAD_FAILED, False),
        (ResultExpired("410"), Phase.FETCH, False, Reason.RESULT_EXPIRED, False),
        (ValueError("bad mp4"), Phase.FINISH, True, Reason.FINISH_FAILED, False),
    ],
)
def test_decision_table(
    error: Exception, phase: Phase, retry: bool, reason: Reason, review: bool
) -> None:
    """Each error class in each phase maps to one documented decision."""
    decision = policy().decide(error, 1, phase, now=NOW)
    assert (decision.retry, decision.reason, decision.needs_review) == (retry, reason, review)
    assert (decision.at is not None) == retry


def test_backoff_is_full_jitter_and_capped() -> None:
    """Delays stay within [0, min(cap, base * 2^(n-1))] and are not all the same."""
    p = policy()
    for attempts in range(1, 5):
        delays = [
            (p.decide(TransientError("x"), attempts, Phase.POLL, now=NOW).at or NOW) - NOW
            for _ in range(50)
        ]
        ceiling = timedelta(seconds=min(60.0, 2.0 * 2 ** (attempts - 1)))
        assert all(timedelta(0) <= d <= ceiling for d in delays)
        assert len(set(delays)) > 10


def test_retry_after_is_honoured() -> None:
    """A 429 with Retry-After: 30 waits at least 30 s (and at most one extra second)."""
    decision = policy().decide(RateLimited("429", retry_after_s=30), 1, Phase.SUBMIT, now=NOW)
    assert decision.retry and decision.at is not None
    assert timedelta(seconds=30) <= decision.at - NOW <= timedelta(seconds=31)


def test_retry_after_beyond_max_wait_gives_up() -> None:
    """A daily cap (Retry-After of hours) fails the job instead of holding a slot."""
    decision = policy().decide(RateLimited("cap", retry_after_s=86_400), 1, Phase.POLL, now=NOW)
    assert not decision.retry and decision.reason == Reason.WAIT_TOO_LONG


def test_attempts_are_bounded() -> None:
    """The fifth failure is the last one."""
    decision = policy().decide(TransientError("503"), 5, Phase.POLL, now=NOW)
    assert not decision.retry and decision.reason == Reason.ATTEMPTS_EXHAUSTED
    assert "503" in decision.detail
