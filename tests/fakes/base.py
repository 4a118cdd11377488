"""The shared half of every fake provider: a real aiohttp server on 127.0.0.1, a job table,
switches for the failure modes, a CDN that serves real media (or breaks on purpose), and counters
so a test can prove that no paid call was made twice.

Switches (set them on the instance before the call they should affect):
- ``submit_faults``: consumed one per POST that creates work, in order (see ``Fault``).
- ``poll_faults``: consumed one per status request.
- ``job_outcome``: how new jobs end: None (success), ``Fault.REFUSE`` (moderation), ``Fault.FAIL``.
- ``download_fault``: how new jobs' result links behave (EXPIRED, TRUNCATED, OVERSIZED, ...).
- ``steps``: status requests answered "not done yet" before a job finishes (slow progress).
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import json
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Self

from aiohttp import web

from tests.fakes.media import media

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_SUBMIT = web.RequestKey("submit", tuple)


class Fault(StrEnum):
    RATE_LIMIT = "rate_limit"  # 429 with Retry-After: 7
    RATE_LIMIT_BARE = "rate_limit_bare"  # 429 without Retry-After
    RATE_LIMIT_DATE = "rate_limit_date"  # 429 with Retry-After as an HTTP-date ~30 s ahead
    ERROR_BEFORE = "error_before"  # 500 and no job (or 503 on a poll)
    ERROR_AFTER = "error_after"  # the job is created, then 500 is answered
    HANG_AFTER = "hang_after"  # the job is created, then no answer until past client timeouts
    MALFORMED = "malformed"  # 200 with a body that is not JSON (job created on submit)
    NO_ID = "no_id"  # 200 with JSON that names no job (job created)
    REFUSE = "refuse"  # moderation refusal (job outcome)
    FAIL = "fail"  # internal, retryable failure (job outcome)
    EXPIRED = "expired"  # result link answers 410 (403 for signed-URL CDNs)
    TRUNCATED = "truncated"  # Content-Length larger than the bytes sent, then close
    OVERSIZED = "oversized"  # a result far bigger than the media (declared length)
    OVERSIZED_CHUNKED = "oversized_chunked"  # the same without Content-Length
    WRONG_TYPE = "wrong_type"  # an HTML page instead of the media


@dataclass
class FakeJob:
    id: str
    key: str
    body: dict[str, Any]
    created_at: datetime
    media: bytes
    content_type: str
    steps: int
    outcome: Fault | None = None
    download: Fault | None = None
    polls: int = 0
    cancelled: bool = False
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def created_iso(self) -> str:
        return self.created_at.isoformat().replace("+00:00", "Z")

    def advance(self) -> str:
        """One status request: 'queued' | 'running' | 'succeeded' | 'refused' | 'failed' |
        'cancelled'."""
        if self.cancelled:
            return "cancelled"
        self.polls += 1
        return self.peek()

    def peek(self) -> str:
        if self.cancelled:
            return "cancelled"
        if self.polls <= self.steps:
            return "queued" if self.polls <= 1 and self.steps > 1 else "running"
        if self.outcome is Fault.REFUSE:
            return "refused"
        if self.outcome is Fault.FAIL:
            return "failed"
        return "succeeded"

    @property
    def progress(self) -> float:
        return min(1.0, self.polls / (self.steps + 1))


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]


def body_key(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


class FakeProvider:
    name: ClassVar[str] = ""
    base_path: ClassVar[str] = ""
    media_kind: ClassVar[str] = "video"
    auth_header: ClassVar[str] = "Authorization"
    auth_scheme: ClassVar[str] = "Bearer "

    def __init__(
        self,
        api_key: str = "fake-key",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        hang_s: float = 2.0,
    ) -> None:
        self.api_key = api_key
        self.host, self.port = host, port
        self.hang_s = hang_s
        self.submit_faults: list[Fault] = []
        self.poll_faults: list[Fault] = []
        self.job_outcome: Fault | None = None
        self.download_fault: Fault | None = None
        self.steps = 1
        self.oversize_bytes = 3 * 1024 * 1024
        self.jobs: dict[str, FakeJob] = {}
        self.submit_attempts: Counter[str] = Counter()  # POSTs that reached us, per key
        self.jobs_per_key: Counter[str] = Counter()  # paid jobs created, per key
        self.seen: list[Seen] = []
        self.app = web.Application(middlewares=[self._record])
        self.app.router.add_get("/cdn/{token}", self.serve_file)
        self.routes(self.app.router)
        self._runner: web.AppRunner | None = None
        self.ports: list[int] = []

    # -- lifecycle

    def routes(self, router: web.UrlDispatcher) -> None:
        raise NotImplementedError

    async def start(self, extra_sites: int = 0) -> Self:
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.05)
        await self._runner.setup()
        for i in range(1 + extra_sites):
            site = web.TCPSite(self._runner, self.host, self.port if i == 0 else 0)
            await site.start()
            server = site._server
            assert server is not None
            self.ports.append(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.ports[0]}"

    @property
    def base_url(self) -> str:
        return self.origin + self.base_path

    @property
    def media(self) -> bytes:
        return media(self.media_kind)[0]

    @property
    def media_sha256(self) -> str:
        return hashlib.sha256(self.media).hexdigest()

    @property
    def jobs_created(self) -> int:
        return len(self.jobs)

    def duplicate_paid_calls(self) -> int:
        return sum(n - 1 for n in self.jobs_per_key.values() if n > 1)

    def requests_to(self, fragment: str, method: str | None = None) -> list[Seen]:
        return [
            s for s in self.seen if fragment in s.path and (method is None or s.method == method)
        ]

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.seen.append(Seen(request.method, request.path_qs, dict(request.headers)))
        return await handler(request)

    # -- provider dialect (override)

    def error_body(self, status: int, code: str, message: str) -> dict[str, Any]:
        return {"detail": message}

    def error(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> web.Response:
        return web.json_response(
            self.error_body(status, code, message), status=status, headers=headers
        )

    def authorized(self, request: web.Request) -> bool:
        return request.headers.get(self.auth_header) == f"{self.auth_scheme}{self.api_key}"

    def unauthorized(self) -> web.Response:
        return self.error(401, "unauthorized", "Invalid API key provided")

    # -- submit

    async def gate_submit(self, request: web.Request) -> web.StreamResponse | None:
        """Answer for faults that happen before any job exists; None means go on."""
        if not self.authorized(request):
            return self.unauthorized()
        await self.read_json(request)  # counts the attempt, even one we are about to fail
        fault = self.submit_faults[0] if self.submit_faults else None
        if fault in (
            Fault.RATE_LIMIT,
            Fault.RATE_LIMIT_BARE,
            Fault.RATE_LIMIT_DATE,
            Fault.ERROR_BEFORE,
        ):
            self.submit_faults.pop(0)
            return self.before_fault(fault)
        return None

    def before_fault(self, fault: Fault) -> web.Response:
        if fault is Fault.ERROR_BEFORE:
            return self.error(500, "internal", "Internal server error")
        headers = {}
        if fault is Fault.RATE_LIMIT:
            headers["Retry-After"] = "7"
        elif fault is Fault.RATE_LIMIT_DATE:
            headers["Retry-After"] = email.utils.formatdate(time.time() + 30, usegmt=True)
        return self.error(429, "rate_limited", "Too many requests", headers)

    def create_job(self, body: dict[str, Any], key: str, *, steps: int | None = None) -> FakeJob:
        data, ctype = media(self.media_kind)
        job = FakeJob(
            id=str(uuid.uuid4()),
            key=key,
            body=body,
            created_at=datetime.now(UTC),
            media=data,
            content_type=ctype,
            steps=self.steps if steps is None else steps,
            outcome=self.job_outcome,
            download=self.download_fault,
        )
        self.jobs[job.id] = job
        self.jobs_per_key[key] += 1
        return job

    async def answer_submit(self, payload: Any, status: int = 200) -> web.StreamResponse:
        """The answer once the job exists, with the after-faults applied."""
        fault = self.submit_faults.pop(0) if self.submit_faults else None
        return await self.after_fault(fault, payload, status)

    async def after_fault(
        self, fault: Fault | None, payload: Any, status: int = 200
    ) -> web.StreamResponse:
        if fault is Fault.ERROR_AFTER:
            return self.error(500, "internal", "Internal server error")
        if fault is Fault.HANG_AFTER:
            await asyncio.sleep(self.hang_s)
        if fault is Fault.MALFORMED:
            return web.Response(text='{"id": "trunc', content_type="application/json")
        if fault is Fault.NO_ID:
            return web.json_response({"status": "accepted"}, status=status)
        return web.json_response(payload, status=status)

    async def read_json(self, request: web.Request) -> tuple[dict[str, Any], str]:
        if _SUBMIT not in request:
            body = await request.json()
            key = request.headers.get("Idempotency-Key") or body_key(body)
            self.submit_attempts[key] += 1
            request[_SUBMIT] = (body, key)
        body, key = request[_SUBMIT]
        return body, key

    # -- poll

    async def gate_poll(self, request: web.Request) -> web.StreamResponse | None:
        if not self.authorized(request):
            return self.unauthorized()
        fault = self.poll_faults.pop(0) if self.poll_faults else None
        if fault is None:
            return None
        if fault in (Fault.RATE_LIMIT, Fault.RATE_LIMIT_BARE, Fault.RATE_LIMIT_DATE):
            return self.before_fault(fault)
        if fault is Fault.ERROR_BEFORE:
            return self.error(503, "unavailable", "Service unavailable")
        if fault is Fault.MALFORMED:
            return web.Response(text="<html>gateway</html>", content_type="application/json")
        if fault is Fault.HANG_AFTER:
            await asyncio.sleep(self.hang_s)
        return None

    def job_or_404(self, job_id: str) -> FakeJob | None:
        return self.jobs.get(job_id)

    # -- results

    def file_url(self, job: FakeJob) -> str:
        return f"{self.origin}/cdn/{job.token}"

    async def serve_file(self, request: web.Request) -> web.StreamResponse:
        job = next((j for j in self.jobs.values() if j.token == request.match_info["token"]), None)
        if job is None:
            return web.Response(status=404, text="no such file")
        return await self.send_media(request, job)

    async def send_media(self, request: web.Request, job: FakeJob) -> web.StreamResponse:
        fault = job.download
        if fault is Fault.EXPIRED:
            return web.Response(status=410, text="gone")
        if fault is Fault.WRONG_TYPE:
            return web.Response(
                text="<!DOCTYPE html><html><body>Sign in</body></html>", content_type="text/html"
            )
        data = job.media
        if fault in (Fault.OVERSIZED, Fault.OVERSIZED_CHUNKED):
            data = data + b"\0" * (self.oversize_bytes - len(data))
        resp = web.StreamResponse(headers={"Content-Type": job.content_type})
        if fault is Fault.TRUNCATED:
            resp.headers["Content-Length"] = str(len(data) + 4096)
        elif fault is Fault.OVERSIZED_CHUNKED:
            resp.enable_chunked_encoding()
        else:
            resp.content_length = len(data)
        await resp.prepare(request)
        if fault is Fault.TRUNCATED:
            await resp.write(data[: len(data) // 2])
            assert request.transport is not None
            request.transport.close()
            return resp
        for i in range(0, len(data), 64 * 1024):
            await resp.write(data[i : i + 64 * 1024])
        await resp.write_eof()
        return resp
