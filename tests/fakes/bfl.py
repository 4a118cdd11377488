"""Fake Black Forest Labs API: submit on one host, ``polling_url`` on another (a second
listener), the five terminal states, an expiring signed sample link."""

from __future__ import annotations

from typing import Any, Self

from aiohttp import web

from tests.fakes.base import FakeJob, FakeProvider, Fault


class BflFake(FakeProvider):
    name = "bfl"
    media_kind = "image"
    auth_header = "x-key"
    auth_scheme = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.moderation_state = "Content Moderated"  # or "Request Moderated"

    async def start(self, extra_sites: int = 1) -> Self:
        return await super().start(extra_sites=extra_sites)

    @property
    def polling_origin(self) -> str:
        return f"http://{self.host}:{self.ports[1]}"

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/v1/get_result", self.get_result)
        router.add_post("/v1/{model}", self.submit)

    async def submit(self, request: web.Request) -> web.StreamResponse:
        if (gate := await self.gate_submit(request)) is not None:
            return gate
        body, key = await self.read_json(request)
        if not body.get("prompt") and not body.get("image_prompt"):
            return web.json_response(
                {
                    "detail": [
                        {
                            "loc": ["body", "prompt"],
                            "msg": "prompt or image_prompt required",
                            "type": "value_error",
                        }
                    ]
                },
                status=422,
            )
        w, h = body.get("width", 1024), body.get("height", 768)
        if w % 32 or h % 32 or not (256 <= w <= 1440 and 256 <= h <= 1440):
            return self.error(422, "", "width/height must be multiples of 32 in 256..1440")
        job = self.create_job(body, key)
        job.extra["model"] = request.match_info["model"]
        return await self.answer_submit(
            {
                "id": job.id,
                "cost": 4,
                "polling_url": f"{self.polling_origin}/v1/get_result?id={job.id}",
            }
        )

    def task(self, job: FakeJob, state: str) -> dict[str, Any]:
        if state in ("queued", "running"):
            return {"id": job.id, "status": "Pending", "progress": round(job.progress, 2)}
        if state == "refused":
            return {"id": job.id, "status": self.moderation_state}
        if state == "failed":
            return {"id": job.id, "status": "Error", "details": {"reason": "internal"}}
        return {
            "id": job.id,
            "status": "Ready",
            "result": {
                "sample": self.file_url(job) + "?se=2026-11-25T00%3A10%3A00Z&sig=abc",
                "prompt": job.body.get("prompt"),
                "seed": job.body.get("seed"),
            },
        }

    async def get_result(self, request: web.Request) -> web.StreamResponse:
        if (gate := await self.gate_poll(request)) is not None:
            return gate
        job = self.jobs.get(request.query.get("id", ""))
        if job is None:
            return web.json_response({"id": request.query.get("id"), "status": "Task not found"})
        return web.json_response(self.task(job, job.advance()))

    async def send_media(self, request: web.Request, job: FakeJob) -> web.StreamResponse:
        if job.download is Fault.EXPIRED:  # Azure SAS links answer 403 once expired
            return web.Response(
                status=403,
                text="<Error><Code>AuthenticationFailed</Code>",
                content_type="application/xml",
            )
        return await super().send_media(request, job)
