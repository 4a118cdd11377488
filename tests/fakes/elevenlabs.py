"""Fake ElevenLabs TTS: synchronous binary answer, the two kinds of 429, 422 validation."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aiohttp import web

from tests.fakes.base import FakeProvider, Fault

MAX_CHARACTERS = 10_000


class ElevenLabsFake(FakeProvider):
    name = "elevenlabs"
    media_kind = "audio"
    auth_header = "xi-api-key"
    auth_scheme = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rate_limit_code = "system_busy"  # or "too_many_concurrent_requests"
        self.delay_s = 0.0  # time spent "speaking", to observe concurrency
        self.raw_pcm = False  # answer bare 16-bit samples, as output_format=pcm_* does
        self.in_flight = 0
        self.max_in_flight = 0

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/text-to-speech/{voice}", self.speak)

    def error_body(self, status: int, code: str, message: str) -> dict[str, Any]:
        if status == 429:
            code = self.rate_limit_code
            message = {
                "system_busy": "Our systems are busy, retry shortly.",
                "too_many_concurrent_requests": "Too many concurrent requests.",
            }[code]
        if status == 401:
            code = "invalid_api_key"
        return {"detail": {"status": code, "code": code, "message": message}}

    async def speak(self, request: web.Request) -> web.StreamResponse:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay_s)
            return await self._speak(request)
        finally:
            self.in_flight -= 1

    async def _speak(self, request: web.Request) -> web.StreamResponse:
        if (gate := await self.gate_submit(request)) is not None:
            return gate
        body, key = await self.read_json(request)
        if self.submit_faults and self.submit_faults[0] is Fault.REFUSE:
            self.submit_faults.pop(0)
            return web.json_response(
                {
                    "detail": [
                        {
                            "loc": ["body", "voice_settings", "speed"],
                            "msg": "ensure this value is <= 1.2",
                            "type": "value_error",
                        }
                    ]
                },
                status=422,
            )
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return web.json_response(
                {"detail": [{"loc": ["body", "text"], "msg": "field required", "type": "missing"}]},
                status=422,
            )
        if len(text) > MAX_CHARACTERS:
            return self.error(400, "max_character_limit_exceeded", "text too long")
        job = self.create_job(body, key, steps=0)
        job.extra["voice"] = request.match_info["voice"]
        fault = self.submit_faults.pop(0) if self.submit_faults else None
        if fault is Fault.ERROR_AFTER:
            return self.error(500, "internal", "Internal server error")
        if fault is Fault.HANG_AFTER:
            await asyncio.sleep(self.hang_s)
        resp = await self.send_media(request, job)
        return resp

    async def send_media(self, request: web.Request, job: Any) -> web.StreamResponse:
        if job.download is None and self.raw_pcm:
            return web.Response(body=b"\x01\x02" * 800, content_type="audio/pcm")
        if job.download is None:
            return web.Response(
                body=job.media,
                content_type="audio/mpeg",
                headers={
                    "request-id": uuid.uuid4().hex,
                    "character-cost": str(len(job.body.get("text", ""))),
                },
            )
        return await super().send_media(request, job)
