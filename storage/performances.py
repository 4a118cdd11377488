"""Performers: members whose acting video drove a character (``/shot perform``).

The end credits list contributions by role (storage/cuts.py); a member who acted a shot is a
``performer`` of it, once per shot however many times they perform it.
"""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Contribution, ContributionRole, Shot


async def credit_performer(
    session: AsyncSession, guild_id: int, shot_id: int, member_id: int, member_name: str
) -> bool:
    """Record ``member_id`` as a performer of the shot (flushes; the caller commits).
    False when they already were, or the shot is not this guild's."""
    shot = (
        await session.exec(select(Shot).where(Shot.guild_id == guild_id, Shot.id == shot_id))
    ).first()
    if shot is None:
        return False
    have = (
        await session.exec(
            select(Contribution.id).where(
                Contribution.guild_id == guild_id,
                Contribution.shot_id == shot_id,
                Contribution.member_id == member_id,
                Contribution.role == ContributionRole.PERFORMER,
            )
        )
    ).first()
    if have is not None:
        return False
    session.add(
        Contribution(
            guild_id=guild_id,
            episode_id=shot.episode_id,
            shot_id=shot_id,
            member_id=member_id,
            member_name=member_name[:100],
            role=ContributionRole.PERFORMER,
        )
    )
    await session.flush()
    return True


async def performers(session: AsyncSession, guild_id: int, shot_id: int) -> list[int]:
    """The members credited as performers of a shot, in the order they were credited."""
    rows = await session.exec(
        select(Contribution.member_id)
        .where(
            Contribution.guild_id == guild_id,
            Contribution.shot_id == shot_id,
            Contribution.role == ContributionRole.PERFORMER,
        )
        .order_by(Contribution.id)  # type: ignore[arg-type]
    )
    return list(rows.all())
