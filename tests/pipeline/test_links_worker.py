"""A lip-sync on Sync from a local take and a local voice, through the worker: the executor
resolves the inputs to files of the media store, the adapter publishes them as signed links,
the (fake) provider reads them over the link server, and the finished take is ingested."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlmodel import select

from bot.config import Settings
from pipeline.enqueue import Enqueued, enqueue_finishing, enqueue_takes, enqueue_voice_lines
from pipeline.jobs import JobKind
from pipeline.providers.sync import SyncAdapter
from pipeline.registry import build_registry
from storage.db import Database
from storage.models import Job, JobStatus, MediaAsset, Series, Take
from tests.fakes.contract import FAST
from tests.fakes.sync import SyncFake
from tests.pipeline.conftest import GUILD, MEMBER, WorkerFactory, make_shot
from tests.providers.media_links import published


async def test_sync_lipsync_of_a_local_take_and_voice_through_the_worker(
    db: Database, tmp_path: Path, make_worker: WorkerFactory
) -> None:
    ids = await make_shot(db, budget_cents=10_000)
    async with db.session() as s:
        series = await s.get(Series, ids.series_id)
        assert series is not None
        series.house_width, series.house_height, series.house_fps = 160, 90, 12
        await s.commit()
    # The worker's store (tests/pipeline/conftest.py `store`) is the folder the server reads.
    async with published(tmp_path / "media") as world, SyncFake(api_key="k") as fake:
        sync = SyncAdapter("k", base_url=fake.base_url, timeouts=FAST).use_links(world.links)
        registry = build_registry(Settings(data_dir=tmp_path), extra=[sync])
        common: dict[str, Any] = {"guild_id": GUILD, "member_id": MEMBER, "registry": registry}
        take = await enqueue_takes(db, shot_id=ids.shot_id, takes=1, provider=None,
                                   confirm=True, **common)  # fmt: skip
        voice = await enqueue_voice_lines(db, shot_id=ids.shot_id, **common)
        assert isinstance(take, Enqueued) and isinstance(voice, Enqueued)
        lipsync = await enqueue_finishing(db, kind=JobKind.LIPSYNC, take_job_id=take.job_ids[0],
                                          voice_job_id=voice.job_ids[0], provider="sync",
                                          confirm=True, **common)  # fmt: skip
        assert isinstance(lipsync, Enqueued) and lipsync.provider == "sync"
        worker = make_worker(db, registry)
        await worker.drain(timeout_s=60)
        await sync.aclose()
    async with db.session() as s:
        jobs = {j.kind: j for j in (await s.exec(select(Job))).all()}
        by_job = {t.job_id: t for t in (await s.exec(select(Take))).all()}
        source = await s.get(MediaAsset, by_job[take.job_ids[0]].video_asset_id)
        line = await s.get(MediaAsset, by_job[voice.job_ids[0]].audio_asset_id)
    assert jobs[JobKind.LIPSYNC.value].status == JobStatus.SUCCEEDED
    assert by_job[lipsync.job_ids[0]].provider == "sync" and fake.jobs_created == 1
    assert source is not None and line is not None
    got = {
        f.url.split("?")[0].rsplit(".", 1)[1]: f.sha256 for f in fake.fetched if f.method == "GET"
    }
    # The take and the voice line as we stored them, byte for byte.
    assert got == {"mp4": source.sha256, "wav": line.sha256}
    # Their links count from when the job entered `submitting`, kept with the job, so a
    # reconcile later would sign the very same ones (tests/providers/test_sync.py).
    links_at = jobs[JobKind.LIPSYNC.value].params["links_at"]
    expiries = {
        int(parse_qs(urlsplit(f.url).query)["exp"][0]) for f in fake.fetched if f.method == "GET"
    }
    assert expiries == {world.links.expiry(at=links_at)}
