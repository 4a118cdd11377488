"""Fake Runway API: version header, tasks (THROTTLED, progress, SAFETY failures), DELETE.

``character_performance`` (act_two) is validated as documented (providers.md §3): a character
``{type: image|video, uri}`` and a reference ``{type: video, uri}`` of 3-30 s; data URIs must be
what they say (magic bytes), images up to 5 MB and videos up to 16 MB. The decoded inputs are
kept on the job (``extra["inputs"]``: name -> (mime, bytes)) so a test can compare them with
what the member uploaded.
"""

from __future__ import annotations

import base64
import binascii
import io
from typing import Any

import av
from aiohttp import web

from tests.fakes.base import FakeJob, FakeProvider

VERSION = "2024-11-06"
_REQUIRED = {
    "image_to_video": ("model", "promptImage", "ratio"),
    "text_to_video": ("model", "promptText", "ratio"),
    "character_performance": ("model", "character", "reference"),
}


_DATA_LIMIT = {"image": 5 * 1024 * 1024, "video": 16 * 1024 * 1024}
_MAGIC = {
    "image": ((b"\x89PNG", 0), (b"\xff\xd8\xff", 0), (b"WEBP", 8)),
    "video": ((b"ftyp", 4), (b"\x1a\x45\xdf\xa3", 0)),
}


class Invalid(Exception):
    """A body Runway would answer with 400."""


def _decode(field: str, value: Any, kinds: tuple[str, ...]) -> tuple[str, bytes] | None:
    """``{type, uri}``: the data URI's (mime, bytes), None for a URL; ``Invalid`` otherwise."""
    if not isinstance(value, dict) or value.get("type") not in kinds:
        raise Invalid(f"{field}.type must be one of {list(kinds)}")
    kind, uri = value["type"], value.get("uri")
    if not isinstance(uri, str) or not uri:
        raise Invalid(f"{field}.uri is required")
    if uri.startswith(("https://", "http://", "runway://")):
        return None
    if not uri.startswith("data:") or ";base64," not in uri:
        raise Invalid(f"{field}.uri must be an HTTPS URL, a runway:// URI or a data URI")
    if len(uri) > _DATA_LIMIT[kind]:
        raise Invalid(f"{field}.uri: data URI over {_DATA_LIMIT[kind] // 2**20} MB")
    header, payload = uri[5:].split(";base64,", 1)
    if not header.startswith(f"{kind}/"):
        raise Invalid(f"{field}.uri is {header}, not a {kind}")
    try:
        data = base64.b64decode(payload, validate=True)
    except binascii.Error:
        raise Invalid(f"{field}.uri: bad base64") from None
    if not any(data[o : o + len(m)] == m for m, o in _MAGIC[kind]):
        raise Invalid(f"{field}.uri: the bytes are not a {kind}")
    return header, data


def _seconds(data: bytes) -> float:
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if container.duration is not None:
                return float(container.duration) / 1_000_000
            stream = container.streams.video[0]
            return float((stream.duration or 0) * (stream.time_base or 0))
    except (av.FFmpegError, IndexError):
        raise Invalid("reference.uri: unreadable video") from None


def check_performance(body: dict[str, Any]) -> dict[str, tuple[str, bytes]]:
    """An act_two body as Runway checks it; the decoded data-URI inputs by name."""
    if body.get("model") != "act_two":
        raise Invalid("character_performance takes model act_two")
    inputs: dict[str, tuple[str, bytes]] = {}
    for field, kinds in (("character", ("image", "video")), ("reference", ("video",))):
        decoded = _decode(field, body.get(field), kinds)
        if decoded is not None:
            inputs[field] = decoded
    if "reference" in inputs and not 3.0 <= (length := _seconds(inputs["reference"][1])) <= 30.0:
        raise Invalid(f"reference video must last 3-30 s, not {length:.1f} s")
    intensity = body.get("expressionIntensity", 3)
    if not isinstance(intensity, int) or not 1 <= intensity <= 5:
        raise Invalid("expressionIntensity must be an integer from 1 to 5")
    if not isinstance(body.get("bodyControl", True), bool):
        raise Invalid("bodyControl must be a boolean")
    return inputs


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
        inputs: dict[str, tuple[str, bytes]] = {}
        if kind == "character_performance":
            try:
                inputs = check_performance(body)
            except Invalid as exc:
                return self.error(400, "", str(exc))
        job = self.create_job(body, key)
        job.extra["kind"] = kind
        job.extra["inputs"] = inputs
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
