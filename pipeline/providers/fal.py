"""fal.ai queue API (providers.md §4): video, Flux images and lip-sync models behind one queue.

Submit ``POST {queue}/{model_id}``; the answer carries ``status_url``, ``response_url`` and
``cancel_url``, which are persisted and used verbatim (they drop the model's sub-path, so a URL
rebuilt from the model id would be wrong). Status answers 202 while waiting and 200 when
``COMPLETED``; "completed" still may be an error, which only the result request tells. Cancel is
``PUT {cancel_url}``. No list endpoint and no idempotency key: unknown submits go to review.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from pipeline.providers._download import data_url_for, is_remote
from pipeline.providers._http import REFUSED, HttpAdapter, Phase, PriceTable, Rate, error_fields
from pipeline.providers.base import (
    Capability,
    GenRequest,
    PollResult,
    ProviderState,
    Refused,
    SubmitOutcomeUnknown,
    SubmitResult,
    TransientError,
)

NAME = "fal"
VIDEO_MODEL = "fal-ai/kling-video/v2.1/standard/image-to-video"  # not in providers.md
TEXT_VIDEO_MODEL = "fal-ai/kling-video/v2.1/standard/text-to-video"  # not in providers.md
IMAGE_MODEL = "fal-ai/flux/dev"
LIPSYNC_MODEL = "fal-ai/sync-lipsync/v2"
_STATES = {
    "IN_QUEUE": ProviderState.QUEUED,
    "IN_PROGRESS": ProviderState.RUNNING,
    "COMPLETED": ProviderState.SUCCEEDED,
}
# Infrastructure error types fal documents; all are worth another try.
_RETRYABLE_TYPES = {
    "request_timeout",
    "startup_timeout",
    "runner_scheduling_failure",
    "runner_connection_timeout",
    "runner_disconnected",
    "runner_connection_refused",
}


_FAL_DOMAINS = ("fal.run", "fal.ai", "fal.media")


def _file(value: str) -> str:
    return value if is_remote(value) else data_url_for(value)


def _urls(result: Any) -> list[str]:
    """Output URLs of any fal model: ``video.url``, ``images[].url``, ``audio.url``."""
    urls: list[str] = []
    if isinstance(result, dict):
        for key in ("video", "image", "audio"):
            item = result.get(key)
            if isinstance(item, dict) and isinstance(item.get("url"), str):
                urls.append(item["url"])
        for item in result.get("images") or []:
            if isinstance(item, dict) and isinstance(item.get("url"), str):
                urls.append(item["url"])
    return urls


class FalAdapter(HttpAdapter):
    name = NAME
    default_base_url = "https://queue.fal.run"
    default_concurrency = 2  # new accounts; extra requests wait IN_QUEUE, never rejected
    capabilities = frozenset(
        {Capability.IMAGE_TO_VIDEO, Capability.TEXT_TO_VIDEO, Capability.IMAGE, Capability.LIPSYNC}
    )
    auth_scheme = "Key "
    prices: ClassVar[PriceTable] = PriceTable(
        {
            VIDEO_MODEL: Rate(per_second=5),  # not in providers.md: guess
            TEXT_VIDEO_MODEL: Rate(per_second=5),  # not in providers.md: guess
            "fal-ai/flux/dev": Rate(per_request=2.5),  # $0.025/MP at ~1 MP
            "fal-ai/flux/schnell": Rate(per_request=0.3),
            "fal-ai/flux-pro/v1.1": Rate(per_request=5.5),
            "fal-ai/sync-lipsync": Rate(per_second=7 / 6),  # $0.7/min
            "fal-ai/sync-lipsync/v2": Rate(per_second=5),  # $3/min
            "fal-ai/sync-lipsync/v3": Rate(per_second=40 / 3),  # $8/min
            "fal-ai/latentsync": Rate(per_request=20, per_second=0.5),  # approx. past 40 s
        },
        default_model=VIDEO_MODEL,
    )

    def api_headers_for(self, url: str) -> dict[str, str]:
        """fal's own queue URLs get the key; any other host named in an answer does not."""
        host = urlsplit(url).hostname or ""
        ours = self.is_api_host(url) or any(
            host == d or host.endswith("." + d) for d in _FAL_DOMAINS
        )
        return self.api_headers() if ours else {}

    def model_for(self, request: GenRequest) -> str:
        if request.model:
            return request.model
        return {
            Capability.IMAGE: IMAGE_MODEL,
            Capability.LIPSYNC: LIPSYNC_MODEL,
            Capability.TEXT_TO_VIDEO: TEXT_VIDEO_MODEL,
        }.get(request.capability, VIDEO_MODEL)

    def billed_seconds(self, request: GenRequest) -> float:
        if request.capability in (Capability.IMAGE_TO_VIDEO, Capability.TEXT_TO_VIDEO):
            return 5.0 if request.duration_s <= 7.5 else 10.0  # Kling-style 5 or 10 s
        return request.duration_s

    def body(self, request: GenRequest) -> dict[str, Any]:
        inputs = request.inputs
        if request.capability is Capability.LIPSYNC:
            if "video" not in inputs or "audio" not in inputs:
                raise Refused("lip-sync needs inputs 'video' and 'audio'", code="missing_input")
            body: dict[str, Any] = {
                "video_url": _file(inputs["video"]),
                "audio_url": _file(inputs["audio"]),
            }
            body["sync_mode"] = request.options.get("sync_mode", "cut_off")
        elif request.capability is Capability.IMAGE:
            body = {
                "prompt": request.prompt,
                "image_size": {"width": request.width, "height": request.height},
                "seed": request.seed,
                "num_images": 1,
                "enable_safety_checker": True,
                "output_format": "png",
            }
        else:
            body = {
                "prompt": request.prompt,
                "duration": f"{self.billed_seconds(request):.0f}",
            }
            if "image" in inputs:
                body["image_url"] = _file(inputs["image"])
            elif request.capability is Capability.IMAGE_TO_VIDEO:
                raise Refused("image_to_video needs inputs['image']", code="missing_input")
        body.update(request.options.get("input", {}))
        return body

    async def submit(self, request: GenRequest, idempotency_key: str) -> SubmitResult:
        model = self.model_for(request)
        resp = await self.submit_post(self.url(model), json_body=self.body(request))
        sub = self.json_of(resp, Phase.SUBMIT)
        handle = {k: sub.get(k) for k in ("request_id", "status_url", "response_url", "cancel_url")}
        if not handle["request_id"] or not handle["status_url"] or not handle["response_url"]:
            raise self._fail(
                SubmitOutcomeUnknown("queue answer without its URLs", code="malformed_json")
            )
        self.log.info(
            "fal request %s (%s) for job %s", handle["request_id"], model, idempotency_key
        )
        return SubmitResult(provider_job_id=str(handle["request_id"]), handle=handle)

    async def poll(self, handle: dict[str, Any]) -> PollResult:
        url = handle["status_url"]
        resp = await self.call("GET", url, auth=False, headers=self.api_headers_for(url))
        status = self.json_of(resp, Phase.POLL)
        state = _STATES.get(str(status.get("status")), ProviderState.RUNNING)
        if state is not ProviderState.SUCCEEDED:
            return PollResult(state, raw=status)
        return await self._result(handle)

    async def _result(self, handle: dict[str, Any]) -> PollResult:
        try:
            resp = await self._http.get(
                handle["response_url"],
                headers=self.api_headers_for(handle["response_url"]),
                timeout=self.timeouts.httpx(),
            )
        except httpx.TransportError as exc:
            raise self._fail(
                TransientError(f"fal result: {type(exc).__name__}", code="transport")
            ) from exc
        if resp.status_code == 429 or (
            resp.status_code >= 500 and not resp.headers.get("x-fal-error-type")
        ):
            raise self.refine_error(resp, Phase.POLL)
        if not resp.is_success:
            # COMPLETED with an error: a 422 is the model refusing its input; the rest are fal's
            # infrastructure (error_type), worth a new request.
            try:
                body = resp.json()
            except ValueError:
                body = {}
            code, message = error_fields(body)
            error_type = resp.headers.get("x-fal-error-type") or (
                body.get("error_type") if isinstance(body, dict) else None
            )
            if resp.status_code in (400, 422):
                return PollResult(
                    ProviderState.FAILED,
                    error_code=f"{REFUSED}:{code or 422}",
                    error_message=message,
                    retryable=False,
                    raw=body if isinstance(body, dict) else {},
                )
            return PollResult(
                ProviderState.FAILED,
                error_code=str(error_type or code),
                error_message=message,
                retryable=str(error_type) in _RETRYABLE_TYPES or resp.status_code >= 500,
                raw=body if isinstance(body, dict) else {},
            )
        result = self.json_of(resp, Phase.POLL)
        if any(result.get("has_nsfw_concepts") or []):
            # Flux's safety checker answers with a black image instead of an error.
            return PollResult(
                ProviderState.FAILED, error_code=f"{REFUSED}:nsfw", retryable=False, raw=result
            )
        urls = _urls(result)
        if not urls:
            return PollResult(
                ProviderState.FAILED, error_code="no_output", retryable=True, raw=result
            )
        return PollResult(
            ProviderState.SUCCEEDED, progress=1.0, output_urls=tuple(urls), raw=result
        )

    async def cancel(self, handle: dict[str, Any]) -> None:
        url = handle.get("cancel_url")
        if not url:
            return
        try:
            await self.call("PUT", url, auth=False, headers=self.api_headers_for(url))
        except Refused as exc:
            if exc.status not in (400, 404):  # 400 = already completed
                raise


PROVIDER_CLASS = FalAdapter
