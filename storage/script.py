"""The script: episodes, scenes and shots, who is in each shot and what they say.

Every function takes the session, then the guild, and filters by it: an id from another
server is "not found". Mutations commit their own unit of work. Positions are 1-based and kept
contiguous, so a shot's code "<episode>.<scene>.<shot>" (e.g. "1.2.3") is what people read on
the board. Lookups by typed value and autocomplete live in ``storage/script_lookup.py``; the
Fountain import in ``storage/script_import.py``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import outbox
from storage.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound
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
)
from storage.screenplay import MENTION
from storage.types import utcnow

SHOT_SIZES = (
    "extreme-wide", "wide", "full", "medium", "medium-close", "close-up", "extreme-close-up",
    "over-the-shoulder", "pov", "insert",
)  # fmt: skip
MOVEMENTS = (
    "static", "pan", "tilt", "dolly-in", "dolly-out", "tracking", "crane", "handheld",
    "steadicam", "zoom-in", "zoom-out", "orbit",
)  # fmt: skip
LENSES = ("14mm", "24mm", "35mm", "50mm", "85mm", "135mm", "anamorphic", "macro")
# Names the pipeline's providers register under (pipeline/providers).
GENERATORS = ("local-animatic", "veo", "luma", "runway", "fal", "replicate", "bfl")
LANGUAGES = ("en", "fr")
MIN_DURATION_S, MAX_DURATION_S = 1.0, 20.0
MAX_TITLE, MAX_SYNOPSIS, MAX_HEADING = 100, 2000, 200
MAX_ACTION, MAX_LINE, MAX_SPEAKER = 2000, 1000, 80
MAX_LINES_PER_SHOT = 20
MAX_SHOTS_PER_SCENE = 200
MAX_SCENES_PER_EPISODE = 500


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


@dataclass(frozen=True)
class LineDraft:
    """A dialogue line as written: the speaker is a name, resolved against canon on save."""

    speaker: str
    text: str
    language: str = "en"


# --------------------------------------------------------------------------- text


def key_of(name: str) -> str:
    """The lower-cased key names are matched on ("Élodie" == "ÉLODIE")."""
    return " ".join(name.split()).casefold()


def loose_key(name: str) -> str:
    """The key without accents, for matching "ELODIE" to "Élodie"."""
    decomposed = unicodedata.normalize("NFKD", key_of(name))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold_for_search(text: str) -> str:
    """``Shot.search_key``: lower case, no accents, single spaces ("Élodie  CLIMBS" -> "elodie
    climbs"), so a plain LIKE matches however the member types it, on SQLite and Postgres."""
    return loose_key(text)[:MAX_ACTION]


def check_text(value: str | None, *, field: str, max_chars: int, required: bool = True) -> str:
    """Trimmed text, or ``InvalidInput`` when empty, too long or pinging people."""
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise InvalidInput("script.text_empty", field=field)
    if len(cleaned) > max_chars:
        raise InvalidInput("script.text_too_long", field=field, max=max_chars, length=len(cleaned))
    if MENTION.search(cleaned):
        raise InvalidInput("script.text_mention", field=field)
    return cleaned


def _check_choice(value: str, allowed: Sequence[str], field: str) -> str:
    if value not in allowed:
        raise InvalidInput("script.bad_choice", field=field, value=value[:40])
    return value


def _check_duration(seconds: float) -> float:
    if not MIN_DURATION_S <= seconds <= MAX_DURATION_S:
        low, high = int(MIN_DURATION_S), int(MAX_DURATION_S)
        raise InvalidInput("script.shot_bad_duration", min=low, max=high)
    return float(seconds)


# --------------------------------------------------------------------------- series


async def active_series(session: AsyncSession, guild_id: int) -> Series:
    """The series the server is writing: the one /setup chose, else its only series."""
    settings = await session.get(GuildSettings, guild_id)
    if settings is not None and settings.active_series_id is not None:
        series = await session.get(Series, settings.active_series_id)
        if series is not None and series.guild_id == guild_id:
            return series
    found = (await session.exec(select(Series).where(Series.guild_id == guild_id).limit(2))).all()
    if len(found) == 1:
        return found[0]
    raise NotFound("script.no_series" if not found else "script.many_series")


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
        shot_size=_check_choice(shot_size, SHOT_SIZES, "size"),
        movement=_check_choice(movement, MOVEMENTS, "movement"),
        lens=_check_choice(lens, ("", *LENSES), "lens"),
        duration_s=_check_duration(duration_s),
        location_id=location_id if location_id is not None else scene.location_id,
        provider=_check_choice(provider, ("", *GENERATORS), "generator"),
        created_by=created_by,
    )
    if location_id is not None:
        await get_location(session, guild_id, location_id)
    session.add(shot)
    await session.flush()
    assert shot.id is not None
    _place(shots, shot, position)
    await _set_characters(session, guild_id, shot, character_ids)
    await _set_lines(session, guild_id, shot, lines)
    await _credit_writer(session, guild_id, shot, created_by, created_by_name)
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
        shot.shot_size = _check_choice(shot_size, SHOT_SIZES, "size")
    if movement is not None:
        shot.movement = _check_choice(movement, MOVEMENTS, "movement")
    if lens is not None:
        shot.lens = _check_choice(lens, ("", *LENSES), "lens")
    if duration_s is not None:
        shot.duration_s = _check_duration(duration_s)
    if provider is not None:
        shot.provider = _check_choice(provider, ("", *GENERATORS), "generator")
    if location_id is not None:
        await get_location(session, guild_id, location_id)
        shot.location_id = location_id
    if character_ids is not None:
        await _set_characters(session, guild_id, shot, character_ids, replace=True)
    if lines is not None:
        await _set_lines(session, guild_id, shot, lines, replace=True)
    shot.updated_at = utcnow()
    session.add(shot)
    await _credit_writer(session, guild_id, shot, edited_by, edited_by_name)
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


# --------------------------------------------------------------------------- cast and lines


async def get_location(session: AsyncSession, guild_id: int, location_id: int) -> Location:
    location = await session.get(Location, location_id)
    if location is None or location.guild_id != guild_id:
        raise NotFound("script.location_not_found", value=f"#{location_id}")
    return location


async def find_characters(
    session: AsyncSession, guild_id: int, series_id: int, names: Iterable[str]
) -> tuple[dict[str, Character], list[str]]:
    """Canon characters by the names given (case- and accent-insensitive), and the unknown names."""
    wanted = [n.strip() for n in names if n.strip()]
    cast = (
        await session.exec(
            select(Character).where(
                Character.guild_id == guild_id,
                Character.series_id == series_id,
                col(Character.retired).is_(False),
            )
        )
    ).all()
    exact = {key_of(c.name): c for c in cast}
    loose = {loose_key(c.name): c for c in cast}
    found: dict[str, Character] = {}
    missing: list[str] = []
    for name in wanted:
        match = exact.get(key_of(name)) or loose.get(loose_key(name))
        if match is None:
            missing.append(name)
        else:
            found[name] = match
    return found, missing


async def resolve_characters(
    session: AsyncSession, guild_id: int, names: Iterable[str]
) -> list[Character]:
    """Canon characters for a list of names, or ``NotFound`` naming the ones not in the bible."""
    series = await active_series(session, guild_id)
    assert series.id is not None
    wanted = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    found, missing = await find_characters(session, guild_id, series.id, wanted)
    if missing:
        raise NotFound("script.unknown_characters", names=", ".join(missing)[:300])
    unique: dict[int | None, Character] = {}
    for name in wanted:
        unique.setdefault(found[name].id, found[name])
    return list(unique.values())


async def _set_characters(
    session: AsyncSession,
    guild_id: int,
    shot: Shot,
    character_ids: Iterable[int],
    *,
    replace: bool = False,
) -> None:
    ids = list(dict.fromkeys(character_ids))
    if ids:
        known = set(
            (
                await session.exec(
                    select(Character.id).where(
                        Character.guild_id == guild_id, col(Character.id).in_(ids)
                    )
                )
            ).all()
        )
        if len(known) != len(ids):
            raise NotFound("script.character_not_found")
    if replace:
        await session.exec(
            delete(ShotCharacter).where(
                col(ShotCharacter.guild_id) == guild_id, col(ShotCharacter.shot_id) == shot.id
            )
        )
    assert shot.id is not None
    for character_id in ids:
        session.add(ShotCharacter(shot_id=shot.id, character_id=character_id, guild_id=guild_id))


async def _set_lines(
    session: AsyncSession,
    guild_id: int,
    shot: Shot,
    lines: Sequence[LineDraft],
    *,
    replace: bool = False,
) -> None:
    if len(lines) > MAX_LINES_PER_SHOT:
        raise InvalidInput("script.shot_too_many_lines", max=MAX_LINES_PER_SHOT)
    resolved: list[tuple[LineDraft, Character]] = []
    if lines:
        names = [line.speaker for line in lines]
        characters = await resolve_characters(session, guild_id, names)
        by_key = {key_of(c.name): c for c in characters} | {
            loose_key(c.name): c for c in characters
        }
        for line in lines:
            check_text(line.text, field="line", max_chars=MAX_LINE)
            _check_choice(line.language, LANGUAGES, "language")
            character = by_key.get(key_of(line.speaker)) or by_key[loose_key(line.speaker)]
            resolved.append((line, character))
    if replace:
        await session.exec(
            delete(DialogueLine).where(
                col(DialogueLine.guild_id) == guild_id, col(DialogueLine.shot_id) == shot.id
            )
        )
    assert shot.id is not None
    for position, (line, character) in enumerate(resolved, 1):
        session.add(
            DialogueLine(
                guild_id=guild_id,
                shot_id=shot.id,
                position=position,
                character_id=character.id,
                speaker=character.name,
                text=line.text.strip(),
                language=line.language,
            )
        )
    # A speaker is on screen: make sure they are in the shot's cast.
    if resolved:
        present = set(
            (
                await session.exec(
                    select(ShotCharacter.character_id).where(ShotCharacter.shot_id == shot.id)
                )
            ).all()
        )
        pending = {
            obj.character_id for obj in session.new if isinstance(obj, ShotCharacter)
        } | present
        for _line, character in resolved:
            if character.id is not None and character.id not in pending:
                session.add(
                    ShotCharacter(shot_id=shot.id, character_id=character.id, guild_id=guild_id)
                )
                pending.add(character.id)


async def _credit_writer(
    session: AsyncSession, guild_id: int, shot: Shot, member_id: int, member_name: str
) -> None:
    """A Contribution row per writer per shot: it feeds the board and the end credits."""
    exists = (
        await session.exec(
            select(Contribution.id).where(
                Contribution.guild_id == guild_id,
                Contribution.shot_id == shot.id,
                Contribution.member_id == member_id,
                Contribution.role == ContributionRole.WRITER,
            )
        )
    ).first()
    if exists is None:
        session.add(
            Contribution(
                guild_id=guild_id,
                episode_id=shot.episode_id,
                shot_id=shot.id,
                member_id=member_id,
                member_name=member_name[:100],
                role=ContributionRole.WRITER,
            )
        )
