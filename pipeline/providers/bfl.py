"""Black Forest Labs FLUX API (providers.md §6): images behind ``x-key``.

Submit ``POST /v1/{model}`` -> ``{id, polling_url}``. The polling URL may name another cluster
(``api.eu.bfl.ai``...): it is used verbatim, and the key goes with it only to BFL hosts. Five
terminal states: ``Ready``, ``Error``, ``Request Moderated`` and ``Content Moderated`` (both
refusals), ``Task not found``. ``result.sample`` is a signed URL valid ~10 minutes: fetch at
once. BFL says plainly there is no idempotency; there is no list either.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

from pipeline.providers._download import data_url_for, is_remote
from pipeline.providers._http import REFUSED, HttpAdapter, Phase, PriceTable, Rate
from pipeline.providers.base import (
    Capability,
    GenRequest,
    PollResult,
    ProviderState,
    SubmitOutcomeUnknown,
    SubmitResult,
)

NAME = "bfl"
_BFL_DOMAINS = ("bfl.ai", "bfl.ml")
_MODERATED = {"Request Moderated", "Content Moderated"}


def _image(value: str) -> str:
    if is_remote(value):
        return value
    return data_url_for(value).split(",", 1)[1]  # FLUX 1.1 takes bare base64


def _snap(value: int, step: int, low: int, high: int) -> int:
    return max(low, min(high, round(value / step) * step))


class BflAdapter(HttpAdapter):
    name = NAME
    default_base_url = "https://api.bfl.ai"
    default_concurrency = 24  # active tasks on standard endpoints (6 for kontext-max)
    capabilities = frozenset({Capability.IMAGE})
    media_kinds = frozenset({"image"})
    auth_header = "x-key"
    auth_scheme = ""
    prices: ClassVar[PriceTable] = PriceTable(
        {
            "flux-pro-1.1": Rate(per_request=4),
            "flux-pro-1.1-ultra": Rate(per_request=6),
            "flux-pro-1.1-raw": Rate(per_request=6),
            "flux-kontext-pro": Rate(per_request=4),
            "flux-kontext-max": Rate(per_request=8),
            "flux-pro-1.0-fill": Rate(per_request=5),
            "flux-2-pro": Rate(per_request=3),  # + 1.5 cents per extra megapixel
            "flux-2-max": Rate(per_request=7),
            "flux-2-klein-4b": Rate(per_request=1.4),
            "flux-2-klein-9b": Rate(per_request=1.5),
        },
        default_model="flux-pro-1.1",
    )

    def is_bfl_host(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        return self.is_api_host(url) or any(
            host == d or host.endswith("." + d) for d in _BFL_DOMAINS
        )

    def body(self, request: GenRequest) -> dict[str, Any]:
        model = self.model_for(request)
        flux2 = model.startswith("flux-2")
        step, high = (16, 2048) if flux2 else (32, 1440)
        body: dict[str, Any] = {
            "prompt": request.prompt,
            "width": _snap(request.width, step, 256 if not flux2 else 64, high),
            "height": _snap(request.height, step, 256 if not flux2 else 64, high),
            "seed": request.seed,
            "safety_tolerance": int(request.options.get("safety_tolerance", 2)),
            "output_format": "png",
        }
        if "image" in request.inputs:
            field = "input_image" if flux2 or "kontext" in model else "image_prompt"
            body[field] = _image(request.inputs["image"])
        return body

    async def submit(self, request: GenRequest, idempotency_key: str) -> SubmitResult:
        model = self.model_for(request)
        task = self.json_of(
            await self.submit_post(self.url(f"v1/{model}"), json_body=self.body(request)),
            Phase.SUBMIT,
        )
        task_id, polling_url = task.get("id"), task.get("polling_url")
        if not isinstance(task_id, str) or not task_id:
            raise self._fail(SubmitOutcomeUnknown("task without an id", code="malformed_json"))
        if not isinstance(polling_url, str) or not polling_url:
            polling_url = self.url(f"v1/get_result?id={task_id}")
        self.log.info("bfl task %s for job %s", task_id, idempotency_key)
        return SubmitResult(
            provider_job_id=task_id, handle={"id": task_id, "polling_url": polling_url}
        )

    async def poll(self, handle: dict[str, Any]) -> PollResult:
        url = handle["polling_url"]
        resp = await self.call("GET", url, auth=self.is_bfl_host(url))
        task = self.json_of(resp, Phase.POLL)
        status = str(task.get("status", ""))
        if status == "Ready":
            sample = (task.get("result") or {}).get("sample")
            if not isinstance(sample, str):
                return PollResult(
                    ProviderState.FAILED, error_code="no_output", retryable=True, raw=task
                )
            return PollResult(
                ProviderState.SUCCEEDED, progress=1.0, output_urls=(sample,), raw=task
            )
        if status in _MODERATED:
            return PollResult(
                ProviderState.FAILED, error_code=f"{REFUSED}:{status}", retryable=False, raw=task
            )
        if status == "Task not found":
            return PollResult(ProviderState.FAILED, error_code=status, retryable=False, raw=task)
        if status == "Error":
            details = task.get("details")
            return PollResult(
                ProviderState.FAILED,
                error_code="Error",
                error_message=str(details or ""),
                retryable=True,
                raw=task,
            )
        progress = task.get("progress")
        return PollResult(
            ProviderState.RUNNING,
            progress=float(progress) if isinstance(progress, int | float) else None,
            raw=task,
        )


PROVIDER_CLASS = BflAdapter
