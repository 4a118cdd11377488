"""Cuts and recaps as worker jobs: durable renders (DESIGN invariant 9).

``/episode cut|recap`` and a premiere's T-30 min step enqueue a render job; any worker claims it
like a provider job (pseudo-provider ``render``, one at a time per worker by default: renders
are CPU-heavy) and runs ``run_render``, which reports to the status card through the outbox
as before (``cut_progress`` / ``cut_ready`` / ``cut_failed``). The worker renews the lease
while ffmpeg works; a worker that dies leaves the lease to expire, and the next worker renders
again from scratch (renders are deterministic and cost nothing, so there is no needs_review).
Outbox rows carry dedupe keys, so a card shows "ready" once however many attempts ran.

    job = await enqueue_render(db, request, out_dir=...)   # RenderBusy if one is under way
    Renderer(db, store).advance(claim, ctl)                # the worker's dispatch
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from pipeline.cut.plan import CutOptions
from pipeline.cut.service import CardReporter, CutRequest, load_episode, run_render
from pipeline.jobs import RENDER_PROVIDER, JobKind, check_transition
from pipeline.transitions import HandBack, JobControl, LeaseLost
from storage import outbox, queue
from storage.db import Database
from storage.media import MediaStore
from storage.models import Job, JobStatus
from storage.queue import Claim
from storage.render_jobs import active_renders, lock_episode_renders
from storage.types import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # a render that killed its worker this often is failed, not retried forever
WATCH_S = 0.2  # how often a render looks at its lease (lost: cancelled, or taken over)
PROGRESS_EVERY_S = 5.0  # Job.progress is written at most this often


class RenderBusy(Exception):
    """A render of this episode and kind is already queued or running."""

    def __init__(self, job: Job) -> None:
        super().__init__(f"render job {job.id} is under way")
        self.job = job


# --------------------------------------------------------------------------- the request


def render_params(
    request: CutRequest, out_dir: Path, *, music_sha256: str | None = None, label: str = ""
) -> dict[str, Any]:
    """A ``CutRequest`` as JSON for ``Job.params`` (the worker rebuilds it from this alone)."""
    options = request.options
    crossfade: bool | list[int] = (
        options.crossfade if isinstance(options.crossfade, bool) else sorted(options.crossfade)
    )
    return {
        "label": label or request.kind,
        "episode_id": request.episode_id,
        "kind": request.kind,
        "target_s": request.target_s,
        "options": {
            "final": options.final,
            "crossfade": crossfade,
            "burn_subtitles": options.burn_subtitles,
            "locale": options.locale,
        },
        "music_sha256": music_sha256,
        "token": request.token,
        "channel_id": request.channel_id,
        "card_message_id": request.card_message_id,
        "out_dir": str(out_dir),
    }


def request_of(job: Job, music: Path | None = None) -> CutRequest:
    p = job.params
    o = dict(p.get("options") or {})
    fade = o.get("crossfade", False)
    options = CutOptions(
        final=bool(o.get("final", False)),
        crossfade=fade if isinstance(fade, bool) else frozenset(int(i) for i in fade),
        burn_subtitles=bool(o.get("burn_subtitles", False)),
        locale=str(o.get("locale", "en")),
        music_path=music,
    )
    return CutRequest(
        guild_id=job.guild_id,
        episode_id=int(p["episode_id"]),
        member_id=job.requested_by,
        kind=str(p.get("kind", "episode")),
        options=options,
        target_s=float(p.get("target_s", 60.0)),
        token=str(p.get("token") or f"job-{job.id}"),
        channel_id=p.get("channel_id"),
        card_message_id=p.get("card_message_id"),
    )


# --------------------------------------------------------------------------- enqueue


async def active_render(db: Database, guild_id: int, episode_id: int, kind: str) -> Job | None:
    """The render of this episode and kind ("episode" | "recap") that is queued or running."""
    async with db.session() as session:
        jobs = await active_renders(session, guild_id, episode_id)
    return next((j for j in jobs if j.params.get("kind") == kind), None)


async def enqueue_render(
    db: Database,
    request: CutRequest,
    *,
    out_dir: Path,
    music_sha256: str | None = None,
    label: str = "",
    accept: Callable[[Job], bool] | None = None,
) -> Job:
    """Queue a render of ``request`` for the workers. One decision under a lock: if a render
    of the same episode and kind is under way, ``accept(job)`` True returns that job, False
    adds this one beside it; without ``accept`` it is refused (``RenderBusy``)."""
    kind = JobKind.RECAP if request.kind == "recap" else JobKind.CUT
    params = render_params(request, out_dir, music_sha256=music_sha256, label=label)
    async with queue.writing(db), db.session() as session:
        await lock_episode_renders(session, request.guild_id, request.episode_id)
        for job in await active_renders(session, request.guild_id, request.episode_id):
            if job.params.get("kind") != request.kind:
                continue
            if accept is None:
                raise RenderBusy(job)
            if accept(job):
                return job
        job = Job(
            guild_id=request.guild_id,
            kind=kind.value,
            provider=RENDER_PROVIDER,
            model="ffmpeg",
            requested_by=request.member_id,
            idempotency_key=f"render:{uuid.uuid4().hex}",
            params=params,
        )
        await queue.insert_job(session, job)
        await session.commit()
    log.info("render job %s queued: %s of episode %s (guild %s)", job.id, request.kind,
             request.episode_id, request.guild_id)  # fmt: skip
    return job


async def render_cancelled(session: AsyncSession, job: Job) -> None:
    """``cancel_job`` on a render (``/job cancel``): its status card says so, in the caller's
    transaction. The same outbox key as the failure a running render writes, so one of the two.
    """
    p = job.params
    if p.get("channel_id") is None:
        return  # a premiere's render: no card
    token = str(p.get("token") or f"job-{job.id}")
    body = {"token": token, "kind": p.get("kind"), "episode_id": p.get("episode_id"),
            "card_message_id": p.get("card_message_id"), "requested_by": job.requested_by,
            "reason": "cancelled", "detail": ""}  # fmt: skip
    await outbox.append(session, job.guild_id, "cut_failed", int(p["channel_id"]), body,
                        f"cut_failed:{token}")  # fmt: skip


# --------------------------------------------------------------------------- the worker side


class Renderer:
    """What the worker runs for a claimed ``render`` job."""

    def __init__(self, db: Database, store: MediaStore, *, max_attempts: int = MAX_ATTEMPTS):
        self.db = db
        self.store = store
        self.max_attempts = max_attempts

    async def advance(self, claim: Claim, ctl: JobControl) -> None:
        job = claim.job
        if job.attempts >= self.max_attempts:
            # Each attempt ended with its worker gone (the lease expired mid-render).
            await self._end(claim, ctl, JobStatus.FAILED, last_error="gave_up: the render "
                            f"stopped its worker {job.attempts} times")  # fmt: skip
            await self._card_failed(job, "gave_up")
            return
        await self._move(claim, JobStatus.RUNNING, attempts=job.attempts + 1, progress=0.0,
                         last_error="")  # fmt: skip
        sha = job.params.get("music_sha256")
        music = await self.store.local_path(str(sha)) if sha else None
        request = request_of(job, music)
        out_dir = await _writable(Path(job.params.get("out_dir") or _default_dir(job.guild_id)))
        log.info("render job %s: %s of episode %s, attempt %d", job.id, request.kind,
                 request.episode_id, job.attempts + 1)  # fmt: skip
        seen = [0.0]  # the render's fraction, for Job.progress (/job status)

        def report(_stage: str, fraction: float) -> None:
            seen[0] = max(seen[0], fraction)

        work = run_render(self.db, self.store, request, out_dir, report=report)
        render = asyncio.create_task(work, name=f"render-job-{job.id}")
        loop = asyncio.get_running_loop()
        written, written_at = 0.0, loop.time()
        before = job.attempts
        try:
            while not render.done():
                await asyncio.wait({render}, timeout=WATCH_S)
                if render.done():
                    break
                if ctl.lost:
                    raise LeaseLost
                if ctl.stopping.is_set():
                    # The worker stops: hand the render back now rather than hold the shutdown
                    # for a grace period a render of minutes rarely fits in.
                    raise HandBack
                if seen[0] > written and loop.time() - written_at >= PROGRESS_EVERY_S:
                    written, written_at = seen[0], loop.time()
                    await self._progress(claim, written)
        except HandBack:
            render.cancel()
            await asyncio.gather(render, return_exceptions=True)
            # A clean stop is not a lost worker: it does not count toward MAX_ATTEMPTS.
            await self._progress(claim, 0.0, attempts=before)
            raise
        except BaseException:
            # Lease lost (cancelled, or another worker took over) or the worker is cancelled:
            # ffmpeg is killed with the task; a hand-back is rendered again from scratch.
            render.cancel()
            await asyncio.gather(render, return_exceptions=True)
            if ctl.lost:
                await self._maybe_cancelled(job)
            raise
        try:
            outcome = render.result()
        except Exception as exc:
            log.warning("render job %s failed: %r", job.id, exc)
            reason = f"{type(exc).__name__}: {exc}"[:2000]
            await self._end(claim, ctl, JobStatus.FAILED, last_error=reason)
            # run_render told the card already, except for refusals found before it began (a
            # shot unlocked since the enqueue); the outbox key makes this a no-op otherwise.
            await self._card_failed(job, type(exc).__name__)
            return
        await self._end(claim, ctl, JobStatus.SUCCEEDED, progress=1.0,
                        params={**job.params, "render_id": outcome.render_id})  # fmt: skip

    async def _progress(self, claim: Claim, fraction: float, **values: Any) -> None:
        """Job.progress for /job status and /queue (the card has its own outbox rows)."""
        async with queue.writing(self.db), self.db.session() as session:
            await queue.update_job(session, claim.job.id or 0, token=claim.token,
                                   expect=(JobStatus.RUNNING,), progress=round(fraction, 3),
                                   **values)  # fmt: skip
            await session.commit()

    async def _move(self, claim: Claim, target: JobStatus, **values: Any) -> None:
        job = claim.job
        if job.status != target:
            check_transition(job, target)
        async with queue.writing(self.db), self.db.session() as session:
            changed = await queue.update_job(session, job.id or 0, token=claim.token,
                                             expect=(job.status,), status=target,
                                             **values)  # fmt: skip
            await session.commit()
        if not changed:
            raise LeaseLost
        job.status = target

    async def _end(self, claim: Claim, ctl: JobControl, target: JobStatus, **values: Any) -> None:
        now = utcnow()
        await self._move(claim, target, finished_at=now, lease_owner=None,
                         lease_expires_at=None, **values)  # fmt: skip
        ctl.ended = True

    async def _maybe_cancelled(self, job: Job) -> None:
        """The lease went because someone cancelled the job (not a takeover): say so on the card."""
        async with self.db.session() as session:
            fresh = await queue.get_job(session, job.guild_id, job.id or 0)
        if fresh is not None and fresh.status == JobStatus.CANCELLED:
            await self._card_failed(job, "cancelled")

    async def _card_failed(self, job: Job, reason: str) -> None:
        request = request_of(job)
        try:
            episode = await load_episode(self.db, job.guild_id, request.episode_id)
        except Exception:
            log.exception("render job %s: episode gone; no card to update", job.id)
            return
        await CardReporter(self.db, request, episode).write("cut_failed", reason=reason,
                                                            detail="")  # fmt: skip


def _default_dir(guild_id: int) -> Path:
    return Path(tempfile.gettempdir()) / "dailies-renders" / str(guild_id)


async def _writable(folder: Path) -> Path:
    """The folder the command named (the bot's data dir), or a temporary one on a worker
    machine that cannot write there: the files that matter go to the media store anyway."""
    try:
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        return folder
    except OSError as exc:
        fallback = _default_dir(0) / folder.name
        log.warning("render folder %s is not writable here (%s); using %s", folder, exc, fallback)
        return fallback
