"""Test doubles for the provider contract, with failures you can inject.

``FakeProvider`` keeps its state in memory (one process). ``FileProvider`` keeps it in a folder
so that a worker killed with SIGKILL and a fresh one share the provider's view of the world,
like a real remote API would: its submit log is the "list endpoint" used to reconcile.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.providers.base import (
    Capability,
    DownloadError,
    GenRequest,
    PollResult,
    ProviderState,
    RateLimited,
    Refused,
    ResultExpired,
    SubmitOutcomeUnknown,
    SubmitResult,
    TransientError,
)
from pipeline.registry import ProviderRegistry

ALL = frozenset(Capability)

# Injectable behaviours, consumed in order, one per call of the phase.
RATE_LIMIT_AFTER = "429+retry-after"
RATE_LIMIT = "429"
FAIL_BEFORE_ACCEPT = "5xx-before-accept"
FAIL_AFTER_ACCEPT = "5xx-after-accept"
READ_TIMEOUT = "read-timeout"  # the request was accepted, the answer never came
MODERATED = "moderated"
POLL_5XX = "poll-5xx"
POLL_SAFETY = "poll-safety"
POLL_INTERNAL = "poll-internal"
LINK_EXPIRED = "link-expired"
TRUNCATED = "truncated"


@dataclass
class _RemoteJob:
    key: str
    request: GenRequest
    polls_left: int
    outcome: str = "ok"


@dataclass
class FakeProvider:
    """An in-memory provider. ``accepted`` counts paid submits per idempotency key."""

    name: str = "fake"
    price_cents: int = 10
    concurrency: int = 4
    polls: int = 1
    poll_delay_s: float = 0.0
    reconcilable: bool = True
    capabilities: frozenset[Capability] = ALL
    needs_key: bool = True
    submit_plan: list[str] = field(default_factory=list)
    poll_plan: list[str] = field(default_factory=list)
    fetch_plan: list[str] = field(default_factory=list)
    reconcile_plan: list[str] = field(default_factory=list)
    accepted: dict[str, int] = field(default_factory=dict)
    submit_calls: int = 0
    cancelled: list[str] = field(default_factory=list)
    requests: list[GenRequest] = field(default_factory=list)
    active: int = 0
    max_active: int = 0
    _jobs: dict[str, _RemoteJob] = field(default_factory=dict)

    def price(self, request: GenRequest) -> int:
        return self.price_cents

    def _accept(self, request: GenRequest, key: str) -> SubmitResult:
        job_id = f"{self.name}-{len(self._jobs) + 1}"
        self._jobs[job_id] = _RemoteJob(key=key, request=request, polls_left=self.polls)
        self.accepted[key] = self.accepted.get(key, 0) + 1
        self.requests.append(request)
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        return SubmitResult(provider_job_id=job_id, handle={"id": job_id})

    async def submit(self, request: GenRequest, idempotency_key: str) -> SubmitResult:
        self.submit_calls += 1
        step = self.submit_plan.pop(0) if self.submit_plan else ""
        if step == RATE_LIMIT_AFTER:
            raise RateLimited("slow down", status=429, retry_after_s=0.2)
        if step == RATE_LIMIT:
            raise RateLimited("slow down", status=429)
        if step == FAIL_BEFORE_ACCEPT:
            raise TransientError("connect refused", status=None)
        if step == MODERATED:
            raise Refused("prompt blocked by moderation", code="SAFETY.INPUT.TEXT", status=400)
        result = self._accept(request, idempotency_key)
        if step == FAIL_AFTER_ACCEPT:
            raise SubmitOutcomeUnknown("502 after sending", status=502)
        if step == READ_TIMEOUT:
            raise SubmitOutcomeUnknown("read timeout")
        return result

    async def poll(self, handle: dict[str, Any]) -> PollResult:
        if self.poll_delay_s:
            await asyncio.sleep(self.poll_delay_s)
        step = self.poll_plan.pop(0) if self.poll_plan else ""
        job = self._jobs[handle["id"]]
        if step == POLL_5XX:
            raise TransientError("503 on poll", status=503)
        if step == POLL_SAFETY:
            self.active -= 1
            return PollResult(ProviderState.FAILED, error_code="SAFETY.OUTPUT", retryable=False)
        if step == POLL_INTERNAL:
            self.active -= 1
            return PollResult(ProviderState.FAILED, error_code="INTERNAL", retryable=True)
        if job.polls_left > 0:
            job.polls_left -= 1
            return PollResult(ProviderState.RUNNING, progress=0.5)
        if job.outcome == "ok":
            job.outcome = "done"
            self.active -= 1
        return PollResult(
            ProviderState.SUCCEEDED,
            output_urls=(f"fake://{handle['id']}",),
            raw={"cost_cents": self.price_cents},
        )

    async def fetch(self, url: str) -> AsyncIterator[bytes]:
        step = self.fetch_plan.pop(0) if self.fetch_plan else ""
        if step == LINK_EXPIRED:
            raise ResultExpired("403 on the signed link", status=403)
        body = f"video bytes of {url}".encode() * 100
        yield body[:500]
        if step == TRUNCATED:
            raise DownloadError("connection closed at 500 of 2400 bytes")
        yield body[500:]

    async def cancel(self, handle: dict[str, Any]) -> None:
        self.cancelled.append(handle["id"])

    async def reconcile(self, idempotency_key: str, request: GenRequest) -> SubmitResult | None:
        if (self.reconcile_plan.pop(0) if self.reconcile_plan else "") == POLL_5XX:
            raise TransientError("503 on the list endpoint", status=503)
        if not self.reconcilable:
            return None
        for job_id, job in self._jobs.items():
            if job.key == idempotency_key:
                return SubmitResult(provider_job_id=job_id, handle={"id": job_id})
        return None

    @property
    def duplicate_submits(self) -> int:
        return sum(n - 1 for n in self.accepted.values() if n > 1)


class FileProvider:
    """A slow provider whose whole state is a folder: survives the worker being killed.

    ``submits.jsonl`` gets one line per accepted (paid) submit, written before the answer goes
    back; a job is done ``run_s`` seconds after it was accepted.
    """

    capabilities = ALL
    needs_key = True

    def __init__(
        self, folder: Path, *, name: str = "slowfake", price_cents: int = 7, run_s: float = 0.3
    ) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.price_cents = price_cents
        self.run_s = run_s
        self.concurrency = 4
        self.log = self.folder / "submits.jsonl"
        self.rng = random.Random()

    def price(self, request: GenRequest) -> int:
        return self.price_cents

    def records(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        lines = self.log.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    async def submit(self, request: GenRequest, idempotency_key: str) -> SubmitResult:
        await asyncio.sleep(self.rng.uniform(0, 0.1))  # the request on its way
        record = {
            "key": idempotency_key,
            "id": f"{idempotency_key}@{time.time_ns()}",
            "at": time.time(),
        }
        with self.log.open("a") as out:
            out.write(json.dumps(record) + "\n")
            out.flush()
            os.fsync(out.fileno())
        await asyncio.sleep(self.rng.uniform(0, 0.1))  # the answer on its way back
        return SubmitResult(provider_job_id=record["id"], handle={"id": record["id"]})

    async def poll(self, handle: dict[str, Any]) -> PollResult:
        for record in self.records():
            if record["id"] == handle["id"]:
                if time.time() - record["at"] >= self.run_s:
                    return PollResult(ProviderState.SUCCEEDED, output_urls=(handle["id"],))
                return PollResult(ProviderState.RUNNING, progress=0.5)
        return PollResult(ProviderState.FAILED, error_code="not_found", retryable=False)

    async def fetch(self, url: str) -> AsyncIterator[bytes]:
        for i in range(4):
            await asyncio.sleep(0.01)
            yield f"{url}:{i};".encode() * 50

    async def cancel(self, handle: dict[str, Any]) -> None:
        return None

    async def reconcile(self, idempotency_key: str, request: GenRequest) -> SubmitResult | None:
        for record in self.records():
            if record["key"] == idempotency_key:
                return SubmitResult(provider_job_id=record["id"], handle={"id": record["id"]})
        return None


def crash_registry(_settings: Any = None) -> ProviderRegistry:
    """For ``python -m pipeline.worker --registry-factory tests.pipeline.fakes:crash_registry``."""
    return ProviderRegistry([FileProvider(Path(os.environ["DAILIES_FAKE_DIR"]))])
