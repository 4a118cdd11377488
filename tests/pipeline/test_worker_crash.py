"""SIGKILL at random moments: restart, drain, and nothing is paid twice or lost from the books."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.db import Database
from tests.pipeline.crashlab import run_trial


@pytest.mark.slow
async def test_worker_killed_at_random_moments_never_pays_twice(
    db: Database, tmp_path: Path
) -> None:
    """12 takes, a worker kill -9'd three times mid-flight, then a survivor drains: every job
    ended with a reason, zero duplicate submits, and the ledger balances to the cent."""
    report = await run_trial(db, tmp_path, jobs=12, kills=3, seed=11)
    assert report.duplicate_submits == 0
    assert set(report.statuses) <= {"succeeded", "needs_review", "failed"}, report.statuses
    assert sum(report.statuses.values()) == 12
    assert report.unexplained == [] and report.bad_holds == []
    assert report.takes_per_succeeded <= {1} and report.takes == report.statuses["succeeded"]
    assert report.reviewed_but_paid == []
    assert report.spent_cents == report.expected_spent_cents == report.succeeded_cost_cents
    assert report.held_cents == report.expected_held_cents
    assert report.statuses["succeeded"] >= 1
    assert report.clean
