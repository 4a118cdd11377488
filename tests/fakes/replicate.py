"""Fake Replicate: predictions (model and version paths), ``Prefer: wait``, ``urls.get``, output
as a string or a list, ``data_removed``, cancel, cursor-paginated list."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fakes.base import FakeJob, FakeProvider

_STATUS = {
    "queued": "starting",
    "running": "processing",
    "succeeded": "succeeded",
    "refused": "failed",
    "failed": "failed",
    "cancelled": "canceled",
}


class ReplicateFake(FakeProvider):
    name = "replicate"
    base_path = "/v1"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.output_as_list = False
        self.data_removed = False
        self.page_size = 2  # small, so that reconcile walks the cursor
        self.throttle_detail = "Request was throttled."
        self.rehost_inputs = False  # echo inline (data:) inputs as hosted URLs

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/predictions", self.submit)
        router.add_post("/v1/models/{owner}/{name}/predictions", self.submit)
        router.add_get("/v1/predictions", self.listing)
        router.add_get("/v1/predictions/{id}", self.get)
        router.add_post("/v1/predictions/{id}/cancel", self.cancel)

    def error_body(self, status: int, code: str, message: str) -> dict[str, Any]:
        if status == 429:
            message = self.throttle_detail
        return {"detail": message, "status": status}

    async def submit(self, request: web.Request) -> web.StreamResponse:
        if (gate := await self.gate_submit(request)) is not None:
            return gate
        body, key = await self.read_json(request)
        if "owner" in request.match_info:
            model = f"{request.match_info['owner']}/{request.match_info['name']}"
        elif body.get("version"):
            model = "some/versioned-model"
        else:
            return self.error(422, "", "version is required")
        if not isinstance(body.get("input"), dict):
            return self.error(422, "", "input is required")
        job = self.create_job(body, key)
        job.extra["model"] = model
        state = "queued"
        if request.headers.get("Prefer", "").startswith("wait"):
            job.polls = 1  # holding the request open counts as one look at the job
            state = job.peek()
        return await self.answer_submit(self.prediction(job, state), status=201)

    def prediction(self, job: FakeJob, state: str) -> dict[str, Any]:
        url = self.file_url(job)
        done = state == "succeeded"
        removed = done and self.data_removed
        output: Any = None
        if done and not removed:
            output = [url] if self.output_as_list else url
        error = {
            "refused": "NSFW content detected. Try a different prompt.",
            "failed": "CUDA out of memory",
        }.get(state)
        get = f"{self.origin}/v1/predictions/{job.id}"
        echo = dict(job.body["input"])
        if self.rehost_inputs:
            echo = {
                k: f"https://replicate.delivery/inputs/{k}" if str(v).startswith("data:") else v
                for k, v in echo.items()
            }
        return {
            "id": job.id,
            "model": job.extra["model"],
            "version": "hidden",
            "input": echo,
            "logs": "",
            "output": output,
            "error": error,
            "status": _STATUS[state],
            "created_at": job.created_iso,
            "data_removed": removed,
            "metrics": {},
            "urls": {
                "get": get,
                "cancel": f"{get}/cancel",
                "web": f"https://replicate.com/p/{job.id}",
            },
        }

    async def get(self, request: web.Request) -> web.StreamResponse:
        if (gate := await self.gate_poll(request)) is not None:
            return gate
        job = self.jobs.get(request.match_info["id"])
        if job is None:
            return self.error(404, "", "Not found.")
        return web.json_response(self.prediction(job, job.advance()))

    async def listing(self, request: web.Request) -> web.StreamResponse:
        if (gate := await self.gate_poll(request)) is not None:
            return gate
        offset = int(request.query.get("cursor", "0"))
        items = list(reversed(self.jobs.values()))
        page = items[offset : offset + self.page_size]
        more = offset + self.page_size < len(items)
        nxt = f"{self.origin}/v1/predictions?cursor={offset + self.page_size}" if more else None
        return web.json_response(
            {"next": nxt, "previous": None, "results": [self.prediction(j, j.peek()) for j in page]}
        )

    async def cancel(self, request: web.Request) -> web.StreamResponse:
        if not self.authorized(request):
            return self.unauthorized()
        job = self.jobs.get(request.match_info["id"])
        if job is None:
            return self.error(404, "", "Not found.")
        if job.peek() in ("queued", "running"):
            job.cancelled = True
        return web.json_response(self.prediction(job, job.peek()))
