"""The dailies' pictures with real ffmpeg: a comparison grid in sync with its labels, a contact
sheet, and everything under the upload limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from pipeline.dailies import TakeMedia, comparison_video, grid, prepare_dailies
from pipeline.media import aprobe
from tests.media.helpers import frame_at, make_clip, mean_abs_diff


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Four tiny takes (320x180): three of 1.5 s in different colours, one of 1 s."""
    base = tmp_path_factory.mktemp("dailies")
    colours = ["red", "green", "blue", "yellow"]
    return [
        make_clip(
            base / f"{c}.mp4",
            size="320x180",
            rate="24",
            seconds=1.0 if c == "yellow" else 1.5,
            source=f"color=c={c}",
        )
        for c in colours
    ]


def test_grid_layouts() -> None:
    assert [grid(n) for n in (1, 2, 3, 4, 5, 9)] == [(1, 1), (2, 1), (2, 2), (2, 2), (3, 2), (3, 3)]


async def test_comparison_puts_each_take_in_its_cell_labelled_and_in_sync(
    clips: list[Path], tmp_path: Path
) -> None:
    """Four takes in a 2x2 grid, as long as the longest, each cell its own take with a badge."""
    out = await comparison_video(clips, ["A", "B", "C", "D"], tmp_path / "cmp.mp4")
    info = await aprobe(out)
    assert info.video is not None and (info.video.width, info.video.height) == (320, 180)
    assert info.audio is None
    assert abs(info.duration_s - 1.5) < 0.1
    frame = frame_at(out, 30)  # 1.25 s: D (1 s long) holds its last frame
    cells = {"A": (80, 60), "B": (240, 60), "C": (80, 150), "D": (240, 150)}
    expected = {"A": (255, 0, 0), "B": (0, 128, 0), "C": (0, 0, 255), "D": (255, 255, 0)}
    for label, (x, y) in cells.items():
        pixel = frame.getpixel((x, y))
        assert isinstance(pixel, tuple)
        assert all(abs(p - e) < 60 for p, e in zip(pixel, expected[label], strict=False)), label
    # The badge: the top-left corner of cell A is not plain red any more (white letter on black).
    corner = frame.crop((0, 0, 30, 25))
    plain = Image.new("RGB", corner.size, (255, 0, 0))
    assert mean_abs_diff(corner, plain) > 20


async def test_everything_fits_a_tiny_upload_limit(clips: list[Path], tmp_path: Path) -> None:
    """Under a 60 KB limit the takes and the comparison are transcoded down, never refused."""
    takes = [TakeMedia(label, clip) for label, clip in zip("ABCD", clips, strict=True)]
    limit = 60_000
    media = await prepare_dailies(takes, tmp_path / "work", max_bytes=limit)
    assert media.comparison is not None and media.contact_sheet is not None
    files = [media.comparison, media.contact_sheet, *[p for p in media.takes.values() if p]]
    assert len(files) == 6
    for path in files:
        assert path.stat().st_size <= limit, path.name
    sheet = Image.open(media.contact_sheet)
    assert sheet.width > sheet.height  # 2x2 of landscape stills
