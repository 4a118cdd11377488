"""Sync Labs (sync.so) lip-sync v2 (providers.md §7).

The one provider whose submit dedupes: ``Idempotency-Key`` on ``POST /v2/generate`` replays the
first generation for the same key and inputs. So after an unknown outcome, ``reconcile`` simply
sends the same request with the same key and gets the original generation back, never a second
paid one. Inputs must be public URLs: local files of the media store become signed links
(``use_links``; the links are stable within a step, so a replay sends the same inputs), and
without links configured they are refused (``input_needs_url``). Over the plan's concurrency
the create fails with 429 (it is not queued).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, ClassVar

from pipeline.providers._download import is_remote
from pipeline.providers._http import REFUSED, HttpAdapter, Phase, PriceTable, Rate
from pipeline.providers._links import PublishesInputs
from pipeline.providers.base import (
    Capability,
    GenRequest,
    PollResult,
    ProviderState,
    Refused,
    SubmitOutcomeUnknown,
    SubmitResult,
)

NAME = "sync"
_KEY_OK = re.compile(r"^[A-Za-z0-9._~-]{1,128}$")
_STATES = {
    "PENDING": ProviderState.QUEUED,
    "PROCESSING": ProviderState.RUNNING,
    "COMPLETED": ProviderState.SUCCEEDED,
    "FAILED": ProviderState.FAILED,
    "REJECTED": ProviderState.FAILED,
}


def wire_key(idempotency_key: str) -> str:
    """Our job key as Sync accepts it (1-128 of ``[A-Za-z0-9._~-]``), stable across restarts."""
    if _KEY_OK.match(idempotency_key):
        return idempotency_key
    return "dailies-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]


class SyncAdapter(PublishesInputs, HttpAdapter):
    name = NAME
    default_base_url = "https://api.sync.so"
    default_concurrency = 1  # Hobbyist plan; Creator 3, Growth 6, Scale 15
    capabilities = frozenset({Capability.LIPSYNC})
    media_kinds = frozenset({"video"})
    auth_header = "x-api-key"
    auth_scheme = ""
    idempotent_submit = True
    # upper end of the per-second ranges at 25 fps
    prices: ClassVar[PriceTable] = PriceTable(
        {
            "lipsync-2": Rate(per_second=5),
            "lipsync-2-pro": Rate(per_second=8.3),
            "sync-3": Rate(per_second=13.3),
            "lipsync-1.9.0-beta": Rate(per_second=5),  # not priced in providers.md
            "react-1": Rate(per_second=13.3),  # not priced in providers.md
        },
        default_model="lipsync-2",
    )

    def body(self, request: GenRequest) -> dict[str, Any]:
        video, audio = request.inputs.get("video", ""), request.inputs.get("audio", "")
        if not video or not audio:
            raise Refused("lip-sync needs inputs 'video' and 'audio'", code="missing_input")
        if not is_remote(video) or not is_remote(audio):
            raise Refused("Sync takes public URLs for video and audio", code="input_needs_url")
        body: dict[str, Any] = {
            "model": self.model_for(request),
            "input": [{"type": "video", "url": video}, {"type": "audio", "url": audio}],
            "options": {"sync_mode": request.options.get("sync_mode", "cut_off")},
        }
        if request.options.get("webhook_url"):
            body["webhookUrl"] = request.options["webhook_url"]
        return body

    async def submit(self, request: GenRequest, idempotency_key: str) -> SubmitResult:
        key = wire_key(idempotency_key)
        public = await self.published(request, ("video", "audio"), "Sync inputs")
        resp = await self.submit_post(
            self.url("v2/generate"),
            json_body=self.body(public),
            headers={"Idempotency-Key": key},
        )
        gen = self.json_of(resp, Phase.SUBMIT)
        gen_id = gen.get("id")
        if not isinstance(gen_id, str) or not gen_id:
            raise self._fail(
                SubmitOutcomeUnknown("generation without an id", code="malformed_json")
            )
        self.log.info("sync generation %s for job %s", gen_id, idempotency_key)
        return SubmitResult(provider_job_id=gen_id, handle={"id": gen_id, "idempotency_key": key})

    async def reconcile(self, idempotency_key: str, request: GenRequest) -> SubmitResult | None:
        # Safe by the provider's contract: same key + same inputs = the same generation.
        return await self.submit(request, idempotency_key)

    async def poll(self, handle: dict[str, Any]) -> PollResult:
        gen = self.json_of(
            await self.call("GET", self.url(f"v2/generate/{handle['id']}")), Phase.POLL
        )
        status = str(gen.get("status", ""))
        state = _STATES.get(status, ProviderState.RUNNING)
        if state is ProviderState.SUCCEEDED:
            url = gen.get("outputUrl")
            if not isinstance(url, str) or not url:
                return PollResult(
                    ProviderState.FAILED, error_code="no_output", retryable=True, raw=gen
                )
            return PollResult(state, progress=1.0, output_urls=(url,), raw=gen)
        if state is ProviderState.FAILED:
            code = str(gen.get("error_code") or status)
            if status == "REJECTED":
                return PollResult(
                    state,
                    error_code=f"{REFUSED}:{code}",
                    error_message=str(gen.get("error") or ""),
                    retryable=False,
                    raw=gen,
                )
            transient = any(w in code.lower() for w in ("internal", "timeout", "unavailable"))
            return PollResult(
                state,
                error_code=code,
                error_message=str(gen.get("error") or ""),
                retryable=transient,
                raw=gen,
            )
        return PollResult(state, raw=gen)


PROVIDER_CLASS = SyncAdapter
