"""Fixtures for the pipeline: a shot to generate, a media store, fast workers, a fake provider."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline.executor import ExecutorConfig
from pipeline.registry import ProviderRegistry
from pipeline.retry import RetryPolicy
from pipeline.worker import Worker
from storage.db import Database
from storage.media import LocalMediaStore
from storage.models import (
    Character,
    DialogueLine,
    Episode,
    GuildSettings,
    Scene,
    Series,
    Shot,
    ShotCharacter,
)
from tests.pipeline.fakes import FakeProvider

GUILD = 4242
OTHER_GUILD = 777
MEMBER = 1001


@dataclass(frozen=True)
class ShotIds:
    guild_id: int
    shot_id: int
    series_id: int


async def make_shot(
    db: Database,
    guild_id: int = GUILD,
    *,
    budget_cents: int = 10_000,
    quota_cents: int = 0,
    confirm_above_cents: int = 10_000,
    provider: str = "",
    lines: int = 1,
) -> ShotIds:
    """A series with one character, an episode, a scene and a shot with dialogue."""
    async with db.session() as s:
        s.add(
            GuildSettings(
                guild_id=guild_id,
                monthly_budget_cents=budget_cents,
                member_daily_quota_cents=quota_cents,
                confirm_above_cents=confirm_above_cents,
            )
        )
        series = Series(
            guild_id=guild_id,
            name="Fog",
            name_key="fog",
            created_by=MEMBER,
            look="16mm grain",
            palette="teal and rust",
        )
        s.add(series)
        await s.flush()
        assert series.id is not None
        mara = Character(
            guild_id=guild_id,
            series_id=series.id,
            name="Mara",
            name_key="mara",
            appearance="Silver hair.",
            never_change="scar",
            voice="en-f1",
            created_by=MEMBER,
        )
        s.add(mara)
        episode = Episode(
            guild_id=guild_id, series_id=series.id, number=1, title="Pilot", created_by=MEMBER
        )
        s.add(episode)
        await s.flush()
        assert episode.id is not None and mara.id is not None
        scene = Scene(
            guild_id=guild_id, episode_id=episode.id, heading="EXT. PIER", created_by=MEMBER
        )
        s.add(scene)
        await s.flush()
        assert scene.id is not None
        shot = Shot(
            guild_id=guild_id,
            episode_id=episode.id,
            scene_id=scene.id,
            action="Mara waits on the pier.",
            duration_s=2,
            provider=provider,
            created_by=MEMBER,
        )
        s.add(shot)
        await s.flush()
        assert shot.id is not None
        s.add(ShotCharacter(shot_id=shot.id, character_id=mara.id, guild_id=guild_id))
        for i in range(lines):
            s.add(
                DialogueLine(
                    guild_id=guild_id,
                    shot_id=shot.id,
                    position=i,
                    character_id=mara.id,
                    speaker="Mara",
                    text=f"Line {i + 1}.",
                )
            )
        await s.commit()
        return ShotIds(guild_id, shot.id, series.id)


@pytest.fixture
def store(tmp_path: Path) -> LocalMediaStore:
    return LocalMediaStore(tmp_path / "media")


@pytest.fixture
def fake() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def registry(fake: FakeProvider) -> ProviderRegistry:
    return ProviderRegistry([fake])


def fast_policy(max_attempts: int = 5) -> RetryPolicy:
    return RetryPolicy(max_attempts=max_attempts, base_s=0.01, cap_s=0.05)


WorkerFactory = Callable[..., Worker]


@pytest.fixture
def make_worker(store: LocalMediaStore) -> WorkerFactory:
    """Workers with millisecond backoffs and polls, so a drain takes well under a second."""

    def build(db: Database, registry: ProviderRegistry, **kwargs: Any) -> Worker:
        config = ExecutorConfig(
            policy=kwargs.pop("policy", fast_policy()),
            poll_initial_s=0.005,
            poll_max_s=0.02,
            progress_every_s=0.0,
        )
        kwargs.setdefault("lease_s", 5.0)
        kwargs.setdefault("poll_interval", 0.02)
        kwargs.setdefault("shutdown_grace_s", 2.0)
        return Worker(db, store, registry, config=config, **kwargs)

    return build
