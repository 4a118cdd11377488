"""The last step of a job: a downloaded file becomes a Take.

The worker downloads the provider's output into the media store (capped, hashed), then hands it
to a ``Finisher``. The finisher returns an *unsaved* ``Take`` with its media set; the worker adds
provenance (provider, model, seed, compiled prompt, cost), inserts it and marks the job
succeeded in one transaction, so a crash in between never leaves two takes or a paid job
without its take.

* ``IngestFinisher``: the real one; normalises to the series' house format with
  ``pipeline.ingest`` (thumbnail included), voices to WAV 48 kHz (levelled), a dialogue track
  (all of a shot's lines, already levelled one by one) to WAV 48 kHz as it is.
* ``StoreOnlyFinisher``: registers the downloaded bytes as they are; tests and benches.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pipeline.jobs import JobKind
from storage.db import Database
from storage.media import MediaStore, register_asset
from storage.models import Job, Take, TakeKind
from storage.queue import writing

TAKE_KIND: dict[str, TakeKind] = {
    JobKind.TAKE: TakeKind.RAW,
    JobKind.VOICE: TakeKind.VOICE,
    JobKind.LIPSYNC: TakeKind.LIPSYNC,
    JobKind.FACE: TakeKind.FACE,
    JobKind.DIALOGUE: TakeKind.DIALOGUE,
    JobKind.PERFORMANCE: TakeKind.PERFORMANCE,
}
# Jobs whose output is sound only: the take has an audio asset and no picture.
AUDIO_KINDS = frozenset({JobKind.VOICE, JobKind.DIALOGUE})


@dataclass(frozen=True)
class Download:
    """A provider's output, already in the media store."""

    path: Path
    sha256: str
    size_bytes: int
    url: str


class Finisher(Protocol):
    async def finish(self, job: Job, download: Download) -> Take: ...


class StoreOnlyFinisher:
    """Keeps the downloaded bytes as they are: a video take or, for voice jobs, an audio take."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def finish(self, job: Job, download: Download) -> Take:
        voice = job.kind in AUDIO_KINDS
        async with writing(self.db), self.db.session() as session:
            asset = await register_asset(
                session,
                job.guild_id,
                download.sha256,
                "audio/wav" if voice else "video/mp4",
                download.size_bytes,
                created_by=job.requested_by,
            )
            await session.commit()
        return Take(
            guild_id=job.guild_id,
            shot_id=job.shot_id or 0,
            kind=TAKE_KIND.get(job.kind, TakeKind.RAW),
            audio_asset_id=asset.id if voice else None,
            video_asset_id=None if voice else asset.id,
        )


class IngestFinisher:
    """Normalises with the media engineer's ``pipeline.ingest`` (imported when first used)."""

    def __init__(self, db: Database, store: MediaStore) -> None:
        self.db = db
        self.store = store

    async def finish(self, job: Job, download: Download) -> Take:
        from pipeline import ingest

        request = job.params.get("request", {})
        kind = TAKE_KIND.get(job.kind, TakeKind.RAW)
        if job.kind in AUDIO_KINDS:
            name = "line.wav" if job.kind == JobKind.VOICE else "dialogue.wav"
            with tempfile.TemporaryDirectory(prefix="voice-") as tmp:
                wav = Path(tmp) / name
                # Re-levelling a whole track would move the lines' levels against each other.
                level = ingest.VOICE_LUFS if job.kind == JobKind.VOICE else None
                seconds = await ingest.normalise_voice(download.path, wav, loudness_lufs=level)
                stored = await self.store.put_file(wav)
            async with writing(self.db), self.db.session() as session:
                asset = await register_asset(
                    session,
                    job.guild_id,
                    stored.sha256,
                    "audio/wav",
                    stored.size,
                    duration_s=seconds,
                    original_name=name,
                    created_by=job.requested_by,
                )
                await session.commit()
            return Take(
                guild_id=job.guild_id,
                shot_id=job.shot_id or 0,
                kind=kind,
                audio_asset_id=asset.id,
                duration_s=seconds,
            )
        stored_take = await ingest.ingest_take(
            self.store,
            download.path,
            width=int(request.get("width", 1280)),
            height=int(request.get("height", 720)),
            fps=int(request.get("fps", 24)),
            duration_s=float(request.get("duration_s", 5.0)),
        )
        async with writing(self.db), self.db.session() as session:
            video, thumb = await ingest.register_take_assets(
                session, job.guild_id, stored_take, created_by=job.requested_by
            )
            await session.commit()
        return Take(
            guild_id=job.guild_id,
            shot_id=job.shot_id or 0,
            kind=kind,
            video_asset_id=video.id,
            thumb_asset_id=thumb.id,
            duration_s=stored_take.duration_s,
        )
