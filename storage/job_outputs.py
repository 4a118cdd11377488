"""What jobs produce and consume: takes by job, a take's media, batches of jobs."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    TERMINAL_JOB_STATUSES,
    Job,
    JobStatus,
    MediaAsset,
    Shot,
    ShotStatus,
    Take,
    TakeKind,
)
from storage.types import utcnow


async def take_of_job(session: AsyncSession, guild_id: int, job_id: int) -> Take | None:
    statement = select(Take).where(Take.guild_id == guild_id, Take.job_id == job_id)
    return (await session.exec(statement.order_by(col(Take.id)))).first()


async def get_take(session: AsyncSession, guild_id: int, take_id: int) -> Take | None:
    statement = select(Take).where(Take.guild_id == guild_id, Take.id == take_id)
    return (await session.exec(statement)).first()


async def asset_sha256(session: AsyncSession, guild_id: int, asset_id: int) -> str | None:
    statement = select(MediaAsset.sha256).where(
        MediaAsset.guild_id == guild_id, MediaAsset.id == asset_id
    )
    return (await session.exec(statement)).first()


async def insert_take(session: AsyncSession, take: Take) -> Take:
    session.add(take)
    await session.flush()
    return take


async def batch_jobs(session: AsyncSession, guild_id: int, job_ids: list[int]) -> list[Job]:
    """The jobs of one request (their ids are in each job's ``params["batch_ids"]``), oldest
    first, read fresh (not from the session's identity map)."""
    if not job_ids:
        return []
    statement = (
        select(Job)
        .where(Job.guild_id == guild_id, col(Job.id).in_(job_ids))
        .order_by(col(Job.id))
        .execution_options(populate_existing=True)
    )
    return list((await session.exec(statement)).all())


async def take_jobs_count(session: AsyncSession, guild_id: int, shot_id: int, kind: str) -> int:
    """How many jobs of ``kind`` the shot ever had (labels A, B, C... follow it)."""
    statement = select(func.count()).where(
        Job.guild_id == guild_id,
        Job.shot_id == shot_id,
        Job.kind == kind,
        col(Job.status) != JobStatus.CANCELLED,
    )
    return int((await session.exec(statement)).one())


async def mark_shot_generating(session: AsyncSession, guild_id: int, shot_id: int) -> None:
    """A draft shot whose takes were just queued shows as generating on the board."""
    shot = (
        await session.exec(select(Shot).where(Shot.guild_id == guild_id, Shot.id == shot_id))
    ).first()
    if shot is not None and shot.status == ShotStatus.DRAFT:
        shot.status = ShotStatus.GENERATING
        shot.updated_at = utcnow()
        session.add(shot)


async def settle_shot_status(
    session: AsyncSession, guild_id: int, shot_id: int
) -> ShotStatus | None:
    """After a take job ended: still generating while other take jobs run; in review once
    every take job ended and at least one take exists; back to draft when none made it.
    A locked shot keeps its lock (a reroll after the vote does not reopen it)."""
    # Locked: two take jobs ending at once must not both see the other as still running.
    # FOR NO KEY UPDATE: the take rows just inserted hold KEY SHARE locks on this shot (their
    # foreign key); a plain FOR UPDATE would deadlock two such transactions.
    statement = select(Shot).where(Shot.guild_id == guild_id, Shot.id == shot_id)
    shot = (await session.exec(statement.with_for_update(key_share=True))).first()
    if shot is None or shot.status == ShotStatus.LOCKED:
        return None
    active = (
        await session.exec(
            select(func.count()).where(
                Job.guild_id == guild_id,
                Job.shot_id == shot_id,
                Job.kind == "take",
                col(Job.status).not_in(list(TERMINAL_JOB_STATUSES)),
            )
        )
    ).one()
    if active:
        status = ShotStatus.GENERATING
    else:
        takes = (
            await session.exec(
                select(func.count()).where(
                    Take.guild_id == guild_id, Take.shot_id == shot_id, Take.kind == TakeKind.RAW
                )
            )
        ).one()
        status = ShotStatus.IN_REVIEW if takes else ShotStatus.DRAFT
    if shot.status != status:
        shot.status = status
        shot.updated_at = utcnow()
        session.add(shot)
    return status
