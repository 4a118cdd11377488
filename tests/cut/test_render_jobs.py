"""Cut and recap renders as worker jobs (SQLite and Postgres): a render whose worker died is
claimed again once its lease expires and rendered from scratch, and its card says "ready" once;
a second render of the same episode is refused while one is under way; a cancelled render says
so on its card (queued, and running: ffmpeg stops)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlmodel import select

from pipeline.control import cancel_job
from pipeline.cut import CutOptions, CutRequest, RenderBusy, active_render, enqueue_render
from pipeline.jobs import RENDER_PROVIDER
from pipeline.registry import ProviderRegistry
from pipeline.worker import Worker
from storage import outbox, queue
from storage.db import Database
from storage.media import LocalMediaStore
from storage.models import GuildSettings, Job, JobStatus, OutboxMessage, Render, Series
from tests.cut.seed import seed_episode

GUILD, OTHER, CHANNEL, CARD = 111, 222, 5550, 7770


async def _series(db: Database, guild_id: int) -> None:
    async with db.session() as s:
        s.add(GuildSettings(guild_id=guild_id, locale="en"))
        s.add(Series(guild_id=guild_id, name="Nuit Blanche", name_key="nuit blanche",
                     created_by=1, house_width=320, house_height=180, house_fps=24))  # fmt: skip
        await s.commit()


def _request(episode_id: int, kind: str = "episode", card: int = CARD, final: bool = False
             ) -> CutRequest:  # fmt: skip
    return CutRequest(GUILD, episode_id, 4242, kind=kind, options=CutOptions(final=final),
                      token=str(card), channel_id=CHANNEL, card_message_id=card)  # fmt: skip


async def _rows(db: Database, kind: str) -> list[OutboxMessage]:
    async with db.session() as s:
        found = await s.exec(select(OutboxMessage).where(OutboxMessage.kind == kind))
        return list(found.all())


async def _job(db: Database, job_id: int) -> Job:
    async with db.session() as s:
        job = await queue.get_job(s, GUILD, job_id)
    assert job is not None
    return job


def _worker(db: Database, media: LocalMediaStore, name: str, lease_s: float = 5.0) -> Worker:
    return Worker(db, media, ProviderRegistry(), worker_id=name, lease_s=lease_s,
                  poll_interval=0.05, shutdown_grace_s=1.0)  # fmt: skip


async def test_a_render_whose_worker_died_is_rendered_again_and_ready_once(
    db: Database, tmp_path: Path
) -> None:
    await _series(db, GUILD)
    media = LocalMediaStore(tmp_path / "media")
    seeded = await seed_episode(db, media, GUILD, tmp_path / "t", number=1, locked=[True, True])
    job = await enqueue_render(db, _request(seeded.episode_id), out_dir=tmp_path / "out")
    assert job.kind == "cut" and job.provider == RENDER_PROVIDER and job.estimate_cents == 0

    # Worker A claims it, starts (running, attempt 1, the card at 30 %), and dies: it never
    # renews its lease and never ends the job.
    (claim,) = await queue.claim(db, worker_id="a", lease_s=0.5, providers=[RENDER_PROVIDER])
    async with db.session() as s:
        assert await queue.update_job(s, job.id or 0, token=claim.token, status=JobStatus.RUNNING,
                                      attempts=1)  # fmt: skip
        body = {"token": str(CARD), "progress": 0.3}
        await outbox.append(s, GUILD, "cut_progress", CHANNEL, body, f"cut_progress:{CARD}:30")
        await s.commit()
    with pytest.raises(RenderBusy):  # running, though nobody holds it any more
        await enqueue_render(db, _request(seeded.episode_id, card=CARD + 1), out_dir=tmp_path)

    # Worker B finds the expired lease and renders from scratch.
    stats = await _worker(db, media, "b").drain(horizon_s=2.0, timeout_s=120)
    assert stats.claimed == 1 and stats.finished == 1, stats
    done = await _job(db, job.id or 0)
    assert done.status == JobStatus.SUCCEEDED and done.attempts == 2 and done.lease_owner is None
    async with db.session() as s:
        (render,) = (await s.exec(select(Render))).all()
    assert done.params["render_id"] == render.id and render.kind == "preview"
    (ready,) = await _rows(db, "cut_ready")  # the card says ready exactly once
    assert ready.payload["card_message_id"] == CARD and ready.channel_id == CHANNEL
    assert not await _rows(db, "cut_failed")
    assert (tmp_path / "out" / "episode-1-discord.mp4").exists()
    # Over: the next cut of that episode is welcome.
    assert await active_render(db, GUILD, seeded.episode_id, "episode") is None
    again = await enqueue_render(db, _request(seeded.episode_id, card=CARD + 2), out_dir=tmp_path)
    assert again.id != job.id


async def test_one_render_per_episode_and_kind_and_a_queued_cancel_marks_the_card(
    db: Database, tmp_path: Path
) -> None:
    await _series(db, GUILD)
    await _series(db, OTHER)
    media = LocalMediaStore(tmp_path / "media")
    one = await seed_episode(db, media, GUILD, tmp_path / "t", number=1, locked=[True])
    cut = await enqueue_render(db, _request(one.episode_id), out_dir=tmp_path)
    with pytest.raises(RenderBusy) as busy:
        await enqueue_render(db, _request(one.episode_id, card=CARD + 1), out_dir=tmp_path)
    assert busy.value.job.id == cut.id
    recap = await enqueue_render(db, _request(one.episode_id, "recap", CARD + 2), out_dir=tmp_path)
    assert recap.kind == "recap"  # another kind of render of the same episode is fine
    assert await active_render(db, OTHER, one.episode_id, "episode") is None  # guild-scoped

    # A premiere's final cut does not wait for a preview: it goes beside it, then is found.
    def final_cut(job: Job) -> bool:
        return bool(job.params["options"]["final"])

    final = await enqueue_render(db, _request(one.episode_id, card=CARD + 3, final=True),
                                 out_dir=tmp_path, accept=final_cut)  # fmt: skip
    assert final.id != cut.id
    found = await enqueue_render(db, _request(one.episode_id, final=True), out_dir=tmp_path,
                                 accept=final_cut)  # fmt: skip
    assert found.id == final.id

    cancelled = await cancel_job(db, GUILD, cut.id or 0)
    assert cancelled.status == JobStatus.CANCELLED
    (failed,) = await _rows(db, "cut_failed")
    assert failed.payload["reason"] == "cancelled" and failed.payload["card_message_id"] == CARD
    assert not await _rows(db, "job_failed")  # the cut's own card says it; no take notice


async def test_a_running_render_cancelled_stops_and_says_so(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """(SQLite only: the cancel path is the same SQL as above; this one watches ffmpeg stop.)"""
    db = sqlite_db
    await _series(db, GUILD)
    media = LocalMediaStore(tmp_path / "media")
    seeded = await seed_episode(db, media, GUILD, tmp_path / "t", number=1,
                                locked=[True, True, True], seconds=3.0)  # fmt: skip
    job = await enqueue_render(db, _request(seeded.episode_id), out_dir=tmp_path / "out")
    worker = _worker(db, media, "w", lease_s=0.6)
    drain = asyncio.create_task(worker.drain(horizon_s=0.5, timeout_s=60))
    for _ in range(500):
        if (await _job(db, job.id or 0)).status == JobStatus.RUNNING:
            break
        await asyncio.sleep(0.01)
    await cancel_job(db, GUILD, job.id or 0)
    stats = await asyncio.wait_for(drain, 30)
    assert stats.lost == 1 and stats.finished == 0, stats
    assert (await _job(db, job.id or 0)).status == JobStatus.CANCELLED
    (failed,) = await _rows(db, "cut_failed")
    assert failed.payload["reason"] == "cancelled"
    assert not await _rows(db, "cut_ready")
    async with db.session() as s:
        assert (await s.exec(select(Render))).first() is None
