"""Who is in a shot and what they say: canon characters by name, the shot's cast, its dialogue
lines, and the writers' credits. Called by storage/script.py's add_shot and edit_shot."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import InvalidInput, NotFound
from storage.models import (
    Character,
    Contribution,
    ContributionRole,
    DialogueLine,
    Location,
    Shot,
    ShotCharacter,
)
from storage.script_rules import (
    LANGUAGES,
    MAX_LINE,
    MAX_LINES_PER_SHOT,
    LineDraft,
    active_series,
    check_choice,
    check_text,
    key_of,
    loose_key,
)


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


async def set_cast(
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


async def set_lines(
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
            check_choice(line.language, LANGUAGES, "language")
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


async def credit_writer(
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
