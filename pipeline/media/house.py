"""The house format: one set of encoder settings for every take, so cuts can join by stream copy.

A cut joins takes with ffmpeg's concat demuxer and ``-c copy``, which works only when every
piece has the same codec parameters: codec, profile and level, size, pixel format, SAR, frame
rate, time base, and the same H.264 SPS/PPS (the MP4 keeps one ``avcC`` for the whole file).
So every take is encoded here with the same fixed x264 settings (preset, CRF, GOP, no scene-cut
keyframes, level), CFR at the series' rate, into an MP4 whose video time base is fixed; audio is
AAC 48 kHz stereo, silence where the source had none, trimmed/padded to the exact length.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.media.ffmpeg import ProgressCallback, run_ffmpeg
from pipeline.media.probe import MediaInfo, aprobe

AUDIO_RATE = 48_000
AUDIO_CHANNELS = 2


@dataclass(frozen=True)
class HouseFormat:
    """A series' delivery format (``Series.house_width/height/fps``)."""

    width: int = 1280
    height: int = 720
    fps: int = 24
    crf: int = 20
    preset: str = "veryfast"
    audio_bitrate: str = "160k"

    def __post_init__(self) -> None:
        if self.width % 2 or self.height % 2:
            raise ValueError("house width and height must be even (yuv420p)")
        if not 1 <= self.fps <= 120:
            raise ValueError("house fps must be between 1 and 120")

    @property
    def gop(self) -> int:
        """A keyframe every two seconds: cuts can trim on keyframes without being too coarse."""
        return self.fps * 2

    @property
    def timescale(self) -> int:
        # A fixed MP4 track time base (1/(fps*1000)), so every take has the same one.
        return self.fps * 1000

    def frames_for(self, duration_s: float) -> int:
        return max(1, round(duration_s * self.fps))

    def exact_duration(self, duration_s: float) -> float:
        """The duration a take really gets: a whole number of frames."""
        return self.frames_for(duration_s) / self.fps

    def video_args(self) -> list[str]:
        level = "4.1" if self.width * self.height <= 1920 * 1088 else "5.1"
        return [
            "-c:v", "libx264",
            "-preset", self.preset,
            "-crf", str(self.crf),
            "-profile:v", "high",
            "-level:v", level,
            "-pix_fmt", "yuv420p",
            "-g", str(self.gop),
            "-keyint_min", str(self.gop),
            "-sc_threshold", "0",
            "-bf", "2",
            "-refs", "3",
            # Constant across inputs: the SPS/PPS must not depend on the content.
            "-x264-params", "open-gop=0:b-pyramid=normal:weightp=1:aq-mode=1",
            "-fps_mode", "cfr",
            "-r", str(self.fps),
            "-color_primaries", "bt709",
            "-color_trc", "bt709",
            "-colorspace", "bt709",
            "-video_track_timescale", str(self.timescale),
        ]  # fmt: skip

    def audio_args(self) -> list[str]:
        return [
            "-c:a", "aac",
            "-b:a", self.audio_bitrate,
            "-ar", str(AUDIO_RATE),
            "-ac", str(AUDIO_CHANNELS),
        ]  # fmt: skip

    def container_args(self) -> list[str]:
        return ["-movflags", "+faststart", "-map_metadata", "-1", "-f", "mp4"]

    def fit_filter(self) -> str:
        """Scale to fit inside the frame (never stretch), pad the rest black, square pixels."""
        w, h = self.width, self.height
        return (
            f"scale={w}:{h}:force_original_aspect_ratio=decrease:flags=bicubic,"
            f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1"
        )


def _audio_chain(samples: int) -> str:
    """Resample to 48 kHz stereo, then pad with silence and cut to an exact sample count."""
    return (
        f"aresample={AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,"
        f"asetpts=PTS-STARTPTS,apad=whole_len={samples},atrim=end_sample={samples}"
    )


async def normalise(
    src: str | Path,
    dst: str | Path,
    house: HouseFormat,
    *,
    duration_s: float | None = None,
    info: MediaInfo | None = None,
    on_progress: ProgressCallback | None = None,
    start_s: float = 0.0,
) -> float:
    """Re-encode ``src`` into the house format at ``dst``; returns the exact duration.

    ``duration_s`` None keeps the source's length (rounded to whole frames). A source shorter
    than the target holds its last frame; a longer one is cut. ``start_s`` skips the source's
    beginning (frame-accurate: the picture is decoded from the keyframe before it).
    """
    info = info or await aprobe(src)
    if info.video is None:
        raise ValueError(f"{src}: no video stream")
    start_s = max(0.0, start_s)
    source_s = max(0.0, (info.video.duration_s or info.duration_s) - start_s)
    target = house.exact_duration(duration_s if duration_s is not None else source_s)
    frames = house.frames_for(target)
    samples = round(target * AUDIO_RATE)
    hold = max(0.0, target - source_s) + 1.0 / house.fps
    # Anamorphic sources (SAR not 1:1) are first made square-pixelled at their display size.
    square = "scale='trunc(iw*sar/2)*2':ih," if info.video.sar not in (None, 1) else ""
    vchain = (
        f"[0:v:0]setpts=PTS-STARTPTS,fps={house.fps}:round=near,{square}{house.fit_filter()},"
        f"tpad=stop_mode=clone:stop_duration={hold:.3f},format=yuv420p[v]"
    )
    args: list[str] = [*(["-ss", f"{start_s:.6f}"] if start_s else []), "-i", str(src)]
    if info.audio is not None:
        achain = f"[0:a:0]{_audio_chain(samples)}[a]"
    else:
        args += ["-f", "lavfi", "-i", f"anullsrc=r={AUDIO_RATE}:cl=stereo"]
        achain = f"[1:a]{_audio_chain(samples)}[a]"
    args += [
        "-filter_complex", f"{vchain};{achain}",
        "-map", "[v]", "-map", "[a]",
        "-frames:v", str(frames),
        *house.video_args(),
        *house.audio_args(),
        *house.container_args(),
        str(dst),
    ]  # fmt: skip
    await run_ffmpeg(args, total_s=target, on_progress=on_progress, timeout_s=max(120, target * 20))
    return target


async def extract_thumbnail(
    src: str | Path, dst: str | Path, *, at_s: float, width: int = 480
) -> Path:
    """One frame as JPEG (or WebP, by ``dst``'s suffix), ``width`` wide, aspect kept."""
    dst = Path(dst)
    codec = ["-c:v", "libwebp", "-quality", "80"] if dst.suffix == ".webp" else ["-q:v", "3"]
    await run_ffmpeg(
        [
            "-ss", f"{max(0.0, at_s):.3f}", "-i", str(src),
            "-frames:v", "1", "-an",
            "-vf", f"scale={width}:-2:flags=bicubic,setsar=1",
            *codec, str(dst),
        ],
        timeout_s=60,
    )  # fmt: skip
    if not dst.exists() or dst.stat().st_size == 0:
        # -ss past the last frame yields nothing; the first frame is better than no thumbnail.
        await run_ffmpeg(
            ["-i", str(src), "-frames:v", "1", "-an", "-vf", f"scale={width}:-2", *codec, str(dst)],
            timeout_s=60,
        )
    return dst
