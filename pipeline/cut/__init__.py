"""Episode cuts, previews, "Previously on..." recaps, subtitles, credits and timeline export.

Public API (commands/ and bot/ use only this)::

    from pipeline.cut import CutOptions, CutRequest, check_cut, run_render, run_export
    episode = await check_cut(db, request)          # refusals before any rendering
    job = await enqueue_render(db, request, out_dir=out_dir)   # a worker renders it (durable)
    outcome = await run_render(db, store, request, out_dir, report=cb)   # in this process (CLI)

Refusals: ``NothingLocked``, ``ShotsNotLocked(.codes)``, ``NothingToRecap(.number)``;
``RenderBusy(.job)`` when a render of that episode and kind is already queued or running.
"""

from pipeline.cut.job import RenderBusy, active_render, enqueue_render
from pipeline.cut.plan import CutOptions, CutPlan, NothingLocked, ShotsNotLocked, plan_cut
from pipeline.cut.recap import NothingToRecap
from pipeline.cut.service import (
    RECAP_DEFAULT_S,
    RECAP_MAX_S,
    RECAP_MIN_S,
    CutOutcome,
    CutRequest,
    check_cut,
    load_episode,
    run_export,
    run_render,
    with_music,
)
from pipeline.cut.timeline import Exported

__all__ = [
    "RECAP_DEFAULT_S",
    "RECAP_MAX_S",
    "RECAP_MIN_S",
    "CutOptions",
    "CutOutcome",
    "CutPlan",
    "CutRequest",
    "Exported",
    "NothingLocked",
    "NothingToRecap",
    "RenderBusy",
    "ShotsNotLocked",
    "active_render",
    "check_cut",
    "enqueue_render",
    "load_episode",
    "plan_cut",
    "run_export",
    "run_render",
    "with_music",
]
