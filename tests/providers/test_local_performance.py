"""local-performance: the key-less stand-in for act_two makes a real, labelled video."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.media.probe import aprobe
from pipeline.providers.base import Capability, GenRequest, ProviderState, Refused
from pipeline.providers.local.performance import LocalPerformance
from tests.fakes.media import video_mp4
from tests.fakes.runway_media import acting_mp4
from tests.helpers import png


def _request(character: Path, acting: Path) -> GenRequest:
    return GenRequest(Capability.PERFORMANCE, "", duration_s=3.5, width=320, height=180, fps=12,
                      inputs={"character": str(character), "video": str(acting)},
                      options={"label": "STAND-IN · acted by Ana"})  # fmt: skip


@pytest.mark.parametrize("character", ["picture", "take"])
async def test_the_stand_in_lasts_as_long_as_the_acting_and_keeps_its_sound(
    tmp_path: Path, character: str
) -> None:
    """From a reference picture or a (shorter, looped) locked take: house format, the acting
    clip's length, its sound."""
    source = tmp_path / "character"
    source.write_bytes(png(64, 48) if character == "picture" else video_mp4())
    acting = tmp_path / "acting"
    acting.write_bytes(acting_mp4(3.5))
    provider = LocalPerformance(work_dir=tmp_path / "renders")
    sub = await provider.submit(_request(source, acting), f"perf-{character}")
    assert sub.immediate is not None and sub.immediate.state is ProviderState.SUCCEEDED
    out = sub.immediate.output_urls[0].removeprefix("file://")
    info = await aprobe(out)
    assert info.video is not None and (info.video.width, info.video.height) == (320, 180)
    assert info.audio is not None and abs(info.duration_s - 3.5) < 0.15
    assert provider.price(_request(source, acting)) == 0 and not provider.needs_key


async def test_a_missing_input_is_refused_before_any_work(tmp_path: Path) -> None:
    provider = LocalPerformance(work_dir=tmp_path)
    with pytest.raises(Refused):
        await provider.submit(_request(tmp_path / "nope.png", tmp_path / "nope.mp4"), "k")
