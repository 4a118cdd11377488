"""The script: episodes, scenes and shots, who is in each shot and what they say.

Every function takes the session, then the guild, and filters by it: an id from another
server is "not found". Mutations commit their own unit of work. Positions are 1-based and kept
contiguous, so a shot's code "<episode>.<scene>.<shot>" (e.g. "1.2.3") is what people read on
the board. Around it: ``script_rules.py`` (limits, text checks, name keys, the active series;
re-exported here), ``script_cast.py`` (characters, cast, dialogue lines, credits),
``script_lookup.py`` (typed values, autocomplete, read-backs), ``script_import.py`` (Fountain).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import outbox
from storage.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound
from storage.models import Episode, Scene, Shot, ShotStatus
from storage.script_cast import (
    credit_writer,
    find_characters,
    get_location,
    resolve_characters,
    set_cast,
    set_lines,
)
from storage.script_rules import (
    GENERATORS,
    LANGUAGES,
    LENSES,
    MAX_ACTION,
    MAX_DURATION_S,
    MAX_HEADING,
    MAX_LINE,
    MAX_LINES_PER_SHOT,
    MAX_SCENES_PER_EPISODE,
    MAX_SHOTS_PER_SCENE,
    MAX_SPEAKER,
    MAX_SYNOPSIS,
    MAX_TITLE,
    MIN_DURATION_S,
    MOVEMENTS,
    SHOT_SIZES,
    LineDraft,
    active_series,
    check_choice,
    check_duration,
    check_text,
    fold_for_search,
    key_of,
    loose_key,
)
from storage.types import utcnow

BOARD_REFRESH = "board_refresh"  # outbox kind: redraw an episode's production board


async def request_board_refresh(session: AsyncSession, guild_id: int, episode_id: int) -> None:
    """Ask the bot, through the outbox, to redraw an episode's board (commits with the caller).

    For code that changes shots outside the bot (the pipeline worker): the relay calls
    ``commands.board.refresh_board`` when it reaches the row.
    """
    now = utcnow()
    await outbox.append(
        session, guild_id, BOARD_REFRESH, None, {"episode_id": episode_id},
        f"{BOARD_REFRESH}:{episode_id}:{now.timestamp():.6f}", now=now,
    )  # fmt: skip


# --------------------------------------------------------------------------- episodes


async def create_episode(
    session: AsyncSession,
    guild_id: int,
    *,
    title: str,
    created_by: int,
    number: int | None = None,
    synopsis: str = "",
    series_id: int | None = None,
    commit: bool = True,
) -> Episode:
    title = check_text(title, field="title", max_chars=MAX_TITLE)
    synopsis = check_text(synopsis, field="synopsis", max_chars=MAX_SYNOPSIS, required=False)
    if series_id is None:
        series_id = (await active_series(session, guild_id)).id
    assert series_id is not None
    if number is None:
        highest = (
            await session.exec(
                select(func.max(Episode.number)).where(
                    Episode.guild_id == guild_id, Episode.series_id == series_id
                )
            )
        ).one()
        number = (highest or 0) + 1
    if number < 1:
        raise InvalidInput("script.episode_bad_number")
    taken = (
        await session.exec(
            select(Episode.id).where(
                Episode.guild_id == guild_id,
                Episode.series_id == series_id,
                Episode.number == number,
            )
        )
    ).first()
    if taken is not None:
        raise AlreadyExists("script.episode_exists", number=number)
    episode = Episode(
        guild_id=guild_id,
        series_id=series_id,
        number=number,
        title=title,
        synopsis=synopsis,
        created_by=created_by,
    )
    session.add(episode)
    await session.flush()
    if commit:
        await session.commit()
    return episode


async def get_episode(session: AsyncSession, guild_id: int, episode_id: int) -> Episode:
    episode = await session.get(Episode, episode_id)
    if episode is None or episode.guild_id != guild_id:
        raise NotFound("script.episode_not_found", value=f"#{episode_id}")
    return episode


async def set_board_message(
    session: AsyncSession,
    guild_id: int,
    episode_id: int,
    channel_id: int | None,
    message_id: int | None,
) -> None:
    """Remember (or forget, with ``None``) where the episode's production board is posted."""
    episode = await get_episode(session, guild_id, episode_id)
    episode.board_channel_id = channel_id
    episode.board_message_id = message_id
    session.add(episode)
    await session.commit()


# --------------------------------------------------------------------------- scenes


async def get_scene(session: AsyncSession, guild_id: int, scene_id: int) -> Scene:
    scene = await session.get(Scene, scene_id)
    if scene is None or scene.guild_id != guild_id:
        raise NotFound("script.scene_not_found", value=f"#{scene_id}")
    return scene


async def _scenes_of(session: AsyncSession, guild_id: int, episode_id: int) -> list[Scene]:
    query = (
        select(Scene)
        .where(Scene.guild_id == guild_id, Scene.episode_id == episode_id)
        .order_by(col(Scene.position), col(Scene.id))
    )
    return list((await session.exec(query)).all())


async def add_scene(
    session: AsyncSession,
    guild_id: int,
    episode_id: int,
    *,
    heading: str,
    created_by: int,
    location_id: int | None = None,
    synopsis: str = "",
    position: int | None = None,
) -> Scene:
    await get_episode(session, guild_id, episode_id)
    heading = check_text(heading, field="heading", max_chars=MAX_HEADING)
    synopsis = check_text(synopsis, field="synopsis", max_chars=1000, required=False)
    if location_id is not None:
        await get_location(session, guild_id, location_id)
    scenes = await _scenes_of(session, guild_id, episode_id)
    if len(scenes) >= MAX_SCENES_PER_EPISODE:
        raise InvalidInput("script.episode_full", max=MAX_SCENES_PER_EPISODE)
    scene = Scene(
        guild_id=guild_id,
        episode_id=episode_id,
        heading=heading,
        location_id=location_id,
        synopsis=synopsis,
        created_by=created_by,
    )
    session.add(scene)
    await session.flush()
    _place(scenes, scene, position)
    await session.commit()
    return scene


async def move_scene(session: AsyncSession, guild_id: int, scene_id: int, position: int) -> Scene:
    scene = await get_scene(session, guild_id, scene_id)
    _place(await _scenes_of(session, guild_id, scene.episode_id), scene, position)
    await session.commit()
    return scene


# --------------------------------------------------------------------------- shots


async def get_shot(session: AsyncSession, guild_id: int, shot_id: int) -> Shot:
    shot = await session.get(Shot, shot_id)
    if shot is None or shot.guild_id != guild_id:
        raise NotFound("script.shot_not_found", value=f"#{shot_id}")
    return shot


async def _shots_of(session: AsyncSession, guild_id: int, scene_id: int) -> list[Shot]:
    query = (
        select(Shot)
        .where(Shot.guild_id == guild_id, Shot.scene_id == scene_id)
        .order_by(col(Shot.position), col(Shot.id))
    )
    return list((await session.exec(query)).all())


async def add_shot(
    session: AsyncSession,
    guild_id: int,
    scene_id: int,
    *,
    action: str,
    created_by: int,
    created_by_name: str = "",
    shot_size: str = "medium",
    movement: str = "static",
    lens: str = "",
    duration_s: float = 5.0,
    location_id: int | None = None,
    provider: str = "",
    character_ids: Iterable[int] = (),
    lines: Sequence[LineDraft] = (),
    position: int | None = None,
) -> Shot:
    scene = await get_scene(session, guild_id, scene_id)
    shots = await _shots_of(session, guild_id, scene_id)
    if len(shots) >= MAX_SHOTS_PER_SCENE:
        raise InvalidInput("script.scene_full", max=MAX_SHOTS_PER_SCENE)
    shot = Shot(
        guild_id=guild_id,
        episode_id=scene.episode_id,
        scene_id=scene_id,
        action=(checked := check_text(action, field="action", max_chars=MAX_ACTION)),
        search_key=fold_for_search(checked),
        shot_size=check_choice(shot_size, SHOT_SIZES, "size"),
        movement=check_choice(movement, MOVEMENTS, "movement"),
        lens=check_choice(lens, ("", *LENSES), "lens"),
        duration_s=check_duration(duration_s),
        location_id=location_id if location_id is not None else scene.location_id,
        provider=check_choice(provider, ("", *GENERATORS), "generator"),
        created_by=created_by,
    )
    if location_id is not None:
        await get_location(session, guild_id, location_id)
    session.add(shot)
    await session.flush()
    assert shot.id is not None
    _place(shots, shot, position)
    await set_cast(session, guild_id, shot, character_ids)
    await set_lines(session, guild_id, shot, lines)
    await credit_writer(session, guild_id, shot, created_by, created_by_name)
    await session.commit()
    return shot


async def edit_shot(
    session: AsyncSession,
    guild_id: int,
    shot_id: int,
    *,
    edited_by: int,
    edited_by_name: str = "",
    action: str | None = None,
    shot_size: str | None = None,
    movement: str | None = None,
    lens: str | None = None,
    duration_s: float | None = None,
    location_id: int | None = None,
    provider: str | None = None,
    character_ids: Iterable[int] | None = None,
    lines: Sequence[LineDraft] | None = None,
) -> Shot:
    """Change what is given; ``None`` leaves a field as it is. A locked shot is canon."""
    shot = await get_shot(session, guild_id, shot_id)
    if shot.status == ShotStatus.LOCKED:
        raise NotAllowed("script.shot_locked")
    if action is not None:
        shot.action = check_text(action, field="action", max_chars=MAX_ACTION)
        shot.search_key = fold_for_search(shot.action)
    if shot_size is not None:
        shot.shot_size = check_choice(shot_size, SHOT_SIZES, "size")
    if movement is not None:
        shot.movement = check_choice(movement, MOVEMENTS, "movement")
    if lens is not None:
        shot.lens = check_choice(lens, ("", *LENSES), "lens")
    if duration_s is not None:
        shot.duration_s = check_duration(duration_s)
    if provider is not None:
        shot.provider = check_choice(provider, ("", *GENERATORS), "generator")
    if location_id is not None:
        await get_location(session, guild_id, location_id)
        shot.location_id = location_id
    if character_ids is not None:
        await set_cast(session, guild_id, shot, character_ids, replace=True)
    if lines is not None:
        await set_lines(session, guild_id, shot, lines, replace=True)
    shot.updated_at = utcnow()
    session.add(shot)
    await credit_writer(session, guild_id, shot, edited_by, edited_by_name)
    await session.commit()
    return shot


@dataclass(frozen=True)
class ShotMove:
    shot: Shot
    from_episode_id: int  # the board of this episode changed too when it differs


async def move_shot(
    session: AsyncSession,
    guild_id: int,
    shot_id: int,
    *,
    position: int,
    scene_id: int | None = None,
) -> ShotMove:
    """Move a shot within its scene, or to ``position`` in another scene of the server."""
    shot = await get_shot(session, guild_id, shot_id)
    from_episode_id = shot.episode_id
    if scene_id is None or scene_id == shot.scene_id:
        _place(await _shots_of(session, guild_id, shot.scene_id), shot, position)
    else:
        target = await get_scene(session, guild_id, scene_id)
        old = [s for s in await _shots_of(session, guild_id, shot.scene_id) if s.id != shot.id]
        for index, other in enumerate(old, 1):
            other.position = index
        destination = await _shots_of(session, guild_id, scene_id)
        if len(destination) >= MAX_SHOTS_PER_SCENE:
            raise InvalidInput("script.scene_full", max=MAX_SHOTS_PER_SCENE)
        shot.scene_id = scene_id
        shot.episode_id = target.episode_id
        _place(destination, shot, position)
    shot.updated_at = utcnow()
    session.add(shot)
    await session.commit()
    return ShotMove(shot=shot, from_episode_id=from_episode_id)


def _place(siblings: list[Scene] | list[Shot], item: Scene | Shot, position: int | None) -> None:
    """Put ``item`` at 1-based ``position`` (end when ``None`` or past the end), renumber all."""
    others: list[Scene | Shot] = [s for s in siblings if s.id != item.id]
    index = len(others) if position is None else max(0, min(position - 1, len(others)))
    others.insert(index, item)
    for number, sibling in enumerate(others, 1):
        sibling.position = number


__all__ = [
    "BOARD_REFRESH", "GENERATORS", "LANGUAGES", "LENSES", "MAX_ACTION", "MAX_DURATION_S",
    "MAX_HEADING", "MAX_LINE", "MAX_LINES_PER_SHOT", "MAX_SCENES_PER_EPISODE",
    "MAX_SHOTS_PER_SCENE", "MAX_SPEAKER", "MAX_SYNOPSIS", "MAX_TITLE", "MIN_DURATION_S",
    "MOVEMENTS", "SHOT_SIZES", "LineDraft", "ShotMove", "active_series", "add_scene",
    "add_shot", "check_choice", "check_duration", "check_text", "create_episode",
    "credit_writer", "edit_shot", "find_characters", "fold_for_search", "get_episode",
    "get_location", "get_scene", "get_shot", "key_of", "loose_key", "move_scene", "move_shot",
    "request_board_refresh", "resolve_characters", "set_board_message", "set_cast",
    "set_lines",
]  # fmt: skip
