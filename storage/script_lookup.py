"""Finding episodes, scenes and shots from what a member typed or picked, and reading them back.

Autocomplete sends ``#<id>`` as the value (stable while shots move); people type codes:
episode "3" or "E3", scene "1.2", shot "1.2.3". Anything else is "not found", never a guess.
Suggestions are one indexed, guild-scoped query with a LIMIT: no table is loaded whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import NotFound
from storage.models import (
    Character,
    Contribution,
    ContributionRole,
    DialogueLine,
    Episode,
    GuildSettings,
    Location,
    Scene,
    Series,
    Shot,
    ShotCharacter,
    ShotStatus,
    Take,
)
from storage.script import (
    active_series,
    fold_for_search,
    get_episode,
    get_scene,
    get_shot,
    key_of,
)

SUGGESTIONS = 25  # Discord shows at most 25 choices
# Episode number and scene position travel as one integer (number * base + position) so that
# the suggestion query stays a four-column select.
_CODE_BASE = 10_000  # scenes per episode stay far below it (MAX_SCENES_PER_EPISODE)
_ID = re.compile(r"#(\d{1,18})")
_EPISODE = re.compile(r"(?:e|ep|episode|épisode)?\s*(\d{1,6})", re.I)
_CODE = re.compile(r"(\d{1,6})(?:\.(\d{1,6})?)?(?:\.(\d{1,6})?)?")


@dataclass(frozen=True)
class Suggestion:
    label: str  # what the member sees (<= 100 chars)
    value: str  # what Discord sends back (<= 100 chars)


def shot_code(episode_number: int, scene_position: int, shot_position: int) -> str:
    return f"{episode_number}.{scene_position}.{shot_position}"


def _label(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _like(typed: str) -> str:
    escaped = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _in_active_series(query: Any, guild_id: int, series_column: Any = None) -> Any:
    """Only the active series' rows when /setup chose one; the server's all otherwise.

    A scalar subquery, so suggestions stay one round trip to the database.
    """
    active = (
        select(GuildSettings.active_series_id)
        .where(GuildSettings.guild_id == guild_id)
        .scalar_subquery()
    )
    column = col(Episode.series_id) if series_column is None else series_column
    return query.where(or_(active.is_(None), column == active))


# --------------------------------------------------------------------------- resolve typed values


async def resolve_episode(session: AsyncSession, guild_id: int, value: str) -> Episode:
    typed = value.strip()
    if match := _ID.fullmatch(typed):
        return await get_episode(session, guild_id, int(match.group(1)))
    if match := _EPISODE.fullmatch(typed):
        series = await active_series(session, guild_id)
        episode = (
            await session.exec(
                select(Episode).where(
                    Episode.guild_id == guild_id,
                    Episode.series_id == series.id,
                    Episode.number == int(match.group(1)),
                )
            )
        ).first()
        if episode is not None:
            return episode
    raise NotFound("script.episode_not_found", value=typed[:40])


async def resolve_scene(session: AsyncSession, guild_id: int, value: str) -> Scene:
    typed = value.strip()
    if match := _ID.fullmatch(typed):
        return await get_scene(session, guild_id, int(match.group(1)))
    match = _CODE.fullmatch(typed)
    if match and match.group(2) and not match.group(3):
        try:
            episode = await resolve_episode(session, guild_id, match.group(1))
        except NotFound:
            raise NotFound("script.scene_not_found", value=typed[:40]) from None
        scene = (
            await session.exec(
                select(Scene).where(
                    Scene.guild_id == guild_id,
                    Scene.episode_id == episode.id,
                    Scene.position == int(match.group(2)),
                )
            )
        ).first()
        if scene is not None:
            return scene
    raise NotFound("script.scene_not_found", value=typed[:40])


async def resolve_shot(session: AsyncSession, guild_id: int, value: str) -> Shot:
    typed = value.strip()
    if match := _ID.fullmatch(typed):
        return await get_shot(session, guild_id, int(match.group(1)))
    match = _CODE.fullmatch(typed)
    if match and match.group(3):
        try:
            scene = await resolve_scene(session, guild_id, f"{match.group(1)}.{match.group(2)}")
        except NotFound:
            scene = None
        if scene is not None:
            shot = (
                await session.exec(
                    select(Shot).where(
                        Shot.guild_id == guild_id,
                        Shot.scene_id == scene.id,
                        Shot.position == int(match.group(3)),
                    )
                )
            ).first()
            if shot is not None:
                return shot
    raise NotFound("script.shot_not_found", value=typed[:40])


async def resolve_location(session: AsyncSession, guild_id: int, value: str) -> Location:
    typed = value.strip()
    query = select(Location).where(Location.guild_id == guild_id)
    if match := _ID.fullmatch(typed):
        query = query.where(Location.id == int(match.group(1)))
    else:
        series = await active_series(session, guild_id)
        query = query.where(Location.series_id == series.id, Location.name_key == key_of(typed))
    location = (await session.exec(query)).first()
    if location is None:
        raise NotFound("script.location_not_found", value=typed[:40])
    return location


# --------------------------------------------------------------------------- autocomplete


async def suggest_episodes(session: AsyncSession, guild_id: int, typed: str) -> list[Suggestion]:
    typed = typed.strip()
    query = select(Episode.id, Episode.number, Episode.title).where(Episode.guild_id == guild_id)
    query = _in_active_series(query, guild_id)
    if match := _EPISODE.fullmatch(typed):
        query = query.where(Episode.number == int(match.group(1)))
    elif typed:
        query = query.where(col(Episode.title).ilike(_like(typed), escape="\\"))
    rows = (await session.exec(query.order_by(col(Episode.number)).limit(SUGGESTIONS))).all()
    return [Suggestion(_label(f"{number} · {title}"), f"#{id_}") for id_, number, title in rows]


async def suggest_scenes(session: AsyncSession, guild_id: int, typed: str) -> list[Suggestion]:
    typed = typed.strip()
    query = (
        select(Scene.id, Scene.position, Scene.heading, Episode.number)
        .join(Episode, col(Episode.id) == col(Scene.episode_id))
        .where(Scene.guild_id == guild_id)
    )
    query = _in_active_series(query, guild_id)
    match = _CODE.fullmatch(typed)
    if match and not match.group(3):
        query = query.where(Episode.number == int(match.group(1)))
        if match.group(2):
            query = query.where(Scene.position == int(match.group(2)))
    elif typed:
        query = query.where(col(Scene.heading).ilike(_like(typed), escape="\\"))
    query = query.order_by(col(Episode.number), col(Scene.position)).limit(SUGGESTIONS)
    rows = (await session.exec(query)).all()
    return [
        Suggestion(_label(f"{number}.{position} · {heading}"), f"#{id_}")
        for id_, position, heading, number in rows
    ]


async def suggest_shots(session: AsyncSession, guild_id: int, typed: str) -> list[Suggestion]:
    """Shots by code ("7.", "7.3.", "7.3.4"), by words of the action, or (empty box) those of
    the episode with the newest shot.

    A code or the empty box narrows to one episode first, through an index, so only that
    episode's shots are sorted; words walk the server's shots newest first and stop at 25. No
    query sorts a whole server's script.
    """
    typed = typed.strip()
    query = select(
        Shot.id, Shot.position, Shot.action, Scene.position + Episode.number * _CODE_BASE
    ).join(Scene, col(Scene.id) == col(Shot.scene_id))
    match = _CODE.fullmatch(typed)
    if match or not typed:
        # One episode first (a subquery, so still one round trip): the one typed, or for the
        # empty box the episode being written, the one with the newest shot. Episodes are
        # this guild's, so their shots are too.
        if match:
            episodes = select(Episode.id).where(
                Episode.guild_id == guild_id, Episode.number == int(match.group(1))
            )
        else:
            episodes = (
                select(Shot.episode_id)
                .join(Episode, col(Episode.id) == col(Shot.episode_id))
                .where(Shot.guild_id == guild_id)
                .order_by(col(Shot.guild_id).desc(), col(Shot.id).desc())
            )
        episode_ids = _in_active_series(episodes, guild_id).limit(SUGGESTIONS if match else 1)
        query = query.join(Episode, col(Episode.id) == col(Shot.episode_id)).where(
            col(Shot.episode_id).in_(episode_ids.scalar_subquery())
        )
        if match and match.group(2):
            query = query.where(Scene.position == int(match.group(2)))
        if match and match.group(3):
            query = query.where(Shot.position == int(match.group(3)))
        query = query.order_by(col(Scene.position), col(Shot.position))
    else:
        query = _in_active_series(
            query.join(Episode, col(Episode.id) == col(Shot.episode_id)).where(
                Shot.guild_id == guild_id
            ),
            guild_id,
        ).where(
            or_(
                col(Shot.search_key).like(_like(fold_for_search(typed)), escape="\\"),
                # Shots written by code that did not fill the key are still found, slowly.
                and_(col(Shot.search_key) == "", col(Shot.action).ilike(_like(typed), escape="\\")),
            )
        )
        # (guild_id, id) descending is the ix_shot_guild_newest order: the newest matches of
        # this server come first and the scan stops at 25.
        query = query.order_by(col(Shot.guild_id).desc(), col(Shot.id).desc())
    rows = (await session.exec(query.limit(SUGGESTIONS))).all()
    return [
        Suggestion(_label(f"{shot_code(*divmod(key, _CODE_BASE), pos)} · {action}"), f"#{id_}")
        for id_, pos, action, key in rows
    ]


async def suggest_cast(session: AsyncSession, guild_id: int, typed: str) -> list[Suggestion]:
    """Characters for a comma list: "Élodie, Ma" suggests "Élodie, Mara"."""
    *done, last = typed.split(",")
    done = [d.strip() for d in done if d.strip()]
    prefix = ", ".join(done)
    query = select(Character.name).where(
        Character.guild_id == guild_id, col(Character.retired).is_(False)
    )
    query = _in_active_series(query, guild_id, col(Character.series_id))
    if last.strip():
        query = query.where(col(Character.name_key).ilike(_like(key_of(last)), escape="\\"))
    names = (await session.exec(query.order_by(col(Character.name)).limit(SUGGESTIONS))).all()
    taken = {key_of(d) for d in done}
    out = []
    for name in names:
        if key_of(name) in taken:
            continue
        value = f"{prefix}, {name}" if prefix else name
        if len(value) <= 100:
            out.append(Suggestion(value, value))
    return out


async def suggest_locations(session: AsyncSession, guild_id: int, typed: str) -> list[Suggestion]:
    query = select(Location.name).where(Location.guild_id == guild_id)
    query = _in_active_series(query, guild_id, col(Location.series_id))
    if typed.strip():
        query = query.where(col(Location.name_key).ilike(_like(key_of(typed)), escape="\\"))
    names = (await session.exec(query.order_by(col(Location.name)).limit(SUGGESTIONS))).all()
    return [Suggestion(_label(name), name[:100]) for name in names]


# --------------------------------------------------------------------------- read back


@dataclass(frozen=True)
class ShotRow:
    id: int
    code: str
    action: str
    status: ShotStatus
    duration_s: float
    provider: str
    created_by: int
    scene_id: int
    takes: int = 0  # takes generated so far (any kind)


@dataclass
class SceneBlock:
    scene: Scene
    code: str
    shots: list[ShotRow] = field(default_factory=list)


@dataclass
class EpisodeOutline:
    """An episode's scenes and shots in order: what the board and /shot list show."""

    episode: Episode
    series_name: str
    scenes: list[SceneBlock]

    @property
    def shots(self) -> list[ShotRow]:
        return [shot for block in self.scenes for shot in block.shots]


async def episode_outline(session: AsyncSession, guild_id: int, episode_id: int) -> EpisodeOutline:
    episode = await get_episode(session, guild_id, episode_id)
    series = await session.get(Series, episode.series_id)
    scenes = (
        await session.exec(
            select(Scene)
            .where(Scene.guild_id == guild_id, Scene.episode_id == episode_id)
            .order_by(col(Scene.position), col(Scene.id))
        )
    ).all()
    blocks = {s.id: SceneBlock(s, f"{episode.number}.{s.position}") for s in scenes}
    shots = (
        await session.exec(
            select(Shot)
            .where(Shot.guild_id == guild_id, Shot.episode_id == episode_id)
            .order_by(col(Shot.position), col(Shot.id))
        )
    ).all()
    take_counts: dict[int, int] = dict(
        (
            await session.exec(
                select(Take.shot_id, func.count())
                .join(Shot, col(Shot.id) == col(Take.shot_id))
                .where(Take.guild_id == guild_id, Shot.episode_id == episode_id)
                .group_by(col(Take.shot_id))
            )
        ).all()
    )
    for shot in shots:
        block = blocks.get(shot.scene_id)
        if block is None or shot.id is None:
            continue
        block.shots.append(
            ShotRow(
                id=shot.id,
                code=f"{block.code}.{shot.position}",
                action=shot.action,
                status=ShotStatus(shot.status),
                duration_s=shot.duration_s,
                provider=shot.provider,
                created_by=shot.created_by,
                scene_id=shot.scene_id,
                takes=take_counts.get(shot.id, 0),
            )
        )
    return EpisodeOutline(episode, series.name if series else "", list(blocks.values()))


@dataclass(frozen=True)
class EpisodeSummary:
    episode: Episode
    scenes: int
    shots: int
    locked: int


async def list_episodes(session: AsyncSession, guild_id: int) -> list[EpisodeSummary]:
    series = await active_series(session, guild_id)
    episodes = (
        await session.exec(
            select(Episode)
            .where(Episode.guild_id == guild_id, Episode.series_id == series.id)
            .order_by(col(Episode.number))
        )
    ).all()
    ids = [e.id for e in episodes]
    scene_counts = dict(
        (
            await session.exec(
                select(Scene.episode_id, func.count())
                .where(Scene.guild_id == guild_id, col(Scene.episode_id).in_(ids))
                .group_by(col(Scene.episode_id))
            )
        ).all()
    )
    shot_counts: dict[int, tuple[int, int]] = {}
    rows = await session.exec(
        select(Shot.episode_id, Shot.status, func.count())
        .where(Shot.guild_id == guild_id, col(Shot.episode_id).in_(ids))
        .group_by(col(Shot.episode_id), col(Shot.status))
    )
    for episode_id, status, count in rows.all():
        total, locked = shot_counts.get(episode_id, (0, 0))
        shot_counts[episode_id] = (total + count, locked + (count if status == "locked" else 0))
    return [
        EpisodeSummary(
            e,
            scene_counts.get(e.id or 0, 0),
            *shot_counts.get(e.id or 0, (0, 0)),
        )
        for e in episodes
    ]


@dataclass(frozen=True)
class ShotDetail:
    shot: Shot
    code: str
    episode: Episode
    scene: Scene
    location: str
    characters: list[str]
    lines: list[DialogueLine]
    writers: list[int]


async def shot_detail(session: AsyncSession, guild_id: int, shot_id: int) -> ShotDetail:
    shot = await get_shot(session, guild_id, shot_id)
    scene = await get_scene(session, guild_id, shot.scene_id)
    episode = await get_episode(session, guild_id, shot.episode_id)
    location = await session.get(Location, shot.location_id) if shot.location_id else None
    names = (
        await session.exec(
            select(Character.name)
            .join(ShotCharacter, col(ShotCharacter.character_id) == col(Character.id))
            .where(ShotCharacter.guild_id == guild_id, ShotCharacter.shot_id == shot_id)
            .order_by(col(Character.name))
        )
    ).all()
    lines = (
        await session.exec(
            select(DialogueLine)
            .where(DialogueLine.guild_id == guild_id, DialogueLine.shot_id == shot_id)
            .order_by(col(DialogueLine.position))
        )
    ).all()
    writers = (
        await session.exec(
            select(Contribution.member_id)
            .where(
                Contribution.guild_id == guild_id,
                Contribution.shot_id == shot_id,
                Contribution.role == ContributionRole.WRITER,
            )
            .order_by(col(Contribution.id))
        )
    ).all()
    return ShotDetail(
        shot=shot,
        code=shot_code(episode.number, scene.position, shot.position),
        episode=episode,
        scene=scene,
        location=location.name if location else "",
        characters=list(names),
        lines=list(lines),
        writers=list(writers),
    )
