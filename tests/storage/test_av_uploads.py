"""Video and audio uploads: real containers accepted with their duration, impostors refused."""

from __future__ import annotations

import array
import math
from fractions import Fraction
from pathlib import Path

import av
import pytest
from PIL import Image

from storage.db import Database
from storage.media import LocalMediaStore, find_asset
from storage.uploads import UploadRefused, check_audio_upload, check_video_upload, keep_media

SECONDS = 1.0


def _write_video(path: Path, fmt: str, codec: str, *, with_audio: bool = False) -> Path:
    """One second of 64x48 moving grey, optionally with a 440 Hz tone."""
    with av.open(str(path), "w", format=fmt) as out:
        video = out.add_stream(codec, rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = out.add_stream("aac", rate=48000) if with_audio else None
        for i in range(int(10 * SECONDS)):
            frame = av.VideoFrame.from_image(Image.new("RGB", (64, 48), (i * 20,) * 3))
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if audio is not None:
            _encode_tone(out, audio)
    return path


def _encode_tone(out: av.container.OutputContainer, stream: av.audio.AudioStream) -> None:
    """One second of 440 Hz, converted to whatever sample format the encoder wants."""
    context = stream.codec_context
    rate = context.sample_rate or 48000
    resampler = av.AudioResampler(format=context.format, layout=context.layout, rate=rate)
    samples = int(rate * SECONDS)
    tone = array.array(
        "h", (int(9000 * math.sin(n * 2 * math.pi * 440 / rate)) for n in range(samples))
    )
    step = 1024
    for start in range(0, samples, step):
        chunk = tone[start : start + step]
        frame = av.AudioFrame(format="s16", layout="mono", samples=len(chunk))
        frame.planes[0].update(chunk.tobytes())
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        for converted in resampler.resample(frame):
            out.mux(stream.encode(converted))
    for converted in resampler.resample(None):
        out.mux(stream.encode(converted))
    out.mux(stream.encode(None))


def _write_audio(path: Path, fmt: str, codec: str) -> Path:
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=48000)
        _encode_tone(out, stream)
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("uploads")
    return {
        "mp4": _write_video(folder / "take.mp4", "mp4", "libx264"),
        "mp4+audio": _write_video(folder / "talk.mp4", "mp4", "libx264", with_audio=True),
        "mov": _write_video(folder / "take.mov", "mov", "mpeg4"),
        "webm": _write_video(folder / "take.webm", "webm", "libvpx"),
        "mkv": _write_video(folder / "take.mkv", "matroska", "mpeg4"),
        "wav": _write_audio(folder / "line.wav", "wav", "pcm_s16le"),
        "mp3": _write_audio(folder / "line.mp3", "mp3", "libmp3lame"),
        "ogg": _write_audio(folder / "line.ogg", "ogg", "libopus"),
        "flac": _write_audio(folder / "line.flac", "flac", "flac"),
        "m4a": _write_audio(folder / "line.m4a", "ipod", "aac"),
    }


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("mp4", "video/mp4"),
        ("mov", "video/quicktime"),
        ("webm", "video/webm"),
        ("mkv", "video/x-matroska"),
    ],
)
def test_each_video_container_is_accepted_with_its_duration(
    media: dict[str, Path], name: str, mime: str
) -> None:
    """MP4, MOV, WebM and MKV pass, named by their bytes, with a one-second duration."""
    checked = check_video_upload(media[name])
    assert checked.mime == mime
    assert checked.duration_s == pytest.approx(SECONDS, abs=0.25)
    assert (checked.width, checked.height) == (64, 48)
    assert checked.size_bytes == media[name].stat().st_size
    from_bytes = check_video_upload(media[name].read_bytes())
    assert from_bytes.mime == mime


def test_a_video_with_sound_says_so(media: dict[str, Path]) -> None:
    assert check_video_upload(media["mp4+audio"]).has_audio
    assert not check_video_upload(media["mp4"]).has_audio


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("wav", "audio/wav"),
        ("mp3", "audio/mpeg"),
        ("ogg", "audio/ogg"),
        ("flac", "audio/flac"),
        ("m4a", "audio/mp4"),
    ],
)
def test_each_audio_format_is_accepted_with_its_duration(
    media: dict[str, Path], name: str, mime: str
) -> None:
    """WAV, MP3, OGG, FLAC and M4A pass with a one-second duration."""
    checked = check_audio_upload(media[name])
    assert checked.mime == mime
    assert checked.duration_s == pytest.approx(SECONDS, abs=0.25)


def test_the_sound_of_a_video_counts_as_audio(media: dict[str, Path]) -> None:
    """A voice line recorded as .mp4 is audio too (its container is M4A's)."""
    assert check_audio_upload(media["mp4+audio"]).mime == "audio/mp4"
    assert _refused(check_audio_upload, media["mp4"]).code == "not_audio"


def _refused(check: object, source: Path | bytes, **kwargs: object) -> UploadRefused:
    assert callable(check)
    with pytest.raises(UploadRefused) as refused:
        check(source, filename="upload", **kwargs)
    return refused.value


def test_a_take_longer_than_the_cap_is_too_long(media: dict[str, Path]) -> None:
    refusal = _refused(check_video_upload, media["webm"], max_duration_s=0.5)
    assert refusal.code == "too_long"
    assert _refused(check_audio_upload, media["mp3"], max_duration_s=0.5).code == "too_long"


def test_a_file_over_the_byte_cap_is_refused_before_probing(media: dict[str, Path]) -> None:
    refusal = _refused(check_video_upload, media["mp4"], max_bytes=100)
    assert (refusal.code, refusal.limit) == ("too_large", 100)


def test_a_frame_size_over_the_pixel_cap_is_refused(media: dict[str, Path]) -> None:
    refusal = _refused(check_video_upload, media["mkv"], max_pixels=1000)
    assert (refusal.code, refusal.limit) == ("too_many_pixels", 1000)


@pytest.mark.parametrize(
    "data",
    [
        b"this is a text file named take.mp4\n" * 5,
        b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n",
        b"ffconcat version 1.0\nfile '/etc/passwd'\n",
    ],
)
def test_text_and_playlists_never_reach_the_demuxer(data: bytes) -> None:
    """A playlist or concat script dressed as a video is refused by its bytes."""
    assert _refused(check_video_upload, data).code == "not_a_video"
    assert _refused(check_audio_upload, data).code == "not_audio"


def test_the_wrong_kind_is_refused(media: dict[str, Path]) -> None:
    """Audio is not a video, an M4A has no picture, a PNG is neither."""
    assert _refused(check_video_upload, media["wav"]).code == "not_a_video"
    assert _refused(check_video_upload, media["m4a"]).code == "not_a_video"
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    assert _refused(check_audio_upload, png).code == "not_audio"


def test_a_truncated_video_is_corrupt(media: dict[str, Path]) -> None:
    head = media["mp4"].read_bytes()[:200]
    assert _refused(check_video_upload, head).code == "corrupt"


async def test_a_checked_take_is_kept_as_the_guilds_asset(
    db: Database, media: dict[str, Path], tmp_path: Path
) -> None:
    store = LocalMediaStore(tmp_path / "media")
    checked = check_video_upload(media["webm"])
    async with db.session() as session:
        asset = await keep_media(session, store, 5, media["webm"], checked, created_by=3)
        await session.commit()
        found = await find_asset(session, 5, asset.sha256)
    assert found is not None and found.mime == "video/webm"
    assert found.duration_s == pytest.approx(SECONDS, abs=0.25)
    assert (await store.read_bytes(asset.sha256)) == media["webm"].read_bytes()
