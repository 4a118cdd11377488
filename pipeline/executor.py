"""One claimed job, moved forward step by step until it ends, waits, or is handed back.

Each step commits before the next begins, so a worker killed at any moment leaves the job in
a state the next worker knows how to continue from (pipeline/README.md, "Crash safety"):

    queued      -> check dependencies -> commit submitting -> submit
    submitting  -> (found after a crash: the submit's outcome is unknown) reconcile or review
    running     -> poll with backoff until the provider is done
    fetching    -> stream the output into the media store, finish it into a Take, succeed
    retry_wait  -> back to the state it was waiting from (``resume_status``)

Every write is a compare-and-set on this claim's lease token: if the job was cancelled or
taken over, the write changes nothing and ``LeaseLost`` ends the step quietly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pipeline import notices
from pipeline.finish import Download, Finisher
from pipeline.jobs import request_from_job, submit_key
from pipeline.providers.base import GenRequest, PollResult, Provider, ProviderState, SubmitResult
from pipeline.registry import ProviderRegistry, UnknownProvider
from pipeline.retry import Phase, Reason, RetryPolicy
from pipeline.transitions import HandBack, JobControl, JobTransitions, LeaseLost, job_id
from storage import queue
from storage.db import Database
from storage.job_outputs import (
    asset_sha256,
    get_take,
    take_of_job,
)
from storage.media import MediaStore, MediaTooLarge
from storage.models import Job, JobStatus
from storage.queue import Claim
from storage.types import utcnow

log = logging.getLogger(__name__)
S = JobStatus
GIB = 1024**3


@dataclass
class ExecutorConfig:
    max_download_bytes: int = 2 * GIB
    poll_initial_s: float = 0.5
    poll_max_s: float = 10.0
    progress_every_s: float = 5.0
    policy: RetryPolicy = field(default_factory=RetryPolicy)


class Executor(JobTransitions):
    def __init__(
        self,
        db: Database,
        store: MediaStore,
        registry: ProviderRegistry,
        finisher: Finisher,
        config: ExecutorConfig | None = None,
    ) -> None:
        self.db = db
        self.store = store
        self.registry = registry
        self.finisher = finisher
        self.config = config or ExecutorConfig()

    # ------------------------------------------------------------------ the step loop

    async def advance(self, claim: Claim, ctl: JobControl) -> None:
        job, token = claim.job, claim.token
        try:
            provider = self.registry[job.provider]
        except UnknownProvider as exc:
            await self._fail(job, token, ctl, Reason.UNKNOWN_PROVIDER, str(exc))
            return
        state: JobStatus | None = claim.found
        if state == S.RETRY_WAIT:
            state = job.resume_status or S.QUEUED
            if state == S.SUBMITTING and job.params.get("reconcile"):
                # Looking the unknown submit up failed for a passing reason: look again.
                await self._move(job, token, S.SUBMITTING, resume_status=None)
                state = await self._reconcile(job, token, ctl, provider, "looking again")
            elif state == S.SUBMITTING:
                # The last submit provably never arrived (429 or connect error): send it again.
                await self._move(
                    job, token, S.SUBMITTING, resume_status=None, params=_links_from_now(job)
                )
                state = await self._submit(job, token, ctl, provider)
            elif state in (S.RUNNING, S.FETCHING):
                await self._move(job, token, state, resume_status=None)
        elif state == S.SUBMITTING:
            # Found mid-submit after a lease expired: the outcome is unknown. Never resend.
            state = await self._reconcile(job, token, ctl, provider, "found mid-submit")
        while state is not None:
            if ctl.stopping.is_set():
                raise HandBack
            if state == S.QUEUED:
                state = await self._start(job, token, ctl, provider)
            elif state == S.SUBMITTING:
                state = await self._submit(job, token, ctl, provider)
            elif state == S.RUNNING:
                state = await self._poll(job, token, ctl, provider)
            elif state == S.FETCHING:
                state = await self._fetch(job, token, ctl, provider)
            else:
                return

    # ------------------------------------------------------------------ steps

    async def _start(
        self, job: Job, token: str, ctl: JobControl, provider: Provider
    ) -> JobStatus | None:
        if job.depends_on:
            async with self.db.session() as s:
                deps = await queue.dependency_statuses(s, job.guild_id, job.depends_on)
            broken = [d for d, st in deps.items() if st in (S.FAILED, S.CANCELLED)]
            if broken:
                await self._fail(job, token, ctl, Reason.DEPENDENCY_FAILED, f"jobs {broken}")
                return None
        # Committed before the submit: after a crash from here on, the outcome is unknown.
        # The submit follows at once, even when a shutdown has begun: a job handed back in
        # `submitting` would look like an unknown outcome to the next worker.
        await self._move(job, token, S.SUBMITTING, params=_links_from_now(job))
        return await self._submit(job, token, ctl, provider)

    async def _request(self, job: Job, token: str, ctl: JobControl) -> GenRequest | None:
        try:
            inputs = await self._resolve_inputs(job)
        except LookupError as exc:
            await self._fail(job, token, ctl, Reason.BAD_INPUT, str(exc))
            return None
        return request_from_job(job, inputs)

    async def _submit(
        self, job: Job, token: str, ctl: JobControl, provider: Provider
    ) -> JobStatus | None:
        request = await self._request(job, token, ctl)
        if request is None:
            return None
        try:
            result = await provider.submit(request, submit_key(job))
        except Exception as exc:
            decision = self.config.policy.decide(exc, job.attempts + 1, Phase.SUBMIT)
            if decision.needs_review:
                return await self._reconcile(job, token, ctl, provider, decision.detail, request)
            return await self._after_error(job, token, ctl, decision, S.SUBMITTING)
        return await self._accepted(job, token, ctl, result)

    async def _accepted(
        self, job: Job, token: str, ctl: JobControl, result: SubmitResult
    ) -> JobStatus | None:
        handle = {**result.handle, "provider_job_id": result.provider_job_id}
        now = utcnow()
        async with queue.writing(self.db), self.db.session() as s:
            after = await queue.record_submit(s, job_id(job), token, handle, now)
            if after == S.RUNNING:
                await notices.job_progress(s, _refreshed(job, S.RUNNING, handle), S.RUNNING, now)
            await s.commit()
        job.provider_handle = handle
        if after != S.RUNNING:
            # Cancelled while the submit was in flight: stop the provider's work if we can.
            await _try_cancel(self.registry, job, handle)
            raise LeaseLost
        job.status, job.resume_status, job.lease_owner = S.RUNNING, None, token
        if result.immediate is not None:
            return await self._polled(job, token, ctl, result.immediate)
        return S.RUNNING

    async def _reconcile(
        self,
        job: Job,
        token: str,
        ctl: JobControl,
        provider: Provider,
        why: str,
        request: GenRequest | None = None,
    ) -> JobStatus | None:
        detail = why
        found: SubmitResult | None = None
        reconcile = getattr(provider, "reconcile", None)
        if reconcile is not None:
            try:
                req = request or request_from_job(job, await self._resolve_inputs(job))
                found = await reconcile(submit_key(job), req)
            except Exception as exc:
                # The lookup is a GET: a 429 or 5xx is worth another look later (flagged, so the
                # retry looks again rather than submitting). Anything else: review.
                decision = self.config.policy.decide(exc, job.attempts + 1, Phase.POLL)
                if decision.retry and decision.at is not None and not isinstance(exc, LookupError):
                    params = {**job.params, "reconcile": True}
                    await self._wait(job, token, ctl, S.SUBMITTING, decision.at, decision.reason,
                                     f"reconcile: {decision.detail}", params=params)  # fmt: skip
                    return None
                detail = f"{why}; reconcile failed: {type(exc).__name__}: {exc}"
        if found is not None:
            log.info("job %s: unknown submit reconciled to %s", job.id, found.provider_job_id)
            return await self._accepted(job, token, ctl, found)
        await self._needs_review(job, token, ctl, Reason.SUBMIT_OUTCOME_UNKNOWN, detail)
        return None

    async def _poll(
        self, job: Job, token: str, ctl: JobControl, provider: Provider
    ) -> JobStatus | None:
        delay = self.config.poll_initial_s
        last_write = utcnow()
        while True:
            try:
                result = await provider.poll(job.provider_handle)
            except Exception as exc:
                decision = self.config.policy.decide(exc, job.attempts + 1, Phase.POLL)
                return await self._after_error(job, token, ctl, decision, S.RUNNING)
            if result.state not in (ProviderState.QUEUED, ProviderState.RUNNING):
                return await self._polled(job, token, ctl, result)
            now = utcnow()
            if (
                result.progress is not None
                and (now - last_write).total_seconds() >= self.config.progress_every_s
            ):
                await self._move(job, token, S.RUNNING, progress=float(result.progress))
                last_write = now
            await ctl.sleep(delay)
            delay = min(self.config.poll_max_s, delay * 1.5)

    async def _polled(
        self, job: Job, token: str, ctl: JobControl, result: PollResult
    ) -> JobStatus | None:
        if result.state == ProviderState.SUCCEEDED:
            if not result.output_urls:
                await self._fail(job, token, ctl, Reason.PROVIDER_FAILED, "no output", charge=True)
                return None
            handle = {**job.provider_handle, "output_urls": list(result.output_urls)}
            cost = result.raw.get("cost_cents") if isinstance(result.raw, dict) else None
            if isinstance(cost, int):
                handle["cost_cents"] = cost
            await self._move(job, token, S.FETCHING, provider_handle=handle, progress=1.0)
            return S.FETCHING
        if result.state == ProviderState.CANCELLED:
            await self._fail(
                job, token, ctl, Reason.CANCELLED, "cancelled at the provider", status=S.CANCELLED
            )
            return None
        # Failed at the provider. Moderation and validation are final; an internal error may be
        # worth a fresh submit (a new generation, not a repeat of one that is still running).
        detail = f"{result.error_code or 'failed'}: {result.error_message}"[:500]
        if not result.retryable:
            await self._fail(job, token, ctl, Reason.REFUSED, detail)
            return None
        attempts = job.attempts + 1
        if attempts >= self.config.policy.max_attempts:
            await self._fail(job, token, ctl, Reason.ATTEMPTS_EXHAUSTED, detail)
            return None
        at = utcnow() + timedelta(seconds=self.config.policy.backoff_s(attempts))
        params = {**job.params, "submit_no": int(job.params.get("submit_no", 0)) + 1}
        params.pop("reconcile", None)
        await self._wait(
            job,
            token,
            ctl,
            S.SUBMITTING,
            at,
            Reason.PROVIDER_FAILED,
            detail,
            params=params,
            provider_handle={},
        )
        return None

    async def _fetch(
        self, job: Job, token: str, ctl: JobControl, provider: Provider
    ) -> JobStatus | None:
        url = str(job.provider_handle["output_urls"][0])
        try:
            stored = await self.store.put_stream(
                provider.fetch(url), max_bytes=self.config.max_download_bytes
            )
        except MediaTooLarge as exc:
            await self._fail(job, token, ctl, Reason.DOWNLOAD_FAILED, str(exc), charge=True)
            return None
        except Exception as exc:
            decision = self.config.policy.decide(exc, job.attempts + 1, Phase.FETCH)
            return await self._after_error(job, token, ctl, decision, S.FETCHING, charge=True)
        path = await self.store.local_path(stored.sha256)
        try:
            take = await self.finisher.finish(job, Download(path, stored.sha256, stored.size, url))
        except Exception as exc:
            log.exception("job %s: finishing failed", job.id)
            decision = self.config.policy.decide(exc, job.attempts + 1, Phase.FINISH)
            return await self._after_error(job, token, ctl, decision, S.FETCHING, charge=True)
        await self._succeed(job, token, ctl, take)
        return None

    # ------------------------------------------------------------------ inputs

    async def _resolve_inputs(self, job: Job) -> dict[str, str]:
        """``params["inputs_from"]``: {name: {"job": id} | {"take": id} | {"asset": id},
        "media": "video"|"audio"} becomes {name: local path} (a lip-sync's take and voice, a face
        pass's take, a character's reference picture)."""
        wanted: dict[str, dict[str, Any]] = job.params.get("inputs_from", {})
        if not wanted:
            return {}
        paths: dict[str, str] = {}
        async with self.db.session() as s:
            for name, ref in wanted.items():
                if "asset" in ref:  # a stored file, e.g. a character's reference picture
                    sha = await asset_sha256(s, job.guild_id, int(ref["asset"]))
                    if sha is None:
                        raise LookupError(f"input {name}: asset {ref['asset']} not found")
                    paths[name] = str(await self.store.local_path(sha))
                    continue
                if "take" in ref:
                    take = await get_take(s, job.guild_id, int(ref["take"]))
                else:
                    take = await take_of_job(s, job.guild_id, int(ref["job"]))
                if take is None:
                    raise LookupError(f"input {name}: no take for {ref}")
                media = ref.get("media", "video")
                asset_id = take.audio_asset_id if media == "audio" else take.video_asset_id
                if asset_id is None:
                    raise LookupError(f"input {name}: take {take.id} has no {media}")
                sha = await asset_sha256(s, job.guild_id, asset_id)
                if sha is None:
                    raise LookupError(f"input {name}: asset {asset_id} not found")
                paths[name] = str(await self.store.local_path(sha))
        return paths


async def _try_cancel(registry: ProviderRegistry, job: Job, handle: dict[str, Any]) -> None:
    try:
        provider = registry[job.provider]
        cancel = getattr(provider, "cancel", None)
        if cancel is not None and handle:
            await cancel(handle)
    except Exception as exc:  # best effort; the job is already cancelled on our side
        log.info("job %s: provider cancel failed: %s", job.id, exc)


def _refreshed(job: Job, status: JobStatus, handle: dict[str, Any]) -> Job:
    copy = job.model_copy()
    copy.status, copy.provider_handle = status, handle
    return copy


def _links_from_now(job: Job) -> dict[str, Any]:
    """The job's params with its input links counting from now (``GenRequest.links_at``): kept
    with the job as it enters ``submitting``, so a replay or a reconcile of this very submit
    signs the same links, even after the link step has turned (storage/media/links.py)."""
    return {**job.params, "links_at": int(utcnow().timestamp())}
