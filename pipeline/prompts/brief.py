"""``ShotBrief``: everything the prompt compiler knows about one shot, as plain values."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.briefs import ShotRecord, shot_record


class ShotNotFound(LookupError):
    """No such shot in this guild (a shot id from another guild is not found either)."""

    def __init__(self, guild_id: int, shot_id: int) -> None:
        super().__init__(f"shot {shot_id} not found in guild {guild_id}")
        self.guild_id = guild_id
        self.shot_id = shot_id


@dataclass(frozen=True)
class StyleBible:
    look: str = ""
    palette: str = ""
    lenses: str = ""
    era: str = ""
    references: str = ""


@dataclass(frozen=True)
class LocationBrief:
    name: str
    description: str = ""


@dataclass(frozen=True)
class CharacterBrief:
    """A character as canon describes them. ``never_change`` is never shortened away."""

    name: str
    appearance: str = ""
    wardrobe: str = ""
    age: str = ""
    never_change: str = ""


@dataclass(frozen=True)
class CameraBrief:
    shot_size: str = "medium"
    movement: str = "static"
    lens: str = ""


@dataclass(frozen=True)
class DialogueBrief:
    speaker: str
    text: str
    language: str = "en"


@dataclass(frozen=True)
class ShotBrief:
    action: str = ""
    camera: CameraBrief = field(default_factory=CameraBrief)
    duration_s: float = 5.0
    style: StyleBible = field(default_factory=StyleBible)
    location: LocationBrief | None = None
    characters: tuple[CharacterBrief, ...] = ()
    dialogue: tuple[DialogueBrief, ...] = ()
    shot_id: int | None = None
    series_name: str = ""


async def load_brief(session: AsyncSession, guild_id: int, shot_id: int) -> ShotBrief:
    """The brief for ``shot_id`` in ``guild_id``; raises ``ShotNotFound`` otherwise."""
    record = await shot_record(session, guild_id, shot_id)
    if record is None:
        raise ShotNotFound(guild_id, shot_id)
    return brief_from_record(record)


def brief_from_record(record: ShotRecord) -> ShotBrief:
    """The brief of rows already read (``storage.briefs.shot_record``)."""
    shot, series, location = record.shot, record.series, record.location
    style = StyleBible()
    if series is not None:
        style = StyleBible(
            look=series.look,
            palette=series.palette,
            lenses=series.lenses,
            era=series.era,
            references=series.references,
        )
    return ShotBrief(
        action=shot.action,
        camera=CameraBrief(shot_size=shot.shot_size, movement=shot.movement, lens=shot.lens),
        duration_s=shot.duration_s,
        style=style,
        location=(
            LocationBrief(name=location.name, description=location.description)
            if location is not None
            else None
        ),
        characters=tuple(
            CharacterBrief(
                name=c.name,
                appearance=c.appearance,
                wardrobe=c.wardrobe,
                age=c.age,
                never_change=c.never_change,
            )
            for c in record.characters
        ),
        dialogue=tuple(
            DialogueBrief(speaker=line.speaker, text=line.text, language=line.language)
            for line in record.lines
        ),
        shot_id=shot.id,
        series_name=series.name if series is not None else "",
    )
