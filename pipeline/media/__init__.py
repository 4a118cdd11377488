"""ffmpeg, PyAV and Pillow: probing, the house format, thumbnails, cards and join helpers."""

from pipeline.media.cuts import concat_takes, excerpt, lay_sound, still_to_clip
from pipeline.media.delivery import TooLongForLimit, fit_for_upload
from pipeline.media.ffmpeg import FfmpegError, ffmpeg_exe, run_ffmpeg, set_concurrency
from pipeline.media.house import AUDIO_RATE, HouseFormat, extract_thumbnail, normalise
from pipeline.media.probe import (
    AudioStream,
    Interval,
    Loudness,
    MediaInfo,
    VideoStream,
    aprobe,
    detect_black,
    detect_freeze,
    measure_loudness,
    probe,
)

__all__ = [
    "AUDIO_RATE",
    "AudioStream",
    "FfmpegError",
    "HouseFormat",
    "Interval",
    "Loudness",
    "MediaInfo",
    "TooLongForLimit",
    "VideoStream",
    "aprobe",
    "concat_takes",
    "detect_black",
    "detect_freeze",
    "excerpt",
    "extract_thumbnail",
    "ffmpeg_exe",
    "fit_for_upload",
    "lay_sound",
    "measure_loudness",
    "normalise",
    "probe",
    "run_ffmpeg",
    "set_concurrency",
    "still_to_clip",
]
