"""1,000 jobs in flight at once in one worker: what holding them costs (CPU, RSS, lease renewals).

A provider that keeps every job "running" for ``--run-s`` seconds (concurrency 1,000) is given
``--jobs`` takes. The worker claims them all, polls each with its backoff (0.5 s growing to 5 s),
renews every lease every ``lease_s / 3``. Prints the ramp-up time to all-in-flight, the CPU share
and resident memory while they are all held, and the time to drain once the provider finishes.
Baseline: the same process idle (CPU 0 %, its RSS before any job).

    .venv/bin/python bench/bench_pipeline_inflight.py --jobs 1000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipeline.enqueue import Enqueued, enqueue_takes
from pipeline.executor import ExecutorConfig
from pipeline.providers.base import Capability, GenRequest, PollResult, ProviderState, SubmitResult
from pipeline.registry import ProviderRegistry
from pipeline.worker import Worker
from storage.db import Database
from storage.media import LocalMediaStore
from tests.pipeline.conftest import GUILD, MEMBER, make_shot


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def until(condition: Callable[[], bool]) -> None:
    """Wait for a worker counter (the worker has no event for it; 50 ms resolution is plenty)."""
    while not condition():  # noqa: ASYNC110
        await asyncio.sleep(0.05)


class LongProvider:
    name = "long"
    capabilities = frozenset(Capability)
    needs_key = False

    def __init__(self, run_s: float, concurrency: int) -> None:
        self.run_s = run_s
        self.concurrency = concurrency
        self.polls = 0
        self.release_at = time.monotonic() + 3600

    def price(self, request: GenRequest) -> int:
        return 0

    async def submit(self, request: GenRequest, idempotency_key: str) -> SubmitResult:
        return SubmitResult(provider_job_id=idempotency_key, handle={"k": idempotency_key})

    async def poll(self, handle: dict[str, Any]) -> PollResult:
        self.polls += 1
        if time.monotonic() >= self.release_at:
            return PollResult(ProviderState.SUCCEEDED, output_urls=(f"mem://{handle['k']}",))
        return PollResult(ProviderState.RUNNING, progress=0.5)

    async def fetch(self, url: str) -> AsyncIterator[bytes]:
        yield url.encode() * 64

    async def cancel(self, handle: dict[str, Any]) -> None:
        return None

    async def reconcile(self, idempotency_key: str, request: GenRequest) -> SubmitResult | None:
        return None


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-inflight-") as tmp:
        folder = Path(tmp)
        db = Database(args.database_url or f"sqlite:///{folder / 'dailies.db'}")
        await db.create_all()
        provider = LongProvider(args.run_s, args.jobs)
        registry = ProviderRegistry([provider])
        ids = await make_shot(db, budget_cents=10**9, confirm_above_cents=10**9)
        t0 = time.perf_counter()
        for start in range(0, args.jobs, 8):
            result = await enqueue_takes(
                db, guild_id=GUILD, shot_id=ids.shot_id, member_id=MEMBER,
                takes=min(8, args.jobs - start), provider="long", confirm=True, registry=registry,
            )  # fmt: skip
            assert isinstance(result, Enqueued)
        enqueue_s = time.perf_counter() - t0
        idle_rss = rss_mb()
        config = ExecutorConfig(poll_initial_s=0.5, poll_max_s=5.0, progress_every_s=60)
        worker = Worker(db, LocalMediaStore(folder / "media"), registry, worker_id="bench",
                        lease_s=args.lease_s, poll_interval=0.2, config=config)  # fmt: skip
        running = asyncio.create_task(worker.run())
        t1 = time.perf_counter()
        await until(lambda: worker.stats.claimed >= args.jobs)
        ramp_s = time.perf_counter() - t1
        await asyncio.sleep(2)  # let the first polls settle into their backoff
        cpu0, wall0, polls0 = time.process_time(), time.perf_counter(), provider.polls
        await asyncio.sleep(args.hold_s)
        cpu_share = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
        polls_per_s = (provider.polls - polls0) / (time.perf_counter() - wall0)
        held_rss = rss_mb()
        provider.release_at = time.monotonic()
        t2 = time.perf_counter()
        await until(lambda: worker.stats.finished >= args.jobs)
        finish_s = time.perf_counter() - t2
        await worker.stop()
        await running
        await db.dispose()
    print(f"jobs in flight                  {args.jobs}")
    per_job = 1000 * enqueue_s / args.jobs
    print(f"enqueue (8 per call)            {enqueue_s:8.2f} s  ({per_job:.1f} ms/job)")
    print(f"ramp-up to all claimed          {ramp_s:8.2f} s")
    print(f"CPU while holding (1 core = 100) {100 * cpu_share:7.1f} %  (baseline idle: 0 %)")
    print(f"polls per second                {polls_per_s:8.1f}")
    print(f"RSS idle -> holding             {idle_rss:8.1f} -> {held_rss:.1f} MB "
          f"(+{1024 * (held_rss - idle_rss) / args.jobs:.1f} KB/job)")  # fmt: skip
    print(f"finish all once provider done   {finish_s:8.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--run-s", type=float, default=3600)
    parser.add_argument("--hold-s", type=float, default=20)
    parser.add_argument("--lease-s", type=float, default=60)
    parser.add_argument("--database-url")
    asyncio.run(main(parser.parse_args()))
