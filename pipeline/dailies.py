"""The pictures of a shot's dailies: each take fitted to the upload limit, a side-by-side
comparison video (ffmpeg ``xstack``, every take starting on the same frame, its letter drawn
on it) and a contact sheet. Files only: nothing here knows Discord or SQL.

    media = await prepare_dailies([TakeMedia("A", a_mp4), ...], work_dir, max_bytes=10 << 20)
    media.takes["A"], media.comparison, media.contact_sheet   # paths, each <= max_bytes

Never fails on size: a take or a comparison too big is transcoded down (``fit_for_upload``);
one that cannot fit at a watchable bitrate is left out (``None``) rather than failing the post.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from pipeline.media import TooLongForLimit, aprobe, extract_thumbnail, fit_for_upload, run_ffmpeg
from pipeline.media.cards import contact_sheet, save

log = logging.getLogger(__name__)

FONT = Path(__file__).parent / "media" / "fonts" / "DejaVuSans-Bold.ttf"
MAX_COMPARED = 9  # a 3x3 grid; beyond that each cell is too small to judge


@dataclass(frozen=True)
class TakeMedia:
    label: str
    video: Path
    thumbnail: Path | None = None


@dataclass
class DailiesMedia:
    takes: dict[str, Path | None] = field(default_factory=dict)
    comparison: Path | None = None
    contact_sheet: Path | None = None


def grid(count: int) -> tuple[int, int]:
    """(columns, rows): 1x1, 2x1, then the smallest near-square grid (3 and 4 -> 2x2)."""
    if count <= 0:
        raise ValueError("nothing to compare")
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    return columns, rows


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def _filter_text(value: str) -> str:
    # drawtext's text= inside a quoted filter argument: escape what the parsers would eat.
    return value.replace("\\", "\\\\").replace("'", "\\'").replace(":", "\\:").replace("%", "\\%")


async def comparison_video(
    videos: Sequence[Path],
    labels: Sequence[str],
    dst: Path,
    *,
    width: int | None = None,
    height: int | None = None,
    fps: int = 24,
) -> Path:
    """All takes side by side in one picture, in sync, each with its label.

    Output size: the first take's (so four 720p takes give a 720p grid of 640x360 cells),
    or ``width``x``height``. Each take starts at its frame 0 (``setpts``), runs at ``fps``,
    holds its last frame if it is shorter than the longest (``tpad``); silent (members
    listen to a take on its own).
    """
    if len(videos) != len(labels) or not videos:
        raise ValueError("one label per take")
    videos, labels = list(videos)[:MAX_COMPARED], list(labels)[:MAX_COMPARED]
    infos = await asyncio.gather(*(aprobe(v) for v in videos))
    first = infos[0].video
    out_w = width or (first.width if first else 1280)
    out_h = height or (first.height if first else 720)
    columns, rows = grid(len(videos))
    cell_w, cell_h = _even(out_w / columns), _even(out_h / rows)
    longest = max((i.video.duration_s if i.video else 0) or i.duration_s for i in infos)
    font_px = max(12, cell_h // 8)
    chains, names = [], []
    for index, (info, label) in enumerate(zip(infos, labels, strict=True)):
        length = (info.video.duration_s if info.video else 0) or info.duration_s
        hold = max(0.0, longest - length)
        chains.append(
            f"[{index}:v]setpts=PTS-STARTPTS,fps={fps},"
            f"scale={cell_w}:{cell_h}:force_original_aspect_ratio=decrease,"
            f"pad={cell_w}:{cell_h}:(ow-iw)/2:(oh-ih)/2:black,setsar=1,"
            f"tpad=stop_mode=clone:stop_duration={hold:.3f},"
            f"drawtext=fontfile='{FONT}':text='{_filter_text(label)}':fontsize={font_px}:"
            f"fontcolor=white:box=1:boxcolor=black@0.6:boxborderw={font_px // 4}:"
            f"x={font_px // 2}:y={font_px // 2}[v{index}]"
        )
        names.append(f"[v{index}]")
    blanks = columns * rows - len(videos)
    for extra in range(blanks):
        # Empty cells of the grid (3 takes in 2x2) stay black.
        chains.append(f"color=c=black:s={cell_w}x{cell_h}:r={fps}:d={longest:.3f}[b{extra}]")
        names.append(f"[b{extra}]")
    layout = "|".join(
        f"{(i % columns) * cell_w}_{(i // columns) * cell_h}" for i in range(len(names))
    )
    if len(names) == 1:
        stack = f"{names[0]}null[out]"
    else:
        stack = f"{''.join(names)}xstack=inputs={len(names)}:layout={layout}[out]"
    graph = ";".join([*chains, stack])
    args: list[str] = ["-y", "-hide_banner", "-loglevel", "error"]
    for video in videos:
        args += ["-i", str(video)]
    args += [
        "-filter_complex", graph, "-map", "[out]", "-an",
        "-t", f"{longest:.3f}", "-r", str(fps),
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "24", "-pix_fmt", "yuv420p",
        "-movflags", "+faststart", str(dst),
    ]  # fmt: skip
    await run_ffmpeg(args, total_s=longest)
    return dst


async def _fitted(src: Path, dst: Path, max_bytes: int) -> Path | None:
    try:
        return await fit_for_upload(src, dst, max_bytes=max_bytes)
    except TooLongForLimit:
        log.warning("%s cannot fit in %d bytes; posted without it", src.name, max_bytes)
        return None


async def sheet(takes: Sequence[TakeMedia], dst: Path, *, max_bytes: int, work: Path) -> Path:
    """A JPEG grid of the takes' middle frames with their letters (smaller until it fits)."""
    stills: list[Path] = []
    for take in takes:
        if take.thumbnail is not None and take.thumbnail.exists():
            stills.append(take.thumbnail)
            continue
        info = await aprobe(take.video)
        still = work / f"still-{take.label}.jpg"
        await extract_thumbnail(take.video, still, at_s=max(0.0, info.duration_s / 2))
        stills.append(still)
    labels = [t.label for t in takes]
    cell = 480
    while True:
        image: Image.Image = await asyncio.to_thread(
            contact_sheet, stills, labels=labels, cell_width=cell
        )
        await asyncio.to_thread(save, image, dst)
        size = (await asyncio.to_thread(dst.stat)).st_size
        if size <= max_bytes or cell <= 120:
            return dst
        cell //= 2


async def prepare_dailies(
    takes: Sequence[TakeMedia],
    work_dir: Path,
    *,
    max_bytes: int,
    fps: int = 24,
    compare: bool = True,
) -> DailiesMedia:
    """Everything a shot's dailies post needs, each file at most ``max_bytes``."""
    await asyncio.to_thread(work_dir.mkdir, parents=True, exist_ok=True)
    media = DailiesMedia()
    for take in takes:
        media.takes[take.label] = await _fitted(
            take.video, work_dir / f"take-{take.label}.mp4", max_bytes
        )
    if compare and len(takes) >= 2:
        raw = work_dir / "comparison-full.mp4"
        await comparison_video([t.video for t in takes], [t.label for t in takes], raw, fps=fps)
        media.comparison = await _fitted(raw, work_dir / "comparison.mp4", max_bytes)
    if takes:
        media.contact_sheet = await sheet(
            takes, work_dir / "contact-sheet.jpg", max_bytes=max_bytes, work=work_dir
        )
    return media
