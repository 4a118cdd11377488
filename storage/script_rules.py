"""Shared pieces of the script services: limits and choices, text checks, name keys, and
which series a server is writing. Used by storage/script.py, script_cast.py, script_lookup.py
and script_import.py; import them from ``storage.script``, which re-exports them."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import InvalidInput, NotFound
from storage.models import GuildSettings, Series
from storage.screenplay import MENTION

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


def check_choice(value: str, allowed: Sequence[str], field: str) -> str:
    if value not in allowed:
        raise InvalidInput("script.bad_choice", field=field, value=value[:40])
    return value


def check_duration(seconds: float) -> float:
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
