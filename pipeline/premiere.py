"""What a premiere needs before it can drop, without Discord: the time it starts, the renders it
posts, and the picture on its event.

- ``parse_when(text, zone, now)``: "2026-12-01 20:00", "01/12/2026 20h", "20:00" (the next one),
  "tomorrow 21:30", "demain 21h30", optional seconds; a wall-clock time in ``zone``, returned in
  UTC. ``BadTime(code)`` for what cannot be read, a time that has passed, or a time the clocks
  skip (the spring DST gap).
- ``find_zone(name)``: a zoneinfo zone, any case (``UnknownZone`` otherwise).
- ``readiness(...)``: the newest final episode render and recap whose Discord copies are in the
  media store and fit the upload limit. ``prepare(...)`` queues render jobs for whatever is
  missing (or finds those under way; pipeline/cut/job.py, the workers render them), and
  ``await_renders(...)`` waits for those jobs to end, then says again what is ready.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pipeline.cut import (
    CutOptions,
    CutRequest,
    NothingLocked,
    NothingToRecap,
    ShotsNotLocked,
    check_cut,
    enqueue_render,
    load_episode,
)
from pipeline.cut.cards import episode_title_image
from pipeline.jobs import is_terminal
from pipeline.media.house import HouseFormat
from pipeline.media.probe import aprobe
from storage.cuts import latest_render
from storage.db import Database
from storage.media import MediaStore, get_asset
from storage.models import Job, Render
from storage.queue import dependency_statuses

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- time


class BadTime(ValueError):
    """``code``: unreadable | past | gap."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class UnknownZone(ValueError):
    pass


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name (system zoneinfo, else the ``tzdata`` wheel), sorted."""
    return tuple(sorted(available_timezones()))


def find_zone(name: str) -> ZoneInfo:
    typed = name.strip()
    if not typed or len(typed) > 64:
        raise UnknownZone(typed)
    exact = {n.lower(): n for n in zone_names()}
    found = exact.get(typed.lower()) or exact.get(typed.lower().replace(" ", "_"))
    if found is None and typed.upper() in ("UTC", "GMT", "Z"):
        found = "UTC"
    if found is None:
        raise UnknownZone(typed)
    try:
        return ZoneInfo(found)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownZone(typed) from None


def suggest_zones(typed: str, recent: list[str], limit: int = 25) -> list[str]:
    """The server's recent zones first, then names that start with, then contain, the text."""
    needle = typed.strip().lower().replace(" ", "_")
    out = [z for z in recent if needle in z.lower()]
    names = zone_names()
    city = [n for n in names if n.lower().rsplit("/", 1)[-1].startswith(needle)]
    starts = [n for n in names if n.lower().startswith(needle)]
    contains = [n for n in names if needle in n.lower()]
    for name in (["UTC"] if not needle else []) + city + starts + contains:
        if name not in out:
            out.append(name)
        if len(out) >= limit:
            break
    return out[:limit]


_TIME = r"(?P<H>\d{1,2})(?:(?::|h)(?P<M>\d{2})?(?::(?P<S>\d{2}))?)"
_ISO = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:\s+|t)(?:à\s+|at\s+)?" + _TIME)
_DMY = re.compile(r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})\s+(?:à\s+|at\s+)?" + _TIME)
_DAY = r"(?P<w>today|tomorrow|demain|aujourd['’]hui|ce soir|tonight)"
_WORD = re.compile(_DAY + r"\s+(?:à\s+|at\s+)?" + _TIME)
_BARE = re.compile(r"(?:à\s+|at\s+)?" + _TIME)
_NEXT_DAY = ("tomorrow", "demain")


def _clock(match: re.Match[str]) -> tuple[int, int, int]:
    hour, minute, second = int(match["H"]), int(match["M"] or 0), int(match["S"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise BadTime("unreadable")
    return hour, minute, second


def _localise(naive: datetime, zone: ZoneInfo) -> datetime:
    local = naive.replace(tzinfo=zone)
    back = local.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back != naive:
        raise BadTime("gap")
    return local.astimezone(UTC)


def parse_when(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """The moment ``text`` names in ``zone``, in UTC; it must be after ``now`` (aware)."""
    typed = " ".join(text.strip().lower().split())
    today = now.astimezone(zone).date()
    try:
        if m := _ISO.fullmatch(typed) or _DMY.fullmatch(typed):
            naive = datetime(int(m["y"]), int(m["m"]), int(m["d"]), *_clock(m))
        elif m := _WORD.fullmatch(typed):
            day = today + timedelta(days=1 if m["w"] in _NEXT_DAY else 0)
            naive = datetime(day.year, day.month, day.day, *_clock(m))
        elif m := _BARE.fullmatch(typed):
            naive = datetime(today.year, today.month, today.day, *_clock(m))
            if _localise(naive, zone) <= now:  # "20:00" once 20:00 has passed: tomorrow's
                naive += timedelta(days=1)
        else:
            raise BadTime("unreadable")
    except ValueError as exc:  # 2026-02-30
        raise exc if isinstance(exc, BadTime) else BadTime("unreadable") from None
    moment = _localise(naive, zone)
    if moment <= now:
        raise BadTime("past")
    return moment


def next_week(starts_at: datetime, zone: ZoneInfo) -> datetime:
    """The same wall-clock time a week later (DST changes keep 20:00 at 20:00)."""
    naive = starts_at.astimezone(zone).replace(tzinfo=None) + timedelta(days=7)
    try:
        return _localise(naive, zone)
    except BadTime:
        return (naive + timedelta(hours=1)).replace(tzinfo=zone).astimezone(UTC)


# --------------------------------------------------------------------------- renders


@dataclass(frozen=True)
class Piece:
    """A render ready to post: its Discord copy and its subtitles, all in the media store."""

    kind: str  # recap | episode
    render_id: int
    sha256: str
    size_bytes: int
    duration_s: float
    subtitles: dict[str, str] = field(default_factory=dict)  # language -> sha256


@dataclass
class Readiness:
    episode: Piece | None = None
    recap: Piece | None = None
    recap_needed: bool = False
    waiting: list[str] = field(default_factory=list)  # shot codes without a locked take
    rendering: list[int] = field(default_factory=list)  # render jobs queued or running for it
    problems: list[str] = field(default_factory=list)  # episode_missing | recap_missing | ...

    @property
    def ready(self) -> bool:
        return self.episode is not None and (self.recap is not None or not self.recap_needed)

    @property
    def runtime_s(self) -> float:
        return sum(p.duration_s for p in (self.recap, self.episode) if p is not None)


async def _piece(
    db: Database, store: MediaStore, render: Render | None, kind: str, limit_bytes: int
) -> Piece | None:
    if render is None or render.discord_asset_id is None:
        return None
    async with db.session() as session:
        asset = await get_asset(session, render.guild_id, render.discord_asset_id)
        subs = {}
        for language, asset_id in (render.subtitles or {}).items():
            sub = await get_asset(session, render.guild_id, int(asset_id))
            if sub is not None:
                subs[language] = sub.sha256
    if asset is None or asset.size_bytes > limit_bytes or not await store.exists(asset.sha256):
        return None
    if not await _plays(store, asset.sha256):
        log.warning("render %s of episode %s does not play; not posting it", render.id,
                    render.episode_id)  # fmt: skip
        return None
    return Piece(kind, render.id or 0, asset.sha256, asset.size_bytes, asset.duration_s or 0.0,
                 subs)  # fmt: skip


async def _plays(store: MediaStore, sha256: str) -> bool:
    """The file opens and has a picture with a length: a broken file is never posted."""
    try:
        info = await aprobe(await store.local_path(sha256))
    except Exception:
        return False
    return info.video is not None and info.duration_s > 0


async def _recap_needed(db: Database, guild_id: int, episode_id: int) -> bool:
    try:
        await check_cut(db, CutRequest(guild_id, episode_id, 0, kind="recap"))
    except NothingToRecap:
        return False
    return True


async def readiness(
    db: Database, store: MediaStore, guild_id: int, episode_id: int, limit_bytes: int
) -> Readiness:
    """What can be posted now: a final episode render and (from episode 2 on) a recap, whose
    Discord copies exist in the media store and fit ``limit_bytes``. Never renders."""
    async with db.session() as session:
        final = await latest_render(session, guild_id, episode_id, "episode", final=True)
        recap = await latest_render(session, guild_id, episode_id, "recap")
    state = Readiness(recap_needed=await _recap_needed(db, guild_id, episode_id))
    state.episode = await _piece(db, store, final, "episode", limit_bytes)
    if state.episode is None:
        state.problems.append("episode_missing")
    if state.recap_needed:
        state.recap = await _piece(db, store, recap, "recap", limit_bytes)
        if state.recap is None:
            state.problems.append("recap_missing")
    return state


def _final_cut(job: Job) -> bool:
    return bool(dict(job.params.get("options") or {}).get("final"))


async def prepare(
    db: Database,
    store: MediaStore,
    guild_id: int,
    episode_id: int,
    *,
    member_id: int,
    out_dir: Path,
    limit_bytes: int,
    locale: str = "en",
) -> Readiness:
    """Queue render jobs for the final episode and its recap where no fitting render exists
    yet, or find the ones under way (a member's ``/episode cut final:true`` counts); returns
    what is ready now, with ``rendering`` = those jobs. Never renders itself.

    A final cut refuses while a shot is unlocked: the premiere then waits (``waiting`` lists the
    shots) rather than show slates. A render that fails is left missing; the caller postpones."""
    state = await readiness(db, store, guild_id, episode_id, limit_bytes)
    if state.episode is None:
        request = CutRequest(guild_id, episode_id, member_id, kind="episode",
                             options=CutOptions(final=True, locale=locale),
                             token=f"premiere-{episode_id}")  # fmt: skip
        try:
            episode = await check_cut(db, request)
            job = await enqueue_render(db, request, out_dir=out_dir, accept=_final_cut,
                                       label=f"premiere episode {episode.number}")  # fmt: skip
            state.rendering.append(job.id or 0)
        except (ShotsNotLocked, NothingLocked) as exc:
            state.waiting = list(getattr(exc, "codes", []))
    if state.recap_needed and state.recap is None:
        request = CutRequest(guild_id, episode_id, member_id, kind="recap",
                             options=CutOptions(locale=locale),
                             token=f"premiere-recap-{episode_id}")  # fmt: skip
        job = await enqueue_render(db, request, out_dir=out_dir, accept=lambda _job: True,
                                   label="premiere recap")  # fmt: skip
        state.rendering.append(job.id or 0)
    if state.rendering:
        log.info("premiere of episode %s (guild %s): render jobs %s under way", episode_id,
                 guild_id, state.rendering)  # fmt: skip
    return state


async def await_renders(
    db: Database,
    store: MediaStore,
    guild_id: int,
    episode_id: int,
    job_ids: list[int],
    *,
    limit_bytes: int,
    timeout_s: float,
    poll_s: float = 0.5,
) -> Readiness:
    """Wait until the render jobs ``job_ids`` have ended (or ``timeout_s`` passed), then say
    what is ready. The jobs keep running after a timeout; a later readiness finds them."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while job_ids and loop.time() < deadline:
        async with db.session() as session:
            statuses = await dependency_statuses(session, guild_id, job_ids)
        if all(is_terminal(status) for status in statuses.values()):
            break
        await asyncio.sleep(min(poll_s, max(0.0, deadline - loop.time())))
    return await readiness(db, store, guild_id, episode_id, limit_bytes)


async def estimated_runtime_s(
    db: Database, store: MediaStore, guild_id: int, episode_id: int, limit_bytes: int
) -> float:
    """For the event's end time: the renders' length if they exist, else the shots' plus cards
    and a one-minute recap."""
    state = await readiness(db, store, guild_id, episode_id, limit_bytes)
    if state.ready:
        return max(60.0, state.runtime_s)
    episode = await load_episode(db, guild_id, episode_id)
    shots = sum(s.take_duration_s or s.duration_s for s in episode.shots)
    cards = 3.0 + 2.0 * len(episode.scenes) + 5.0
    return max(60.0, shots + cards + (60.0 if state.recap_needed else 0.0))


async def cover_png(db: Database, guild_id: int, episode_id: int, locale: str) -> bytes:
    """The episode's title card, in the series' style, as the scheduled event's cover."""
    episode = await load_episode(db, guild_id, episode_id)

    def draw() -> bytes:
        house = HouseFormat(800, 320, 24)  # Discord shows event covers at 800x320
        image = episode_title_image(episode, house, locale)
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="PNG")
        return buffer.getvalue()

    return await asyncio.to_thread(draw)
