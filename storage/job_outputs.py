"""What jobs produce and consume: takes by job, a take's media, batches of jobs."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Job, JobStatus, MediaAsset, Take


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
