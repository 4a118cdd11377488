"""Replicate predictions (providers.md §5).

Submit ``POST /models/{owner}/{name}/predictions`` (or ``/predictions`` with a version when the
model is ``owner/name:version``) with ``Prefer: wait=N``: a fast model answers finished and the
result comes back as ``SubmitResult.immediate``. Poll ``urls.get``. ``output`` is a URL, a list
of URLs or model JSON. Outputs are removed after an hour (``data_removed``) -> ResultExpired.
Reconcile through ``GET /predictions``: exactly one recent prediction with our model and input.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from pipeline.providers._download import data_url_for, is_remote
from pipeline.providers._http import (
    REFUSED,
    HttpAdapter,
    Phase,
    PriceTable,
    Rate,
    Timeouts,
    canonical_json,
    parse_time,
    ratio_of,
)
from pipeline.providers.base import (
    Capability,
    GenRequest,
    PollResult,
    ProviderError,
    ProviderState,
    RateLimited,
    Refused,
    ResultExpired,
    SubmitOutcomeUnknown,
    SubmitResult,
)

NAME = "replicate"
# providers.md names no Replicate models or prices: these defaults and prices are guesses.
VIDEO_MODEL = "wan-video/wan-2.2-i2v-fast"
TEXT_VIDEO_MODEL = "wan-video/wan-2.2-t2v-fast"
IMAGE_MODEL = "black-forest-labs/flux-schnell"
_STATES = {
    "starting": ProviderState.QUEUED,
    "processing": ProviderState.RUNNING,
    "succeeded": ProviderState.SUCCEEDED,
    "failed": ProviderState.FAILED,
    "canceled": ProviderState.CANCELLED,
}
_RESETS_IN = re.compile(r"~?\s*(\d+(?:\.\d+)?)\s*s\b")


def _outputs(output: Any) -> list[str]:
    if isinstance(output, str):
        return [output] if is_remote(output) or output.startswith("data:") else []
    if isinstance(output, list):
        return [u for item in output for u in _outputs(item)]
    if isinstance(output, dict):
        return [u for item in output.values() for u in _outputs(item)]
    return []


class ReplicateAdapter(HttpAdapter):
    name = NAME
    default_base_url = "https://api.replicate.com/v1"
    default_concurrency = 4
    capabilities = frozenset(
        {Capability.IMAGE_TO_VIDEO, Capability.TEXT_TO_VIDEO, Capability.IMAGE}
    )
    prices: ClassVar[PriceTable] = PriceTable(
        {
            VIDEO_MODEL: Rate(per_second=2),  # guess
            TEXT_VIDEO_MODEL: Rate(per_second=2),  # guess
            IMAGE_MODEL: Rate(per_request=0.3),  # guess
        },
        default_model=VIDEO_MODEL,
    )
    reconcile_pages = 4
    reconcile_window = timedelta(hours=1)  # Replicate drops API predictions' data after 1 h

    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        http: httpx.AsyncClient | None = None,
        concurrency: int | None = None,
        *,
        timeouts: Timeouts | None = None,
        max_download_bytes: int | None = None,
        connect_retries: int | None = None,
        prefer_wait_s: int = 10,
    ) -> None:
        super().__init__(
            api_key,
            base_url,
            http,
            concurrency,
            timeouts=timeouts,
            max_download_bytes=max_download_bytes,
            connect_retries=connect_retries,
        )
        self.prefer_wait_s = max(0, min(60, prefer_wait_s))

    def model_for(self, request: GenRequest) -> str:
        if request.model:
            return request.model
        return {Capability.IMAGE: IMAGE_MODEL, Capability.TEXT_TO_VIDEO: TEXT_VIDEO_MODEL}.get(
            request.capability, VIDEO_MODEL
        )

    def input_of(self, request: GenRequest) -> dict[str, Any]:
        data: dict[str, Any] = {"prompt": request.prompt, "seed": request.seed}
        if request.capability is Capability.IMAGE:
            data["aspect_ratio"] = ratio_of(
                request.width, request.height, ["1:1", "16:9", "9:16", "4:3", "3:4", "21:9", "9:21"]
            )
        else:
            data["num_frames"] = max(1, round(request.duration_s * request.fps))
        if "image" in request.inputs:
            image = request.inputs["image"]
            data["image"] = image if is_remote(image) else data_url_for(image)
        data.update(request.options.get("input", {}))
        return data

    def _endpoint(self, request: GenRequest) -> tuple[str, dict[str, Any]]:
        model = self.model_for(request)
        body: dict[str, Any] = {"input": self.input_of(request)}
        if ":" in model:
            body["version"] = model.split(":", 1)[1]
            return self.url("predictions"), body
        return self.url(f"models/{model}/predictions"), body

    def refine_error(self, resp: httpx.Response, phase: Phase) -> ProviderError:
        exc = super().refine_error(resp, phase)
        if isinstance(exc, RateLimited) and exc.retry_after_s is None:
            # {"detail": "Request was throttled. Your rate limit resets in ~30s."}
            found = _RESETS_IN.search(str(exc))
            if found:
                exc.retry_after_s = float(found.group(1))
        return exc

    async def submit(self, request: GenRequest, idempotency_key: str) -> SubmitResult:
        url, body = self._endpoint(request)
        headers = {"Prefer": f"wait={self.prefer_wait_s}"} if self.prefer_wait_s else {}
        resp = await self.submit_post(
            url,
            json_body=body,
            headers=headers,
            read_timeout=self.timeouts.submit_read + self.prefer_wait_s,
        )
        pred = self.json_of(resp, Phase.SUBMIT)
        if not isinstance(pred.get("id"), str):
            raise self._fail(
                SubmitOutcomeUnknown("prediction without an id", code="malformed_json")
            )
        result = self._submit_result(pred)
        self.log.info("replicate prediction %s for job %s", result.provider_job_id, idempotency_key)
        return result

    def _submit_result(self, pred: dict[str, Any]) -> SubmitResult:
        pred_id = str(pred["id"])
        urls = pred.get("urls") or {}
        handle = {
            "id": pred_id,
            "get_url": urls.get("get") or self.url(f"predictions/{pred_id}"),
            "cancel_url": urls.get("cancel") or self.url(f"predictions/{pred_id}/cancel"),
        }
        immediate = None
        if _STATES.get(str(pred.get("status"))) in (ProviderState.SUCCEEDED, ProviderState.FAILED):
            immediate = self.to_poll(pred)
        return SubmitResult(provider_job_id=pred_id, handle=handle, immediate=immediate)

    def _api_url(self, url: str, fallback: str) -> str:
        # urls.get comes from the provider; the key only ever goes to the API host.
        return url if self.is_api_host(url) else fallback

    async def poll(self, handle: dict[str, Any]) -> PollResult:
        url = self._api_url(handle["get_url"], self.url(f"predictions/{handle['id']}"))
        return self.to_poll(self.json_of(await self.call("GET", url), Phase.POLL))

    def to_poll(self, pred: dict[str, Any]) -> PollResult:
        state = _STATES.get(str(pred.get("status")), ProviderState.RUNNING)
        if state is ProviderState.SUCCEEDED:
            if pred.get("data_removed"):
                raise ResultExpired(
                    "replicate removed this prediction's output", code="data_removed"
                )
            urls = _outputs(pred.get("output"))
            if not urls:
                return PollResult(
                    ProviderState.FAILED, error_code="no_output", retryable=True, raw=pred
                )
            return PollResult(state, progress=1.0, output_urls=tuple(urls), raw=pred)
        if state is ProviderState.FAILED:
            error = str(pred.get("error") or "")
            nsfw = "nsfw" in error.lower() or "sensitive" in error.lower()
            return PollResult(
                state,
                error_code=f"{REFUSED}:nsfw" if nsfw else "failed",
                error_message=error,
                retryable=not nsfw,
                raw=pred,
            )
        return PollResult(state, raw=pred)

    async def cancel(self, handle: dict[str, Any]) -> None:
        url = self._api_url(
            handle.get("cancel_url") or "", self.url(f"predictions/{handle['id']}/cancel")
        )
        try:
            await self.call("POST", url)
        except Refused as exc:
            if exc.status != 404:
                raise

    async def reconcile(self, idempotency_key: str, request: GenRequest) -> SubmitResult | None:
        model = self.model_for(request).split(":", 1)[0]
        # Files we sent inline may come back as hosted URLs: match on everything else.
        wanted = {
            k: canonical_json(v)
            for k, v in self.input_of(request).items()
            if not (isinstance(v, str) and v.startswith("data:"))
        }
        since = datetime.now(UTC) - self.reconcile_window
        url: str | None = self.url("predictions")
        matches: list[dict[str, Any]] = []
        for _ in range(self.reconcile_pages):
            if not url or not self.is_api_host(url):
                break
            page = self.json_of(await self.call("GET", url), Phase.POLL)
            old = False
            for pred in page.get("results") or []:
                created = parse_time(pred.get("created_at"))
                if created is not None and created < since:
                    old = True
                    continue
                same_model = str(pred.get("model", "")) in (model, "")
                echo = pred.get("input") or {}
                if same_model and all(
                    k in echo and canonical_json(echo[k]) == v for k, v in wanted.items()
                ):
                    matches.append(pred)
            url = None if old else page.get("next")
        if len(matches) != 1:
            self.log.warning(
                "replicate reconcile for job %s: %d matches", idempotency_key, len(matches)
            )
            return None
        return self._submit_result(matches[0])


PROVIDER_CLASS = ReplicateAdapter
