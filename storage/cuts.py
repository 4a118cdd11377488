"""What a cut needs from the database: the episode's shots in order with their locked takes,
the credits, the key moments of earlier episodes for a recap, and the Render rows.

Everything is read in a few guild-scoped queries and returned as plain frozen dataclasses, so the
renderer (pipeline/cut) never holds a session while ffmpeg runs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import NotFound
from storage.models import (
    Contribution,
    DialogueLine,
    Episode,
    GuildSettings,
    Job,
    MediaAsset,
    Render,
    Scene,
    Series,
    Shot,
    Take,
    TakeKind,
    Vote,
)

# A finished take (lip-sync, face pass, performance) made from the locked one replaces it in the
# cut: the finishing chain's output is what the episode should show and sound like.
FINISHED_KINDS = (TakeKind.LIPSYNC, TakeKind.FACE, TakeKind.PERFORMANCE)


@dataclass(frozen=True)
class CutLine:
    line_id: int
    speaker: str
    text: str
    language: str
    memorable: bool
    voice_s: float | None = None  # length of its generated voice, when there is one


@dataclass(frozen=True)
class CutScene:
    scene_id: int
    position: int
    code: str
    heading: str
    synopsis: str


@dataclass(frozen=True)
class CutShot:
    shot_id: int
    code: str
    scene_id: int
    episode_number: int
    scene_position: int
    position: int
    action: str
    duration_s: float
    is_key: bool
    take_id: int | None = None
    video_sha256: str | None = None
    take_duration_s: float | None = None
    provider: str = ""
    model: str = ""
    votes: float = 0.0
    lines: tuple[CutLine, ...] = ()

    @property
    def locked(self) -> bool:
        return self.video_sha256 is not None


@dataclass(frozen=True)
class EpisodeForCut:
    guild_id: int
    episode_id: int
    series_id: int
    number: int
    title: str
    synopsis: str
    series_name: str
    palette: str
    width: int
    height: int
    fps: int
    locale: str
    upload_limit_bytes: int
    scenes: tuple[CutScene, ...] = ()
    shots: tuple[CutShot, ...] = ()

    @property
    def unlocked(self) -> list[CutShot]:
        return [s for s in self.shots if not s.locked]


@dataclass(frozen=True)
class Credits:
    """Member names by role (showrunner, writer, performer, voter, flagger), and who made what."""

    people: dict[str, list[str]] = field(default_factory=dict)
    makers: list[str] = field(default_factory=list)  # "provider · model", each once


async def _episode(session: AsyncSession, guild_id: int, episode_id: int) -> Episode:
    episode = (
        await session.exec(
            select(Episode).where(Episode.guild_id == guild_id, Episode.id == episode_id)
        )
    ).first()
    if episode is None:
        raise NotFound()
    return episode


async def _votes(session: AsyncSession, guild_id: int, take_ids: list[int]) -> dict[int, float]:
    if not take_ids:
        return {}
    rows = await session.exec(
        select(Vote.take_id, func.sum(Vote.weight))
        .where(Vote.guild_id == guild_id, col(Vote.take_id).in_(take_ids))
        .group_by(col(Vote.take_id))
    )
    return {int(t): float(w or 0) for t, w in rows.all()}


async def _voice_lengths(
    session: AsyncSession, guild_id: int, shot_ids: list[int]
) -> dict[int, float]:
    """Line id -> length of its newest voice take (voice jobs carry ``params.line_id``)."""
    if not shot_ids:
        return {}
    rows = await session.exec(
        select(Job.params, Take.duration_s)
        .join(Take, col(Take.job_id) == col(Job.id))
        .where(
            Take.guild_id == guild_id,
            Job.guild_id == guild_id,
            Take.kind == TakeKind.VOICE,
            col(Take.shot_id).in_(shot_ids),
        )
        .order_by(col(Take.id))
    )
    found: dict[int, float] = {}
    for params, duration in rows.all():
        line_id = (params or {}).get("line_id")
        if isinstance(line_id, int) and duration:
            found[line_id] = float(duration)
    return found


async def _shots(
    session: AsyncSession, guild_id: int, episodes: dict[int, Episode]
) -> tuple[list[CutScene], list[CutShot]]:
    """Scenes and shots of these episodes in story order, each with its take for the cut."""
    ids = list(episodes)
    scenes = (
        await session.exec(
            select(Scene)
            .where(Scene.guild_id == guild_id, col(Scene.episode_id).in_(ids))
            .order_by(col(Scene.position), col(Scene.id))
        )
    ).all()
    scene_by_id = {s.id: s for s in scenes}
    shots = (
        await session.exec(
            select(Shot)
            .where(Shot.guild_id == guild_id, col(Shot.episode_id).in_(ids))
            .order_by(col(Shot.position), col(Shot.id))
        )
    ).all()
    locked_ids = [s.locked_take_id for s in shots if s.locked_take_id]
    takes: dict[int, Take] = {}
    finished: dict[int, Take] = {}
    if locked_ids:
        for take in (
            await session.exec(
                select(Take).where(Take.guild_id == guild_id, col(Take.id).in_(locked_ids))
            )
        ).all():
            takes[take.id or 0] = take
        for take in (
            await session.exec(
                select(Take)
                .where(
                    Take.guild_id == guild_id,
                    col(Take.parent_take_id).in_(locked_ids),
                    col(Take.kind).in_([k.value for k in FINISHED_KINDS]),
                    col(Take.video_asset_id).is_not(None),
                )
                .order_by(col(Take.id))
            )
        ).all():
            finished[take.parent_take_id or 0] = take  # the newest wins
    used = {tid: finished.get(tid, take) for tid, take in takes.items()}
    asset_ids = [t.video_asset_id for t in used.values() if t.video_asset_id]
    sha: dict[int, str] = {}
    if asset_ids:
        for asset in (
            await session.exec(
                select(MediaAsset).where(
                    MediaAsset.guild_id == guild_id, col(MediaAsset.id).in_(asset_ids)
                )
            )
        ).all():
            sha[asset.id or 0] = asset.sha256
    votes = await _votes(session, guild_id, locked_ids)
    shot_ids = [s.id or 0 for s in shots]
    voice = await _voice_lengths(session, guild_id, shot_ids)
    lines: dict[int, list[CutLine]] = defaultdict(list)
    if shot_ids:
        for line in (
            await session.exec(
                select(DialogueLine)
                .where(DialogueLine.guild_id == guild_id, col(DialogueLine.shot_id).in_(shot_ids))
                .order_by(col(DialogueLine.position), col(DialogueLine.id))
            )
        ).all():
            lines[line.shot_id].append(
                CutLine(
                    line.id or 0,
                    line.speaker,
                    line.text,
                    line.language,
                    line.memorable,
                    voice.get(line.id or 0),
                )
            )
    cut_scenes = [
        CutScene(
            s.id or 0,
            s.position,
            f"{episodes[s.episode_id].number}.{s.position}",
            s.heading,
            s.synopsis,
        )
        for s in scenes
    ]
    order = {s.id: (episodes[s.episode_id].number, s.position, i) for i, s in enumerate(scenes)}
    cut_shots: list[CutShot] = []
    for shot in sorted(
        (s for s in shots if s.scene_id in scene_by_id),
        key=lambda s: (*order[s.scene_id], s.position, s.id or 0),
    ):
        scene = scene_by_id[shot.scene_id]
        number = episodes[shot.episode_id].number
        shown = used.get(shot.locked_take_id or 0)
        video = sha.get(shown.video_asset_id or 0) if shown is not None else None
        cut_shots.append(
            CutShot(
                shot_id=shot.id or 0,
                code=f"{number}.{scene.position}.{shot.position}",
                scene_id=shot.scene_id,
                episode_number=number,
                scene_position=scene.position,
                position=shot.position,
                action=shot.action,
                duration_s=shot.duration_s,
                is_key=shot.is_key,
                take_id=shown.id if shown is not None and video else None,
                video_sha256=video,
                take_duration_s=shown.duration_s if shown is not None and video else None,
                provider=shown.provider if shown is not None else "",
                model=shown.model if shown is not None else "",
                votes=votes.get(shot.locked_take_id or 0, 0.0),
                lines=tuple(lines.get(shot.id or 0, ())),
            )
        )
    return cut_scenes, cut_shots


async def episode_for_cut(session: AsyncSession, guild_id: int, episode_id: int) -> EpisodeForCut:
    """The episode with its scenes and shots in order and the take each shot shows."""
    episode = await _episode(session, guild_id, episode_id)
    series = (
        await session.exec(
            select(Series).where(Series.guild_id == guild_id, Series.id == episode.series_id)
        )
    ).first()
    settings = (
        await session.exec(select(GuildSettings).where(GuildSettings.guild_id == guild_id))
    ).first()
    scenes, shots = await _shots(session, guild_id, {episode.id or 0: episode})
    return EpisodeForCut(
        guild_id=guild_id,
        episode_id=episode.id or 0,
        series_id=episode.series_id,
        number=episode.number,
        title=episode.title,
        synopsis=episode.synopsis,
        series_name=series.name if series else "",
        palette=series.palette if series else "",
        width=series.house_width if series else 1280,
        height=series.house_height if series else 720,
        fps=series.house_fps if series else 24,
        locale=settings.locale if settings else "en",
        upload_limit_bytes=settings.upload_limit_bytes if settings else 10 * 1024 * 1024,
        scenes=tuple(scenes),
        shots=tuple(shots),
    )


async def earlier_shots(session: AsyncSession, guild_id: int, episode_id: int) -> list[CutShot]:
    """Every shot of the series' episodes before this one, in story order (recap candidates)."""
    episode = await _episode(session, guild_id, episode_id)
    earlier = (
        await session.exec(
            select(Episode).where(
                Episode.guild_id == guild_id,
                Episode.series_id == episode.series_id,
                Episode.number < episode.number,
            )
        )
    ).all()
    if not earlier:
        return []
    _scenes, shots = await _shots(session, guild_id, {e.id or 0: e for e in earlier})
    return shots


async def credits_for(
    session: AsyncSession, guild_id: int, episode_id: int, shots: tuple[CutShot, ...] = ()
) -> Credits:
    """Who made the episode (contributions on it or its shots) and which generators did."""
    shot_ids = (
        await session.exec(
            select(Shot.id).where(Shot.guild_id == guild_id, Shot.episode_id == episode_id)
        )
    ).all()
    rows = (
        await session.exec(
            select(Contribution)
            .where(
                Contribution.guild_id == guild_id,
                (col(Contribution.episode_id) == episode_id)
                | (col(Contribution.shot_id).in_([i for i in shot_ids if i is not None])),
            )
            .order_by(col(Contribution.created_at), col(Contribution.id))
        )
    ).all()
    people: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        name = row.member_name or f"#{row.member_id}"
        role = str(row.role.value if hasattr(row.role, "value") else row.role)
        if name not in people[role]:
            people[role].append(name)
    makers: list[str] = []
    for shot in shots:
        if not shot.provider:
            continue
        label = f"{shot.provider} · {shot.model}" if shot.model else shot.provider
        if label not in makers:
            makers.append(label)
    return Credits(dict(people), makers)


async def record_render(
    session: AsyncSession,
    guild_id: int,
    episode_id: int,
    *,
    kind: str,
    final: bool,
    video_asset_id: int | None,
    discord_asset_id: int | None,
    subtitles: dict[str, int],
    timeline_asset_id: int | None = None,
    created_by: int,
) -> Render:
    """A finished render (flushes; the caller commits)."""
    render = Render(
        guild_id=guild_id,
        episode_id=episode_id,
        kind=kind,
        final=final,
        video_asset_id=video_asset_id,
        discord_asset_id=discord_asset_id,
        subtitles=subtitles,
        timeline_asset_id=timeline_asset_id,
        created_by=created_by,
    )
    session.add(render)
    await session.flush()
    return render


async def latest_render(
    session: AsyncSession, guild_id: int, episode_id: int, kind: str, *, final: bool | None = None
) -> Render | None:
    """The newest render of this kind (episode | preview | recap) for the episode."""
    query = select(Render).where(
        Render.guild_id == guild_id, Render.episode_id == episode_id, Render.kind == kind
    )
    if final is not None:
        query = query.where(Render.final == final)
    return (await session.exec(query.order_by(col(Render.id).desc()))).first()
