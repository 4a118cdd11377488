"""Fake Runway API: version header, tasks (THROTTLED, progress, SAFETY failures), DELETE."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fakes.base import FakeJob, FakeProvider

VERSION = "2024-11-06"
_REQUIRED = {
    "image_to_video": ("model", "promptImage", "ratio"),
    "text_to_video": ("model", "promptText", "ratio"),
    "character_performance": ("model", "character", "reference"),
}


class RunwayFake(FakeProvider):
    name = "runway"
    base_path = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.throttled = True  # the first "not started" state is THROTTLED (over concurrency)

    def routes(self, router: web.UrlDispatcher) -> None:
        for kind in _REQUIRED:
            router.add_post(f"/v1/{kind}", self.submit)
        router.add_get("/v1/tasks/{id}", self.task)
        router.add_delete("/v1/tasks/{id}", self.delete)

    def error_body(self, status: int, code: str, message: str) -> dict[str, Any]:
        return {"error": message}

    def version_ok(self, request: web.Request) -> bool:
        return request.headers.get("X-Runway-Version") == VERSION

    async def submit(self, request: web.Request) -> web.StreamResponse:
        if not self.version_ok(request) and self.authorized(request):
            return self.error(400, "", "X-Runway-Version header is required")
        if (gate := await self.gate_submit(request)) is not None:
            return gate
        body, key = await self.read_json(request)
        kind = request.path.rsplit("/", 1)[1]
        if missing := [f for f in _REQUIRED[kind] if not body.get(f)]:
            return self.error(400, "", f"missing {missing}")
        if kind == "character_performance" and body["model"] != "act_two":
            return self.error(400, "", "character_performance takes model act_two")
        job = self.create_job(body, key)
        job.extra["kind"] = kind
        return await self.answer_submit({"id": job.id})

    def task_body(self, job: FakeJob, state: str) -> dict[str, Any]:
        task: dict[str, Any] = {"id": job.id, "createdAt": job.created_iso}
        if state == "queued":
            task["status"] = "THROTTLED" if self.throttled else "PENDING"
        elif state == "running":
            task.update(status="RUNNING", progress=round(job.progress, 2))
        elif state == "succeeded":
            task.update(status="SUCCEEDED", output=[self.file_url(job) + "?_jwt=signed"])
        elif state == "refused":
            task.update(
                status="FAILED",
                failure="Prompt flagged by moderation",
                failureCode="SAFETY.INPUT.TEXT",
            )
        elif state == "failed":
            task.update(
                status="FAILED", failure="Internal error", failureCode="INTERNAL.BAD_OUTPUT.CODE01"
            )
        else:
            task["status"] = "CANCELLED"
        return task

    async def task(self, request: web.Request) -> web.StreamResponse:
        if not self.version_ok(request) and self.authorized(request):
            return self.error(400, "", "X-Runway-Version header is required")
        if (gate := await self.gate_poll(request)) is not None:
            return gate
        job = self.jobs.get(request.match_info["id"])
        if job is None or job.extra.get("deleted"):
            return self.error(404, "", "Task not found")
        return web.json_response(self.task_body(job, job.advance()))

    async def delete(self, request: web.Request) -> web.StreamResponse:
        if not self.authorized(request):
            return self.unauthorized()
        job = self.jobs.get(request.match_info["id"])
        if job is None or job.extra.get("deleted"):
            return self.error(404, "", "Task not found")
        if job.peek() in ("succeeded", "failed", "refused"):
            job.extra["deleted"] = True
        job.cancelled = True
        return web.Response(status=204)
