"""The worker, drained then checked (arq style), on SQLite and Postgres, with injected failures."""

from __future__ import annotations

from sqlmodel import col, select

from pipeline.enqueue import Enqueued, enqueue_takes
from pipeline.registry import ProviderRegistry
from storage import ledger
from storage.db import Database
from storage.models import Job, JobStatus, OutboxMessage, Take
from tests.pipeline.conftest import GUILD, MEMBER, WorkerFactory, fast_policy, make_shot
from tests.pipeline.fakes import (
    FAIL_AFTER_ACCEPT,
    FAIL_BEFORE_ACCEPT,
    LINK_EXPIRED,
    MODERATED,
    POLL_5XX,
    POLL_INTERNAL,
    POLL_SAFETY,
    RATE_LIMIT,
    RATE_LIMIT_AFTER,
    READ_TIMEOUT,
    TRUNCATED,
    FakeProvider,
)


async def _queue(db: Database, registry: ProviderRegistry, takes: int = 1) -> Enqueued:
    ids = await make_shot(db)
    result = await enqueue_takes(
        db,
        guild_id=GUILD,
        shot_id=ids.shot_id,
        member_id=MEMBER,
        takes=takes,
        provider="fake",
        confirm=True,
        registry=registry,
    )
    assert isinstance(result, Enqueued), result
    return result


async def _jobs(db: Database) -> list[Job]:
    async with db.session() as s:
        return list((await s.exec(select(Job).order_by(col(Job.id)))).all())


async def _outbox(db: Database, kind: str) -> list[OutboxMessage]:
    async with db.session() as s:
        statement = select(OutboxMessage).where(OutboxMessage.kind == kind)
        return list((await s.exec(statement.order_by(col(OutboxMessage.id)))).all())


async def _balance(db: Database) -> ledger.GuildBalance:
    async with db.session() as s:
        return await ledger.guild_balance(s, GUILD)


async def test_takes_arrive_with_provenance_and_the_books_balance(
    db: Database, fake: FakeProvider, registry: ProviderRegistry, make_worker: WorkerFactory
) -> None:
    """Three takes: three Take rows (seed, prompt, cost), money settled, 'take ready' posted."""
    queued = await _queue(db, registry, takes=3)
    await make_worker(db, registry).drain()

    jobs = await _jobs(db)
    assert [j.status for j in jobs] == [JobStatus.SUCCEEDED] * 3
    async with db.session() as s:
        takes = list((await s.exec(select(Take).order_by(col(Take.id)))).all())
    assert sorted(t.label for t in takes) == ["A", "B", "C"]
    assert len({t.seed for t in takes}) == 3
    assert all(t.provider == "fake" and t.cost_cents == 10 for t in takes)
    assert all("Mara" in t.compiled_prompt and t.video_asset_id for t in takes)
    assert fake.duplicate_submits == 0 and sum(fake.accepted.values()) == 3
    balance = await _balance(db)
    assert (balance.spent_cents, balance.held_cents) == (30, 0)
    assert balance.available_cents == 10_000 - 30
    ready = await _outbox(db, "take_ready")
    assert sorted(m.payload["take_id"] for m in ready) == sorted(t.id for t in takes)
    cards = await _outbox(db, "job_progress")
    last = cards[-1].payload
    assert (last["takes_done"], last["takes_total"], last["cost_cents"]) == (3, 3, 30)
    assert last["batch"] == queued.batch


async def test_rate_limit_on_submit_waits_and_sends_once(
    db: Database, fake: FakeProvider, registry: ProviderRegistry, make_worker: WorkerFactory
) -> None:
    """A 429 (with or without Retry-After) means 'not taken': sent again, paid once."""
    fake.submit_plan = [RATE_LIMIT_AFTER, RATE_LIMIT]
    await _queue(db, registry)
    await make_worker(db, registry).drain()
    (job,) = await _jobs(db)
    assert job.status == JobStatus.SUCCEEDED
    assert job.attempts == 2 and fake.submit_calls == 3
    assert list(fake.accepted.values()) == [1]


async def test_connect_error_before_accept_is_resent(
    db: Database, fake: FakeProvider, registry: ProviderRegistry, make_worker: WorkerFactory
) -> None:
    """A submit that provably never arrived is retried; the provider is paid once."""
    fake.submit_plan = [FAIL_BEFORE_ACCEPT]
    await _queue(db, registry)
    await make_worker(db, registry).drain()
    (job,) = await _jobs(db)
    assert job.status == JobStatus.SUCCEEDED and fake.submit_calls == 2
    assert fake.duplicate_submits == 0


async def test_unknown_submit_is_reconciled_never_resent(
    db: Database, fake: FakeProvider, registry: ProviderRegistry, make_worker: WorkerFactory
) -> None:
    """A 5xx after the provider accepted: the job is found through reconcile, not sent again."""
    fake.submit_plan = [FAIL_AFTER_ACCEPT]
    await _queue(db, registry)
    await make_worker(db, registry).drain()
    (job,) = await _jobs(db)
    assert job.status == JobStatus.SUCCEEDED
    assert fake.submit_calls == 1 and list(fake.accepted.values()) == [1]


async def test_a_failing_lookup_is_retried_as_a_lookup_not_a_submit(
    db: Database, fake: FakeProvider, registry: ProviderRegistry, make_worker: WorkerFactory
) -> None:
    """The list endpoint answers 503 twice: the job waits and looks again; still one submit."""
    fake.submit_plan = [FAIL_AFTER_ACCEPT]
    fake.reconcile_plan = [POLL_5XX, POLL_5XX]
    await _queue(db, registry)
    await make_worker(db, registry).drain()
    (job,) = await _jobs(db)
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2
    assert fake.submit_calls == 1 and list(fake.accepted.values()) == [1]


async def test_unknown_submit_without_reconcile_goes_to_review_with_money_held(
    db: Database, fake: FakeProvider, registry: ProviderRegistry, make_worker: WorkerFactory
) -> None:
    """A read timeout and no way to look it up: needs_review, hold kept, showrunner told."""
    fake.submit_plan = [READ_TIMEOUT]
    fake.reconcilable = False
    await _queue(db, registry)
    await make_worker(db, registry).drain()
    (job,) = await _jobs(db)
    assert job.status == JobStatus.NEEDS_REVIEW
    assert job.last_error.startswith("submit_outcome_unknown")
    assert fake.submit_calls == 1
    assert (await _balance(db)).held_cents == 10
    (review,) = await _outbox(db, "job_needs_review")
    assert review.payload["job_id"] == job.id and review.payload["held_cents"] == 10


async def test_moderation_refusal_fails_with_reason_and_refund(
    db: Database, fake: FakeProvider, registry: ProviderRegistry, make_worker: WorkerFactory
) -> None:
    """Refused by moderation: no retry, the reason is posted and the hold is released."""
    fake.submit_plan = [MODERATED]
    await _queue(db, registry)
    await make_worker(db, registry).drain()
    (job,) = await _jobs(db)
    assert job.status == JobStatus.FAILED and fake.submit_calls == 1
    (failed,) = await _outbox(db, "job_failed")
    assert failed.payload["reason"] == "refused"
    assert "SAFETY.INPUT.TEXT" in failed.payload["detail"]
    assert failed.payload["refund_cents"] == 10
    balance = await _balance(db)
    assert (balance.spent_cents, balance.held_cents) == (0, 0)


async def test_poll_errors_and_provider_failures(
    db: Database, fake: FakeProvider, registry: ProviderRegistry, make_worker: WorkerFactory
) -> None:
    """A 5xx on poll is retried; an internal failure resubmits with a new key; safety fails."""
    fake.poll_plan = [POLL_5XX, POLL_INTERNAL]
    queued = await _queue(db, registry)
    await make_worker(db, registry).drain()
    (first,) = await _jobs(db)
    assert first.status == JobStatus.SUCCEEDED
    assert first.params["submit_no"] == 1  # resubmitted once after INTERNAL, under a new key
    assert sorted(fake.accepted) == [first.idempotency_key, f"{first.idempotency_key}-1"]

    fake.poll_plan = [POLL_SAFETY]
    again = await enqueue_takes(
        db,
        guild_id=GUILD,
        shot_id=_shot(queued, first),
        member_id=MEMBER,
        takes=1,
        provider="fake",
        confirm=True,
        registry=registry,
    )
    assert isinstance(again, Enqueued)
    await make_worker(db, registry).drain()
    second = (await _jobs(db))[1]
    assert second.status == JobStatus.FAILED and "SAFETY.OUTPUT" in second.last_error
    assert fake.duplicate_submits == 0


async def test_expired_link_fails_charged_and_truncated_download_retries(
    db: Database, fake: FakeProvider, registry: ProviderRegistry, make_worker: WorkerFactory
) -> None:
    """A truncated download is fetched again; an expired link ends the job, cost settled."""
    fake.fetch_plan = [TRUNCATED]
    queued = await _queue(db, registry)
    await make_worker(db, registry).drain()
    fake.fetch_plan = [LINK_EXPIRED]
    (first,) = await _jobs(db)
    again = await enqueue_takes(
        db,
        guild_id=GUILD,
        shot_id=_shot(queued, first),
        member_id=MEMBER,
        takes=1,
        provider="fake",
        confirm=True,
        registry=registry,
    )
    assert isinstance(again, Enqueued)
    await make_worker(db, registry).drain()
    first, second = await _jobs(db)
    assert first.status == JobStatus.SUCCEEDED and first.attempts == 1
    assert second.status == JobStatus.FAILED and second.last_error.startswith("result_expired")
    balance = await _balance(db)
    # The provider did the work for both: both are spent, nothing is held.
    assert (balance.spent_cents, balance.held_cents) == (20, 0)


def _shot(queued: Enqueued, job: Job) -> int:
    assert job.shot_id is not None
    return job.shot_id


async def test_attempts_are_bounded(
    db: Database, fake: FakeProvider, registry: ProviderRegistry, make_worker: WorkerFactory
) -> None:
    """A provider that keeps answering 429 is given up on after max_attempts, hold released."""
    fake.submit_plan = [RATE_LIMIT] * 10
    await _queue(db, registry)
    await make_worker(db, registry, policy=fast_policy(max_attempts=3)).drain()
    (job,) = await _jobs(db)
    assert job.status == JobStatus.FAILED and job.last_error.startswith("attempts_exhausted")
    assert fake.submit_calls == 3 and not fake.accepted
    assert (await _balance(db)).held_cents == 0


async def test_provider_concurrency_is_respected(
    db: Database, fake: FakeProvider, registry: ProviderRegistry, make_worker: WorkerFactory
) -> None:
    """With concurrency 2, never more than two of the provider's jobs are in flight."""
    fake.polls = 3
    await _queue(db, registry, takes=6)
    await make_worker(db, registry, concurrency={"fake": 2}).drain()
    assert [j.status for j in await _jobs(db)] == [JobStatus.SUCCEEDED] * 6
    assert fake.max_active == 2


async def test_two_workers_share_the_queue_without_paying_twice(
    db: Database, fake: FakeProvider, registry: ProviderRegistry, make_worker: WorkerFactory
) -> None:
    """Two workers draining at once (separate connections) finish every job exactly once."""
    import asyncio

    await _queue(db, registry, takes=8)
    other = Database(db.url)
    try:
        one = make_worker(db, registry, worker_id="w1")
        two = make_worker(other, registry, worker_id="w2")
        await asyncio.gather(one.drain(), two.drain())
    finally:
        await other.dispose()
    assert [j.status for j in await _jobs(db)] == [JobStatus.SUCCEEDED] * 8
    assert fake.duplicate_submits == 0 and sum(fake.accepted.values()) == 8
    async with db.session() as s:
        takes = (await s.exec(select(Take))).all()
    assert len(takes) == 8
