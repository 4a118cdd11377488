"""Probing with PyAV, loudness with ebur128, black and frozen picture detection."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from pipeline.media.probe import (
    aprobe,
    detect_black,
    detect_freeze,
    measure_loudness,
    parse_ebur128,
    probe,
)
from tests.media.helpers import make_clip


async def test_probe_reads_a_foreign_files_streams(landscape_with_sound: Path) -> None:
    info = await aprobe(landscape_with_sound)
    assert info.stream_kinds == ("video", "audio")
    assert info.video is not None and info.audio is not None
    assert (info.video.codec, info.video.width, info.video.height) == ("h264", 640, 360)
    assert info.video.fps_fraction == Fraction(30)
    assert info.video.constant_rate
    assert info.video.frames == 39  # 1.3 s at 30 fps
    assert abs(info.video.duration_s - 1.3) < 1 / 30
    assert (info.audio.codec, info.audio.sample_rate, info.audio.channels) == ("aac", 44100, 1)


def test_probe_tells_29_97_from_30_and_a_silent_file_has_no_audio(portrait_silent: Path) -> None:
    info = probe(portrait_silent)
    assert info.audio is None
    assert info.video is not None
    assert info.video.fps_fraction == Fraction(30000, 1001)
    assert (info.video.width, info.video.height) == (300, 400)


def test_probe_flags_a_variable_frame_rate(tmp_path: Path) -> None:
    vfr = make_clip(
        tmp_path / "vfr.mkv", size="160x90", seconds=1.0, tone_hz=None,
        extra=("-vf", "select='not(eq(mod(n\\,3)\\,1))'", "-fps_mode", "vfr"),
    )  # fmt: skip
    info = probe(vfr)
    assert info.video is not None
    assert not info.video.constant_rate


async def test_loudness_tells_a_tone_from_silence(tmp_path: Path) -> None:
    tone = make_clip(tmp_path / "tone.mp4", size="64x36", seconds=1.0)
    silent = make_clip(
        tmp_path / "silent.mp4", size="64x36", seconds=1.0, audio="anullsrc=r=48000:cl=stereo"
    )
    loud = await measure_loudness(tone)
    quiet = await measure_loudness(silent)
    assert not loud.silent and -30 < loud.integrated_lufs < -10
    assert quiet.silent


def test_ebur128_summary_parsing() -> None:
    text = (
        "[Parsed_ebur128_0 @ 0x1] Summary:\n\n  Integrated loudness:\n    I:         -23.4 LUFS\n"
        "    Threshold: -33.6 LUFS\n\n  Loudness range:\n    LRA:         4.1 LU\n\n"
        "  True peak:\n    Peak:       -1.2 dBFS\n"
    )
    got = parse_ebur128(text)
    assert (got.integrated_lufs, got.range_lu, got.true_peak_dbtp) == (-23.4, 4.1, -1.2)


async def test_black_and_frozen_picture_are_found(tmp_path: Path) -> None:
    black_then_pattern = make_clip(
        tmp_path / "black.mp4", size="160x90", rate="24", seconds=2.0, tone_hz=None,
        extra=("-vf", "drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:enable='lt(t,1)'"),
    )  # fmt: skip
    black = await detect_black(black_then_pattern)
    assert len(black) == 1 and black[0].start_s == 0.0 and abs(black[0].end_s - 1.0) < 0.1

    still = make_clip(
        tmp_path / "still.mp4",
        size="160x90",
        rate="24",
        seconds=2.0,
        tone_hz=None,
        source="color=c=teal",
    )
    frozen = await detect_freeze(still, min_duration_s=0.5)
    assert len(frozen) == 1 and frozen[0].duration_s > 1.5
    # The moving pattern after the black second is not frozen.
    moving = await detect_freeze(black_then_pattern, min_duration_s=0.5)
    assert all(f.end_s <= 1.1 for f in moving)
