"""The show bible: series (style bible), locations, and the name rules all of the bible shares.

Every function takes the session, then the guild, and filters by it: an id from another server
is "not found". Mutations commit their own unit of work. Names are unique per series,
case-insensitively (``name_key``). Text is stored as written, mentions included; the bot sends
it back with mentions disabled. Characters: ``storage/characters.py``; reference images:
``storage/references.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import case
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import AlreadyExists, InvalidInput, NotFound
from storage.models import Character, GuildSettings, Location, Series
from storage.types import utcnow

NAME_MAX = 80
SERIES_NAME_MAX = 100
AUTOCOMPLETE_LIMIT = 25

STYLE_FIELDS: dict[str, int] = {
    "logline": 1000,
    "look": 1000,
    "palette": 500,
    "lenses": 500,
    "era": 200,
    "references": 1000,
}
CANON_FIELDS: dict[str, int] = {
    "appearance": 1000,
    "wardrobe": 500,
    "age": 40,
    "personality": 500,
    "never_change": 500,
    "voice": 80,
}
LOCATION_FIELDS: dict[str, int] = {"description": 1000}

Named = TypeVar("Named", Character, Location, Series)


@dataclass(frozen=True, slots=True)
class NameChoice:
    """One autocomplete suggestion."""

    id: int
    name: str


# --------------------------------------------------------------------------- text


def name_key(name: str) -> str:
    """The key names are compared on: "Mara  Voss" == "mara voss"."""
    return " ".join(name.split()).casefold()


def clean_name(value: str | None, *, max_chars: int = NAME_MAX) -> str:
    """A trimmed one-line name, or InvalidInput (empty, too long, control characters)."""
    cleaned = " ".join((value or "").split())
    if not cleaned:
        raise InvalidInput("bible.name_empty")
    if len(cleaned) > max_chars:
        raise InvalidInput("bible.name_too_long", max=max_chars, length=len(cleaned))
    if any(ord(ch) < 32 for ch in cleaned):
        raise InvalidInput("bible.name_control")
    return cleaned


def clean_fields(values: Mapping[str, str | None], limits: Mapping[str, int]) -> dict[str, Any]:
    """The given fields (None = not given) trimmed and checked against their limits."""
    cleaned: dict[str, Any] = {}
    for field, value in values.items():
        if field not in limits:
            raise ValueError(f"unknown field {field!r}")
        if value is None:
            continue
        text = value.strip()
        if len(text) > limits[field]:
            raise InvalidInput("bible.field_too_long", field=field, max=limits[field])
        cleaned[field] = text
    return cleaned


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def name_taken(
    session: AsyncSession, model: type[Named], guild_id: int, key: str, **scope: Any
) -> bool:
    query = select(model.id).where(model.guild_id == guild_id, model.name_key == key)
    for column, value in scope.items():
        query = query.where(getattr(model, column) == value)
    return (await session.exec(query.limit(1))).first() is not None


async def get_row(session: AsyncSession, model: type[Named], guild_id: int, row_id: int) -> Named:
    row = await session.get(model, row_id)
    if row is None or row.guild_id != guild_id:
        raise NotFound()  # an id (a button, another server's id): nothing to name
    return row


async def suggest_names(
    session: AsyncSession,
    model: type[Character] | type[Location],
    guild_id: int,
    series_id: int,
    typed: str,
    *,
    include_retired: bool = False,
    limit: int = AUTOCOMPLETE_LIMIT,
) -> list[NameChoice]:
    """Names containing ``typed`` (prefix matches first), case-insensitive, at most ``limit``.

    Reads two columns through the (guild_id, series_id, name_key) unique index; never loads rows.
    """
    key = name_key(typed)
    query = select(model.id, model.name).where(
        model.guild_id == guild_id, model.series_id == series_id
    )
    if model is Character and not include_retired:
        query = query.where(col(Character.retired).is_(False))
    order: list[Any] = []
    if key:
        escaped = _like_escape(key)
        query = query.where(col(model.name_key).like(f"%{escaped}%", escape="\\"))
        is_prefix = col(model.name_key).like(f"{escaped}%", escape="\\")
        order.append(case((is_prefix, 0), else_=1))
    order.append(col(model.name_key))
    rows = await session.exec(query.order_by(*order).limit(limit))
    return [NameChoice(id=row_id, name=name) for row_id, name in rows.all() if row_id is not None]


async def resolve_row(
    session: AsyncSession, model: type[Named], guild_id: int, typed: str, **scope: Any
) -> Named:
    """A value picked from autocomplete (the id) or typed by hand (the exact name)."""
    text = typed.strip()
    if text.isdigit() and len(text) < 19:
        row = await session.get(model, int(text))
        if row is not None and row.guild_id == guild_id:
            return row
    query = select(model).where(model.guild_id == guild_id, model.name_key == name_key(text))
    for column, value in scope.items():
        query = query.where(getattr(model, column) == value)
    found = (await session.exec(query.limit(1))).first()
    if found is None:
        raise NotFound(f"{model.__tablename__}.not_found", name=text[:NAME_MAX])
    return found


def apply_changes(row: SQLModel, changes: Mapping[str, Any]) -> list[str]:
    changed = [field for field, value in changes.items() if getattr(row, field) != value]
    for field in changed:
        setattr(row, field, changes[field])
    if changed and hasattr(row, "updated_at"):
        row.updated_at = utcnow()
    return changed


# --------------------------------------------------------------------------- series


async def create_series(
    session: AsyncSession, guild_id: int, name: str, created_by: int, *, logline: str = ""
) -> Series:
    """A new series, which becomes the server's active one."""
    name = clean_name(name, max_chars=SERIES_NAME_MAX)
    fields = clean_fields({"logline": logline}, STYLE_FIELDS)
    key = name_key(name)
    if await name_taken(session, Series, guild_id, key):
        raise AlreadyExists("series.exists", name=name)
    series = Series(guild_id=guild_id, name=name, name_key=key, created_by=created_by, **fields)
    session.add(series)
    await session.flush()
    await _set_active(session, guild_id, series)
    await session.commit()
    return series


async def _set_active(session: AsyncSession, guild_id: int, series: Series) -> None:
    settings = await session.get(GuildSettings, guild_id)
    if settings is None:
        settings = GuildSettings(guild_id=guild_id)
        session.add(settings)
    settings.active_series_id = series.id
    settings.updated_at = utcnow()


async def get_series(session: AsyncSession, guild_id: int, series_id: int) -> Series:
    return await get_row(session, Series, guild_id, series_id)


async def current_series(session: AsyncSession, guild_id: int) -> Series:
    """The active series: the one last chosen or created; NotFound("series.none_yet")."""
    settings = await session.get(GuildSettings, guild_id)
    if settings is not None and settings.active_series_id is not None:
        series = await session.get(Series, settings.active_series_id)
        if series is not None and series.guild_id == guild_id:
            return series
    query = select(Series).where(Series.guild_id == guild_id)
    latest = (await session.exec(query.order_by(col(Series.id).desc()).limit(1))).first()
    if latest is None:
        raise NotFound("series.none_yet")
    return latest


async def choose_series(session: AsyncSession, guild_id: int, typed: str) -> Series:
    """Make a series (by id or exact name) the active one."""
    series = await resolve_row(session, Series, guild_id, typed)
    await _set_active(session, guild_id, series)
    await session.commit()
    return series


async def list_series(session: AsyncSession, guild_id: int) -> list[Series]:
    query = select(Series).where(Series.guild_id == guild_id).order_by(col(Series.id))
    return list((await session.exec(query)).all())


async def suggest_series(session: AsyncSession, guild_id: int, typed: str) -> list[NameChoice]:
    key = _like_escape(name_key(typed))
    query = (
        select(Series.id, Series.name)
        .where(Series.guild_id == guild_id, col(Series.name_key).like(f"%{key}%", escape="\\"))
        .order_by(col(Series.name_key))
        .limit(AUTOCOMPLETE_LIMIT)
    )
    return [NameChoice(id=i, name=n) for i, n in (await session.exec(query)).all() if i]


async def update_style(
    session: AsyncSession, guild_id: int, series_id: int, **fields: str | None
) -> tuple[Series, list[str]]:
    """Change style-bible fields; returns the series and the fields that changed."""
    series = await get_series(session, guild_id, series_id)
    changed = apply_changes(series, clean_fields(fields, STYLE_FIELDS))
    await session.commit()
    return series, changed


# --------------------------------------------------------------------------- locations


async def create_location(
    session: AsyncSession,
    guild_id: int,
    series_id: int,
    name: str,
    created_by: int,
    *,
    description: str | None = None,
) -> Location:
    name = clean_name(name)
    fields = clean_fields({"description": description}, LOCATION_FIELDS)
    await get_series(session, guild_id, series_id)
    key = name_key(name)
    if await name_taken(session, Location, guild_id, key, series_id=series_id):
        raise AlreadyExists("location.exists", name=name)
    location = Location(
        guild_id=guild_id,
        series_id=series_id,
        name=name,
        name_key=key,
        created_by=created_by,
        **fields,
    )
    session.add(location)
    await session.commit()
    return location


async def get_location(session: AsyncSession, guild_id: int, location_id: int) -> Location:
    return await get_row(session, Location, guild_id, location_id)


async def resolve_location(
    session: AsyncSession, guild_id: int, series_id: int, typed: str
) -> Location:
    return await resolve_row(session, Location, guild_id, typed, series_id=series_id)


async def list_locations(session: AsyncSession, guild_id: int, series_id: int) -> list[Location]:
    query = select(Location).where(Location.guild_id == guild_id, Location.series_id == series_id)
    return list((await session.exec(query.order_by(col(Location.name_key)))).all())


async def suggest_locations(
    session: AsyncSession, guild_id: int, series_id: int, typed: str
) -> list[NameChoice]:
    return await suggest_names(session, Location, guild_id, series_id, typed)


async def edit_location(
    session: AsyncSession,
    guild_id: int,
    location_id: int,
    *,
    name: str | None = None,
    description: str | None = None,
) -> tuple[Location, list[str]]:
    location = await get_location(session, guild_id, location_id)
    changes: dict[str, Any] = clean_fields({"description": description}, LOCATION_FIELDS)
    if name is not None:
        new_name = clean_name(name)
        key = name_key(new_name)
        if key != location.name_key and await name_taken(
            session, Location, guild_id, key, series_id=location.series_id
        ):
            raise AlreadyExists("location.exists", name=new_name)
        changes.update(name=new_name, name_key=key)
    changed = [field for field in apply_changes(location, changes) if field != "name_key"]
    await session.commit()
    return location, changed
