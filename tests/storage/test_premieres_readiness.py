"""What a premiere may post (pipeline/premiere.readiness), on SQLite and Postgres: the newest final
render whose Discord copy is in the media store, plays, and fits the limit; never a broken file."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.premiere import readiness
from storage.cuts import record_render
from storage.db import Database
from storage.errors import NotFound
from storage.media import LocalMediaStore, register_asset
from storage.models import Episode, Series
from tests.cut.world import make_take

GUILD = 5005
LIMIT = 10 * 1024 * 1024


async def _episode(db: Database, number: int = 1) -> int:
    async with db.session() as s:
        series = Series(guild_id=GUILD, name="Nuit", name_key="nuit", created_by=7)
        s.add(series)
        await s.flush()
        episode = Episode(guild_id=GUILD, series_id=series.id or 0, number=number, title="Ep",
                          created_by=7)  # fmt: skip
        s.add(episode)
        await s.commit()
        return episode.id or 0


async def _render(
    db: Database, media: LocalMediaStore, episode_id: int, data: bytes, *, final: bool = True
) -> int:
    stored = await media.put_bytes(data)
    async with db.session() as s:
        asset = await register_asset(s, GUILD, stored.sha256, "video/mp4", stored.size,
                                     duration_s=1.0)  # fmt: skip
        render = await record_render(s, GUILD, episode_id, kind="episode" if final else "preview",
                                     final=final, video_asset_id=asset.id,
                                     discord_asset_id=asset.id, subtitles={},
                                     created_by=7)  # fmt: skip
        await s.commit()
        return render.id or 0


async def test_only_a_final_render_that_plays_and_fits_is_ready(
    db: Database, tmp_path: Path
) -> None:
    media = LocalMediaStore(tmp_path / "media")
    episode_id = await _episode(db)
    assert (await readiness(db, media, GUILD, episode_id, LIMIT)).problems == ["episode_missing"]

    clip = (await make_take(tmp_path / "take.mp4", 1.0)).read_bytes()
    await _render(db, media, episode_id, clip, final=False)  # a preview with slates: not posted
    assert not (await readiness(db, media, GUILD, episode_id, LIMIT)).ready

    good = await _render(db, media, episode_id, clip)
    state = await readiness(db, media, GUILD, episode_id, LIMIT)
    assert state.ready and state.episode is not None and state.episode.render_id == good
    assert not state.recap_needed  # episode 1: nothing to recap
    assert not (await readiness(db, media, GUILD, episode_id, len(clip) - 1)).ready  # too big

    await _render(db, media, episode_id, b"\x00\x00\x00\x18ftypmp42 but not a video")
    broken = await readiness(db, media, GUILD, episode_id, LIMIT)
    assert not broken.ready and broken.problems == ["episode_missing"]
    with pytest.raises(NotFound):  # another server's episode
        await readiness(db, media, GUILD + 1, episode_id, LIMIT)
