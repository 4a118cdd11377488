"""SIGKILL at random moments: restart, drain, and nothing is paid twice or lost from the books."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.db import Database
from tests.conftest import _fresh_postgres as fresh_postgres
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


@pytest.mark.slow
@pytest.mark.postgres
async def test_two_workers_killed_together_on_postgres_never_pay_twice(
    pg_database_url: str, tmp_path: Path
) -> None:
    """Two worker processes race for the same 16 takes on Postgres (SKIP LOCKED claims) and are
    kill -9'd at independent random moments, six kills in all: still one paid submit per job,
    one take per success, every job ended with a reason, the ledger exact to the cent."""
    # Postgres only: two claimers at once is what SKIP LOCKED is for (SQLite has one writer).
    pg_db = await fresh_postgres(pg_database_url)
    try:
        report = await run_trial(pg_db, tmp_path, jobs=16, kills=6, seed=23, workers=2)
    finally:
        await pg_db.dispose()
    assert report.duplicate_submits == 0
    assert sum(report.statuses.values()) == 16
    assert set(report.statuses) <= {"succeeded", "needs_review", "failed"}, report.statuses
    assert report.unexplained == [] and report.bad_holds == []
    assert report.takes_per_succeeded <= {1} and report.takes == report.statuses["succeeded"]
    assert report.spent_cents == report.expected_spent_cents == report.succeeded_cost_cents
    assert report.held_cents == report.expected_held_cents
    assert report.statuses["succeeded"] >= 1
    assert report.clean
