"""Premiere rows on SQLite and Postgres: one active premiere per episode, guild-scoped reads, a
claim that only one caller wins, the server's recent time zones first."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from storage import premieres as store
from storage.db import Database
from storage.errors import AlreadyExists, NotFound
from storage.models import Episode, GuildSettings, PremiereStatus, Scene, Series, Shot
from storage.types import utcnow

GUILD, OTHER = 3003, 4004


async def make_episodes(db: Database, guild_id: int = GUILD, count: int = 2) -> list[int]:
    """``count`` episodes of one series; the first has a locked shot, the others none."""
    async with db.session() as s:
        series = Series(guild_id=guild_id, name="Nuit", name_key="nuit", created_by=7)
        s.add(series)
        await s.flush()
        ids = []
        for number in range(1, count + 1):
            episode = Episode(guild_id=guild_id, series_id=series.id or 0, number=number,
                              title=f"Ep {number}", created_by=7)  # fmt: skip
            s.add(episode)
            await s.flush()
            scene = Scene(guild_id=guild_id, episode_id=episode.id or 0, heading="INT.",
                          created_by=7)  # fmt: skip
            s.add(scene)
            await s.flush()
            s.add(Shot(guild_id=guild_id, episode_id=episode.id or 0, scene_id=scene.id or 0,
                       created_by=7, locked_take_id=99 if number == 1 else None))  # fmt: skip
            ids.append(episode.id or 0)
        await s.commit()
    return ids


async def test_one_active_premiere_per_episode_and_a_cancelled_one_frees_it(db: Database) -> None:
    first, _second = await make_episodes(db)
    when = utcnow() + timedelta(days=1)
    async with db.session() as s:
        premiere = await store.create_premiere(s, GUILD, first, starts_at=when,
                                               timezone="Europe/Paris", weekly=False,
                                               created_by=7)  # fmt: skip
        with pytest.raises(AlreadyExists):
            await store.create_premiere(s, GUILD, first, starts_at=when, timezone="UTC",
                                        weekly=False, created_by=7)  # fmt: skip
        await store.cancel_premiere(s, GUILD, premiere.id or 0)
        again = await store.create_premiere(s, GUILD, first, starts_at=when, timezone="UTC",
                                            weekly=True, created_by=7)  # fmt: skip
        listed = await store.list_premieres(s, GUILD)
    assert [(v.premiere.id, v.number, v.title) for v in listed] == [(again.id, 1, "Ep 1")]
    assert listed[0].premiere.starts_at == when


async def test_another_servers_premiere_is_not_found(db: Database) -> None:
    (first,) = await make_episodes(db, count=1)
    await make_episodes(db, OTHER, count=1)
    async with db.session() as s:
        premiere = await store.create_premiere(
            s, GUILD, first, starts_at=utcnow(), timezone="UTC", weekly=False, created_by=7
        )
        with pytest.raises(NotFound):
            await store.get_premiere(s, OTHER, premiere.id or 0)
        with pytest.raises(NotFound):
            await store.cancel_premiere(s, OTHER, premiere.id or 0)
        with pytest.raises(NotFound):  # an episode of another server
            await store.create_premiere(s, OTHER, first, starts_at=utcnow(), timezone="UTC",
                                        weekly=False, created_by=7)  # fmt: skip
        assert await store.list_premieres(s, OTHER) == []
        assert (await store.get_premiere(s, GUILD, premiere.id or 0)).status == "scheduled"


async def test_only_one_caller_claims_a_premiere_and_a_firing_one_cannot_move(
    db: Database,
) -> None:
    (first,) = await make_episodes(db, count=1)
    async with db.session() as s:
        premiere = await store.create_premiere(
            s, GUILD, first, starts_at=utcnow(), timezone="UTC", weekly=False, created_by=7
        )
    pid = premiere.id or 0

    async def claim() -> bool:
        async with db.session() as s:
            return await store.claim_firing(s, GUILD, pid, premiere.starts_at)

    async with db.session() as s:  # moved since the caller looked: not claimed
        assert not await store.claim_firing(s, GUILD, pid, premiere.starts_at + timedelta(1))
    results = await asyncio.gather(*(claim() for _ in range(4)))
    assert sorted(results) == [False, False, False, True]
    async with db.session() as s:
        assert (await store.get_premiere(s, GUILD, pid)).status == PremiereStatus.FIRING
        with pytest.raises(AlreadyExists):
            await store.move_premiere(s, GUILD, pid, utcnow() + timedelta(hours=1), "UTC")
        with pytest.raises(AlreadyExists):
            await store.cancel_premiere(s, GUILD, pid)
        assert [p.id for p in await store.due_everywhere(s)] == [pid]
        done = await store.set_status(s, GUILD, pid, PremiereStatus.PREMIERED, thread_id=55)
        assert (done.status, done.thread_id) == (PremiereStatus.PREMIERED, 55)
        assert await store.due_everywhere(s) == []
        assert not await store.claim_firing(s, GUILD, pid)


async def test_locked_shots_next_episode_recent_zones_and_the_viewers_role(db: Database) -> None:
    first, second, third = await make_episodes(db, count=3)
    async with db.session() as s:
        assert await store.locked_shot_count(s, GUILD, first) == 1
        assert await store.locked_shot_count(s, GUILD, second) == 0
        assert (await store.next_episode(s, GUILD, first)).id == second  # type: ignore[union-attr]
        assert await store.next_episode(s, GUILD, third) is None
        for episode, zone in ((first, "Europe/Paris"), (second, "UTC"), (third, "Europe/Paris")):
            await store.create_premiere(s, GUILD, episode, starts_at=utcnow(), timezone=zone,
                                        weekly=False, created_by=7)  # fmt: skip
        assert await store.recent_timezones(s, GUILD) == ["Europe/Paris", "UTC"]
        assert await store.recent_timezones(s, OTHER) == []
        assert await store.viewers_role(s, GUILD) is None
        await store.set_viewers_role(s, GUILD, 123456789012345678)
        assert await store.viewers_role(s, GUILD) == 123456789012345678
        assert (await s.get(GuildSettings, GUILD)) is not None
        assert await store.viewers_role(s, OTHER) is None


async def test_two_schedulers_racing_for_one_episode_leave_one_premiere(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both callers passed the "already scheduled?" check before either committed (forced here
    by making the check see nothing): the database's partial unique index keeps one premiere and
    the loser gets the same polite refusal, with nothing written."""
    first, _second = await make_episodes(db)
    when = utcnow() + timedelta(days=1)

    async def nothing_yet(*_args: object) -> None:
        return None

    monkeypatch.setattr(store, "active_for_episode", nothing_yet)

    async def schedule(zone: str) -> str:
        async with db.session() as s:
            try:
                await store.create_premiere(s, GUILD, first, starts_at=when, timezone=zone,
                                            weekly=False, created_by=7)  # fmt: skip
            except AlreadyExists as refused:
                return refused.key
            return "scheduled"

    outcomes = await asyncio.gather(schedule("UTC"), schedule("Europe/Paris"))
    assert sorted(outcomes) == ["premiere.already_scheduled", "scheduled"]
    async with db.session() as s:
        listed = await store.list_premieres(s, GUILD)
    assert len(listed) == 1 and listed[0].premiere.episode_id == first


@pytest.mark.parametrize(
    "ended", [PremiereStatus.PREMIERED, PremiereStatus.MISSED, PremiereStatus.CANCELLED]
)
async def test_an_ended_premiere_does_not_block_the_next_one(
    db: Database, monkeypatch: pytest.MonkeyPatch, ended: PremiereStatus
) -> None:
    (first,) = await make_episodes(db, count=1)
    async with db.session() as s:
        old = await store.create_premiere(s, GUILD, first, starts_at=utcnow(), timezone="UTC",
                                          weekly=False, created_by=7)  # fmt: skip
        await store.set_status(s, GUILD, old.id or 0, ended)
    monkeypatch.setattr(store, "active_for_episode", _never_active)
    async with db.session() as s:
        again = await store.create_premiere(s, GUILD, first, starts_at=utcnow(), timezone="UTC",
                                            weekly=False, created_by=7)  # fmt: skip
        listed = await store.list_premieres(s, GUILD)
    # The ended premiere stays in its state and the new one is the episode's premiere to come.
    assert [v.premiere.id for v in listed] == [again.id]
    async with db.session() as s:
        assert (await store.get_premiere(s, GUILD, old.id or 0)).status == ended


async def _never_active(*_args: object) -> None:
    return None


def test_the_index_and_the_services_agree_on_what_is_active() -> None:
    from storage.models import PREMIERE_ACTIVE_SQL

    assert all(f"'{status.value}'" in PREMIERE_ACTIVE_SQL for status in store.ACTIVE)
    others = set(PremiereStatus) - set(store.ACTIVE)
    assert not any(f"'{status.value}'" in PREMIERE_ACTIVE_SQL for status in others)
