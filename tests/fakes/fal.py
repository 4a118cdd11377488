"""Fake fal.ai queue: submit per model path, owner/app-only request URLs, 202/200 status,
separate result request, PUT cancel, 422 ``detail`` lists and ``error_type`` errors."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fakes.base import FakeJob, FakeProvider
from tests.fakes.media import media


class FalFake(FakeProvider):
    name = "fal"
    auth_scheme = "Key "

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/{owner}/{app}/requests/{id}/status", self.status)
        router.add_put("/{owner}/{app}/requests/{id}/cancel", self.cancel)
        router.add_get("/{owner}/{app}/requests/{id}", self.result)
        router.add_post("/{model:.+}", self.submit)

    def urls(self, job: FakeJob) -> dict[str, str]:
        owner, app = job.extra["model"].split("/")[:2]
        base = f"{self.origin}/{owner}/{app}/requests/{job.id}"
        return {
            "response_url": base,
            "status_url": f"{base}/status",
            "cancel_url": f"{base}/cancel",
        }

    async def submit(self, request: web.Request) -> web.StreamResponse:
        if (gate := await self.gate_submit(request)) is not None:
            return gate
        model = request.match_info["model"]
        body, key = await self.read_json(request)
        if "flux" in model and not body.get("prompt"):
            return web.json_response(
                {
                    "detail": [
                        {
                            "loc": ["body", "prompt"],
                            "msg": "field required",
                            "type": "value_error.missing",
                        }
                    ]
                },
                status=422,
            )
        lipsync = "sync" in model or "latentsync" in model
        if lipsync and not (body.get("video_url") and body.get("audio_url")):
            return self.error(422, "", "video_url and audio_url are required")
        job = self.create_job(body, key)
        job.extra["model"] = model
        if "flux" in model:
            job.media, job.content_type = media("image")
        return await self.answer_submit(
            {"request_id": job.id, "status": "IN_QUEUE", "queue_position": 0, **self.urls(job)}
        )

    async def status(self, request: web.Request) -> web.StreamResponse:
        if (gate := await self.gate_poll(request)) is not None:
            return gate
        job = self.jobs.get(request.match_info["id"])
        if job is None:
            return self.error(404, "", "Request not found")
        state = job.advance()
        if state == "queued":
            return web.json_response(
                {
                    "status": "IN_QUEUE",
                    "queue_position": 1,
                    "response_url": self.urls(job)["response_url"],
                },
                status=202,
            )
        if state == "running":
            return web.json_response({"status": "IN_PROGRESS", "logs": []}, status=202)
        return web.json_response(
            {
                "status": "COMPLETED",
                "logs": [],
                "metrics": {"inference_time": 1.2},
                "response_url": self.urls(job)["response_url"],
            }
        )

    async def result(self, request: web.Request) -> web.StreamResponse:
        if not self.authorized(request):
            return self.unauthorized()
        job = self.jobs.get(request.match_info["id"])
        if job is None:
            return self.error(404, "", "Request not found")
        state = job.peek()
        if state in ("queued", "running"):
            return self.error(400, "", "Request is still in progress")
        flux = "flux" in job.extra["model"]
        if state == "refused" and not flux:
            return web.json_response(
                {
                    "detail": [
                        {
                            "loc": ["body", "video_url"],
                            "msg": "content policy violation",
                            "type": "content_policy_violation",
                        }
                    ]
                },
                status=422,
            )
        if state == "failed":
            return web.json_response(
                {"detail": "Request timed out", "error_type": "request_timeout"},
                status=504,
                headers={"X-Fal-Error-Type": "request_timeout"},
            )
        if state == "cancelled":
            return self.error(400, "", "Request was cancelled")
        url = self.file_url(job)
        if flux:
            body: dict[str, Any] = {
                "images": [{"url": url, "width": 48, "height": 32, "content_type": "image/png"}],
                "timings": {"inference": 0.5},
                "seed": job.body.get("seed", 0),
                "has_nsfw_concepts": [state == "refused"],
                "prompt": job.body.get("prompt"),
            }
        else:
            body = {
                "video": {
                    "url": url,
                    "content_type": "video/mp4",
                    "file_name": "out.mp4",
                    "file_size": len(job.media),
                }
            }
        return web.json_response(body)

    async def cancel(self, request: web.Request) -> web.StreamResponse:
        if not self.authorized(request):
            return self.unauthorized()
        job = self.jobs.get(request.match_info["id"])
        if job is None:
            return self.error(404, "", "Request not found")
        if job.peek() not in ("queued", "running"):
            return web.json_response({"status": "ALREADY_COMPLETED"}, status=400)
        job.cancelled = True
        return web.json_response({"status": "CANCELLATION_REQUESTED"}, status=202)
