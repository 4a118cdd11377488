"""What is in a media file: streams, codecs, size, rate, duration, loudness, black and frozen runs.

The imageio-ffmpeg wheel ships no ffprobe, so streams are read with PyAV (demux only, no
decode, so a probe costs milliseconds). Loudness and black/freeze detection need decoded
samples; they run ffmpeg's ``ebur128``, ``blackdetect`` and ``freezedetect`` filters and parse
what those print.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av

from pipeline.media.ffmpeg import run_ffmpeg


@dataclass(frozen=True)
class VideoStream:
    codec: str
    profile: str
    width: int
    height: int
    pix_fmt: str
    fps: float
    fps_fraction: Fraction | None
    time_base: Fraction | None
    sar: Fraction | None
    frames: int
    duration_s: float
    constant_rate: bool
    extradata_sha1: str


@dataclass(frozen=True)
class AudioStream:
    codec: str
    sample_rate: int
    channels: int
    duration_s: float
    time_base: Fraction | None


@dataclass(frozen=True)
class MediaInfo:
    path: str
    format_name: str
    duration_s: float
    size_bytes: int
    video: VideoStream | None = None
    audio: AudioStream | None = None
    stream_kinds: tuple[str, ...] = field(default_factory=tuple)


def _seconds(value: int | None, time_base: Fraction | None) -> float:
    if value is None or time_base is None:
        return 0.0
    return float(value * time_base)


def _video_packets(container: av.container.InputContainer, index: int) -> list[int]:
    """Presentation timestamps of every video packet, demuxed, not decoded."""
    stream = container.streams[index]
    return sorted(p.pts for p in container.demux(stream) if p.pts is not None and p.size > 0)


def probe(path: str | Path) -> MediaInfo:
    """Read a file's streams (blocking; use :func:`aprobe` from async code)."""
    path = str(path)
    size = Path(path).stat().st_size
    with av.open(path) as container:
        kinds = tuple(s.type for s in container.streams)
        duration = container.duration / 1_000_000 if container.duration else 0.0
        video: VideoStream | None = None
        audio: AudioStream | None = None
        if container.streams.audio:
            a = container.streams.audio[0]
            actx = a.codec_context
            audio = AudioStream(
                codec=actx.name,
                sample_rate=int(actx.sample_rate or 0),
                channels=int(actx.channels or (actx.layout.nb_channels if actx.layout else 0)),
                duration_s=_seconds(a.duration, a.time_base),
                time_base=a.time_base,
            )
        if container.streams.video:
            v = container.streams.video[0]
            ctx = v.codec_context
            rate = v.average_rate or v.guessed_rate or v.base_rate
            pts = _video_packets(container, v.index)
            deltas = {b - a for a, b in itertools.pairwise(pts)}
            frames = len(pts)
            v_duration = _seconds(v.duration, v.time_base)
            if not v_duration and pts and v.time_base is not None:
                step = min(deltas) if deltas else 0
                v_duration = float((pts[-1] - pts[0] + step) * v.time_base)
            extradata = bytes(ctx.extradata or b"")
            video = VideoStream(
                codec=ctx.name,
                profile=str(ctx.profile or ""),
                width=int(ctx.width),
                height=int(ctx.height),
                pix_fmt=str(ctx.pix_fmt or ""),
                fps=float(rate) if rate else 0.0,
                fps_fraction=Fraction(rate) if rate else None,
                time_base=v.time_base,
                sar=Fraction(ctx.sample_aspect_ratio) if ctx.sample_aspect_ratio else None,
                frames=frames,
                duration_s=v_duration,
                constant_rate=len(deltas) <= 1,
                extradata_sha1=hashlib.sha1(extradata).hexdigest(),
            )
        return MediaInfo(
            path=path,
            format_name=container.format.name,
            duration_s=duration,
            size_bytes=size,
            video=video,
            audio=audio,
            stream_kinds=kinds,
        )


async def aprobe(path: str | Path) -> MediaInfo:
    """:func:`probe` in a worker thread, so the event loop keeps serving Discord."""
    return await asyncio.to_thread(probe, path)


# --------------------------------------------------------------------------- filter reports


@dataclass(frozen=True)
class Loudness:
    """EBU R128: integrated loudness (LUFS), loudness range (LU), true peak (dBTP)."""

    integrated_lufs: float
    range_lu: float
    true_peak_dbtp: float

    @property
    def silent(self) -> bool:
        # ebur128 reports -70 LUFS (its gate) for digital silence.
        return self.integrated_lufs <= -69.0


_SUMMARY_I = re.compile(r"Integrated loudness:\s*I:\s*(-?[\d.]+|-inf)\s*LUFS", re.S)
_SUMMARY_LRA = re.compile(r"Loudness range:\s*LRA:\s*(-?[\d.]+)\s*LU", re.S)
_SUMMARY_PEAK = re.compile(r"True peak:\s*Peak:\s*(-?[\d.]+|-inf)\s*dBFS", re.S)


def _num(match: re.Match[str] | None, default: float) -> float:
    if not match:
        return default
    raw = match.group(1)
    return float("-inf") if raw == "-inf" else float(raw)


def parse_ebur128(stderr: str) -> Loudness:
    """The ``Summary:`` block that ``ebur128`` prints at the end of a run."""
    summary = stderr[stderr.rfind("Summary:") :] if "Summary:" in stderr else stderr
    return Loudness(
        integrated_lufs=_num(_SUMMARY_I.search(summary), -70.0),
        range_lu=_num(_SUMMARY_LRA.search(summary), 0.0),
        true_peak_dbtp=_num(_SUMMARY_PEAK.search(summary), float("-inf")),
    )


async def measure_loudness(path: str | Path) -> Loudness:
    """Integrated loudness of the first audio stream (decodes the audio, not the picture)."""
    run = await run_ffmpeg(
        ["-i", str(path), "-vn", "-af", "ebur128=framelog=quiet:peak=true", "-f", "null", "-"],
        timeout_s=300,
    )
    return parse_ebur128(run.stderr)


@dataclass(frozen=True)
class Interval:
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


_BLACK = re.compile(r"black_start:\s*(-?[\d.]+)\s+black_end:\s*(-?[\d.]+)")
_FREEZE_START = re.compile(r"freeze_start:\s*(-?[\d.]+)")
_FREEZE_END = re.compile(r"freeze_end:\s*(-?[\d.]+)")


def parse_blackdetect(stderr: str) -> list[Interval]:
    return [Interval(float(a), float(b)) for a, b in _BLACK.findall(stderr)]


def parse_freezedetect(stderr: str, total_s: float) -> list[Interval]:
    starts = [float(x) for x in _FREEZE_START.findall(stderr)]
    ends = [float(x) for x in _FREEZE_END.findall(stderr)]
    # A freeze that lasts to the end of the file has a start and no end.
    ends += [total_s] * (len(starts) - len(ends))
    return [Interval(a, b) for a, b in zip(starts, ends, strict=False)]


async def detect_black(
    path: str | Path, *, min_duration_s: float = 0.1, pixel_threshold: float = 0.10
) -> list[Interval]:
    """Runs of (almost) black picture, e.g. a provider that returned an empty clip."""
    run = await run_ffmpeg(
        [
            "-i", str(path), "-an",
            "-vf", f"blackdetect=d={min_duration_s}:pix_th={pixel_threshold}",
            "-f", "null", "-",
        ],
        timeout_s=300,
    )  # fmt: skip
    return parse_blackdetect(run.stderr)


async def detect_freeze(
    path: str | Path, *, min_duration_s: float = 1.0, noise_db: float = -60.0
) -> list[Interval]:
    """Runs where the picture does not change (a still passed off as video)."""
    info = await aprobe(path)
    run = await run_ffmpeg(
        [
            "-i", str(path), "-an",
            "-vf", f"freezedetect=n={noise_db}dB:d={min_duration_s}",
            "-f", "null", "-",
        ],
        timeout_s=300,
    )  # fmt: skip
    return parse_freezedetect(run.stderr, info.duration_s)
