"""The job lifecycle as a table, and what a job asks its provider for.

``JobStatus`` (storage/models.py) names the states; ``TRANSITIONS`` says which moves are legal;
pipeline/README.md draws it. Every status change the pipeline makes goes through
``check_transition`` first, so an illegal move is a bug that fails loudly, not a silent
corruption of the queue.
"""

from __future__ import annotations

from dataclasses import asdict
from enum import StrEnum
from typing import Any

from pipeline.providers.base import Capability, GenRequest
from storage.models import TERMINAL_JOB_STATUSES, Job, JobStatus
from storage.render_jobs import RENDER_PROVIDER as RENDER_PROVIDER  # re-exported

S = JobStatus


class JobKind(StrEnum):
    TAKE = "take"  # a shot's picture (text/image to video)
    VOICE = "voice"  # one dialogue line
    LIPSYNC = "lipsync"  # a take with a voice laid under it, lips moved
    FACE = "face"  # the face pass on a take
    DIALOGUE = "dialogue"  # a shot's voice lines on one track, timed as the cut's subtitles
    PERFORMANCE = "performance"  # a member's acting drives a locked take (pipeline/perform.py)
    CUT = "cut"  # an episode cut (preview or final), rendered by the worker itself
    RECAP = "recap"  # an episode's "Previously on..."


# Renders need no provider: the worker runs ffmpeg itself (pipeline/cut/job.py). Their jobs
# name the pseudo-provider RENDER_PROVIDER ("render"), so the claim and the per-provider
# concurrency apply unchanged.
RENDER_KINDS = frozenset({JobKind.CUT, JobKind.RECAP})


KIND_CAPABILITY: dict[JobKind, Capability] = {
    JobKind.TAKE: Capability.TEXT_TO_VIDEO,
    JobKind.VOICE: Capability.VOICE,
    JobKind.LIPSYNC: Capability.LIPSYNC,
    JobKind.FACE: Capability.FACE,
    JobKind.DIALOGUE: Capability.DIALOGUE,
    JobKind.PERFORMANCE: Capability.PERFORMANCE,
}

_EVERYWHERE = frozenset({S.FAILED, S.CANCELLED})

TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    S.QUEUED: frozenset({S.SUBMITTING}) | _EVERYWHERE,
    # running: handle committed; fetching: a synchronous provider answered at once;
    # retry_wait: 429 or a connect error (the request provably never arrived);
    # needs_review: the outcome is unknown and the provider cannot reconcile it.
    S.SUBMITTING: frozenset({S.RUNNING, S.FETCHING, S.RETRY_WAIT, S.NEEDS_REVIEW}) | _EVERYWHERE,
    # retry_wait from running: a poll failed (429/5xx), or the provider's job failed with a
    # retryable error and a fresh submit is due.
    S.RUNNING: frozenset({S.FETCHING, S.RETRY_WAIT}) | _EVERYWHERE,
    S.FETCHING: frozenset({S.SUCCEEDED, S.RETRY_WAIT}) | _EVERYWHERE,
    # Back where it was (``resume_status``).
    S.RETRY_WAIT: frozenset({S.SUBMITTING, S.RUNNING, S.FETCHING}) | _EVERYWHERE,
    # A showrunner decides: resubmit (queued), or a late handle shows it was accepted (running).
    S.NEEDS_REVIEW: frozenset({S.QUEUED, S.RUNNING}) | _EVERYWHERE,
    # retry_job on a failed job queues it again with a fresh reservation.
    S.FAILED: frozenset({S.QUEUED}),
    S.SUCCEEDED: frozenset(),
    S.CANCELLED: frozenset(),
}

# A render has no submit, poll or fetch: queued -> running -> succeeded (or failed, cancelled).
# A render whose worker died is claimed again while running and rendered from scratch.
RENDER_TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    S.QUEUED: frozenset({S.RUNNING}) | _EVERYWHERE,
    S.RUNNING: frozenset({S.SUCCEEDED}) | _EVERYWHERE,
    S.FAILED: frozenset({S.QUEUED}),
}

# Where a job in retry_wait goes back to, by the state it was waiting from.
RESUMABLE = frozenset({S.SUBMITTING, S.RUNNING, S.FETCHING})


class IllegalTransition(RuntimeError):
    def __init__(self, job_id: int | None, current: JobStatus, target: JobStatus) -> None:
        super().__init__(f"job {job_id}: {current} -> {target} is not a legal transition")
        self.current = current
        self.target = target


def can_transition(current: JobStatus, target: JobStatus) -> bool:
    return target in TRANSITIONS[current]


def check_transition(job: Job, target: JobStatus) -> None:
    table = RENDER_TRANSITIONS if job.provider == RENDER_PROVIDER else TRANSITIONS
    if target not in table.get(job.status, frozenset()):
        raise IllegalTransition(job.id, job.status, target)


def is_terminal(status: JobStatus) -> bool:
    """Nothing more will happen without a person: succeeded, failed, cancelled, needs_review."""
    return status in TERMINAL_JOB_STATUSES


def request_params(request: GenRequest) -> dict[str, Any]:
    """A ``GenRequest`` as JSON for ``Job.params["request"]`` (committed before the submit)."""
    data = asdict(request)
    data["capability"] = request.capability.value
    return data


def request_from_job(job: Job, inputs: dict[str, str] | None = None) -> GenRequest:
    """The exact request committed at enqueue; ``inputs`` resolved at run time (local paths)."""
    data = dict(job.params["request"])
    data["capability"] = Capability(data["capability"])
    if inputs is not None:
        data["inputs"] = {**data.get("inputs", {}), **inputs}
    if job.params.get("links_at") is not None:
        data["links_at"] = int(job.params["links_at"])
    return GenRequest(**data)


def submit_key(job: Job) -> str:
    """The idempotency key for this submit. A fresh submit after the provider definitively
    failed the previous one gets a suffix, so an idempotent provider does not replay the failure."""
    number = int(job.params.get("submit_no", 0))
    return job.idempotency_key if number == 0 else f"{job.idempotency_key}-{number}"
