"""Dailies in storage: reviews (one vote per shot), votes, tallies, flags, locking, credits.

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

from sqlalchemy import delete, func, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.errors import NotAllowed, NotFound
from storage.models import (
    TERMINAL_JOB_STATUSES,
    Character,
    Contribution,
    ContributionRole,
    GuildSettings,
    Job,
    Review,
    Shot,
    ShotCharacter,
    ShotStatus,
    Take,
    TakeFlag,
    TakeKind,
    Vote,
    VoteMode,
)
from storage.queue import writing
from storage.types import utcnow

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


# ---------------------------------------------------------------------- reviews


async def get_review(session: AsyncSession, guild_id: int, review_id: int) -> Review:
    review = await session.get(Review, review_id)
    if review is None or review.guild_id != guild_id:
        raise NotFound("dailies.review_not_found")
    return review


async def review_of_shot(session: AsyncSession, guild_id: int, shot_id: int) -> Review | None:
    """The shot's latest review (open or closed), or None."""
    return (
        await session.exec(
            select(Review)
            .where(Review.guild_id == guild_id, Review.shot_id == shot_id)
            .order_by(col(Review.id).desc())
        )
    ).first()


async def open_reviews(session: AsyncSession, guild_id: int) -> list[Review]:
    return list(
        (
            await session.exec(
                select(Review)
                .where(Review.guild_id == guild_id, col(Review.closed_at).is_(None))
                .order_by(col(Review.id))
            )
        ).all()
    )


async def open_review(
    session: AsyncSession,
    guild_id: int,
    shot_id: int,
    *,
    mode: VoteMode,
    deadline_at: datetime | None,
    quorum: int,
) -> tuple[Review, bool]:
    """The shot's open review, or a new one (True). The shot goes to ``in_review``. Commits."""
    shot = await session.get(Shot, shot_id)
    if shot is None or shot.guild_id != guild_id:
        raise NotFound("dailies.shot_not_found")
    existing = await review_of_shot(session, guild_id, shot_id)
    if existing is not None and existing.closed_at is None:
        return existing, False
    review = Review(
        guild_id=guild_id, shot_id=shot_id, mode=mode, deadline_at=deadline_at, quorum=quorum
    )
    session.add(review)
    if shot.status != ShotStatus.LOCKED:
        shot.status = ShotStatus.IN_REVIEW
        shot.updated_at = utcnow()
        session.add(shot)
    await session.commit()
    await session.refresh(review)
    return review, True


async def set_review_place(
    session: AsyncSession,
    guild_id: int,
    review_id: int,
    *,
    thread_id: int | None = None,
    message_id: int | None = None,
) -> Review:
    """Where the dailies were posted (the thread, then the ballot message). Commits."""
    review = await get_review(session, guild_id, review_id)
    if thread_id is not None:
        review.thread_id = thread_id
    if message_id is not None:
        review.message_id = message_id
    session.add(review)
    await session.commit()
    return review


async def set_deadline(
    session: AsyncSession, guild_id: int, review_id: int, deadline_at: datetime | None
) -> Review:
    review = await get_review(session, guild_id, review_id)
    if review.closed_at is not None:
        raise NotAllowed("dailies.closed")
    review.deadline_at = deadline_at
    session.add(review)
    await session.commit()
    return review


async def ballot_takes(session: AsyncSession, guild_id: int, shot_id: int) -> list[Take]:
    """The takes members choose between: the shot's raw takes that have a picture, A, B, C..."""
    rows = (
        await session.exec(
            select(Take).where(
                Take.guild_id == guild_id,
                Take.shot_id == shot_id,
                Take.kind == TakeKind.RAW,
                col(Take.video_asset_id).is_not(None),
            )
        )
    ).all()
    return sorted(rows, key=lambda t: (len(t.label), t.label, t.id or 0))


async def take_in_review(
    session: AsyncSession, guild_id: int, review_id: int, take_id: int
) -> tuple[Review, Take]:
    """The review and the take a custom id names, checked to belong together and to the guild.

    A take of another server is "not found"; a take of another shot is refused: a forged or
    stale custom id must never count for the wrong shot."""
    review = await get_review(session, guild_id, review_id)
    take = await session.get(Take, take_id)
    if take is None or take.guild_id != guild_id:
        raise NotFound("dailies.take_not_found")
    if take.shot_id != review.shot_id:
        raise NotAllowed("dailies.take_not_in_review")
    return review, take


# ---------------------------------------------------------------------- votes


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
    async with db.session() as session:
        review, take = await take_in_review(session, guild_id, review_id, take_id)
        if review.closed_at is not None:
            raise NotAllowed("dailies.closed")
        if take.kind != TakeKind.RAW or take.video_asset_id is None:
            raise NotAllowed("dailies.take_not_in_review")
        shot_id = review.shot_id
        previous = (
            await session.exec(
                select(Vote.take_id).where(Vote.shot_id == shot_id, Vote.member_id == member_id)
            )
        ).first()
        before = await session.get(Take, previous) if previous and previous != take_id else None
    # SQLite: our own writers queue on a lock instead of sleeping in SQLite's busy handler.
    async with writing(db), db.session() as session:
        dialect = (await session.connection()).dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        now = utcnow()
        statement = insert(Vote).values(
            guild_id=guild_id, shot_id=shot_id, take_id=take_id, member_id=member_id,
            weight=weight, created_at=now, updated_at=now,
        )  # fmt: skip
        statement = statement.on_conflict_do_update(
            index_elements=["shot_id", "member_id"],
            set_={"take_id": take_id, "weight": weight, "updated_at": now},
        )
        # Write first (SQLite: take the one write lock before reading), then check the review
        # is still open under a lock the close must wait for (Postgres: FOR SHARE).
        if dialect == "postgresql":
            # Shared with other votes, exclusive with the close (which takes it before its
            # UPDATE): cheaper than FOR SHARE on the review row, which writes a multixact on
            # the row for every voter of a burst.
            await session.exec(
                text("SELECT pg_advisory_xact_lock_shared(:a, :b)"),
                params={"a": VOTE_LOCK_SPACE, "b": review_id},
            )  # type: ignore[call-overload]
        await session.exec(statement)
        check = select(Review.closed_at).where(Review.id == review_id)
        if (await session.exec(check)).first() is not None:
            await session.rollback()
            raise NotAllowed("dailies.closed")
        await session.commit()
    if previous is None:
        return CastResult("new", take_id, None, take.label)
    outcome = "same" if previous == take_id else "changed"
    return CastResult(outcome, take_id, previous, take.label, before.label if before else "")


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


# ---------------------------------------------------------------------- flags


async def flag_take(
    session: AsyncSession,
    guild_id: int,
    review_id: int,
    take_id: int,
    member_id: int,
    *,
    reason: str,
    timecode_s: float | None,
) -> tuple[TakeFlag, bool]:
    """Flag an artifact (reason + timecode); a member flags a take once (True if new). Commits."""
    _review, take = await take_in_review(session, guild_id, review_id, take_id)
    existing = (
        await session.exec(
            select(TakeFlag).where(TakeFlag.take_id == take_id, TakeFlag.member_id == member_id)
        )
    ).first()
    if existing is not None:
        return existing, False
    flag = TakeFlag(
        guild_id=guild_id, take_id=take_id, member_id=member_id,
        reason=reason.strip()[:300], timecode_s=timecode_s,
    )  # fmt: skip
    session.add(flag)
    await session.flush()
    await _recount_flags(session, take)
    await session.commit()
    await session.refresh(flag)
    return flag, True


async def second_flag(
    session: AsyncSession, guild_id: int, review_id: int, take_id: int, member_id: int
) -> tuple[TakeFlag, bool]:
    """Agree with the first flag on a take ("me too"). Commits."""
    _review, take = await take_in_review(session, guild_id, review_id, take_id)
    first = (
        await session.exec(
            select(TakeFlag)
            .where(TakeFlag.take_id == take_id, col(TakeFlag.seconds_flag_id).is_(None))
            .order_by(col(TakeFlag.id))
        )
    ).first()
    if first is None:
        raise NotFound("dailies.no_flag")
    existing = (
        await session.exec(
            select(TakeFlag).where(TakeFlag.take_id == take_id, TakeFlag.member_id == member_id)
        )
    ).first()
    if existing is not None:
        return existing, False
    flag = TakeFlag(
        guild_id=guild_id, take_id=take_id, member_id=member_id,
        reason=first.reason, timecode_s=first.timecode_s, seconds_flag_id=first.id,
    )  # fmt: skip
    session.add(flag)
    await session.flush()
    await _recount_flags(session, take)
    await session.commit()
    return flag, True


async def _recount_flags(session: AsyncSession, take: Take) -> None:
    count = (await session.exec(select(func.count()).where(TakeFlag.take_id == take.id))).one()
    take.flag_count = int(count)
    session.add(take)


async def flags_of(session: AsyncSession, guild_id: int, take_ids: list[int]) -> list[TakeFlag]:
    """Original flags (not seconds) on these takes, oldest first."""
    if not take_ids:
        return []
    return list(
        (
            await session.exec(
                select(TakeFlag)
                .where(
                    TakeFlag.guild_id == guild_id,
                    col(TakeFlag.take_id).in_(take_ids),
                    col(TakeFlag.seconds_flag_id).is_(None),
                )
                .order_by(col(TakeFlag.id))
            )
        ).all()
    )


# ---------------------------------------------------------------------- closing


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
    async with db.session() as session:
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
        credited = await _credit(session, guild_id, shot, names) if not veto else []
        await session.commit()
        return Closing(review, counts, None if veto else winner, shot, credited)


async def _credit(
    session: AsyncSession, guild_id: int, shot: Shot, names: Mapping[int, str]
) -> list[tuple[int, str]]:
    """Contributions for the credits: the writer, the voters, the flaggers, the performers
    (members who created the characters on screen). Idempotent per (shot, member, role)."""
    assert shot.id is not None
    wanted: list[tuple[int, ContributionRole]] = [(shot.created_by, ContributionRole.WRITER)]
    wanted += [(m, ContributionRole.VOTER) for m in await voter_ids(session, guild_id, shot.id)]
    takes = (await session.exec(select(Take.id).where(Take.shot_id == shot.id))).all()
    flaggers = (
        await session.exec(select(TakeFlag.member_id).where(col(TakeFlag.take_id).in_(takes)))
    ).all()
    wanted += [(m, ContributionRole.FLAGGER) for m in set(flaggers)]
    performers = (
        await session.exec(
            select(Character.created_by)
            .join(ShotCharacter, col(ShotCharacter.character_id) == col(Character.id))
            .where(ShotCharacter.guild_id == guild_id, ShotCharacter.shot_id == shot.id)
        )
    ).all()
    wanted += [(m, ContributionRole.PERFORMER) for m in set(performers)]
    have = set(
        (
            await session.exec(
                select(Contribution.member_id, Contribution.role).where(
                    Contribution.guild_id == guild_id, Contribution.shot_id == shot.id
                )
            )
        ).all()
    )
    added: list[tuple[int, str]] = []
    for member_id, role in dict.fromkeys(wanted):
        if (member_id, role) in have:
            continue
        session.add(
            Contribution(
                guild_id=guild_id, episode_id=shot.episode_id, shot_id=shot.id,
                member_id=member_id, member_name=names.get(member_id, "")[:100], role=role,
            )
        )  # fmt: skip
        added.append((member_id, role.value))
    return added


async def contributions(session: AsyncSession, guild_id: int, shot_id: int) -> list[Contribution]:
    return list(
        (
            await session.exec(
                select(Contribution)
                .where(Contribution.guild_id == guild_id, Contribution.shot_id == shot_id)
                .order_by(col(Contribution.id))
            )
        ).all()
    )


async def update_shot_action(
    session: AsyncSession, guild_id: int, shot_id: int, action: str
) -> Shot:
    """A remix: the shot's action (what the prompt is compiled from) as the member edited it."""
    shot = await session.get(Shot, shot_id)
    if shot is None or shot.guild_id != guild_id:
        raise NotFound("dailies.shot_not_found")
    shot.action = action.strip()[:2000]
    shot.updated_at = utcnow()
    session.add(shot)
    await session.commit()
    return shot


async def review_by_message(session: AsyncSession, guild_id: int, message_id: int) -> Review | None:
    """The review whose ballot (buttons or poll) is this message."""
    return (
        await session.exec(
            select(Review).where(Review.guild_id == guild_id, Review.message_id == message_id)
        )
    ).first()


async def takes_in_progress(session: AsyncSession, guild_id: int, shot_id: int) -> int:
    """Take jobs of the shot that have not ended (dailies wait until this is 0)."""
    return int(
        (
            await session.exec(
                select(func.count()).where(
                    Job.guild_id == guild_id,
                    Job.shot_id == shot_id,
                    Job.kind == "take",
                    col(Job.status).not_in(list(TERMINAL_JOB_STATUSES)),
                )
            )
        ).one()
    )


VOTE_FIELDS = frozenset(
    {
        "vote_mode",
        "vote_live_counts",
        "vote_hours",
        "vote_quorum",
        "vote_min_account_age_days",
        "vote_role_weights",
        "voter_role_id",
    }
)


async def set_vote_settings(db: Database, guild_id: int, **changes: Any) -> GuildSettings:
    """The only writer of the server's vote settings (/dailies settings). None keeps a field;
    ``voter_role_id=0`` clears the voter role; a weight of 1 removes a role's weight."""
    unknown = set(changes) - VOTE_FIELDS
    if unknown:
        raise ValueError(f"not vote settings: {sorted(unknown)}")
    async with db.session() as session:
        row = await session.get(GuildSettings, guild_id)
        if row is None:
            row = GuildSettings(guild_id=guild_id)
            session.add(row)
        for name, value in changes.items():
            if value is None:
                continue
            if name == "voter_role_id":
                value = value or None
            if name == "vote_role_weights":
                merged = dict(row.vote_role_weights or {})
                for role, weight in dict(value).items():
                    if float(weight) == 1.0:
                        merged.pop(str(role), None)
                    else:
                        merged[str(role)] = float(weight)
                value = merged
            setattr(row, name, value)
        row.updated_at = utcnow()
        await session.commit()
        await session.refresh(row)
    return row
