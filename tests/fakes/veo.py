"""Fake Gemini API for Veo: ``predictLongRunning``, operations, authenticated file download."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fakes.base import FakeJob, FakeProvider

_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
_VERTEX_ONLY = {
    "seed",
    "fps",
    "generateAudio",
    "storageUri",
    "pubsubTopic",
    "mask",
    "compressionQuality",
    "labels",
    "resizeMode",
}


class VeoFake(FakeProvider):
    name = "veo"
    base_path = "/v1beta"
    auth_header = "x-goog-api-key"
    auth_scheme = ""

    redirect_host: str | None = None  # e.g. "localhost": downloads answer 302 to another host

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1beta/models/{spec}", self.submit)
        router.add_get("/v1beta/models/{model}/operations/{op}", self.operation)
        router.add_get("/v1beta/files/{spec}", self.download)

    def error_body(self, status: int, code: str, message: str) -> dict[str, Any]:
        if status == 429:
            message = "Resource has been exhausted (e.g. check quota)."
        return {
            "error": {"code": status, "message": message, "status": _STATUS.get(status, "UNKNOWN")}
        }

    async def submit(self, request: web.Request) -> web.StreamResponse:
        model, _, action = request.match_info["spec"].partition(":")
        if action != "predictLongRunning":
            return self.error(404, "", "unknown method")
        if (gate := await self.gate_submit(request)) is not None:
            return gate
        body, key = await self.read_json(request)
        instances = body.get("instances") or []
        params = body.get("parameters") or {}
        if not instances or not instances[0].get("prompt"):
            return self.error(400, "", "instances[0].prompt is required")
        image = instances[0].get("image")
        if image is not None and not ("bytesBase64Encoded" in image or "inlineData" in image):
            return self.error(400, "", "image must be inline bytes on the Gemini API")
        if bad := _VERTEX_ONLY & set(params):
            return self.error(400, "", f"{sorted(bad)} not supported by Gemini API")
        job = self.create_job(body, key)
        job.extra["model"] = model
        return await self.answer_submit({"name": self.op_name(job), "done": False, "metadata": {}})

    def op_name(self, job: FakeJob) -> str:
        return f"models/{job.extra['model']}/operations/{job.id}"

    async def operation(self, request: web.Request) -> web.StreamResponse:
        if (gate := await self.gate_poll(request)) is not None:
            return gate
        job = self.jobs.get(request.match_info["op"])
        if job is None:
            return self.error(404, "", "operation not found")
        state = job.advance()
        op: dict[str, Any] = {
            "name": self.op_name(job),
            "done": False,
            "metadata": {"progressPercent": int(job.progress * 100)},
        }
        if state == "failed":
            op.update(done=True, error={"code": 13, "message": "Internal error", "details": []})
        elif state == "refused":
            op.update(
                done=True,
                response={
                    "generateVideoResponse": {
                        "generatedSamples": [],
                        "raiMediaFilteredCount": 1,
                        "raiMediaFilteredReasons": [
                            "The prompt could not be submitted: sensitive."
                        ],
                    }
                },
            )
        elif state == "succeeded":
            uri = f"{self.origin}/v1beta/files/{job.token}:download?alt=media"
            op.update(
                done=True,
                response={
                    "generateVideoResponse": {
                        "generatedSamples": [{"video": {"uri": uri}}],
                        "raiMediaFilteredCount": 0,
                        "raiMediaFilteredReasons": [],
                    }
                },
            )
        return web.json_response(op)

    async def download(self, request: web.Request) -> web.StreamResponse:
        token, _, action = request.match_info["spec"].partition(":")
        if action != "download":
            return self.error(404, "", "unknown file method")
        if not self.authorized(request):
            return self.error(403, "", "The caller does not have permission")
        job = next((j for j in self.jobs.values() if j.token == token), None)
        if job is None:
            return self.error(404, "", "file not found")
        if self.redirect_host:
            target = f"http://{self.redirect_host}:{self.ports[0]}/cdn/{job.token}"
            raise web.HTTPFound(target)
        return await self.send_media(request, job)
