"""Dailies in storage, the reviews: one per shot's vote (where it was posted, its deadline and
quorum), the takes on its ballot, flags, the credits a close writes, the vote settings.

Every function takes ``guild_id`` after the session/database and filters by it: a review or a
take of another server is "not found". Errors carry translation keys (commands/dailies).
Votes, tallies and closing are in storage/votes.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func
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
from storage.types import utcnow


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
    await recount_flags(session, take)
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
    await recount_flags(session, take)
    await session.commit()
    return flag, True


async def recount_flags(session: AsyncSession, take: Take) -> None:
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


async def credit(
    session: AsyncSession, guild_id: int, shot: Shot, names: Mapping[int, str]
) -> list[tuple[int, str]]:
    """Contributions for the credits: the writer, the voters, the flaggers, the performers
    (members who created the characters on screen). Idempotent per (shot, member, role)."""
    assert shot.id is not None
    wanted: list[tuple[int, ContributionRole]] = [(shot.created_by, ContributionRole.WRITER)]
    voters = (
        await session.exec(
            select(Vote.member_id).where(Vote.guild_id == guild_id, Vote.shot_id == shot.id)
        )
    ).all()
    wanted += [(m, ContributionRole.VOTER) for m in voters]
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
