"""A take arrives: normalise it once to the house format, make its thumbnail, store both.

The worker calls :func:`ingest_take` when a provider's file has been downloaded (or
:func:`normalise_take` when it keeps the files itself). A file that is already in the house
format, byte-compatible for stream-copy joins (the local animatic makes such files), is copied
rather than encoded a second time.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from pipeline.media.ffmpeg import ProgressCallback, run_ffmpeg
from pipeline.media.house import AUDIO_RATE, HouseFormat, extract_thumbnail, normalise
from pipeline.media.probe import MediaInfo, aprobe
from storage.media import MediaStore, StoredMedia, register_asset
from storage.models import MediaAsset

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NormalisedTake:
    path: Path
    duration_s: float
    thumbnail_path: Path
    width: int
    height: int
    fps: int
    had_audio: bool
    reencoded: bool


@dataclass(frozen=True)
class StoredTake:
    """A normalised take in the media store: what the worker writes on the Take row."""

    video: StoredMedia
    thumbnail: StoredMedia
    duration_s: float
    width: int
    height: int
    thumbnail_mime: str


_fingerprints: dict[HouseFormat, str] = {}


async def house_fingerprint(house: HouseFormat) -> str:
    """The SHA-1 of the H.264 parameter sets our encoder writes for ``house``.

    Two files with the same fingerprint can be joined by stream copy. Found by encoding two
    frames once per format and process (about 50 ms).
    """
    cached = _fingerprints.get(house)
    if cached is not None:
        return cached
    with tempfile.TemporaryDirectory(prefix="dailies-fp-") as tmp:
        ref = Path(tmp) / "ref.mp4"
        await run_ffmpeg(
            [
                "-f", "lavfi", "-i", f"color=c=gray:s={house.width}x{house.height}:r={house.fps}",
                "-frames:v", "2", "-an", *house.video_args(), *house.container_args(), str(ref),
            ],
            timeout_s=60,
        )  # fmt: skip
        info = await aprobe(ref)
    assert info.video is not None
    _fingerprints[house] = info.video.extradata_sha1
    return info.video.extradata_sha1


async def is_house_format(info: MediaInfo, house: HouseFormat, duration_s: float | None) -> bool:
    """True when ``info`` can join house takes by stream copy as it is, at the wanted length."""
    v, a = info.video, info.audio
    if v is None or a is None:
        return False
    target = house.exact_duration(duration_s if duration_s is not None else v.duration_s)
    return (
        v.codec == "h264"
        and (v.width, v.height) == (house.width, house.height)
        and v.pix_fmt == "yuv420p"
        and v.fps_fraction == Fraction(house.fps)
        and v.time_base == Fraction(1, house.timescale)
        and v.sar in (None, Fraction(1))
        and v.constant_rate
        and v.frames == house.frames_for(target)
        and a.codec == "aac"
        and a.sample_rate == AUDIO_RATE
        and a.channels == 2
        and abs(a.duration_s - target) <= 1.0 / house.fps
        and v.extradata_sha1 == await house_fingerprint(house)
    )


async def normalise_take(
    src_path: str | Path,
    *,
    width: int,
    height: int,
    fps: int,
    duration_s: float | None = None,
    dst_dir: str | Path | None = None,
    on_progress: ProgressCallback | None = None,
    thumbnail_suffix: str = ".jpg",
) -> NormalisedTake:
    """Normalise ``src_path`` into ``dst_dir`` (a new temp dir by default) plus a thumbnail.

    Scale and pad to fit (never stretch), CFR at ``fps``, H.264 + AAC 48 kHz stereo (silence if
    the source had no sound), exactly ``round(duration_s * fps)`` frames (``None``: the
    source's length). The caller owns ``dst_dir`` and deletes it when done.
    """
    house = HouseFormat(width, height, fps)
    info = await aprobe(src_path)
    if info.video is None:
        raise ValueError(f"{Path(src_path).name}: the file has no picture")
    out_dir = Path(dst_dir) if dst_dir is not None else Path(tempfile.mkdtemp(prefix="ingest-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    dst = out_dir / "take.mp4"
    if await is_house_format(info, house, duration_s):
        await asyncio.to_thread(shutil.copyfile, src_path, dst)
        exact = house.exact_duration(info.video.duration_s)
        reencoded = False
        if on_progress is not None:
            on_progress(1.0)
    else:
        exact = await normalise(src_path, dst, house, duration_s=duration_s, info=info,
                                on_progress=on_progress)  # fmt: skip
        reencoded = True
    thumb = await extract_thumbnail(
        dst, out_dir / f"thumb{thumbnail_suffix}", at_s=min(exact / 2, exact - 1.0 / fps)
    )
    log.info("take %s normalised to %dx%d@%d, %.3fs (re-encoded: %s)",
             Path(src_path).name, width, height, fps, exact, reencoded)  # fmt: skip
    return NormalisedTake(
        path=dst, duration_s=exact, thumbnail_path=thumb, width=width, height=height, fps=fps,
        had_audio=info.audio is not None, reencoded=reencoded,
    )  # fmt: skip


async def ingest_take(
    store: MediaStore,
    src_path: str | Path,
    *,
    width: int,
    height: int,
    fps: int,
    duration_s: float | None = None,
    on_progress: ProgressCallback | None = None,
) -> StoredTake:
    """Normalise, thumbnail, put both in the media store, clean up. The worker's one call."""
    with tempfile.TemporaryDirectory(prefix="ingest-") as tmp:
        take = await normalise_take(
            src_path, width=width, height=height, fps=fps, duration_s=duration_s, dst_dir=tmp,
            on_progress=on_progress,
        )  # fmt: skip
        video = await store.put_file(take.path)
        thumb = await store.put_file(take.thumbnail_path)
    return StoredTake(video=video, thumbnail=thumb, duration_s=take.duration_s, width=width,
                      height=height, thumbnail_mime="image/jpeg")  # fmt: skip


async def register_take_assets(
    session: AsyncSession, guild_id: int, stored: StoredTake, *, created_by: int | None = None
) -> tuple[MediaAsset, MediaAsset]:
    """The guild's MediaAsset rows for a stored take's video and thumbnail (flushes, no commit)."""
    video = await register_asset(
        session, guild_id, stored.video.sha256, "video/mp4", stored.video.size,
        width=stored.width, height=stored.height, duration_s=stored.duration_s,
        original_name="take.mp4", created_by=created_by,
    )  # fmt: skip
    thumb_w = 480
    thumb_h = round(stored.height * thumb_w / stored.width / 2) * 2
    thumb = await register_asset(
        session, guild_id, stored.thumbnail.sha256, stored.thumbnail_mime, stored.thumbnail.size,
        width=thumb_w, height=thumb_h, original_name="thumb.jpg", created_by=created_by,
    )  # fmt: skip
    return video, thumb


VOICE_LUFS = -16.0


async def normalise_voice(
    src_path: str | Path, dst: str | Path, *, loudness_lufs: float | None = VOICE_LUFS
) -> float:
    """Any voice file (WAV, MP3 from a provider) to WAV PCM 48 kHz stereo; returns its seconds.

    Lines are levelled to ``loudness_lufs`` (EBU R128, true peak -1.5 dBTP), so a cut mixing
    espeak, ElevenLabs and a member's recording does not jump in volume between lines.
    ``None`` keeps the level as it came.
    """
    level = f"loudnorm=I={loudness_lufs}:TP=-1.5:LRA=11," if loudness_lufs is not None else ""
    await run_ffmpeg(
        [
            "-i", str(src_path), "-vn", "-af", f"{level}aresample={AUDIO_RATE}",
            "-ac", "2", "-ar", str(AUDIO_RATE), "-c:a", "pcm_s16le", "-f", "wav", str(dst),
        ],
        timeout_s=120,
    )  # fmt: skip
    info = await aprobe(dst)
    return info.audio.duration_s if info.audio else info.duration_s
