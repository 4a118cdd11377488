"""A cut or recap from request to stored files: load, render, fit for Discord, keep, announce.

``check_cut`` refuses early (nothing locked, a final cut with shots waiting, episode 1 has no
recap) so a command can answer before starting; ``run_render`` does the slow part, reporting
progress to a callback (the CLI's bar) and, through the outbox, to the status card in Discord
(outbox kinds ``cut_progress``, ``cut_ready``, ``cut_failed``; the bot renders them).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.cut.plan import CutOptions, CutPlan, plan_cut
from pipeline.cut.progress import StageCallback, Throttle
from pipeline.cut.recap import NothingToRecap, narrated_length, plan_recap, render_recap
from pipeline.cut.render import RenderedCut, render_cut
from pipeline.cut.timeline import Exported, export_timeline
from pipeline.media.delivery import fit_for_upload
from pipeline.media.probe import aprobe
from storage import outbox
from storage.cuts import EpisodeForCut, credits_for, earlier_shots, episode_for_cut
from storage.cuts import record_render as _record
from storage.db import Database
from storage.media import MediaStore, register_asset

log = logging.getLogger(__name__)

RECAP_MIN_S, RECAP_MAX_S, RECAP_DEFAULT_S = 30.0, 120.0, 60.0


@dataclass(frozen=True)
class CutRequest:
    guild_id: int
    episode_id: int
    member_id: int
    kind: str = "episode"  # episode | recap
    options: CutOptions = field(default_factory=CutOptions)
    target_s: float = RECAP_DEFAULT_S
    token: str = ""  # names this render in outbox rows (the status card's id is a good one)
    channel_id: int | None = None  # the status card's channel and message, if any
    card_message_id: int | None = None


@dataclass
class CutOutcome:
    render_id: int
    rendered: RenderedCut
    upload_path: Path
    upload_bytes: int
    master_asset_id: int
    upload_asset_id: int
    subtitle_asset_ids: dict[str, int]
    waiting: list[str]
    plan: CutPlan


async def load_episode(db: Database, guild_id: int, episode_id: int) -> EpisodeForCut:
    async with db.session() as session:
        return await episode_for_cut(session, guild_id, episode_id)


async def check_cut(db: Database, request: CutRequest) -> EpisodeForCut:
    """The refusals that need no rendering (raises NothingLocked, ShotsNotLocked,
    NothingToRecap); returns the loaded episode."""
    episode = await load_episode(db, request.guild_id, request.episode_id)
    if request.kind == "recap":
        async with db.session() as session:
            earlier = await earlier_shots(session, request.guild_id, request.episode_id)
        if episode.number <= 1 or not any(s.locked for s in earlier):
            raise NothingToRecap(episode.number)
    else:
        plan_cut(episode, request.options, {s.shot_id: s.duration_s for s in episode.shots})
    return episode


class CardReporter:
    """Progress as ``cut_progress`` outbox rows (throttled), for the status card."""

    def __init__(self, db: Database, request: CutRequest, episode: EpisodeForCut) -> None:
        self.db = db
        self.request = request
        self.episode = episode
        self._tasks: set[asyncio.Task[None]] = set()
        self._throttle = Throttle(self._send, step=0.1, every_s=3.0)

    def __call__(self, stage: str, fraction: float) -> None:
        if self.request.channel_id is not None:
            self._throttle(stage, fraction)

    def _send(self, stage: str, fraction: float) -> None:
        task = asyncio.get_running_loop().create_task(
            self.write("cut_progress", stage=stage, progress=round(fraction, 3))
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def write(self, kind: str, **payload: object) -> None:
        req = self.request
        if req.channel_id is None:
            return
        body = {
            "token": req.token, "kind": req.kind, "episode_id": req.episode_id,
            "episode_number": self.episode.number, "episode_title": self.episode.title,
            "card_message_id": req.card_message_id, "requested_by": req.member_id, **payload,
        }  # fmt: skip
        step = int(float(str(payload.get("progress", 0))) * 100)
        key = f"{kind}:{req.token}:{step}" if kind == "cut_progress" else f"{kind}:{req.token}"
        try:
            async with self.db.session() as session:
                await outbox.append(session, req.guild_id, kind, req.channel_id, body, key)
                await session.commit()
        except Exception:
            log.exception("could not write %s for render %s", kind, req.token)

    async def settle(self) -> None:
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


async def _take_paths(store: MediaStore, episode_shots: list[object]) -> dict[int, Path]:
    paths: dict[int, Path] = {}
    for shot in episode_shots:
        sha = getattr(shot, "video_sha256", None)
        if sha:
            paths[getattr(shot, "shot_id")] = await store.local_path(sha)  # noqa: B009
    return paths


async def _lengths(paths: dict[int, Path]) -> dict[int, float]:
    infos = await asyncio.gather(*(aprobe(p) for p in paths.values()))
    return {
        shot_id: (info.video.duration_s if info.video else 0.0) or info.duration_s
        for shot_id, info in zip(paths, infos, strict=True)
    }


async def _publish(path: Path, out_dir: Path) -> Path:
    dst = out_dir / path.name
    await asyncio.to_thread(os.replace, path, dst)
    return dst


async def _keep(
    db: Database, store: MediaStore, request: CutRequest, rendered: RenderedCut, upload: Path,
    final: bool, width: int, height: int,
) -> tuple[int, int, int, dict[str, int]]:  # fmt: skip
    master = await store.put_file(rendered.path)
    copy = await store.put_file(upload)
    subs = {lang: await store.put_file(path) for lang, path in rendered.subtitles.items()}
    async with db.session() as session:
        g, by = request.guild_id, request.member_id
        name = f"{request.kind}-{request.episode_id}"
        m = await register_asset(session, g, master.sha256, "video/mp4", master.size,
                                 width=width, height=height, duration_s=rendered.duration_s,
                                 original_name=f"{name}.mp4", created_by=by)  # fmt: skip
        u = await register_asset(session, g, copy.sha256, "video/mp4", copy.size,
                                 duration_s=rendered.duration_s,
                                 original_name=f"{name}-discord.mp4", created_by=by)  # fmt: skip
        sub_ids: dict[str, int] = {}
        for lang, stored in subs.items():
            asset = await register_asset(session, g, stored.sha256, "application/x-subrip",
                                         stored.size, original_name=f"{name}.{lang}.srt",
                                         created_by=by)  # fmt: skip
            sub_ids[lang] = asset.id or 0
        render = await _record(
            session, g, request.episode_id, kind=request.kind if final or request.kind ==
            "recap" else "preview", final=final, video_asset_id=m.id, discord_asset_id=u.id,
            subtitles=sub_ids, created_by=by,
        )  # fmt: skip
        await session.commit()
        return render.id or 0, m.id or 0, u.id or 0, sub_ids


async def run_render(
    db: Database,
    store: MediaStore,
    request: CutRequest,
    out_dir: Path,
    *,
    report: StageCallback | None = None,
    keep_work: bool = False,
) -> CutOutcome:
    """Render, fit for Discord, keep in the media store, record the Render, announce it.

    ``out_dir`` receives the master (``episode-N.mp4`` / ``recap-N.mp4``), its SRTs and the
    Discord copy. Failures are announced as ``cut_failed`` and raised.
    """
    episode = await check_cut(db, request)
    card = CardReporter(db, request, episode)

    def both(stage: str, fraction: float) -> None:
        card(stage, fraction * 0.85)
        if report is not None:
            report(stage, fraction * 0.85)

    await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
    stem = f"{request.kind}-{episode.number}"
    # Its own folder per render: two renders of one episode (a card and a premiere) never mix.
    work = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix=f".work-{stem}-", dir=out_dir))
    try:
        async with db.session() as session:
            credits = await credits_for(session, request.guild_id, request.episode_id,
                                        episode.shots)  # fmt: skip
            earlier = (
                await earlier_shots(session, request.guild_id, request.episode_id)
                if request.kind == "recap" else []
            )  # fmt: skip
        if request.kind == "recap":
            paths = await _take_paths(store, [s for s in earlier if s.locked])
            voice, spoken = await narrated_length(request.options.locale, episode.series_name,
                                                  work)  # fmt: skip
            plan, excerpts = plan_recap(episode, earlier, request.options, request.target_s,
                                        await _lengths(paths), narrator_s=spoken)  # fmt: skip
            rendered = await render_recap(plan, excerpts, paths, work, work / f"{stem}.mp4",
                                          report=both, narrator=voice)  # fmt: skip
        else:
            paths = await _take_paths(store, list(episode.shots))
            plan = plan_cut(episode, request.options, await _lengths(paths))
            rendered = await render_cut(plan, paths, credits, work, work / f"{stem}.mp4",
                                        report=both)  # fmt: skip
        upload = work / f"{stem}-discord.mp4"

        def copy_progress(fraction: float) -> None:
            both("upload", (0.85 + 0.15 * fraction) / 0.85)

        await fit_for_upload(rendered.path, upload, max_bytes=episode.upload_limit_bytes,
                             on_progress=copy_progress)  # fmt: skip
        final = request.options.final and not episode.unlocked
        render_id, master_id, upload_id, sub_ids = await _keep(
            db, store, request, rendered, upload, final, plan.house.width, plan.house.height
        )
        # Finished files move out of the render's own folder only now, each in one rename.
        rendered.path = await _publish(rendered.path, out_dir)
        upload = await _publish(upload, out_dir)
        rendered.subtitles = {
            lang: await _publish(path, out_dir) for lang, path in rendered.subtitles.items()
        }
        size = upload.stat().st_size
        waiting = [s.code for s in episode.unlocked] if request.kind == "episode" else []
        await card.settle()
        await card.write(
            "cut_ready", render_id=render_id, upload_asset_id=upload_id,
            subtitle_asset_ids=sub_ids, duration_s=round(rendered.duration_s, 3),
            size_bytes=size, final=final, waiting=waiting, progress=1.0,
        )  # fmt: skip
        if report is not None:
            report("done", 1.0)
        return CutOutcome(render_id, rendered, upload, size, master_id, upload_id, sub_ids,
                          waiting, plan)  # fmt: skip
    except Exception as exc:
        await card.settle()
        await card.write("cut_failed", reason=type(exc).__name__, detail=str(exc)[:300])
        raise
    finally:
        if not keep_work:
            await asyncio.to_thread(shutil.rmtree, work, True)


def with_music(options: CutOptions, music: Path | None) -> CutOptions:
    return replace(options, music_path=music)


async def run_export(
    db: Database, store: MediaStore, guild_id: int, episode_id: int, out_dir: Path
) -> tuple[Exported, CutPlan]:
    """The episode's timeline (.otio, .edl, .xml) in ``out_dir``; unlocked shots are slates."""
    episode = await load_episode(db, guild_id, episode_id)
    options = CutOptions(allow_empty=True, locale=episode.locale)
    paths = await _take_paths(store, list(episode.shots))
    plan = plan_cut(episode, options, await _lengths(paths))
    await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
    exported = await asyncio.to_thread(
        export_timeline, plan, paths, out_dir / f"episode-{episode.number}"
    )
    return exported, plan
