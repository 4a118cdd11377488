"""Per-take pipeline overhead with an instant provider: what the durable path costs per take.

The provider answers at once (``immediate`` result, 64 KiB output), so every millisecond
measured is ours: enqueue (prompt, price, budget lock, job + hold rows), claim with a lease,
the committed steps (submitting, running, fetching, succeeded), the download into the media
store, the Take row, the settlement and the outbox messages.

* single: enqueue one take, drain it; median and p90 over ``--runs``.
* batch: ``--takes`` takes enqueued 8 at a time, one drain; wall time per take.
* baseline: the same provider calls and media-store write, no database at all.

    .venv/bin/python bench/bench_pipeline_overhead.py
    .venv/bin/python bench/bench_pipeline_overhead.py --postgres postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import psycopg

from pipeline.enqueue import Enqueued, enqueue_takes
from pipeline.providers.base import (
    Capability,
    GenRequest,
    PollResult,
    ProviderState,
    SubmitResult,
)
from pipeline.registry import ProviderRegistry
from pipeline.worker import Worker
from storage.db import Database
from storage.media import LocalMediaStore
from tests.pipeline.conftest import GUILD, MEMBER, make_shot

PAYLOAD = os.urandom(64 * 1024)


class InstantProvider:
    name = "instant"
    capabilities = frozenset(Capability)
    concurrency = 8
    needs_key = False

    def price(self, request: GenRequest) -> int:
        return 1

    async def submit(self, request: GenRequest, idempotency_key: str) -> SubmitResult:
        done = PollResult(ProviderState.SUCCEEDED, output_urls=(f"mem://{idempotency_key}",))
        return SubmitResult(provider_job_id=idempotency_key, handle={"k": idempotency_key},
                            immediate=done)  # fmt: skip

    async def poll(self, handle: dict[str, Any]) -> PollResult:
        return PollResult(ProviderState.SUCCEEDED, output_urls=(f"mem://{handle['k']}",))

    async def fetch(self, url: str) -> AsyncIterator[bytes]:
        # Distinct bytes per take, as real takes are.
        yield url.encode()
        yield PAYLOAD

    async def cancel(self, handle: dict[str, Any]) -> None:
        return None

    async def reconcile(self, idempotency_key: str, request: GenRequest) -> SubmitResult | None:
        return None


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def bench(url: str, folder: Path, runs: int, takes: int) -> dict[str, float]:
    db = Database(url)
    await db.create_all()
    provider = InstantProvider()
    registry = ProviderRegistry([provider])
    store = LocalMediaStore(folder / "media")
    ids = await make_shot(db, budget_cents=10**9, confirm_above_cents=10**9)
    figures: dict[str, float] = {}

    async def enqueue(n: int) -> None:
        result = await enqueue_takes(
            db, guild_id=GUILD, shot_id=ids.shot_id, member_id=MEMBER, takes=n,
            provider="instant", confirm=True, registry=registry,
        )  # fmt: skip
        assert isinstance(result, Enqueued)

    worker = Worker(db, store, registry, worker_id="bench", poll_interval=0.01)
    await enqueue(1)
    await worker.drain()  # warm up: connections, statement caches
    enqueue_ms, drain_ms = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        await enqueue(1)
        t1 = time.perf_counter()
        await worker.drain(horizon_s=0)
        t2 = time.perf_counter()
        enqueue_ms.append((t1 - t0) * 1000)
        drain_ms.append((t2 - t1) * 1000)
    figures["single enqueue median ms"] = statistics.median(enqueue_ms)
    figures["single enqueue p90 ms"] = _pct(enqueue_ms, 0.9)
    figures["single run median ms"] = statistics.median(drain_ms)
    figures["single run p90 ms"] = _pct(drain_ms, 0.9)

    t0 = time.perf_counter()
    left = takes
    while left:
        await enqueue(min(8, left))
        left -= min(8, left)
    t1 = time.perf_counter()
    await worker.drain(horizon_s=0)
    t2 = time.perf_counter()
    figures["batch enqueue ms/take"] = (t1 - t0) * 1000 / takes
    figures["batch run ms/take"] = (t2 - t1) * 1000 / takes
    figures["batch takes/s"] = takes / (t2 - t1)

    # Baseline: the provider calls and the media-store write alone.
    base_ms = []
    for i in range(runs):
        t0 = time.perf_counter()
        request = GenRequest(capability=Capability.TEXT_TO_VIDEO, prompt="p", seed=i)
        result = await provider.submit(request, f"base-{i}-{uuid.uuid4().hex}")
        assert result.immediate is not None
        await store.put_stream(provider.fetch(result.immediate.output_urls[0]), max_bytes=1 << 30)
        base_ms.append((time.perf_counter() - t0) * 1000)
    figures["baseline median ms"] = statistics.median(base_ms)
    figures["overhead ratio (single run / baseline)"] = (
        figures["single run median ms"] / figures["baseline median ms"]
    )
    await db.dispose()
    return figures


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp:
        folder = Path(tmp)
        drop = None
        if args.postgres:
            drop = f"bench_overhead_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{drop}"')
            url = f"{args.postgres.rsplit('/', 1)[0]}/{drop}"
        else:
            url = f"sqlite:///{folder / 'dailies.db'}"
        try:
            figures = await bench(url, folder, args.runs, args.takes)
        finally:
            if drop:
                with psycopg.connect(args.postgres, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)')
    print(f"backend: {'postgres' if args.postgres else 'sqlite'}  runs: {args.runs}  "
          f"batch: {args.takes} takes")  # fmt: skip
    for name, value in figures.items():
        print(f"{name:42s} {value:9.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--takes", type=int, default=200)
    parser.add_argument("--postgres")
    asyncio.run(main(parser.parse_args()))
