"""Video and audio uploads: real container by magic bytes, size cap, probed streams and duration.

The probe demuxes with PyAV (no decode), through the one demuxer the magic bytes named, so an
upload can never steer ffmpeg into a playlist or concat demuxer. Nothing is re-encoded here:
the pipeline normalises takes to the house format when it uses them.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av

from storage.uploads._image import DEFAULT_MAX_PIXELS, Buffer, check_upload_size
from storage.uploads._refusal import (
    CORRUPT,
    NOT_A_VIDEO,
    NOT_AUDIO,
    TOO_LONG,
    TOO_MANY_PIXELS,
    UploadRefused,
)
from storage.uploads._sniff import AUDIO_KINDS, SNIFF_BYTES, VIDEO_KINDS, Sniffed, sniff

DEFAULT_VIDEO_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_AUDIO_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_VIDEO_MAX_SECONDS = 120.0
DEFAULT_AUDIO_MAX_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class CheckedMedia:
    """What a video or audio upload holds. The bytes are the caller's, unchanged."""

    mime: str
    size_bytes: int
    duration_s: float
    width: int | None = None
    height: int | None = None
    has_audio: bool = False


def check_video_upload(
    source: Path | Buffer,
    *,
    max_bytes: int = DEFAULT_VIDEO_MAX_BYTES,
    max_duration_s: float = DEFAULT_VIDEO_MAX_SECONDS,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    filename: str = "",
) -> CheckedMedia:
    """MP4, MOV, WebM or MKV with a video stream, within size, frame size and duration."""
    size, head = _size_and_head(source)
    check_upload_size(size, max_bytes=max_bytes, filename=filename)
    kind = sniff(head)
    if kind not in VIDEO_KINDS:
        raise UploadRefused(NOT_A_VIDEO, filename=filename)
    return _probe(source, kind, size, "video", max_duration_s, max_pixels, filename)


def check_audio_upload(
    source: Path | Buffer,
    *,
    max_bytes: int = DEFAULT_AUDIO_MAX_BYTES,
    max_duration_s: float = DEFAULT_AUDIO_MAX_SECONDS,
    filename: str = "",
) -> CheckedMedia:
    """WAV, MP3, OGG, FLAC or M4A with an audio stream, within size and duration."""
    size, head = _size_and_head(source)
    check_upload_size(size, max_bytes=max_bytes, filename=filename)
    kind = sniff(head)
    if kind not in AUDIO_KINDS:
        raise UploadRefused(NOT_AUDIO, filename=filename)
    return _probe(source, kind, size, "audio", max_duration_s, DEFAULT_MAX_PIXELS, filename)


def _size_and_head(source: Path | Buffer) -> tuple[int, bytes]:
    if isinstance(source, Path):
        with source.open("rb") as reader:
            return source.stat().st_size, reader.read(SNIFF_BYTES)
    return len(source), bytes(source[:SNIFF_BYTES])


def _probe(
    source: Path | Buffer,
    kind: Sniffed,
    size: int,
    wanted: str,
    max_duration_s: float,
    max_pixels: int,
    filename: str,
) -> CheckedMedia:
    missing = NOT_A_VIDEO if wanted == "video" else NOT_AUDIO

    def refuse(code: str, detail: str, limit: int | None = None) -> UploadRefused:
        return UploadRefused(code, limit=limit, filename=filename, detail=detail)

    opened: Any = str(source) if isinstance(source, Path) else io.BytesIO(source)
    try:
        container = av.open(opened, format=kind.demuxer, metadata_errors="ignore")
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise refuse(CORRUPT, f"open: {exc}") from None
    with container:
        video = next(iter(container.streams.video), None)
        audio = next(iter(container.streams.audio), None)
        main = video if wanted == "video" else audio
        if main is None:
            raise refuse(missing, f"no {wanted} stream in {kind.mime}")
        width = height = None
        if video is not None:
            width, height = video.codec_context.width, video.codec_context.height
            if wanted == "video" and (not width or not height):
                raise refuse(CORRUPT, "video stream without a frame size")
            if width and height and width * height > max_pixels:
                raise refuse(TOO_MANY_PIXELS, f"{width}x{height}", max_pixels)
        try:
            duration = _duration(container, main, max_duration_s)
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise refuse(CORRUPT, f"demux: {exc}") from None
    if duration is None or not math.isfinite(duration) or duration <= 0:
        raise refuse(CORRUPT, "no duration")
    if duration > max_duration_s:
        raise refuse(TOO_LONG, f"{duration:.1f} s", math.floor(max_duration_s))
    return CheckedMedia(
        mime="audio/mp4" if wanted == "audio" and kind.demuxer == "mov" else kind.mime,
        size_bytes=size,
        duration_s=duration,
        width=width if wanted == "video" else None,
        height=height if wanted == "video" else None,
        has_audio=audio is not None,
    )


def _duration(container: Any, stream: Any, max_duration_s: float) -> float | None:
    """The header's duration, else the last packet's end (WebM from browsers has none)."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration / av.time_base)
    end = 0.0
    for packet in container.demux(stream):
        if packet.pts is None or packet.time_base is None:
            continue
        end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
        if end > max_duration_s:
            break  # already too long: no need to read the rest
    return end or None
