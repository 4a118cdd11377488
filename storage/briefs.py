"""Everything a shot's prompt is made of, read in one guild-scoped pass.

The pipeline's prompt compiler (pipeline/prompts) turns a ``ShotRecord`` into a ``ShotBrief``;
this module only fetches rows. A shot id from another guild is "not found" (``None``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Character,
    DialogueLine,
    Episode,
    Location,
    Scene,
    Series,
    Shot,
    ShotCharacter,
)


@dataclass(frozen=True)
class ShotRecord:
    shot: Shot
    series: Series | None
    location: Location | None
    characters: list[Character] = field(default_factory=list)
    lines: list[DialogueLine] = field(default_factory=list)


async def shot_record(session: AsyncSession, guild_id: int, shot_id: int) -> ShotRecord | None:
    shot = (
        await session.exec(select(Shot).where(Shot.guild_id == guild_id, Shot.id == shot_id))
    ).first()
    if shot is None:
        return None
    episode = (
        await session.exec(
            select(Episode).where(Episode.guild_id == guild_id, Episode.id == shot.episode_id)
        )
    ).first()
    series = None
    if episode is not None:
        series = (
            await session.exec(
                select(Series).where(Series.guild_id == guild_id, Series.id == episode.series_id)
            )
        ).first()
    # The shot's own location wins; otherwise the scene's heading location.
    location_id = shot.location_id
    if location_id is None:
        scene = (
            await session.exec(
                select(Scene).where(Scene.guild_id == guild_id, Scene.id == shot.scene_id)
            )
        ).first()
        location_id = scene.location_id if scene is not None else None
    location = None
    if location_id is not None:
        location = (
            await session.exec(
                select(Location).where(Location.guild_id == guild_id, Location.id == location_id)
            )
        ).first()
    lines = list(
        (
            await session.exec(
                select(DialogueLine)
                .where(DialogueLine.guild_id == guild_id, DialogueLine.shot_id == shot_id)
                .order_by(col(DialogueLine.position), col(DialogueLine.id))
            )
        ).all()
    )
    cast_ids = list(
        (
            await session.exec(
                select(ShotCharacter.character_id)
                .where(ShotCharacter.guild_id == guild_id, ShotCharacter.shot_id == shot_id)
                .order_by(col(ShotCharacter.character_id))
            )
        ).all()
    )
    # A character who speaks in the shot is in it, even if nobody ticked them as cast.
    for line in lines:
        if line.character_id is not None and line.character_id not in cast_ids:
            cast_ids.append(line.character_id)
    characters: list[Character] = []
    if cast_ids:
        found = {
            c.id: c
            for c in (
                await session.exec(
                    select(Character).where(
                        Character.guild_id == guild_id, col(Character.id).in_(cast_ids)
                    )
                )
            ).all()
        }
        characters = [found[i] for i in cast_ids if i in found]
    return ShotRecord(
        shot=shot, series=series, location=location, characters=characters, lines=lines
    )
