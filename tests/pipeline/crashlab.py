"""Kill a worker with SIGKILL at random moments, restart, drain, then audit everything.

Shared by tests/pipeline/test_worker_crash.py (small) and bench/bench_pipeline_crash.py (big).
The provider is ``FileProvider``: its submit log is the truth about what was paid for.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import col, select

from pipeline.enqueue import Enqueued, enqueue_takes
from pipeline.registry import ProviderRegistry
from pipeline.retry import RetryPolicy
from pipeline.worker import Worker
from storage import ledger
from storage.db import Database
from storage.media import LocalMediaStore
from storage.models import TERMINAL_JOB_STATUSES, Job, JobStatus, Take
from tests.pipeline.conftest import GUILD, MEMBER, make_shot
from tests.pipeline.fakes import FileProvider

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class CrashReport:
    jobs: int
    kills: int
    statuses: Counter[str] = field(default_factory=Counter)
    duplicate_submits: int = 0
    paid_submits: int = 0
    takes: int = 0
    spent_cents: int = 0
    held_cents: int = 0
    expected_spent_cents: int = 0
    expected_held_cents: int = 0
    succeeded_cost_cents: int = 0
    unexplained: list[int] = field(default_factory=list)  # ended without a reason
    bad_holds: list[int] = field(default_factory=list)  # a job whose hold is wrong
    takes_per_succeeded: set[int] = field(default_factory=set)
    reviewed_but_paid: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return (
            self.duplicate_submits == 0
            and not self.unexplained
            and not self.bad_holds
            and self.takes_per_succeeded <= {1}
            and self.spent_cents == self.expected_spent_cents == self.succeeded_cost_cents
            and self.held_cents == self.expected_held_cents
            and not self.reviewed_but_paid
            and set(self.statuses) <= {"succeeded", "needs_review", "failed"}
        )


def _worker_cmd(url: str, media: Path, worker_id: str, lease_s: float) -> list[str]:
    return [
        sys.executable, "-m", "pipeline.worker", "--database-url", url, "--media-dir", str(media),
        "--finisher", "store", "--registry-factory", "tests.pipeline.fakes:crash_registry",
        "--lease-s", str(lease_s), "--poll-interval", "0.05", "--worker-id", worker_id,
        "--log-level", "ERROR",
    ]  # fmt: skip


async def run_trial(
    db: Database,
    folder: Path,
    *,
    jobs: int,
    kills: int,
    seed: int = 0,
    lease_s: float = 1.0,
    alive_s: tuple[float, float] = (0.0, 0.8),
    workers: int = 1,
) -> CrashReport:
    """``kills`` SIGKILLs in all. With ``workers`` > 1 that many worker processes run at once
    against the same database (each round starts them together and kills each at its own random
    moment), so two claimers race for the same jobs while they die."""
    started = time.perf_counter()
    rng = random.Random(seed)
    provider_dir, media = folder / "provider", folder / "media"
    provider = FileProvider(provider_dir)
    registry = ProviderRegistry([provider])
    ids = await make_shot(db, budget_cents=1_000_000, confirm_above_cents=1_000_000)
    left = jobs
    while left:
        result = await enqueue_takes(db, guild_id=GUILD, shot_id=ids.shot_id, member_id=MEMBER,
                                     takes=min(8, left), provider=provider.name, confirm=True,
                                     registry=registry)  # fmt: skip
        assert isinstance(result, Enqueued), result
        left -= len(result.job_ids)

    env = {**os.environ, "DAILIES_FAKE_DIR": str(provider_dir)}
    done = 0
    while done < kills:
        batch = range(done, min(kills, done + max(1, workers)))
        processes = [
            await asyncio.create_subprocess_exec(
                *_worker_cmd(db.url, media, f"crash-{k}", lease_s),
                cwd=ROOT,
                env=env,
            )
            for k in batch
        ]
        lifetimes = [rng.uniform(*alive_s) for _ in batch]
        await asyncio.gather(
            *(_kill_when_working(db, f"crash-{k}/", process, alive)
              for k, process, alive in zip(batch, processes, lifetimes, strict=True))
        )  # fmt: skip
        done += len(batch)

    survivor = Worker(db, LocalMediaStore(media), registry, worker_id="survivor", lease_s=lease_s,
                      poll_interval=0.05, policy=RetryPolicy(base_s=0.05, cap_s=0.2))  # fmt: skip
    await survivor.drain(horizon_s=lease_s + 2, timeout_s=300)
    report = await audit(db, provider, jobs=jobs, kills=kills)
    report.seconds = time.perf_counter() - started
    return report


async def _kill_when_working(
    db: Database, owner: str, process: asyncio.subprocess.Process, alive_s: float
) -> None:
    # Kill only once it is working (start-up takes a while), at a random moment after.
    await _until_working(db, owner, process)
    await asyncio.sleep(alive_s)
    if process.returncode is None:
        process.send_signal(signal.SIGKILL)
    await process.wait()


async def _until_working(db: Database, owner: str, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.returncode is None:
        async with db.session() as s:
            leased = (
                await s.exec(select(Job.id).where(col(Job.lease_owner).startswith(owner)))
            ).first()
            # Nothing left to claim (the other worker finished the queue): kill it idle rather
            # than wait out the deadline.
            unfinished = (
                await s.exec(
                    select(Job.id).where(col(Job.status).not_in(TERMINAL_JOB_STATUSES)).limit(1)
                )
            ).first()
        if leased is not None or unfinished is None:
            return
        await asyncio.sleep(0.02)


async def audit(db: Database, provider: FileProvider, *, jobs: int, kills: int) -> CrashReport:
    report = CrashReport(jobs=jobs, kills=kills)
    submitted = Counter(record["key"] for record in provider.records())
    report.paid_submits = sum(submitted.values())
    report.duplicate_submits = sum(n - 1 for n in submitted.values() if n > 1)
    async with db.session() as s:
        rows = list((await s.exec(select(Job))).all())
        takes = Counter(t.job_id for t in (await s.exec(select(Take))).all())
        balance = await ledger.guild_balance(s, GUILD)
        for job in rows:
            assert job.id is not None
            report.statuses[job.status.value] += 1
            held = await ledger.job_held(s, GUILD, job.id)
            want_held = job.estimate_cents if job.status == JobStatus.NEEDS_REVIEW else 0
            if held != want_held:
                report.bad_holds.append(job.id)
            if job.status != JobStatus.SUCCEEDED and not job.last_error:
                report.unexplained.append(job.id)
            if job.status == JobStatus.SUCCEEDED:
                report.takes_per_succeeded.add(takes[job.id])
                report.succeeded_cost_cents += job.actual_cents or 0
            if job.status == JobStatus.NEEDS_REVIEW:
                report.expected_held_cents += job.estimate_cents
                if submitted[job.idempotency_key]:
                    report.reviewed_but_paid.append(job.id)
    report.takes = sum(takes.values())
    report.spent_cents, report.held_cents = balance.spent_cents, balance.held_cents
    # Every paid submit is a succeeded job's, and its cost is on the books.
    report.expected_spent_cents = provider.price_cents * report.paid_submits
    return report
