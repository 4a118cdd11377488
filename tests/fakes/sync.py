"""Fake Sync Labs API: ``Idempotency-Key`` replays the first generation; 429 at create over
concurrency; PENDING/PROCESSING/COMPLETED/FAILED/REJECTED. Input URLs on this machine are
fetched (HEAD, then GET; tests/fakes/inputs.py) when the generation is created; one that cannot
be read fails it."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from tests.fakes.base import FakeJob, FakeProvider, Fault
from tests.fakes.inputs import Fetched, InputUnreachable, fetch_input

_KEY = re.compile(r"^[A-Za-z0-9._~-]{1,128}$")
_STATUS = {
    "queued": "PENDING",
    "running": "PROCESSING",
    "succeeded": "COMPLETED",
    "refused": "REJECTED",
    "failed": "FAILED",
    "cancelled": "FAILED",
}


class SyncFake(FakeProvider):
    name = "sync"
    auth_header = "x-api-key"
    auth_scheme = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.by_key: dict[str, FakeJob] = {}
        self.replays = 0
        self.fetched: list[Fetched] = []  # every HEAD/GET made to read inputs

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v2/generate", self.submit)
        router.add_get("/v2/generate/{id}", self.get)

    def error_body(self, status: int, code: str, message: str) -> dict[str, Any]:
        if status == 429:
            return {
                "statusCode": 429,
                "errorCode": "rate_limit_exceeded",
                "message": "Rate limit exceeded. Please try again later.",
                "error": "Too Many Requests",
            }
        return {"statusCode": status, "errorCode": code or None, "message": message}

    async def submit(self, request: web.Request) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key")
        if key is not None and not _KEY.match(key):
            return self.error(400, "INVALID_IDEMPOTENCY_KEY", "malformed Idempotency-Key")
        if (gate := await self.gate_submit(request)) is not None:
            return gate
        body, body_key = await self.read_json(request)
        inputs = body.get("input") or []
        videos = [i for i in inputs if i.get("type") == "video" and i.get("url")]
        audios = [i for i in inputs if i.get("type") in ("audio", "text")]
        if len(videos) != 1 or not audios:
            return self.error(400, "invalid_input", "one video and at least one audio")
        if key is not None and key in self.by_key:
            job = self.by_key[key]
            if job.body != body:
                return self.error(409, "IDEMPOTENCY_KEY_REUSED", "key reused with new inputs")
            self.replays += 1
            return web.json_response(self.generation(job, job.peek()))
        unreadable = await self.read_inputs(inputs)
        job = self.create_job(body, body_key)
        if unreadable:
            job.outcome = Fault.FAIL
            job.extra["error"] = unreadable
        if key is not None:
            self.by_key[key] = job
        return await self.answer_submit(self.generation(job, "queued"), status=201)

    async def read_inputs(self, inputs: list[dict[str, Any]]) -> str:
        """Why an input cannot be read ('' when all are fine). Sync's exact error text and code
        for this case are not in providers.md; these are ours."""
        for item in inputs:
            if item.get("type") not in ("video", "audio") or not item.get("url"):
                continue
            try:
                await fetch_input(str(item["url"]), self.fetched)
            except InputUnreachable as exc:
                return f"could not download input {item['type']}: {exc}"
        return ""

    def generation(self, job: FakeJob, state: str) -> dict[str, Any]:
        done = state == "succeeded"
        unreadable = state == "failed" and job.extra.get("error")
        return {
            "id": job.id,
            "createdAt": job.created_iso,
            "status": _STATUS[state],
            "model": job.body.get("model"),
            "input": job.body.get("input"),
            "options": job.body.get("options"),
            "outputUrl": self.file_url(job) if done else None,
            "outputDuration": 0.5 if done else None,
            "segmentOutputUrl": None,
            "error": unreadable
            or {
                "refused": "Input rejected by content policy",
                "failed": "internal error",
            }.get(state),
            "error_code": "input_unreachable"
            if unreadable
            else {"refused": "content_policy", "failed": "internal_error"}.get(state),
            "webhookUrl": job.body.get("webhookUrl"),
        }

    async def get(self, request: web.Request) -> web.StreamResponse:
        if (gate := await self.gate_poll(request)) is not None:
            return gate
        job = self.jobs.get(request.match_info["id"])
        if job is None:
            return self.error(404, "not_found", "Generation not found")
        return web.json_response(self.generation(job, job.advance()))
