"""Runway API (providers.md §3): tasks behind ``X-Runway-Version``.

``image_to_video`` (gen4_turbo), ``text_to_video`` and character performance (``act_two``: a
member's acting video of 3-30 s drives a character image or video; ``/shot perform``, priced per
second of the acting video). Local inputs go as data URIs (images up to 5 MB, videos 16 MB).
Over the concurrency limit Runway accepts the task and holds it ``THROTTLED`` (we report QUEUED);
429 means the daily cap. ``SAFETY.*`` failures are
refusals (credits are spent, do not retry); ``INTERNAL*`` failures may be retried. Cancel is
``DELETE /v1/tasks/{id}``. There is no task list: an unknown submit cannot be reconciled.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pipeline.providers._download import SNIFF_BYTES, data_url_for, is_remote, sniff_kind
from pipeline.providers._http import REFUSED, HttpAdapter, Phase, PriceTable, Rate, ratio_of
from pipeline.providers.base import (
    Capability,
    GenRequest,
    PollResult,
    ProviderState,
    Refused,
    SubmitOutcomeUnknown,
    SubmitResult,
)

NAME = "runway"
API_VERSION = "2024-11-06"
_RATIOS = ["1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672"]
_STATES = {
    "PENDING": ProviderState.QUEUED,
    "THROTTLED": ProviderState.QUEUED,
    "RUNNING": ProviderState.RUNNING,
    "SUCCEEDED": ProviderState.SUCCEEDED,
    "FAILED": ProviderState.FAILED,
    "CANCELLED": ProviderState.CANCELLED,
    "CANCELED": ProviderState.CANCELLED,  # Runway's skills docs spell it this way
}
# Data URIs Runway accepts (providers.md §3): images up to 5 MB, videos up to 16 MB.
IMAGE_DATA_URI_LIMIT = 5 * 1024 * 1024
VIDEO_DATA_URI_LIMIT = 16 * 1024 * 1024
# act_two's reference (the acting video) lasts 3 to 30 seconds.
PERFORMANCE_MIN_S = 3.0
PERFORMANCE_MAX_S = 30.0
# The raw bytes that fit a data URI of that size (base64 is 4/3 larger, plus the header).
VIDEO_MAX_BYTES = (VIDEO_DATA_URI_LIMIT - 64) * 3 // 4


def _asset(value: str) -> str:
    """A URL as is; a local file as a data URI (images up to 5 MB, videos up to 16 MB)."""
    if is_remote(value) or value.startswith("runway://"):
        return value
    uri = data_url_for(value)
    video = uri.startswith("data:video/")
    limit = VIDEO_DATA_URI_LIMIT if video else IMAGE_DATA_URI_LIMIT
    if len(uri) > limit:
        raise Refused(
            f"input over Runway's {limit // (1024 * 1024)} MB data-URI limit; upload it first",
            code="input_too_large",
        )
    return uri


def _kind_of(value: str) -> str:
    """'video' or 'image' for a character input: by its bytes, or a URL's extension."""
    if is_remote(value) or value.startswith("runway://"):
        path = value.split("?", 1)[0].lower()
        return "video" if path.endswith((".mp4", ".mov", ".webm")) else "image"
    with open(value, "rb") as fh:
        return "video" if sniff_kind(fh.read(SNIFF_BYTES)) == "video" else "image"


class RunwayAdapter(HttpAdapter):
    name = NAME
    default_base_url = "https://api.dev.runwayml.com"
    default_concurrency = 2  # tier 1: 1-2 per model; extra tasks wait THROTTLED anyway
    capabilities = frozenset(
        {Capability.IMAGE_TO_VIDEO, Capability.TEXT_TO_VIDEO, Capability.PERFORMANCE}
    )
    media_kinds = frozenset({"video"})
    # What /shot perform accepts for this provider (pipeline/perform.py, commands read them).
    performance_seconds = (PERFORMANCE_MIN_S, PERFORMANCE_MAX_S)
    performance_max_bytes = VIDEO_MAX_BYTES
    # credits per second, 1 credit = 1 cent [UNVERIFIED]
    prices: ClassVar[PriceTable] = PriceTable(
        {
            "gen4_turbo": Rate(per_second=5),
            "gen4.5": Rate(per_second=12),
            "act_two": Rate(per_second=5),
            "gen4_aleph": Rate(per_second=15),
            "veo3": Rate(per_second=40),
            "veo3.1": Rate(per_second=40),
            "veo3.1_fast": Rate(per_second=15),
            "gen3a_turbo": Rate(per_second=5),
        },
        default_model="gen4_turbo",
    )

    def api_headers(self) -> dict[str, str]:
        return {**self.auth_headers(), "X-Runway-Version": API_VERSION}

    def model_for(self, request: GenRequest) -> str:
        if request.model:
            return request.model
        if request.capability is Capability.PERFORMANCE:
            return "act_two"
        if request.capability is Capability.TEXT_TO_VIDEO:
            return "gen4.5"
        return self.prices.default_model

    def billed_seconds(self, request: GenRequest) -> float:
        if request.capability is Capability.PERFORMANCE:
            return request.duration_s  # the acting video's length, 3-30 s
        if self.model_for(request) == "gen3a_turbo":
            return 5.0 if request.duration_s <= 7.5 else 10.0
        return float(min(10, max(2, round(request.duration_s))))

    def endpoint_and_body(self, request: GenRequest) -> tuple[str, dict[str, Any]]:
        model = self.model_for(request)
        ratio = ratio_of(request.width, request.height, _RATIOS)
        body: dict[str, Any] = {"model": model, "ratio": ratio, "seed": request.seed}
        if "contentModeration" in request.options:
            body["contentModeration"] = request.options["contentModeration"]
        if request.capability is Capability.PERFORMANCE:
            if "character" not in request.inputs or "video" not in request.inputs:
                raise Refused("act_two needs inputs 'character' and 'video'", code="missing_input")
            if not PERFORMANCE_MIN_S <= request.duration_s <= PERFORMANCE_MAX_S:
                raise Refused(
                    f"act_two takes an acting video of {PERFORMANCE_MIN_S:.0f}-"
                    f"{PERFORMANCE_MAX_S:.0f} s, not {request.duration_s:.1f} s",
                    code="reference_length",
                )
            character = request.inputs["character"]
            kind = _kind_of(character)
            body["character"] = {"type": kind, "uri": _asset(character)}
            body["reference"] = {"type": "video", "uri": _asset(request.inputs["video"])}
            body["bodyControl"] = bool(request.options.get("bodyControl", True))
            body["expressionIntensity"] = int(request.options.get("expressionIntensity", 3))
            return "v1/character_performance", body
        body["duration"] = int(self.billed_seconds(request))
        if request.prompt:
            body["promptText"] = request.prompt[:1000]
        if request.capability is Capability.TEXT_TO_VIDEO:
            return "v1/text_to_video", body
        if "image" not in request.inputs:
            raise Refused("image_to_video needs inputs['image']", code="missing_input")
        body["promptImage"] = _asset(request.inputs["image"])
        return "v1/image_to_video", body

    async def submit(self, request: GenRequest, idempotency_key: str) -> SubmitResult:
        path, body = self.endpoint_and_body(request)
        task = self.json_of(await self.submit_post(self.url(path), json_body=body), Phase.SUBMIT)
        task_id = task.get("id")
        if not isinstance(task_id, str) or not task_id:
            raise self._fail(SubmitOutcomeUnknown("task without an id", code="malformed_json"))
        self.log.info("runway task %s (%s) for job %s", task_id, path, idempotency_key)
        return SubmitResult(provider_job_id=task_id, handle={"id": task_id})

    async def poll(self, handle: dict[str, Any]) -> PollResult:
        task = self.json_of(
            await self.call("GET", self.url(f"v1/tasks/{handle['id']}")), Phase.POLL
        )
        status = str(task.get("status", ""))
        state = _STATES.get(status, ProviderState.RUNNING)
        if state is ProviderState.SUCCEEDED:
            output = task.get("output") or []
            urls = tuple(u for u in output if isinstance(u, str))
            if not urls:
                return PollResult(
                    ProviderState.FAILED, error_code="no_output", retryable=True, raw=task
                )
            return PollResult(state, progress=1.0, output_urls=urls, raw=task)
        if state is ProviderState.FAILED:
            code = str(task.get("failureCode") or "FAILED")
            safety = code.startswith("SAFETY")
            return PollResult(
                state,
                error_code=f"{REFUSED}:{code}" if safety else code,
                error_message=str(task.get("failure") or ""),
                retryable=code.startswith("INTERNAL"),
                raw=task,
            )
        progress = task.get("progress")
        return PollResult(
            state,
            progress=float(progress) if isinstance(progress, int | float) else None,
            raw=task,
        )

    async def cancel(self, handle: dict[str, Any]) -> None:
        try:
            await self.call("DELETE", self.url(f"v1/tasks/{handle['id']}"))
        except Refused as exc:
            if exc.status != 404:  # already gone is what we wanted
                raise


PROVIDER_CLASS = RunwayAdapter
