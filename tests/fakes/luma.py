"""Fake Luma Dream Machine: generations (both create paths), states, list, delete.

Keyframe URLs on this machine are fetched (HEAD, then GET; tests/fakes/inputs.py) when the
generation is created; one that cannot be read fails the generation, like Luma does.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fakes.base import FakeJob, FakeProvider, Fault
from tests.fakes.inputs import Fetched, InputUnreachable, fetch_input

_STATES = {
    "queued": "queued",
    "running": "dreaming",
    "succeeded": "completed",
    "refused": "failed",
    "failed": "failed",
    "cancelled": "failed",
}
_ECHO = (
    "model",
    "prompt",
    "keyframes",
    "aspect_ratio",
    "duration",
    "resolution",
    "loop",
    "callback_url",
)


class LumaFake(FakeProvider):
    name = "luma"
    base_path = "/dream-machine/v1"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fetched: list[Fetched] = []  # every HEAD/GET made to read keyframes

    def routes(self, router: web.UrlDispatcher) -> None:
        p = self.base_path
        router.add_post(f"{p}/generations", self.submit)
        router.add_post(f"{p}/generations/video", self.submit)
        router.add_get(f"{p}/generations", self.listing)
        router.add_get(f"{p}/generations/{{id}}", self.get)
        router.add_delete(f"{p}/generations/{{id}}", self.delete)

    async def submit(self, request: web.Request) -> web.StreamResponse:
        if (gate := await self.gate_submit(request)) is not None:
            return gate
        body, key = await self.read_json(request)
        if body.get("model") not in ("ray-1-6", "ray-2", "ray-flash-2"):
            return self.error(400, "", "model is required")
        for frame in (body.get("keyframes") or {}).values():
            if frame.get("type") == "image" and not str(frame.get("url", "")).startswith("http"):
                return self.error(400, "", "keyframe url must be http(s)")
        unreadable = await self.read_keyframes(body)
        job = self.create_job(body, key)
        if unreadable:
            job.outcome = Fault.FAIL
            job.extra["failure_reason"] = unreadable
        return await self.answer_submit(self.generation(job, "queued"), status=201)

    async def read_keyframes(self, body: dict[str, Any]) -> str:
        """The failure reason if a keyframe cannot be downloaded ('' when all are fine).
        The wording is ours: Luma's exact text for this case is not documented."""
        for slot, frame in (body.get("keyframes") or {}).items():
            if frame.get("type") != "image":
                continue
            try:
                await fetch_input(str(frame["url"]), self.fetched)
            except InputUnreachable as exc:
                return f"400: failed to download keyframe {slot}: {exc}"
        return ""

    def generation(self, job: FakeJob, state: str) -> dict[str, Any]:
        reason = None
        if state == "refused":
            reason = "400: prompt not allowed because advanced moderation failed"
        elif state == "failed":
            reason = job.extra.get("failure_reason") or "Internal error, please retry"
        return {
            "id": job.id,
            "generation_type": "video",
            "state": _STATES[state],
            "failure_reason": reason,
            "created_at": job.created_iso,
            "model": job.body.get("model"),
            "assets": {
                "video": self.file_url(job) if state == "succeeded" else None,
                "image": None,
                "progress_video": None,
            },
            "request": {k: job.body[k] for k in _ECHO if k in job.body},
        }

    async def get(self, request: web.Request) -> web.StreamResponse:
        if (gate := await self.gate_poll(request)) is not None:
            return gate
        job = self.jobs.get(request.match_info["id"])
        if job is None or job.cancelled:
            return self.error(404, "", "Generation not found")
        return web.json_response(self.generation(job, job.advance()))

    async def listing(self, request: web.Request) -> web.StreamResponse:
        if (gate := await self.gate_poll(request)) is not None:
            return gate
        limit = int(request.query.get("limit", "10"))
        offset = int(request.query.get("offset", "0"))
        live = [j for j in reversed(self.jobs.values()) if not j.cancelled]
        page = live[offset : offset + limit]
        return web.json_response(
            {
                "generations": [self.generation(j, j.peek()) for j in page],
                "has_more": offset + limit < len(live),
                "count": len(page),
                "limit": limit,
                "offset": offset,
            }
        )

    async def delete(self, request: web.Request) -> web.StreamResponse:
        if not self.authorized(request):
            return self.unauthorized()
        job = self.jobs.get(request.match_info["id"])
        if job is None or job.cancelled:
            return self.error(404, "", "Generation not found")
        job.cancelled = True
        return web.Response(status=204)
