"""Dailies in storage: votes, tallies and closing (reviews, flags and credits: storage/reviews.py,
re-exported here).

Every function takes ``guild_id`` first after the session/database and filters by it: a review
or a take of another server is "not found". Errors carry translation keys (commands/dailies).

Fairness (one member, one vote) is the database's job, not the bot's: ``vote`` is unique on
``(shot_id, member_id)`` and ``cast_vote`` is a single upsert, so double clicks and two clients
at the same instant end as one row. A vote and a close never interleave: on Postgres the vote
holds a shared advisory lock on its review that the close takes exclusively before marking it
closed; on SQLite the vote writes first, so it holds the one write lock while it checks the
review is open. Either way a vote is refused or counted, never accepted and then lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import reviews
from storage.db import Database
from storage.errors import NotAllowed, NotFound
from storage.models import (
    Review,
    Shot,
    ShotStatus,
    Take,
    TakeKind,
    Vote,
)
from storage.queue import writing
from storage.reviews import (
    VOTE_FIELDS,
    ballot_takes,
    contributions,
    flag_take,
    flags_of,
    get_review,
    open_review,
    open_reviews,
    review_by_message,
    review_of_shot,
    second_flag,
    set_deadline,
    set_review_place,
    set_vote_settings,
    take_in_review,
    takes_in_progress,
    update_shot_action,
)
from storage.types import utcnow

# Re-exported: callers find the whole dailies storage API here.
__all__ = [
    "VOTE_FIELDS",
    "VOTE_LOCK_SPACE",
    "CastResult",
    "Closing",
    "TakeCount",
    "Tally",
    "ballot_takes",
    "cast_vote",
    "close_review",
    "contributions",
    "drop_votes",
    "flag_take",
    "flags_of",
    "get_review",
    "member_weight",
    "open_review",
    "open_reviews",
    "review_by_message",
    "review_of_shot",
    "second_flag",
    "set_deadline",
    "set_review_place",
    "set_vote_settings",
    "take_in_review",
    "takes_in_progress",
    "tally",
    "update_shot_action",
    "vote_of",
    "vote_times",
    "voter_ids",
    "votes_by_member",
    "withdraw_vote",
]

VOTE_LOCK_SPACE = 0x0DA1  # pg advisory lock namespace: (this, review id) guards a vote vs its close


@dataclass(frozen=True)
class CastResult:
    """What a click did: ``"new"``, ``"changed"`` or ``"same"`` (a double click)."""

    outcome: str
    take_id: int
    previous_take_id: int | None
    label: str = ""
    previous_label: str = ""


@dataclass(frozen=True)
class TakeCount:
    take_id: int
    label: str
    votes: int
    weight: float


@dataclass(frozen=True)
class Tally:
    review_id: int
    shot_id: int
    counts: list[TakeCount]
    voters: int
    quorum: int

    @property
    def quorum_met(self) -> bool:
        return self.voters >= self.quorum

    @property
    def leaders(self) -> list[TakeCount]:
        """The takes with the highest weighted score (several: a tie); none without votes."""
        if not self.counts or self.voters == 0:
            return []
        best = max(c.weight for c in self.counts)
        return [c for c in self.counts if abs(c.weight - best) < 1e-9]


@dataclass
class Closing:
    """What closing a review did; ``winner`` is None for a veto."""

    review: Review
    tally: Tally
    winner: Take | None
    shot: Shot
    credited: list[tuple[int, str]] = field(default_factory=list)


def member_weight(role_ids: Iterable[int], weights: Mapping[str, float]) -> float:
    """The heaviest weight among the member's roles (1.0 when none of them is weighted)."""
    found = [float(weights[str(r)]) for r in role_ids if str(r) in weights]
    return max(found) if found else 1.0


async def cast_vote(
    db: Database,
    guild_id: int,
    review_id: int,
    take_id: int,
    member_id: int,
    *,
    weight: float = 1.0,
) -> CastResult:
    """One member's vote on a shot, changeable until the close; one row per member whatever
    the number of clicks or clients. Raises ``NotAllowed("dailies.closed")`` after the close."""
    if not db.is_sqlite:
        return await _cast_vote_postgres(db, guild_id, review_id, take_id, member_id, weight)
    async with db.session() as session:
        review, take, previous, before = await _ballot_check(
            session, guild_id, review_id, take_id, member_id
        )
    # SQLite: our own writers queue on a lock instead of sleeping in SQLite's busy handler.
    # The write comes first in its transaction: it takes SQLite's one write lock before the
    # review is read again, so a close cannot commit in between.
    async with writing(db), db.session() as session:
        await session.exec(_upsert(sqlite.insert, guild_id, review.shot_id, take_id, member_id,
                                   weight))  # fmt: skip
        check = select(Review.closed_at).where(Review.id == review_id)
        if (await session.exec(check)).first() is not None:
            await session.rollback()
            raise NotAllowed("dailies.closed")
        await session.commit()
    return _result(take, previous, before)


async def _cast_vote_postgres(
    db: Database, guild_id: int, review_id: int, take_id: int, member_id: int, weight: float
) -> CastResult:
    """One transaction: a shared advisory lock on the review (the close takes it exclusively
    before marking the review closed, so a vote is either counted or refused), the checks,
    the upsert. Cheaper than ``FOR SHARE`` on the review row, which writes a multixact on the
    row for every voter of a burst."""
    async with db.session() as session:
        await session.exec(
            text("SELECT pg_advisory_xact_lock_shared(:a, :b)"),
            params={"a": VOTE_LOCK_SPACE, "b": review_id},
        )  # type: ignore[call-overload]
        review, take, previous, before = await _ballot_check(
            session, guild_id, review_id, take_id, member_id
        )
        await session.exec(_upsert(postgresql.insert, guild_id, review.shot_id, take_id,
                                   member_id, weight))  # fmt: skip
        await session.commit()
    return _result(take, previous, before)


async def _ballot_check(
    session: AsyncSession, guild_id: int, review_id: int, take_id: int, member_id: int
) -> tuple[Review, Take, int | None, str]:
    """The review, the take, the member's current vote and its label: one round trip (a burst
    of votes is bound by round trips), with the same refusals as ``take_in_review``."""
    earlier = aliased(Take)
    row = (
        await session.exec(
            select(Review, Take, Vote.take_id, earlier.label)
            .select_from(Review)
            .outerjoin(Take, col(Take.id) == take_id)
            .outerjoin(
                Vote,
                and_(col(Vote.shot_id) == col(Review.shot_id), col(Vote.member_id) == member_id),
            )
            .outerjoin(earlier, col(earlier.id) == col(Vote.take_id))
            .where(col(Review.id) == review_id)
        )
    ).first()
    review, take, previous, before = row if row is not None else (None, None, None, None)
    if review is None or review.guild_id != guild_id:
        raise NotFound("dailies.review_not_found")
    if take is None or take.guild_id != guild_id:
        raise NotFound("dailies.take_not_found")
    if take.shot_id != review.shot_id:
        raise NotAllowed("dailies.take_not_in_review")
    if review.closed_at is not None:
        raise NotAllowed("dailies.closed")
    if take.kind != TakeKind.RAW or take.video_asset_id is None:
        raise NotAllowed("dailies.take_not_in_review")
    return review, take, previous, before or ""


def _upsert(
    insert: Any, guild_id: int, shot_id: int, take_id: int, member_id: int, weight: float
) -> Any:
    now = utcnow()
    statement = insert(Vote).values(
        guild_id=guild_id, shot_id=shot_id, take_id=take_id, member_id=member_id,
        weight=weight, created_at=now, updated_at=now,
    )  # fmt: skip
    return statement.on_conflict_do_update(
        index_elements=["shot_id", "member_id"],
        set_={"take_id": take_id, "weight": weight, "updated_at": now},
    )


def _result(take: Take, previous: int | None, before: str) -> CastResult:
    assert take.id is not None
    if previous is None:
        return CastResult("new", take.id, None, take.label)
    outcome = "same" if previous == take.id else "changed"
    return CastResult(outcome, take.id, previous, take.label, before)


async def withdraw_vote(
    db: Database, guild_id: int, review_id: int, member_id: int, take_id: int | None = None
) -> bool:
    """Remove the member's vote (a poll vote taken back). ``take_id``: only if it is that one."""
    async with db.session() as session:
        review = await get_review(session, guild_id, review_id)
        if review.closed_at is not None:
            return False
        query = delete(Vote).where(
            col(Vote.guild_id) == guild_id,
            col(Vote.shot_id) == review.shot_id,
            col(Vote.member_id) == member_id,
        )
        if take_id is not None:
            query = query.where(col(Vote.take_id) == take_id)
        result: Any = await session.exec(query)
        await session.commit()
        return bool(result.rowcount)


async def drop_votes(
    session: AsyncSession, guild_id: int, shot_id: int, member_ids: Iterable[int]
) -> int:
    """Forget votes of members who left the server (flushes; the close commits)."""
    ids = list(member_ids)
    if not ids:
        return 0
    result: Any = await session.exec(
        delete(Vote).where(
            col(Vote.guild_id) == guild_id,
            col(Vote.shot_id) == shot_id,
            col(Vote.member_id).in_(ids),
        )
    )
    return int(result.rowcount or 0)


async def voter_ids(session: AsyncSession, guild_id: int, shot_id: int) -> list[int]:
    rows = await session.exec(
        select(Vote.member_id).where(Vote.guild_id == guild_id, Vote.shot_id == shot_id)
    )
    return list(rows.all())


async def vote_of(session: AsyncSession, guild_id: int, shot_id: int, member_id: int) -> int | None:
    return (
        await session.exec(
            select(Vote.take_id).where(
                Vote.guild_id == guild_id, Vote.shot_id == shot_id, Vote.member_id == member_id
            )
        )
    ).first()


async def tally(session: AsyncSession, guild_id: int, review: Review) -> Tally:
    """Votes and weighted scores per take of the review's shot, A, B, C..."""
    assert review.id is not None
    takes = await ballot_takes(session, guild_id, review.shot_id)
    rows = (
        await session.exec(
            select(Vote.take_id, func.count(), func.sum(Vote.weight))
            .where(Vote.guild_id == guild_id, Vote.shot_id == review.shot_id)
            .group_by(col(Vote.take_id))
        )
    ).all()
    by_take = {take_id: (int(n), float(w or 0.0)) for take_id, n, w in rows}
    counts = [TakeCount(t.id or 0, t.label, *by_take.get(t.id or 0, (0, 0.0))) for t in takes]
    voters = sum(n for n, _w in by_take.values())
    return Tally(review.id, review.shot_id, counts, voters, review.quorum)


async def close_review(
    db: Database,
    guild_id: int,
    review_id: int,
    *,
    winner_take_id: int | None,
    veto: bool = False,
    left_member_ids: Iterable[int] = (),
    names: Mapping[int, str] | None = None,
) -> Closing:
    """Close the vote: the winner is locked into the cut (or, on a veto, the shot goes back to
    draft), and the credits are written. Raises ``NotAllowed("dailies.closed")`` when another
    close got there first: exactly one closing wins."""
    names = names or {}
    # SQLite: queued with our votes' writes (it reads before it writes).
    async with writing(db), db.session() as session:
        review = await get_review(session, guild_id, review_id)
        winner: Take | None = None
        if winner_take_id is not None:
            _r, winner = await take_in_review(session, guild_id, review_id, winner_take_id)
        now = utcnow()
        if (await session.connection()).dialect.name == "postgresql":
            # Waits for the votes in flight, and stops new ones until this commits.
            await session.exec(
                text("SELECT pg_advisory_xact_lock(:a, :b)"),
                params={"a": VOTE_LOCK_SPACE, "b": review_id},
            )  # type: ignore[call-overload]
        result: Any = await session.exec(
            update(Review)
            .where(col(Review.id) == review_id, col(Review.closed_at).is_(None))
            .values(closed_at=now, winner_take_id=None if veto else winner_take_id)
        )
        if not result.rowcount:
            await session.rollback()
            raise NotAllowed("dailies.closed")
        await drop_votes(session, guild_id, review.shot_id, left_member_ids)
        await session.refresh(review)
        shot = await session.get(Shot, review.shot_id)
        assert shot is not None
        if veto or winner is None:
            shot.status = ShotStatus.DRAFT
        else:
            shot.status = ShotStatus.LOCKED
            shot.locked_take_id = winner.id
        shot.updated_at = now
        session.add(shot)
        counts = await tally(session, guild_id, review)
        credited = await reviews.credit(session, guild_id, shot, names) if not veto else []
        await session.commit()
        return Closing(review, counts, None if veto else winner, shot, credited)


async def votes_by_member(session: AsyncSession, guild_id: int, shot_id: int) -> dict[int, int]:
    """``{member_id: take_id}`` of a shot's votes (to compare with a finalized poll)."""
    rows = await session.exec(
        select(Vote.member_id, Vote.take_id).where(
            Vote.guild_id == guild_id, Vote.shot_id == shot_id
        )
    )
    return dict(rows.all())


async def vote_times(session: AsyncSession, guild_id: int, shot_id: int) -> dict[int, datetime]:
    """``{member_id: when their vote was last written}`` (a poll tells votes carried over from
    an earlier poll from votes cast in it)."""
    rows = await session.exec(
        select(Vote.member_id, Vote.updated_at).where(
            Vote.guild_id == guild_id, Vote.shot_id == shot_id
        )
    )
    return dict(rows.all())
