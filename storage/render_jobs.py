"""The SQL of render jobs (cuts and recaps the worker renders): which are under way for an
episode, and a lock that makes "is one under way? then add mine" one decision.

A render job is an ordinary ``Job`` row whose ``provider`` is the pseudo-provider ``render``;
its ``params`` carry the request (``episode_id``, ``kind``, options). There are few of them,
so the episode is matched in Python rather than through a JSON path that differs by database.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Job
from storage.queue import UNSETTLED

RENDER_PROVIDER = "render"
_ADVISORY_RENDER = 0x0DA2  # advisory-lock namespace: one episode's render jobs


async def lock_episode_renders(session: AsyncSession, guild_id: int, episode_id: int) -> None:
    """Serialise enqueues of one episode's renders until commit (Postgres: an advisory lock;
    SQLite's single writer already serialises, with ``queue.writing`` in one process)."""
    if (await session.connection()).dialect.name == "postgresql":
        await session.exec(
            select(func.pg_advisory_xact_lock(_ADVISORY_RENDER, episode_id % 2_000_000_000))
        )


async def active_renders(
    session: AsyncSession, guild_id: int, episode_id: int | None = None
) -> list[Job]:
    """Render jobs of the guild (of one episode) that are queued or running, oldest first."""
    statement = (
        select(Job)
        .where(
            Job.guild_id == guild_id,
            Job.provider == RENDER_PROVIDER,
            col(Job.status).in_(UNSETTLED),
        )
        .order_by(col(Job.id))
    )
    jobs = list((await session.exec(statement)).all())
    if episode_id is None:
        return jobs
    return [j for j in jobs if int(j.params.get("episode_id", 0)) == episode_id]
