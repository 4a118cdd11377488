"""Luma Dream Machine (providers.md §2): generations with ``queued -> dreaming -> completed``.

Keyframes must be public URLs: a local file of the media store becomes a signed, expiring link
(``use_links``, pipeline/providers/_links.py); without links configured it is refused before
anything is sent (``input_needs_url``). No idempotency key, but ``GET /generations`` lists
recent generations with the request echoed, so an unknown submit is reconciled by finding
exactly one generation whose echo matches what we sent (more than one match is ambiguous ->
None -> needs_review); keyframe links are compared without their signature.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from pipeline.providers._download import is_remote
from pipeline.providers._http import (
    REFUSED,
    HttpAdapter,
    Phase,
    PriceTable,
    Rate,
    canonical_json,
    parse_time,
    ratio_of,
)
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

NAME = "luma"
_RATIOS = ["1:1", "16:9", "9:16", "4:3", "3:4", "21:9", "9:21"]
_STATES = {
    "queued": ProviderState.QUEUED,
    "dreaming": ProviderState.RUNNING,
    "completed": ProviderState.SUCCEEDED,
    "failed": ProviderState.FAILED,
}
# Fields of our request that Luma echoes back in ``generation.request``.
_ECHOED = ("model", "prompt", "keyframes", "aspect_ratio", "duration", "resolution", "loop")


def _resolution(request: GenRequest) -> str:
    short = min(request.width, request.height)
    return "1080p" if short >= 1080 else "720p" if short >= 720 else "540p"


_KEYFRAMES = (("frame0", "image"), ("frame1", "last_image"))


class LumaAdapter(PublishesInputs, HttpAdapter):
    name = NAME
    default_base_url = "https://api.lumalabs.ai/dream-machine/v1"
    default_concurrency = 4  # no published numbers for Dream Machine
    capabilities = frozenset({Capability.TEXT_TO_VIDEO, Capability.IMAGE_TO_VIDEO})
    media_kinds = frozenset({"video"})
    # Per second of a 720p clip (ray-2 720p 5 s $0.71, 9 s $1.27) [2nd]; 1080p/4k in options.
    prices: ClassVar[PriceTable] = PriceTable(
        {
            "ray-2": Rate(per_second=14.2),
            "ray-2@540p": Rate(per_second=8),
            "ray-2@1080p": Rate(per_second=31.9),
            "ray-2@4k": Rate(per_second=127.4),
            "ray-flash-2": Rate(per_second=14.2),  # only the 4k price is in providers.md
            "ray-flash-2@4k": Rate(per_second=43.8),
            "ray-1-6": Rate(per_second=7),
        },
        default_model="ray-2",
    )
    reconcile_pages = 4
    reconcile_window = timedelta(hours=6)

    def price(self, request: GenRequest) -> int:
        model = self.model_for(request)
        keyed = f"{model}@{_resolution(request)}"
        return self.prices.estimate(
            request,
            keyed if keyed in self.prices.rates else model,
            seconds=self.billed_seconds(request),
        )

    def billed_seconds(self, request: GenRequest) -> float:
        return 5.0 if request.duration_s <= 5 else 9.0

    def body(self, request: GenRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model_for(request),
            "prompt": request.prompt,
            "aspect_ratio": ratio_of(request.width, request.height, _RATIOS),
            "duration": f"{self.billed_seconds(request):.0f}s",
            "resolution": _resolution(request),
            "loop": bool(request.options.get("loop", False)),
        }
        frames = {}
        for slot, key in _KEYFRAMES:
            if key in request.inputs:
                url = request.inputs[key]
                if not is_remote(url):
                    raise Refused("Luma keyframes must be public URLs", code="input_needs_url")
                frames[slot] = {"type": "image", "url": url}
        if frames:
            body["keyframes"] = frames
        if request.options.get("callback_url"):
            body["callback_url"] = request.options["callback_url"]
        return body

    async def public(self, request: GenRequest) -> GenRequest:
        return await self.published(request, [k for _, k in _KEYFRAMES], "Luma keyframes")

    async def submit(self, request: GenRequest, idempotency_key: str) -> SubmitResult:
        body = self.body(await self.public(request))
        resp = await self.submit_post(self.url("generations/video"), json_body=body)
        gen = self.json_of(resp, Phase.SUBMIT)
        gen_id = gen.get("id")
        if not isinstance(gen_id, str) or not gen_id:
            raise self._fail(
                SubmitOutcomeUnknown("generation without an id", code="malformed_json")
            )
        self.log.info("luma generation %s for job %s", gen_id, idempotency_key)
        return SubmitResult(provider_job_id=gen_id, handle={"id": gen_id})

    async def poll(self, handle: dict[str, Any]) -> PollResult:
        gen = self.json_of(
            await self.call("GET", self.url(f"generations/{handle['id']}")), Phase.POLL
        )
        return self.to_poll(gen)

    def to_poll(self, gen: dict[str, Any]) -> PollResult:
        state = _STATES.get(str(gen.get("state")), ProviderState.RUNNING)
        if state is ProviderState.SUCCEEDED:
            video = (gen.get("assets") or {}).get("video")
            if not video:
                return PollResult(
                    ProviderState.FAILED, error_code="no_output", retryable=True, raw=gen
                )
            return PollResult(state, progress=1.0, output_urls=(video,), raw=gen)
        if state is ProviderState.FAILED:
            reason = str(gen.get("failure_reason") or gen.get("state_reason") or "")
            moderated = "moderation" in reason.lower() or "not allowed" in reason.lower()
            return PollResult(
                state,
                error_code=f"{REFUSED}:moderation" if moderated else "failed",
                error_message=reason,
                retryable=not moderated,
                raw=gen,
            )
        return PollResult(state, raw=gen)

    async def cancel(self, handle: dict[str, Any]) -> None:
        # Luma has no cancel; deleting the generation is the closest (providers.md: "(deleted)").
        try:
            await self.call("DELETE", self.url(f"generations/{handle['id']}"))
        except Refused as exc:
            if exc.status != 404:
                raise

    async def reconcile(self, idempotency_key: str, request: GenRequest) -> SubmitResult | None:
        sent = self.body(await self.public(request))
        wanted = {k: canonical_json(_unsigned(sent.get(k))) for k in _ECHOED}
        since = datetime.now(UTC) - self.reconcile_window
        matches: list[dict[str, Any]] = []
        limit = 50
        for page in range(self.reconcile_pages):
            resp = await self.call(
                "GET",
                self.url("generations"),
                params={"limit": str(limit), "offset": str(page * limit)},
            )
            listing = self.json_of(resp, Phase.POLL)
            items = listing.get("generations") or []
            old = False
            for gen in items:
                created = parse_time(gen.get("created_at"))
                if created is not None and created < since:
                    old = True
                    continue
                echo = gen.get("request") or {}
                if _same_request(echo, wanted):
                    matches.append(gen)
            if old or len(items) < limit:
                break
        if len(matches) != 1:
            self.log.warning("luma reconcile for job %s: %d matches", idempotency_key, len(matches))
            return None
        gen_id = str(matches[0]["id"])
        return SubmitResult(provider_job_id=gen_id, handle={"id": gen_id})


def _same_request(echo: dict[str, Any], wanted: dict[str, str]) -> bool:
    """Model and prompt must be echoed and equal; any other echoed field must equal ours too
    (Luma may leave defaults out of the echo)."""
    if "model" not in echo or "prompt" not in echo:
        return False
    return all(canonical_json(_unsigned(echo[k])) == v for k, v in wanted.items() if k in echo)


def _unsigned(value: Any) -> Any:
    """Keyframe URLs without their query: our signed links to the same content differ only in
    ``exp``/``sig`` when a reconcile makes them again later."""
    if not isinstance(value, dict):
        return value
    return {
        slot: {**frame, "url": str(frame["url"]).split("?", 1)[0]}
        if isinstance(frame, dict) and "url" in frame
        else frame
        for slot, frame in value.items()
    }


PROVIDER_CLASS = LumaAdapter
