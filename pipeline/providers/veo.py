"""Google Veo through the Gemini Developer API (providers.md §1.1).

Submit ``POST /models/{model}:predictLongRunning``; poll the returned operation ``name`` verbatim;
download the sample's ``uri`` from the API host with the same key. ``done: true`` with zero samples
and a RAI filter count is a content refusal, not an error. No idempotency: a resent submit is a
second billed operation, and there is no list to reconcile against.

Lifecycle (providers.md): the Gemini API preview models were reported shut down on 2026-10-22 in
favour of the Interactions API; the model id is per request, the adapter stays behind the contract.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, ClassVar

from pipeline.providers._download import SNIFF_BYTES, is_remote, mime_of
from pipeline.providers._http import REFUSED, HttpAdapter, Phase, PriceTable, Rate
from pipeline.providers.base import (
    Capability,
    GenRequest,
    PollResult,
    ProviderState,
    Refused,
    SubmitOutcomeUnknown,
    SubmitResult,
)

NAME = "veo"

# google.rpc codes worth another try: DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL,
# UNAVAILABLE.
_RETRYABLE_RPC = {4, 8, 10, 13, 14}


def _image(path: str) -> dict[str, str]:
    if is_remote(path):
        raise Refused("the Gemini API takes inline images only, not URLs", code="input_needs_file")
    raw = Path(path).read_bytes()
    return {
        "bytesBase64Encoded": base64.b64encode(raw).decode(),
        "mimeType": mime_of(raw[:SNIFF_BYTES]),
    }


class VeoAdapter(HttpAdapter):
    name = NAME
    default_base_url = "https://generativelanguage.googleapis.com/v1beta"
    default_concurrency = 4  # 10 concurrent per project [2nd]; previews are 10 RPM
    capabilities = frozenset({Capability.TEXT_TO_VIDEO, Capability.IMAGE_TO_VIDEO})
    media_kinds = frozenset({"video"})
    auth_header = "x-goog-api-key"
    auth_scheme = ""
    prices: ClassVar[PriceTable] = PriceTable(
        {
            "veo-3.1-generate-preview": Rate(per_second=40),
            "veo-3.1-fast-generate-preview": Rate(per_second=15),
            "veo-3.1-lite-generate-preview": Rate(per_second=8),
            "veo-3.0-generate-001": Rate(per_second=75),
            "veo-3.0-fast-generate-001": Rate(per_second=40),  # not in providers.md: guess
            "veo-2.0-generate-001": Rate(per_second=35),
        },
        default_model="veo-3.1-fast-generate-preview",
    )

    def billed_seconds(self, request: GenRequest) -> float:
        if self.model_for(request).startswith("veo-2"):
            return float(min(8, max(5, round(request.duration_s))))
        # Veo 3 / 3.1: 4, 6 or 8 seconds; a tie goes to the longer clip
        return float(min((4, 6, 8), key=lambda d: (abs(d - request.duration_s), -d)))

    def body(self, request: GenRequest) -> dict[str, Any]:
        instance: dict[str, Any] = {"prompt": request.prompt}
        if "image" in request.inputs:
            instance["image"] = _image(request.inputs["image"])
        if "last_image" in request.inputs:
            instance["lastFrame"] = _image(request.inputs["last_image"])
        duration = int(self.billed_seconds(request))
        portrait = request.height > request.width
        params: dict[str, Any] = {
            "aspectRatio": "9:16" if portrait else "16:9",
            "durationSeconds": duration,
            "resolution": "1080p" if min(request.width, request.height) >= 1080 else "720p",
            "sampleCount": 1,
        }
        for key in ("negativePrompt", "personGeneration", "enhancePrompt"):
            if key in request.options:
                params[key] = request.options[key]
        # seed, fps, generateAudio are Vertex-only: the Gemini API rejects them.
        return {"instances": [instance], "parameters": params}

    async def submit(self, request: GenRequest, idempotency_key: str) -> SubmitResult:
        model = self.model_for(request)
        resp = await self.submit_post(
            self.url(f"models/{model}:predictLongRunning"), json_body=self.body(request)
        )
        op = self.json_of(resp, Phase.SUBMIT)
        name = op.get("name")
        if not isinstance(name, str) or not name:
            raise self._fail(
                SubmitOutcomeUnknown("operation without a name", code="malformed_json")
            )
        self.log.info("veo operation %s for job %s", name, idempotency_key)
        return SubmitResult(provider_job_id=name, handle={"operation_name": name})

    async def poll(self, handle: dict[str, Any]) -> PollResult:
        op = self.json_of(await self.call("GET", self.url(handle["operation_name"])), Phase.POLL)
        if not op.get("done"):
            meta = op.get("metadata") or {}
            pct = meta.get("progressPercent") if isinstance(meta, dict) else None
            progress = float(pct) / 100 if isinstance(pct, int | float) else None
            return PollResult(ProviderState.RUNNING, progress=progress, raw=op)
        error = op.get("error")
        if isinstance(error, dict):
            rpc = error.get("code")
            return PollResult(
                ProviderState.FAILED,
                error_code=str(error.get("status") or rpc),
                error_message=str(error.get("message", "")),
                retryable=rpc in _RETRYABLE_RPC,
                raw=op,
            )
        response = (op.get("response") or {}).get("generateVideoResponse") or {}
        urls: list[str] = []
        for sample in response.get("generatedSamples") or []:
            video = sample.get("video") or {}
            if video.get("uri"):
                urls.append(video["uri"])
            elif video.get("encodedVideo"):
                mime = video.get("encoding") or "video/mp4"
                urls.append(f"data:{mime};base64,{video['encodedVideo']}")
        if urls:
            return PollResult(
                ProviderState.SUCCEEDED, progress=1.0, output_urls=tuple(urls), raw=op
            )
        reasons = response.get("raiMediaFilteredReasons") or []
        filtered = response.get("raiMediaFilteredCount") or 0
        code = f"{REFUSED}:rai_filtered" if filtered or reasons else f"{REFUSED}:no_samples"
        return PollResult(
            ProviderState.FAILED,
            error_code=code,
            error_message="; ".join(map(str, reasons)),
            retryable=False,
            raw=op,
        )

    def download_headers(self, url: str) -> dict[str, str]:
        # Gemini file downloads need the key; anything elsewhere (signed links) must not get it.
        return self.auth_headers() if self.is_api_host(url) else {}


PROVIDER_CLASS = VeoAdapter
