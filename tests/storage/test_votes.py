"""Votes, tallies, flags and closing on SQLite and Postgres: one member, one vote, nothing twice."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from storage import votes
from storage.db import Database
from storage.errors import NotAllowed, NotFound
from storage.models import (
    Contribution,
    Episode,
    MediaAsset,
    Review,
    Scene,
    Series,
    Shot,
    ShotStatus,
    Take,
    Vote,
    VoteMode,
)

GUILD, OTHER = 1001, 2002
_made = iter(range(1_000_000))


def _id(value: int | None) -> int:
    assert value is not None
    return value


async def make_shot(db: Database, guild_id: int = GUILD, takes: int = 3) -> tuple[int, list[int]]:
    """A shot with ``takes`` raw takes that have a picture; returns (shot id, take ids)."""
    async with db.session() as s:
        n = next(_made)
        series = Series(guild_id=guild_id, name=f"S{n}", name_key=f"s{n}", created_by=7)
        s.add(series)
        await s.flush()
        episode = Episode(
            guild_id=guild_id, series_id=_id(series.id), number=1, title="P", created_by=7
        )
        s.add(episode)
        await s.flush()
        scene = Scene(guild_id=guild_id, episode_id=_id(episode.id), heading="EXT", created_by=7)
        s.add(scene)
        await s.flush()
        shot = Shot(
            guild_id=guild_id, episode_id=_id(episode.id), scene_id=_id(scene.id), created_by=7
        )
        s.add(shot)
        await s.flush()
        ids = []
        for i in range(takes):
            asset = MediaAsset(guild_id=guild_id, sha256=f"{guild_id}{n}x{i}".ljust(64, "0"),
                               mime="video/mp4", size_bytes=1)  # fmt: skip
            s.add(asset)
            await s.flush()
            take = Take(guild_id=guild_id, shot_id=_id(shot.id), label=chr(65 + i),
                        video_asset_id=asset.id)  # fmt: skip
            s.add(take)
            await s.flush()
            ids.append(_id(take.id))
        await s.commit()
        assert shot.id is not None
        return shot.id, ids


async def open_for(db: Database, shot_id: int, guild_id: int = GUILD, quorum: int = 1) -> int:
    async with db.session() as s:
        review, created = await votes.open_review(
            s, guild_id, shot_id, mode=VoteMode.BUTTONS, deadline_at=None, quorum=quorum
        )
    assert created and review.id is not None
    return review.id


async def test_a_member_changes_their_vote_and_counts_once(db: Database) -> None:
    """Vote A, click A again, switch to B: one vote, for B."""
    shot_id, (a, b, _c) = await make_shot(db)
    review_id = await open_for(db, shot_id)
    assert (await votes.cast_vote(db, GUILD, review_id, a, 50)).outcome == "new"
    assert (await votes.cast_vote(db, GUILD, review_id, a, 50)).outcome == "same"
    changed = await votes.cast_vote(db, GUILD, review_id, b, 50)
    assert changed.outcome == "changed" and changed.previous_take_id == a
    async with db.session() as s:
        review = await votes.get_review(s, GUILD, review_id)
        counts = await votes.tally(s, GUILD, review)
    assert [(c.label, c.votes) for c in counts.counts] == [("A", 0), ("B", 1), ("C", 0)]
    assert counts.voters == 1


async def test_concurrent_clicks_from_many_members_count_exactly(db: Database) -> None:
    """60 members click at once, each from two clients: 60 votes, none lost or doubled."""
    shot_id, takes = await make_shot(db)
    review_id = await open_for(db, shot_id)
    calls = []
    for member in range(60):
        take = takes[member % 3]
        calls += [votes.cast_vote(db, GUILD, review_id, take, 100 + member) for _ in range(2)]
    await asyncio.gather(*calls)
    async with db.session() as s:
        rows = (await s.exec(select(Vote))).all()
        counts = await votes.tally(s, GUILD, await votes.get_review(s, GUILD, review_id))
    assert len(rows) == 60
    assert [c.votes for c in counts.counts] == [20, 20, 20]


async def test_role_weights_decide_and_ties_show(db: Database) -> None:
    """A weighted role outweighs two plain votes; equal scores are a tie."""
    assert votes.member_weight([5, 9], {"9": 3.0, "4": 2.0}) == 3.0
    assert votes.member_weight([5], {"9": 3.0}) == 1.0
    shot_id, (a, b, _c) = await make_shot(db)
    review_id = await open_for(db, shot_id)
    await votes.cast_vote(db, GUILD, review_id, a, 1)
    await votes.cast_vote(db, GUILD, review_id, a, 2)
    await votes.cast_vote(db, GUILD, review_id, b, 3, weight=3.0)
    async with db.session() as s:
        counts = await votes.tally(s, GUILD, await votes.get_review(s, GUILD, review_id))
    assert [c.label for c in counts.leaders] == ["B"]
    await votes.cast_vote(db, GUILD, review_id, b, 3, weight=2.0)
    async with db.session() as s:
        counts = await votes.tally(s, GUILD, await votes.get_review(s, GUILD, review_id))
    assert [c.label for c in counts.leaders] == ["A", "B"]


async def test_other_servers_and_other_shots_are_refused(db: Database) -> None:
    """A take id from another server is not found; one of another shot is refused."""
    shot_id, (a, _b, _c) = await make_shot(db)
    _other_shot, other_takes = await make_shot(db)
    _foreign_shot, foreign_takes = await make_shot(db, OTHER)
    review_id = await open_for(db, shot_id)
    with pytest.raises(NotFound):
        await votes.cast_vote(db, GUILD, review_id, foreign_takes[0], 1)
    with pytest.raises(NotFound):
        await votes.cast_vote(db, OTHER, review_id, a, 1)
    with pytest.raises(NotAllowed):
        await votes.cast_vote(db, GUILD, review_id, other_takes[0], 1)
    async with db.session() as s:
        assert (await s.exec(select(Vote))).all() == []


async def test_close_locks_the_winner_credits_and_refuses_late_votes(db: Database) -> None:
    """Closing locks the shot on the winner, credits voters and flaggers, and shuts the vote."""
    shot_id, (a, b, _c) = await make_shot(db)
    review_id = await open_for(db, shot_id)
    await votes.cast_vote(db, GUILD, review_id, b, 11)
    await votes.cast_vote(db, GUILD, review_id, b, 12)
    await votes.cast_vote(db, GUILD, review_id, a, 13)
    async with db.session() as s:
        _flag, new = await votes.flag_take(s, GUILD, review_id, a, 14, reason="bag floats",
                                           timecode_s=3.0)  # fmt: skip
        assert new
        _second, new = await votes.second_flag(s, GUILD, review_id, a, 15)
        assert new
        take_a = await s.get(Take, a)
        assert take_a is not None and take_a.flag_count == 2
    closing = await votes.close_review(
        db, GUILD, review_id, winner_take_id=b, left_member_ids=[13], names={11: "ann"}
    )
    assert closing.winner is not None and closing.winner.id == b
    assert [c.votes for c in closing.tally.counts] == [0, 2, 0]  # 13 left the server
    async with db.session() as s:
        shot = await s.get(Shot, shot_id)
        assert shot is not None and shot.status == ShotStatus.LOCKED and shot.locked_take_id == b
        roles = {(c.member_id, c.role.value) for c in await votes.contributions(s, GUILD, shot_id)}
    assert {(7, "writer"), (11, "voter"), (12, "voter"), (14, "flagger"), (15, "flagger")} <= roles
    with pytest.raises(NotAllowed):
        await votes.cast_vote(db, GUILD, review_id, a, 16)
    with pytest.raises(NotAllowed):
        await votes.close_review(db, GUILD, review_id, winner_take_id=a)


async def test_votes_racing_a_close_are_counted_or_refused_never_lost(db: Database) -> None:
    """Votes arriving while the vote closes: every accepted vote is in the final count."""
    shot_id, takes = await make_shot(db)
    review_id = await open_for(db, shot_id)

    async def vote(member: int) -> bool:
        try:
            await votes.cast_vote(db, GUILD, review_id, takes[0], member)
            return True
        except NotAllowed:
            return False

    tasks = [asyncio.create_task(vote(m)) for m in range(40)]
    await asyncio.sleep(0.01)
    closing = await votes.close_review(db, GUILD, review_id, winner_take_id=takes[0])
    accepted = sum(await asyncio.gather(*tasks))
    async with db.session() as s:
        stored = len((await s.exec(select(Vote))).all())
    assert stored == accepted
    assert closing.tally.voters <= accepted


async def test_veto_sends_the_shot_back_and_credits_nobody(db: Database) -> None:
    shot_id, (a, _b, _c) = await make_shot(db)
    review_id = await open_for(db, shot_id)
    await votes.cast_vote(db, GUILD, review_id, a, 11)
    closing = await votes.close_review(db, GUILD, review_id, winner_take_id=None, veto=True)
    assert closing.winner is None and closing.shot.status == ShotStatus.DRAFT
    async with db.session() as s:
        assert (await s.exec(select(Contribution))).all() == []
        review = await s.get(Review, review_id)
        assert review is not None and review.closed_at is not None
        again, created = await votes.open_review(
            s, GUILD, shot_id, mode=VoteMode.POLL, deadline_at=None, quorum=1
        )
    assert created and again.id != review_id
