"""Writing a parsed screenplay (``storage/screenplay.Outline``) into a new episode, all or nothing.

Speakers are matched to the series' canon characters (case- and accent-insensitive); a speaker
who is not in the bible keeps their name on the line, without a character, and is reported.
Locations are matched by name (the whole place, then its first part: "PHARE - SALLE" matches
"Phare"), otherwise created. One commit at the end: any error leaves the server unchanged.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Character,
    Contribution,
    ContributionRole,
    DialogueLine,
    Episode,
    Location,
    Scene,
    Shot,
    ShotCharacter,
    ShotStatus,
)
from storage.screenplay import Outline, display_name
from storage.script import (
    active_series,
    create_episode,
    find_characters,
    fold_for_search,
    key_of,
    loose_key,
)
from storage.types import utcnow

log = logging.getLogger(__name__)


@dataclass
class ImportReport:
    episode: Episode
    scenes: int = 0
    shots: int = 0
    lines: int = 0
    new_locations: list[str] = field(default_factory=list)
    unknown_speakers: list[str] = field(default_factory=list)


async def import_outline(
    session: AsyncSession,
    guild_id: int,
    outline: Outline,
    *,
    created_by: int,
    created_by_name: str = "",
    number: int | None = None,
    title: str | None = None,
) -> ImportReport:
    """A new episode holding the outline's scenes, shots and lines; nothing on any error."""
    try:
        report = await _write(
            session, guild_id, outline, created_by, created_by_name, number, title
        )
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    log.info(
        "imported screenplay guild=%s episode=%s scenes=%s shots=%s",
        guild_id,
        report.episode.id,
        report.scenes,
        report.shots,
    )
    return report


async def _write(
    session: AsyncSession,
    guild_id: int,
    outline: Outline,
    created_by: int,
    created_by_name: str,
    number: int | None,
    title: str | None,
) -> ImportReport:
    series = await active_series(session, guild_id)
    assert series.id is not None
    episode = await create_episode(
        session,
        guild_id,
        title=(title or outline.title or "Untitled").strip(),
        number=number,
        created_by=created_by,
        series_id=series.id,
        commit=False,
    )
    assert episode.id is not None
    report = ImportReport(episode=episode)
    speakers, unknown = await find_characters(session, guild_id, series.id, outline.speakers)
    report.unknown_speakers = unknown
    cast = (
        await session.exec(
            select(Character).where(
                Character.guild_id == guild_id,
                Character.series_id == series.id,
                col(Character.retired).is_(False),
            )
        )
    ).all()
    # A canon name written in an action paragraph puts the character in the shot.
    in_action = [
        (re.compile(rf"(?<!\w){re.escape(c.name)}(?!\w)", re.I), c) for c in cast if c.name.strip()
    ]
    locations = _Locations(session, guild_id, series.id, created_by)
    await locations.load()
    rows = _Rows()
    now = utcnow()

    scene_ids: list[int] = []
    for scene_position, oscene in enumerate(outline.scenes, 1):
        location = await locations.find_or_create(oscene.location)
        scene = Scene(
            guild_id=guild_id,
            episode_id=episode.id,
            position=scene_position,
            heading=oscene.heading,
            location_id=location.id if location else None,
            synopsis=oscene.synopsis,
            created_by=created_by,
        )
        session.add(scene)
        await session.flush()
        assert scene.id is not None
        scene_ids.append(scene.id)
        rows.shots += [
            {
                "guild_id": guild_id,
                "episode_id": episode.id,
                "scene_id": scene.id,
                "position": position,
                "action": oshot.action,
                "search_key": fold_for_search(oshot.action),
                "shot_size": "medium",
                "movement": "static",
                "lens": "",
                "duration_s": oshot.duration_s,
                "location_id": scene.location_id,
                "provider": "",
                "status": ShotStatus.DRAFT.value,
                "is_key": False,
                "created_by": created_by,
                "created_at": now,
                "updated_at": now,
            }
            for position, oshot in enumerate(oscene.shots, 1)
        ]
        report.scenes += 1
    # Shots go in as one executemany (the ORM would send one INSERT ... RETURNING per shot on
    # SQLite); their ids come back in one read.
    if rows.shots:
        await session.exec(insert(Shot), params=rows.shots)
    id_rows = await session.exec(
        select(Shot.id, Shot.scene_id, Shot.position).where(
            Shot.guild_id == guild_id, Shot.episode_id == episode.id
        )
    )
    shot_ids = {(scene_id, position): id_ for id_, scene_id, position in id_rows.all()}
    report.shots = len(shot_ids)
    for scene_id, oscene in zip(scene_ids, outline.scenes, strict=True):
        for position, oshot in enumerate(oscene.shots, 1):
            shot_id = shot_ids[(scene_id, position)]
            present: dict[int, None] = {}
            for line_position, line in enumerate(oshot.lines, 1):
                character = speakers.get(line.speaker)
                if character is not None and character.id is not None:
                    present[character.id] = None
                rows.lines.append(
                    {
                        "guild_id": guild_id,
                        "shot_id": shot_id,
                        "position": line_position,
                        "character_id": character.id if character else None,
                        "speaker": character.name if character else display_name(line.speaker)[:80],
                        "text": line.text,
                        "language": line.language,
                        "memorable": False,
                    }
                )
            for pattern, character in in_action:
                if character.id is not None and pattern.search(oshot.action):
                    present[character.id] = None
            rows.cast += [
                {"shot_id": shot_id, "character_id": cid, "guild_id": guild_id} for cid in present
            ]
            rows.credits.append(
                {
                    "guild_id": guild_id,
                    "episode_id": episode.id,
                    "shot_id": shot_id,
                    "member_id": created_by,
                    "member_name": created_by_name[:100],
                    "role": ContributionRole.WRITER.value,
                    "created_at": now,
                }
            )
    report.new_locations = [loc.name for loc in locations.created]
    report.lines = len(rows.lines)
    # Lines, cast and credits need no objects back: one multi-row insert each.
    for model, values in ((DialogueLine, rows.lines), (ShotCharacter, rows.cast),
                          (Contribution, rows.credits)):  # fmt: skip
        if values:
            await session.exec(insert(model), params=values)
    return report


@dataclass
class _Rows:
    shots: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    cast: list[dict[str, Any]] = field(default_factory=list)
    credits: list[dict[str, Any]] = field(default_factory=list)


class _Locations:
    """The series' locations by key, creating the missing ones as the import meets them."""

    def __init__(self, session: AsyncSession, guild_id: int, series_id: int, created_by: int):
        self.session = session
        self.guild_id = guild_id
        self.series_id = series_id
        self.created_by = created_by
        self.by_key: dict[str, Location] = {}
        self.created: list[Location] = []

    async def load(self) -> None:
        rows = await self.session.exec(
            select(Location).where(
                Location.guild_id == self.guild_id, Location.series_id == self.series_id
            )
        )
        for location in rows.all():
            self.by_key.setdefault(key_of(location.name), location)
            self.by_key.setdefault(loose_key(location.name), location)

    async def find_or_create(self, place: str) -> Location | None:
        if not place.strip():
            return None
        first = place.split(" - ")[0]
        for candidate in (place, first):
            found = self.by_key.get(key_of(candidate)) or self.by_key.get(loose_key(candidate))
            if found is not None:
                return found
        name = display_name(place)[:80].strip()
        location = Location(
            guild_id=self.guild_id,
            series_id=self.series_id,
            name=name,
            name_key=key_of(name),
            description="",
            created_by=self.created_by,
        )
        self.session.add(location)
        await self.session.flush()
        self.created.append(location)
        self.by_key[key_of(place)] = location
        self.by_key[loose_key(place)] = location
        return location
