"""The cut as an OpenTimelineIO timeline, an EDL (CMX 3600) and FCP XML, for Resolve or Premiere.

One video track and one audio track; each shot is a clip named by its shot code whose media is
its take file (the media store's path, so an editor on this machine relinks nothing), carrying
the take, provider and model in ``metadata["dailies"]``; cards and slates are clips with a
missing reference (they are drawn: there is no file to point at). The EDL and FCP XML come
from OTIO's adapters, which OTIO 0.17+ ships as plugins (``otio-cmx3600-adapter``,
``otio-fcp-adapter``); without them only the .otio is written and the others are reported
missing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import opentimelineio as otio

from pipeline.cut.plan import CutPlan, Piece

log = logging.getLogger(__name__)

FORMATS = {"otio": ("otio_json", ".otio"), "edl": ("cmx_3600", ".edl"),
           "fcpxml": ("fcp_xml", ".xml")}  # fmt: skip


@dataclass
class Exported:
    files: dict[str, Path] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # format -> why


def _range(start_s: float, duration_s: float, fps: int) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(
        otio.opentime.RationalTime(round(start_s * fps), fps),
        otio.opentime.RationalTime(round(duration_s * fps), fps),
    )


def _clip(piece: Piece, fps: int, take_paths: dict[int, Path], audio: bool) -> otio.schema.Clip:
    shot = piece.shots[0] if piece.shots else None
    if piece.kind == "take" and shot is not None and shot.shot_id in take_paths:
        path = take_paths[shot.shot_id]
        media: otio.core.MediaReference = otio.schema.ExternalReference(
            target_url=path.resolve().as_uri(),
            available_range=_range(0, piece.duration_s, fps),
        )
    else:
        # A drawn card has no file; FCP XML's adapter cannot write generator references.
        media = otio.schema.MissingReference(
            name=piece.label, available_range=_range(0, piece.duration_s, fps),
        )  # fmt: skip
    name = shot.code if shot is not None and piece.kind in ("take", "slate") else piece.label
    clip = otio.schema.Clip(
        name=name.replace(" ", "_"), media_reference=media,
        source_range=_range(0, piece.duration_s, fps),
    )  # fmt: skip
    clip.metadata["dailies"] = {
        "kind": piece.kind,
        "shots": [
            {
                "shot_id": s.shot_id,
                "code": s.code,
                "take_id": s.take_id,
                "provider": s.provider,
                "model": s.model,
            }
            for s in piece.shots
        ],
        "audio": audio,
    }
    return clip


def build_timeline(plan: CutPlan, take_paths: dict[int, Path]) -> otio.schema.Timeline:
    """The plan as a timeline: pieces end to end on V1 and A1 (fades as one clip each)."""
    fps = plan.house.fps
    ep = plan.episode
    timeline = otio.schema.Timeline(name=f"{ep.series_name} {ep.number:02d} {ep.title}")
    timeline.global_start_time = otio.opentime.RationalTime(0, fps)
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    sound = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    for piece in plan.pieces:
        video.append(_clip(piece, fps, take_paths, audio=False))
        sound.append(_clip(piece, fps, take_paths, audio=True))
    timeline.tracks.append(video)
    timeline.tracks.append(sound)
    timeline.metadata["dailies"] = {
        "episode": ep.number, "title": ep.title, "series": ep.series_name,
        "fps": fps, "width": plan.house.width, "height": plan.house.height,
    }  # fmt: skip
    return timeline


def export_timeline(
    plan: CutPlan,
    take_paths: dict[int, Path],
    stem: Path,
    formats: tuple[str, ...] = tuple(FORMATS),
) -> Exported:
    """``stem.otio``, ``stem.edl``, ``stem.xml`` (whichever adapters are installed)."""
    timeline = build_timeline(plan, take_paths)
    available = set(otio.adapters.available_adapter_names())
    out = Exported()
    for fmt in formats:
        adapter, suffix = FORMATS[fmt]
        if adapter not in available:
            out.missing[fmt] = f"the {adapter} adapter is not installed"
            continue
        path = stem.with_name(stem.name + suffix)
        try:
            if fmt == "edl":
                # An EDL has one video track; the sound follows the picture.
                single = otio.schema.Timeline(name=timeline.name)
                single.tracks.append(timeline.tracks[0].clone())
                otio.adapters.write_to_file(single, str(path), adapter_name=adapter)
            else:
                otio.adapters.write_to_file(timeline, str(path), adapter_name=adapter)
        except Exception as exc:  # an adapter refusing a timeline must not lose the others
            log.exception("timeline export to %s failed", fmt)
            out.missing[fmt] = f"{type(exc).__name__}: {exc}"[:200]
            continue
        out.files[fmt] = path
    return out
