"""The enqueue API: one transaction of jobs and holds; confirm, refuse, cancel, retry, finish."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlmodel import col, select

from pipeline.enqueue import (
    Enqueued,
    NeedsConfirmation,
    cancel_job,
    enqueue_finishing,
    enqueue_takes,
    enqueue_voice_lines,
    get_job,
    list_jobs,
    retry_job,
)
from pipeline.jobs import JobKind
from pipeline.prompts import ShotNotFound
from pipeline.registry import ProviderRegistry, UnknownProvider
from storage import ledger
from storage.db import Database
from storage.ledger import BudgetRefusal
from storage.models import Job, JobStatus, LedgerEntry, OutboxMessage
from tests.pipeline.conftest import GUILD, MEMBER, OTHER_GUILD, WorkerFactory, make_shot
from tests.pipeline.fakes import READ_TIMEOUT, FakeProvider


async def _held(db: Database, guild: int = GUILD) -> ledger.GuildBalance:
    async with db.session() as s:
        return await ledger.guild_balance(s, guild)


async def test_enqueue_writes_jobs_seeds_keys_and_holds_together(
    db: Database, registry: ProviderRegistry
) -> None:
    """Four takes: four queued jobs, distinct seeds and keys, one hold each, one status card."""
    ids = await make_shot(db)
    result = await enqueue_takes(
        db,
        guild_id=GUILD,
        shot_id=ids.shot_id,
        member_id=MEMBER,
        takes=4,
        provider="fake",
        confirm=False,
        registry=registry,
        channel_id=321,
    )
    assert isinstance(result, Enqueued)
    assert result.estimate_cents == 40 and result.labels == ("A", "B", "C", "D")
    assert result.prompt is not None and "Mara" in result.prompt.text
    jobs = await list_jobs(db, GUILD)
    assert {j.status for j in jobs} == {JobStatus.QUEUED}
    assert len({j.params["request"]["seed"] for j in jobs}) == 4
    assert len({j.idempotency_key for j in jobs}) == 4
    assert all(j.card_channel_id == 321 and j.estimate_cents == 10 for j in jobs)
    async with db.session() as s:
        holds = (await s.exec(select(LedgerEntry))).all()
        cards = (await s.exec(select(OutboxMessage))).all()
    assert sorted(h.job_id for h in holds if h.job_id) == sorted(result.job_ids)
    assert [c.payload["status"] for c in cards] == ["queued"]
    assert cards[0].payload["takes_total"] == 4 and cards[0].channel_id == 321
    assert (await _held(db)).held_cents == 40


async def test_a_request_key_seen_again_queues_and_holds_nothing_more(
    db: Database, registry: ProviderRegistry
) -> None:
    """The same confirmation prompt pressed twice (the bot restarted in between, so only the
    database remembers): the second call returns the first batch, marked replayed; the same
    key in another guild is another request."""
    ids = await make_shot(db)
    common = {"shot_id": ids.shot_id, "member_id": MEMBER, "takes": 2, "provider": "fake",
              "confirm": True, "registry": registry, "request_key": "prompt-42"}  # fmt: skip
    first = await enqueue_takes(db, guild_id=GUILD, **common)  # type: ignore[arg-type]
    again = await enqueue_takes(db, guild_id=GUILD, **common)  # type: ignore[arg-type]
    assert isinstance(first, Enqueued) and isinstance(again, Enqueued)
    assert not first.replayed and again.replayed
    assert again.job_ids == first.job_ids and again.batch == first.batch
    assert len(await list_jobs(db, GUILD)) == 2
    assert (await _held(db)).held_cents == 20
    other = await make_shot(db, guild_id=OTHER_GUILD)
    elsewhere = await enqueue_takes(db, guild_id=OTHER_GUILD, **{**common,  # type: ignore[arg-type]
                                    "shot_id": other.shot_id})  # fmt: skip
    assert isinstance(elsewhere, Enqueued) and not elsewhere.replayed


async def test_confirmation_above_threshold_then_confirmed(
    db: Database, registry: ProviderRegistry
) -> None:
    """Above the guild's threshold nothing is written until the member confirms."""
    ids = await make_shot(db, confirm_above_cents=15)
    kwargs = dict(
        guild_id=GUILD,
        shot_id=ids.shot_id,
        member_id=MEMBER,
        takes=2,
        provider="fake",
        registry=registry,
    )
    ask = await enqueue_takes(db, confirm=False, **kwargs)  # type: ignore[arg-type]
    assert ask == NeedsConfirmation(provider="fake", jobs=2, estimate_cents=20, threshold_cents=15)
    assert await list_jobs(db, GUILD) == []
    assert isinstance(await enqueue_takes(db, confirm=True, **kwargs), Enqueued)  # type: ignore[arg-type]


async def test_zero_budget_refuses_paid_work_but_not_local(db: Database) -> None:
    """Budget 0: a paid provider is refused with 0 left; a free local one still runs."""
    ids = await make_shot(db, budget_cents=0)
    free = FakeProvider(name="local-animatic", price_cents=0, needs_key=False)
    registry = ProviderRegistry([FakeProvider(), free])
    refused = await enqueue_takes(
        db,
        guild_id=GUILD,
        shot_id=ids.shot_id,
        member_id=MEMBER,
        takes=1,
        provider="fake",
        confirm=True,
        registry=registry,
    )
    assert isinstance(refused, BudgetRefusal)
    assert (refused.scope, refused.available_cents, refused.needed_cents) == ("guild", 0, 10)
    local = await enqueue_takes(
        db,
        guild_id=GUILD,
        shot_id=ids.shot_id,
        member_id=MEMBER,
        takes=2,
        provider=None,
        confirm=False,
        registry=registry,
    )
    assert isinstance(local, Enqueued) and local.provider == "local-animatic"


async def test_other_guilds_shot_and_unknown_provider_are_errors(
    db: Database, registry: ProviderRegistry
) -> None:
    """A shot id from another server is not found; an unconfigured provider is named."""
    ids = await make_shot(db)
    with pytest.raises(ShotNotFound):
        await enqueue_takes(
            db,
            guild_id=OTHER_GUILD,
            shot_id=ids.shot_id,
            member_id=MEMBER,
            takes=1,
            provider="fake",
            confirm=True,
            registry=registry,
        )
    with pytest.raises(UnknownProvider):
        await enqueue_takes(
            db,
            guild_id=GUILD,
            shot_id=ids.shot_id,
            member_id=MEMBER,
            takes=1,
            provider="luma",
            confirm=True,
            registry=registry,
        )


async def test_cancel_releases_the_hold_and_cancels_at_the_provider(
    db: Database, fake: FakeProvider, registry: ProviderRegistry, make_worker: WorkerFactory
) -> None:
    """Cancelling a running job stops the provider's work, refunds, and the worker lets go."""
    fake.polls = 10_000
    ids = await make_shot(db)
    result = await enqueue_takes(
        db,
        guild_id=GUILD,
        shot_id=ids.shot_id,
        member_id=MEMBER,
        takes=1,
        provider="fake",
        confirm=True,
        registry=registry,
    )
    assert isinstance(result, Enqueued)
    worker = make_worker(db, registry)
    running = asyncio.create_task(worker.run())
    for _ in range(200):
        if (await get_job(db, GUILD, result.job_ids[0])).status == JobStatus.RUNNING:
            break
        await asyncio.sleep(0.02)
    job = await cancel_job(db, GUILD, result.job_ids[0], registry=registry)
    assert job.status == JobStatus.CANCELLED and fake.cancelled == ["fake-1"]
    await asyncio.sleep(0.1)
    await worker.stop()
    await running
    assert (await get_job(db, GUILD, result.job_ids[0])).status == JobStatus.CANCELLED
    balance = await _held(db)
    assert (balance.held_cents, balance.spent_cents) == (0, 0)
    assert worker.stats.lost == 1


async def test_needs_review_retry_needs_the_explicit_flag(
    db: Database, fake: FakeProvider, registry: ProviderRegistry, make_worker: WorkerFactory
) -> None:
    """An unknown submit is resent only on a showrunner's say-so; the first is counted as spent."""
    fake.submit_plan = [READ_TIMEOUT]
    fake.reconcilable = False
    ids = await make_shot(db)
    result = await enqueue_takes(
        db,
        guild_id=GUILD,
        shot_id=ids.shot_id,
        member_id=MEMBER,
        takes=1,
        provider="fake",
        confirm=True,
        registry=registry,
    )
    assert isinstance(result, Enqueued)
    (job_id,) = result.job_ids
    await make_worker(db, registry).drain()
    assert (await get_job(db, GUILD, job_id)).status == JobStatus.NEEDS_REVIEW
    with pytest.raises(PermissionError):
        await retry_job(db, GUILD, job_id, member_id=MEMBER)
    again = await retry_job(db, GUILD, job_id, member_id=MEMBER, resubmit_unknown=True)
    assert isinstance(again, Job) and again.status == JobStatus.QUEUED
    await make_worker(db, registry).drain()
    done = await get_job(db, GUILD, job_id)
    assert done.status == JobStatus.SUCCEEDED
    assert sorted(fake.accepted) == sorted([done.idempotency_key, f"{done.idempotency_key}-1"])
    balance = await _held(db)
    assert (balance.spent_cents, balance.held_cents) == (20, 0)  # both submits paid for


async def test_lipsync_waits_for_take_and_voice_and_gets_their_files(
    db: Database, fake: FakeProvider, registry: ProviderRegistry, make_worker: WorkerFactory
) -> None:
    """voice + take, then a lip-sync on both: it runs last, with both files as inputs."""
    ids = await make_shot(db, lines=2)
    takes = await enqueue_takes(
        db,
        guild_id=GUILD,
        shot_id=ids.shot_id,
        member_id=MEMBER,
        takes=1,
        provider="fake",
        confirm=True,
        registry=registry,
    )
    voices = await enqueue_voice_lines(
        db,
        guild_id=GUILD,
        shot_id=ids.shot_id,
        member_id=MEMBER,
        registry=registry,
        provider="fake",
        confirm=True,
    )
    assert isinstance(takes, Enqueued) and isinstance(voices, Enqueued)
    assert len(voices.job_ids) == 2
    lipsync = await enqueue_finishing(
        db,
        guild_id=GUILD,
        member_id=MEMBER,
        kind=JobKind.LIPSYNC,
        registry=registry,
        provider="fake",
        take_job_id=takes.job_ids[0],
        voice_job_id=voices.job_ids[0],
        confirm=True,
    )
    assert isinstance(lipsync, Enqueued)
    await make_worker(db, registry, concurrency={"fake": 4}).drain()
    async with db.session() as s:
        jobs = {j.id: j for j in (await s.exec(select(Job).order_by(col(Job.id)))).all()}
    assert {j.status for j in jobs.values()} == {JobStatus.SUCCEEDED}
    finished = {i: j.finished_at for i, j in jobs.items() if j.finished_at is not None}
    sync_done = finished[lipsync.job_ids[0]]
    assert sync_done > finished[takes.job_ids[0]] and sync_done > finished[voices.job_ids[0]]
    last = fake.requests[-1]
    assert last.capability.value == "lipsync"
    assert set(last.inputs) == {"video", "audio"}
    # The finished take keeps the shot's length and the house format (not a 5 s default).
    take_request = next(r for r in fake.requests if r.capability.value == "text_to_video")
    assert (last.duration_s, last.width, last.height, last.fps) == (
        take_request.duration_s, take_request.width, take_request.height, take_request.fps,
    )  # fmt: skip
    assert all(await asyncio.to_thread(lambda: [Path(p).is_file() for p in last.inputs.values()]))
    assert fake.requests[1].options["voice"] == "en-f1"


async def test_a_lipsync_on_a_voice_in_review_waits_without_holding_up_the_queue(
    db: Database, fake: FakeProvider, registry: ProviderRegistry, make_worker: WorkerFactory
) -> None:
    """The voice's submit is in review: the lip-sync stays queued, the drain still ends."""
    fake.submit_plan = ["", READ_TIMEOUT]
    fake.reconcilable = False
    ids = await make_shot(db)
    takes = await enqueue_takes(
        db,
        guild_id=GUILD,
        shot_id=ids.shot_id,
        member_id=MEMBER,
        takes=1,
        provider="fake",
        confirm=True,
        registry=registry,
    )
    assert isinstance(takes, Enqueued)
    await make_worker(db, registry).drain()
    voices = await enqueue_voice_lines(
        db,
        guild_id=GUILD,
        shot_id=ids.shot_id,
        member_id=MEMBER,
        registry=registry,
        provider="fake",
        confirm=True,
    )
    assert isinstance(voices, Enqueued)
    lipsync = await enqueue_finishing(
        db,
        guild_id=GUILD,
        member_id=MEMBER,
        kind=JobKind.LIPSYNC,
        registry=registry,
        provider="fake",
        take_job_id=takes.job_ids[0],
        voice_job_id=voices.job_ids[0],
        confirm=True,
    )
    assert isinstance(lipsync, Enqueued)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await make_worker(db, registry).drain(horizon_s=5, timeout_s=60)
    assert loop.time() - started < 30
    assert (await get_job(db, GUILD, voices.job_ids[0])).status == JobStatus.NEEDS_REVIEW
    assert (await get_job(db, GUILD, lipsync.job_ids[0])).status == JobStatus.QUEUED
