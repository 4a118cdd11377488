"""Durable renders through the sandbox, on SQLite and on a real Postgres: /episode cut is a
worker job (a second one is refused while it waits; a worker that died mid-render is replaced,
and the card says ready once), and a premiere whose renders are cut short by a bot restart
still premieres, with the renders made by the worker."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import col, select

from pipeline.jobs import RENDER_PROVIDER
from storage import queue
from storage.models import Job, JobStatus, OutboxMessage, PremiereStatus
from storage.types import utcnow
from tests.commands.premiere_world import (
    episodes,
    posts,
    premieres_channel,
    rows,
    short_timing,
    until,
    utc_text,
)
from tests.commands.test_cuts_discord import _posted, _private, _seed
from tests.helpers import Studio, message_text

pytestmark = pytest.mark.parametrize("studio_database", ["sqlite", "postgres"], indirect=True)


async def _render_jobs(studio: Studio) -> list[Job]:
    async with studio.db.session() as s:
        found = await s.exec(
            select(Job).where(Job.provider == RENDER_PROVIDER).order_by(col(Job.id))
        )
        return list(found.all())


async def test_cut_is_a_job_refused_twice_and_finished_after_its_worker_died(
    studio: Studio,
) -> None:
    await _seed(studio, 1, [True, True])
    host = studio.bot.host  # type: ignore[union-attr]
    assert host is not None
    await host.pause_worker()  # the render stays queued while we look at it
    res = await studio.slash(studio.crew, "episode cut", {"episode": "1"})
    ack = await _private(res)
    (job,) = await _render_jobs(studio)
    assert f"job #{job.id}" in ack and job.status == JobStatus.QUEUED and job.kind == "cut"
    again = await studio.slash(studio.showrunner, "episode cut", {"episode": "1", "final": True})
    assert "already being rendered" in await _private(again)
    card = next(m for m in studio.dailies.messages if m.content.startswith("🎬"))

    # A worker claims it, starts, and dies (no renewal, no end): its lease runs out.
    (claim,) = await queue.claim(studio.db, worker_id="dead", lease_s=1.0,
                                 providers=[RENDER_PROVIDER])  # fmt: skip
    async with studio.db.session() as s:
        await queue.update_job(s, job.id or 0, token=claim.token, status=JobStatus.RUNNING,
                               attempts=1)  # fmt: skip
        await s.commit()
    host.resume_worker()

    posted = await studio.sandbox.wait_for_message(
        channel=studio.dailies, predicate=_posted(studio, ".mp4"), timeout=60
    )
    assert {a.filename for a in posted.attachments} == {"episode-1.mp4", "episode-1.en.srt"}
    await until(lambda: card.content.startswith("✅"))
    (done,) = await _render_jobs(studio)
    assert done.status == JobStatus.SUCCEEDED and done.attempts == 2
    await asyncio.sleep(0.5)
    assert len([m for m in studio.dailies.messages if _posted(studio, ".mp4")(m)]) == 1
    async with studio.db.session() as s:
        ready = (await s.exec(select(OutboxMessage).where(OutboxMessage.kind == "cut_ready"))).all()
    assert len(ready) == 1


async def test_job_status_and_cancel_work_on_a_render(studio: Studio) -> None:
    """A French member's cut waits behind a paused worker: /job status shows it queued; /job
    cancel is refused to another crew member, the showrunner's stops it and its card says so;
    the next cut is accepted."""
    await _seed(studio, 1, [True])
    host = studio.bot.host  # type: ignore[union-attr]
    assert host is not None
    await host.pause_worker()
    res = await studio.slash(studio.francophone, "episode cut", {"episode": "1"})
    ack = await _private(res)
    (job,) = await _render_jobs(studio)
    assert f"Rendu lancé (tâche n°{job.id})" in ack
    status = await (await studio.slash(studio.crew, "job status", {"id": job.id})).reply()
    assert "Queued" in message_text(status) and "render" in message_text(status)
    assert f"Job #{job.id} · cut of episode 1" in message_text(status)  # not "take ? of shot ?"
    french = await (await studio.slash(studio.francophone, "job status", {"id": job.id})).reply()
    assert f"Tâche n°{job.id} · montage de l'épisode 1" in message_text(french)
    listing = message_text(await studio.reply(studio.francophone, "queue"))
    assert "montage de l'épisode 1" in listing and "plan ?" not in listing
    refused = await (await studio.slash(studio.crew, "job cancel", {"id": job.id})).reply()
    assert "Only the member who queued" in refused.content  # not theirs, not a showrunner
    cancel = await (await studio.slash(studio.showrunner, "job cancel", {"id": job.id})).reply()
    assert f"Job #{job.id} is cancelled" in cancel.content
    card = next(m for m in studio.dailies.messages if m.content.startswith("🎬"))
    assert "queued, waiting for the renderer" in card.content  # not a 0 % bar that looks stuck
    await until(lambda: card.content.startswith("❌"))
    assert "cancelled" in card.content
    (done,) = await _render_jobs(studio)
    assert done.status == JobStatus.CANCELLED
    res = await studio.slash(studio.crew, "episode cut", {"episode": "1"})
    assert "Rendering started" in await _private(res)


async def test_premiere_renders_survive_a_restart_and_are_made_by_the_worker(
    studio: Studio,
) -> None:
    with short_timing():
        await premieres_channel(studio)
        await episodes(studio, [[True, True], [True, True]])
        when = (utcnow() + timedelta(seconds=8)).replace(microsecond=0)
        options = {"episode": "2", "when": utc_text(when), "timezone": "UTC"}
        reply = await (await studio.slash(studio.showrunner, "premiere schedule", options)).reply()
        assert "premieres <t:" in reply.content, reply.content

        async def rendering() -> bool:
            return any(j.status == JobStatus.RUNNING for j in await _render_jobs(studio))

        await until(rendering, timeout=20)  # T - 30 min has passed: queued at once
        await studio.stop_bot()  # the worker hands its render back (ffmpeg stops)
        held = [j for j in await _render_jobs(studio) if j.status != JobStatus.SUCCEEDED]
        assert held and all(j.lease_owner is None for j in held)
        await studio.start_bot()

        await studio.sandbox.wait_for_message(
            channel=studio.server.premieres, predicate=lambda m: "· episode" in m.content,
            timeout=60)  # fmt: skip
        (recap,) = posts(studio, "· recap")
        assert [a.filename for a in recap.attachments] == ["recap-2.mp4", "recap-2.en.srt"]
        jobs = await _render_jobs(studio)
        assert sorted(j.kind for j in jobs) == ["cut", "recap"]
        assert all(j.status == JobStatus.SUCCEEDED for j in jobs)  # incl. those cut short
        assert all(j.attempts == 1 for j in jobs)  # a clean stop does not count as an attempt
        assert all(j.params["options"]["final"] for j in jobs if j.kind == "cut")
        await until(lambda: _status(studio, PremiereStatus.PREMIERED))


async def _status(studio: Studio, status: PremiereStatus) -> bool:
    return any(p.status == status for p in await rows(studio))
