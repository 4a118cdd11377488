"""The cut's sound and final file: dialogue, a music bed ducked under it, loudness, metadata.

Two ffmpeg passes over the sound only (the picture is stream-copied unless subtitles are burned
in): the first measures the mix with ``loudnorm`` (EBU R128), the second applies the measured
correction linearly, so the master lands on -16 LUFS integrated with its true peak at or below
-1 dBTP without pumping. The bed is looped to the cut's length and pushed down by a sidechain
compressor keyed on the dialogue, so lines stay clear over it.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.media.cards import FONT_DIR
from pipeline.media.ffmpeg import ProgressCallback, run_ffmpeg
from pipeline.media.house import AUDIO_RATE, HouseFormat

log = logging.getLogger(__name__)

# Aim a little under the ceiling: AAC encoding adds a few tenths of a dB of true peak.
PEAK_MARGIN_DB = 0.7
SILENT_LUFS = -60.0
_FMT = f"aresample={AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo"


@dataclass(frozen=True)
class Measured:
    input_i: float
    input_tp: float
    input_lra: float
    input_thresh: float
    target_offset: float


def mix_graph(has_music: bool, music_db: float, samples: int) -> str:
    """Dialogue (input 0) and an optional looped bed (input 1) into ``[mix]``, exact length."""
    trim = f"apad=whole_len={samples},atrim=end_sample={samples}"
    if not has_music:
        return f"[0:a:0]{_FMT},{trim}[mix]"
    return (
        f"[0:a:0]{_FMT},{trim},asplit=2[dia][key];"
        f"[1:a:0]{_FMT},volume={music_db}dB,{trim}[bed];"
        # The bed ducks ~15 dB within 20 ms of a line and comes back over 400 ms.
        "[bed][key]sidechaincompress=threshold=0.015:ratio=12:attack=20:release=400:"
        "makeup=1[ducked];"
        "[dia][ducked]amix=inputs=2:duration=first:normalize=0[mix]"
    )


def _inputs(video: Path, music: Path | None) -> list[str]:
    args = ["-i", str(video)]
    if music is not None:
        args += ["-stream_loop", "-1", "-i", str(music)]
    return args


_JSON = re.compile(r"\{[^{}]*\"input_i\"[^{}]*\}", re.S)


def parse_loudnorm(stderr: str) -> Measured | None:
    found = _JSON.findall(stderr)
    if not found:
        return None
    data = json.loads(found[-1])

    def num(key: str) -> float:
        raw = str(data.get(key, "-inf"))
        try:
            return float(raw)
        except ValueError:
            return float("-inf")

    return Measured(
        num("input_i"), num("input_tp"), num("input_lra"), num("input_thresh"),
        num("target_offset"),
    )  # fmt: skip


def _loudnorm(target: float, peak: float, measured: Measured | None = None) -> str:
    base = f"loudnorm=I={target}:TP={peak - PEAK_MARGIN_DB}:LRA=11"
    if measured is None:
        return base + ":print_format=json"
    return (
        f"{base}:measured_I={measured.input_i}:measured_TP={measured.input_tp}:"
        f"measured_LRA={measured.input_lra}:measured_thresh={measured.input_thresh}:"
        f"offset={measured.target_offset}:linear=true:print_format=summary"
    )


async def measure_mix(
    video: Path,
    *,
    duration_s: float,
    music: Path | None = None,
    music_db: float = -12.0,
    target_lufs: float = -16.0,
    true_peak_dbtp: float = -1.0,
    on_progress: ProgressCallback | None = None,
) -> Measured | None:
    """Pass one: the mix's loudness as ``loudnorm`` sees it (None: no sound to speak of)."""
    samples = round(duration_s * AUDIO_RATE)
    graph = (
        f"{mix_graph(music is not None, music_db, samples)};"
        f"[mix]{_loudnorm(target_lufs, true_peak_dbtp)}[out]"
    )
    run = await run_ffmpeg(
        [*_inputs(video, music), "-filter_complex", graph, "-map", "[out]", "-f", "null", "-"],
        total_s=duration_s,
        on_progress=on_progress,
        timeout_s=max(120.0, duration_s * 4),
    )
    measured = parse_loudnorm(run.stderr)
    if measured is None or measured.input_i <= SILENT_LUFS:
        return None
    return measured


def _escape_filter_path(path: Path) -> str:
    # Inside a filter graph: backslash, colon and quote are special (two levels of escaping).
    text = str(path).replace("\\", "\\\\\\\\").replace(":", "\\\\:").replace("'", "\\\\\\'")
    return text


def burn_filter(srt: Path, house: HouseFormat) -> str:
    size = max(10, round(house.height / 720 * 22))
    style = f"FontName=DejaVu Sans,FontSize={size},Outline=2,Shadow=0,MarginV={size}"
    return (
        f"subtitles=filename={_escape_filter_path(srt)}:"
        f"fontsdir={_escape_filter_path(FONT_DIR)}:force_style='{style}':original_size="
        f"{house.width}x{house.height}:charenc=UTF-8"
    )


async def master(
    video: Path,
    dst: Path,
    *,
    house: HouseFormat,
    duration_s: float,
    metadata: dict[str, str],
    music: Path | None = None,
    music_db: float = -12.0,
    target_lufs: float = -16.0,
    true_peak_dbtp: float = -1.0,
    burn_srt: Path | None = None,
    measure_progress: ProgressCallback | None = None,
    on_progress: ProgressCallback | None = None,
) -> Path:
    """Pass two: the finished file. Picture copied (or re-encoded with burned subtitles)."""
    measured = await measure_mix(
        video, duration_s=duration_s, music=music, music_db=music_db,
        target_lufs=target_lufs, true_peak_dbtp=true_peak_dbtp, on_progress=measure_progress,
    )  # fmt: skip
    samples = round(duration_s * AUDIO_RATE)
    level = (
        f"{_loudnorm(target_lufs, true_peak_dbtp, measured)},{_FMT},"
        if measured is not None
        else ""
    )
    graph = (
        f"{mix_graph(music is not None, music_db, samples)};"
        f"[mix]{level}apad=whole_len={samples},atrim=end_sample={samples}[a]"
    )
    if burn_srt is not None:
        graph += f";[0:v:0]{burn_filter(burn_srt, house)},format=yuv420p[v]"
        picture = [
            "-map", "[v]", "-map", "[a]", "-frames:v", str(house.frames_for(duration_s)),
            *house.video_args(),
        ]  # fmt: skip
    else:
        picture = ["-map", "0:v:0", "-map", "[a]", "-c:v", "copy"]
    tags: list[str] = []
    for key, value in metadata.items():
        tags += ["-metadata", f"{key}={value}"]
    await run_ffmpeg(
        [
            *_inputs(video, music), "-filter_complex", graph, *picture,
            *house.audio_args(), "-map_metadata", "-1", *tags,
            "-movflags", "+faststart", "-f", "mp4", str(dst),
        ],
        total_s=duration_s,
        on_progress=on_progress,
        timeout_s=max(300.0, duration_s * (12 if burn_srt else 4)),
    )  # fmt: skip
    return dst
