"""Characters: canon fields, versions (who changed what, when), locks and retirement.

Every function takes the session, then the guild, and filters by it. Each change to canon bumps
``Character.version`` and records a ``CharacterVersion`` with the full canon after the change.
Locked canon changes only when the caller says the member may (the showrunner check lives in
the bot, invariant 7).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.bible import (
    CANON_FIELDS,
    NameChoice,
    apply_changes,
    clean_fields,
    clean_name,
    get_row,
    get_series,
    name_key,
    name_taken,
    resolve_row,
    suggest_names,
)
from storage.errors import AlreadyExists, NotAllowed
from storage.models import Character, CharacterVersion
from storage.types import utcnow

# --------------------------------------------------------------------------- characters


def canon_of(character: Character) -> dict[str, Any]:
    """The canon as a version row keeps it."""
    canon: dict[str, Any] = {"name": character.name}
    canon.update({field: getattr(character, field) for field in CANON_FIELDS})
    canon.update(locked=character.locked, retired=character.retired)
    return canon


def _record_version(
    session: AsyncSession, character: Character, changed: list[str], changed_by: int
) -> None:
    assert character.id is not None
    session.add(
        CharacterVersion(
            guild_id=character.guild_id,
            character_id=character.id,
            version=character.version,
            canon=canon_of(character),
            changed_fields=changed,
            changed_by=changed_by,
        )
    )


async def create_character(
    session: AsyncSession,
    guild_id: int,
    series_id: int,
    name: str,
    created_by: int,
    **canon: str | None,
) -> Character:
    """A new character in ``series_id``, version 1 recorded."""
    name = clean_name(name)
    fields = clean_fields(canon, CANON_FIELDS)
    await get_series(session, guild_id, series_id)
    key = name_key(name)
    if await name_taken(session, Character, guild_id, key, series_id=series_id):
        raise AlreadyExists("character.exists", name=name)
    character = Character(
        guild_id=guild_id,
        series_id=series_id,
        name=name,
        name_key=key,
        created_by=created_by,
        **fields,
    )
    session.add(character)
    await session.flush()
    _record_version(session, character, ["created"], created_by)
    await session.commit()
    return character


async def get_character(session: AsyncSession, guild_id: int, character_id: int) -> Character:
    return await get_row(session, Character, guild_id, character_id)


async def resolve_character(
    session: AsyncSession, guild_id: int, series_id: int, typed: str
) -> Character:
    """By autocomplete id or exact name; NotFound("character.not_found", name=typed)."""
    return await resolve_row(session, Character, guild_id, typed, series_id=series_id)


async def list_characters(
    session: AsyncSession, guild_id: int, series_id: int, *, include_retired: bool = False
) -> list[Character]:
    query = select(Character).where(
        Character.guild_id == guild_id, Character.series_id == series_id
    )
    if not include_retired:
        query = query.where(col(Character.retired).is_(False))
    return list((await session.exec(query.order_by(col(Character.name_key)))).all())


async def suggest_characters(
    session: AsyncSession,
    guild_id: int,
    series_id: int,
    typed: str,
    *,
    include_retired: bool = False,
) -> list[NameChoice]:
    return await suggest_names(
        session, Character, guild_id, series_id, typed, include_retired=include_retired
    )


async def edit_character(
    session: AsyncSession,
    guild_id: int,
    character_id: int,
    changed_by: int,
    *,
    may_edit_locked: bool,
    name: str | None = None,
    also_changed: Sequence[str] = (),
    **canon: str | None,
) -> tuple[Character, list[str]]:
    """Change canon; a new version is recorded when anything changed.

    A locked character is changed only when ``may_edit_locked`` (the caller checked the
    showrunner role); otherwise NotAllowed("character.locked"). ``also_changed`` names changes
    the caller made in the same session (new reference images), so they share one version.
    """
    character = await get_character(session, guild_id, character_id)
    if character.locked and not may_edit_locked:
        raise NotAllowed("character.locked", name=character.name)
    changes: dict[str, Any] = clean_fields(canon, CANON_FIELDS)
    if name is not None:
        new_name = clean_name(name)
        if name_key(new_name) != character.name_key and await name_taken(
            session, Character, guild_id, name_key(new_name), series_id=character.series_id
        ):
            raise AlreadyExists("character.exists", name=new_name)
        changes.update(name=new_name, name_key=name_key(new_name))
    changed = [field for field in apply_changes(character, changes) if field != "name_key"]
    changed.extend(also_changed)
    if changed:
        await _bump(session, character, changed, changed_by)
    return character, changed


async def _bump(
    session: AsyncSession, character: Character, changed: list[str], changed_by: int
) -> None:
    character.version += 1
    character.updated_at = utcnow()
    _record_version(session, character, changed, changed_by)
    await session.commit()


async def set_locked(
    session: AsyncSession, guild_id: int, character_id: int, locked: bool, changed_by: int
) -> Character:
    """Lock or unlock canon (the caller checked the showrunner role)."""
    character = await get_character(session, guild_id, character_id)
    if character.locked != locked:
        character.locked = locked
        await _bump(session, character, ["locked"], changed_by)
    return character


async def retire_character(
    session: AsyncSession, guild_id: int, character_id: int, changed_by: int
) -> Character:
    """Retire a character: kept for history and credits, no longer offered for new shots."""
    character = await get_character(session, guild_id, character_id)
    if not character.retired:
        character.retired = True
        await _bump(session, character, ["retired"], changed_by)
    return character


async def canon_at(
    session: AsyncSession, guild_id: int, character_id: int, version: int
) -> dict[str, Any] | None:
    """The canon as it was at ``version`` (what a form opened then was prefilled with)."""
    query = select(CharacterVersion).where(
        CharacterVersion.guild_id == guild_id,
        CharacterVersion.character_id == character_id,
        CharacterVersion.version == version,
    )
    row = (await session.exec(query)).first()
    return dict(row.canon) if row is not None else None


async def character_history(
    session: AsyncSession, guild_id: int, character_id: int, *, limit: int = 25
) -> list[CharacterVersion]:
    """Newest first: who changed what, when."""
    await get_character(session, guild_id, character_id)
    query = (
        select(CharacterVersion)
        .where(
            CharacterVersion.guild_id == guild_id,
            CharacterVersion.character_id == character_id,
        )
        .order_by(col(CharacterVersion.version).desc())
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def count_characters(session: AsyncSession, guild_id: int, series_id: int) -> int:
    query = select(func.count()).where(
        Character.guild_id == guild_id, Character.series_id == series_id
    )
    return int((await session.exec(query)).one())
