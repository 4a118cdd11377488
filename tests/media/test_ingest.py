"""Takes normalised to the house format on arrival, and joined by stream copy afterwards."""

from __future__ import annotations

import glob
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from pipeline.ingest import ingest_take, normalise_take, normalise_voice, register_take_assets
from pipeline.media.cuts import concat_takes, excerpt, lay_sound, still_to_clip
from pipeline.media.delivery import TooLongForLimit, fit_for_upload, passes_for
from pipeline.media.house import HouseFormat
from pipeline.media.probe import MediaInfo, measure_loudness, probe
from storage.db import Database
from storage.media import LocalMediaStore
from tests.media.helpers import count_pixels_near, frame_at, make_clip

W, H, FPS = 320, 180, 24
FRAME = 1 / FPS


def video_params(info: MediaInfo) -> tuple[object, ...]:
    v = info.video
    assert v is not None
    return (v.codec, v.profile, v.width, v.height, v.pix_fmt, v.fps_fraction, v.time_base, v.sar,
            v.constant_rate, v.extradata_sha1)  # fmt: skip


def assert_house(info: MediaInfo, duration_s: float) -> None:
    v, a = info.video, info.audio
    assert v is not None and a is not None, "a take always has picture and sound"
    assert (v.codec, v.profile, v.pix_fmt) == ("h264", "High", "yuv420p")
    assert (v.width, v.height, v.fps, v.sar) == (W, H, FPS, 1)
    assert v.constant_rate
    assert v.frames == round(duration_s * FPS)
    assert abs(v.duration_s - duration_s) < FRAME
    assert (a.codec, a.sample_rate, a.channels) == ("aac", 48000, 2)
    assert abs(a.duration_s - duration_s) < FRAME


async def test_a_foreign_clip_is_normalised_with_its_sound(
    landscape_with_sound: Path, tmp_path: Path
) -> None:
    take = await normalise_take(landscape_with_sound, width=W, height=H, fps=FPS, dst_dir=tmp_path)
    assert take.reencoded and take.had_audio
    assert abs(take.duration_s - 1.3) < FRAME
    assert_house(probe(take.path), take.duration_s)
    assert not (await measure_loudness(take.path)).silent, "the tone survived"


async def test_a_portrait_clip_is_fitted_not_stretched_and_gets_silence(
    portrait_silent: Path, tmp_path: Path
) -> None:
    take = await normalise_take(
        portrait_silent, width=W, height=H, fps=FPS, duration_s=2.0, dst_dir=tmp_path
    )
    assert take.duration_s == 2.0 and not take.had_audio
    assert_house(probe(take.path), 2.0)
    assert (await measure_loudness(take.path)).silent
    # 300x400 fitted into 320x180 is 134 px wide: black bars left and right, picture between.
    frame = frame_at(take.path, 10)
    left_bar = frame.crop((0, 0, 80, H))
    middle = frame.crop((110, 20, 210, 160))
    assert count_pixels_near(left_bar, (0, 0, 0), tol=16) == 80 * H
    assert count_pixels_near(middle, (0, 0, 0), tol=16) < middle.width * middle.height // 2


async def test_an_anamorphic_clip_is_shown_at_its_display_shape(tmp_path: Path) -> None:
    # 480x360 stored, SAR 2:1, so it displays as 960x360: wider than 16:9, bars above and below.
    wide = make_clip(tmp_path / "ana.mp4", size="480x360", tone_hz=None,
                     extra=("-vf", "setsar=2"))  # fmt: skip
    take = await normalise_take(wide, width=W, height=H, fps=FPS, dst_dir=tmp_path / "n")
    frame = frame_at(take.path, 5)
    # 960x360 fitted into 320x180 is 320x120: 30 px bars. Stretched, it would fill the frame.
    top, middle = frame.crop((0, 0, W, 28)), frame.crop((0, 70, W, 110))
    assert count_pixels_near(top, (0, 0, 0), tol=16) == W * 28
    assert count_pixels_near(middle, (0, 0, 0), tol=16) < W * 40 // 2


async def test_a_short_clip_holds_its_last_frame_and_a_long_one_is_cut(
    landscape_with_sound: Path, tmp_path: Path
) -> None:
    longer = await normalise_take(
        landscape_with_sound, width=W, height=H, fps=FPS, duration_s=2.5, dst_dir=tmp_path / "a"
    )
    assert_house(probe(longer.path), 2.5)
    shorter = await normalise_take(
        landscape_with_sound, width=W, height=H, fps=FPS, duration_s=0.5, dst_dir=tmp_path / "b"
    )
    assert_house(probe(shorter.path), 0.5)


async def test_two_normalised_takes_join_by_stream_copy(
    landscape_with_sound: Path, portrait_silent: Path, tmp_path: Path
) -> None:
    a = await normalise_take(
        landscape_with_sound, width=W, height=H, fps=FPS, dst_dir=tmp_path / "a"
    )
    b = await normalise_take(
        portrait_silent, width=W, height=H, fps=FPS, duration_s=1.5, dst_dir=tmp_path / "b"
    )
    ia, ib = probe(a.path), probe(b.path)
    assert ia.video is not None and ib.video is not None
    assert ia.audio is not None and ib.audio is not None
    # Same parameters, down to the H.264 parameter sets: that is what makes -c copy safe.
    assert video_params(ia) == video_params(ib)
    assert (ia.audio.codec, ia.audio.sample_rate, ia.audio.channels, ia.audio.time_base) == (
        ib.audio.codec, ib.audio.sample_rate, ib.audio.channels, ib.audio.time_base,
    )  # fmt: skip

    joined = await concat_takes([a.path, b.path], tmp_path / "joined.mp4")
    info = probe(joined)
    total = a.duration_s + b.duration_s
    assert info.video is not None and info.audio is not None
    assert info.video.frames == ia.video.frames + ib.video.frames
    assert abs(info.video.duration_s - total) < FRAME
    assert abs(info.audio.duration_s - total) < FRAME
    assert video_params(info) == video_params(ia)


async def test_a_take_already_in_house_format_is_copied_not_encoded_again(
    landscape_with_sound: Path, tmp_path: Path
) -> None:
    first = await normalise_take(
        landscape_with_sound, width=W, height=H, fps=FPS, dst_dir=tmp_path / "1"
    )
    again = await normalise_take(first.path, width=W, height=H, fps=FPS, dst_dir=tmp_path / "2")
    assert not again.reencoded
    assert again.path.read_bytes() == first.path.read_bytes()
    # Asking for another length is a real change: encode.
    cut = await normalise_take(
        first.path, width=W, height=H, fps=FPS, duration_s=1.0, dst_dir=tmp_path / "3"
    )
    assert cut.reencoded and cut.duration_s == 1.0


async def test_thumbnail_is_a_480_wide_jpeg(landscape_with_sound: Path, tmp_path: Path) -> None:
    take = await normalise_take(landscape_with_sound, width=W, height=H, fps=FPS, dst_dir=tmp_path)
    with Image.open(take.thumbnail_path) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (480, 270)


async def test_ingest_puts_take_and_thumbnail_in_the_store_and_registers_them(
    landscape_with_sound: Path, tmp_path: Path, sqlite_db: Database
) -> None:
    store = LocalMediaStore(tmp_path / "store")
    stored = await ingest_take(store, landscape_with_sound, width=W, height=H, fps=FPS)
    assert await store.exists(stored.video.sha256)
    assert await store.exists(stored.thumbnail.sha256)
    assert_house(probe(await store.local_path(stored.video.sha256)), stored.duration_s)
    async with sqlite_db.session() as session:
        video, thumb = await register_take_assets(session, 42, stored, created_by=7)
        await session.commit()
    assert (video.guild_id, video.mime, video.width, video.height) == (42, "video/mp4", W, H)
    assert video.duration_s == stored.duration_s
    assert (thumb.mime, thumb.width, thumb.height) == ("image/jpeg", 480, 270)


async def test_a_card_becomes_a_clip_that_joins_a_take(
    landscape_with_sound: Path, tmp_path: Path
) -> None:
    house = HouseFormat(W, H, FPS)
    card = tmp_path / "card.png"
    Image.new("RGB", (1280, 720), (200, 30, 30)).save(card)
    clip = tmp_path / "card.mp4"
    assert await still_to_clip(card, clip, house, duration_s=1.0, fade_s=0.2) == 1.0
    assert_house(probe(clip), 1.0)
    take = await normalise_take(landscape_with_sound, width=W, height=H, fps=FPS, dst_dir=tmp_path)
    joined = probe(await concat_takes([clip, take.path], tmp_path / "j.mp4", house=house))
    assert joined.video is not None
    assert abs(joined.video.duration_s - (1.0 + take.duration_s)) < FRAME


async def test_voice_laid_under_a_take_keeps_the_picture_length(
    landscape_with_sound: Path, tmp_path: Path
) -> None:
    take = await normalise_take(
        make_clip(tmp_path / "mute.mp4", size="160x90", seconds=1.0, tone_hz=None),
        width=W, height=H, fps=FPS, dst_dir=tmp_path / "t",
    )  # fmt: skip
    long_line = make_clip(tmp_path / "line.mp4", size="64x36", seconds=3.0)  # 3 s of tone
    voice = tmp_path / "line.wav"
    assert abs(await normalise_voice(long_line, voice) - 3.0) < 0.05
    assert abs((await measure_loudness(voice)).integrated_lufs - (-16.0)) < 1.0, "levelled"
    out = tmp_path / "voiced.mp4"
    assert await lay_sound(take.path, voice, out) == take.duration_s
    info = probe(out)
    assert_house(info, take.duration_s)
    assert video_params(info) == video_params(probe(take.path)), "picture stream-copied"
    assert not (await measure_loudness(out)).silent


async def test_an_excerpt_starts_on_the_asked_frame(tmp_path: Path) -> None:
    house = HouseFormat(W, H, FPS)
    # A frame counter burned into the source picture: the excerpt's first frame must be 0.5 s.
    ramp = "format=gray,geq=lum='if(lt(X,N*4),255,0)',format=yuv420p"
    counted = make_clip(
        tmp_path / "count.mp4", size="160x90", rate="24", seconds=2.0, source="color=c=black",
        tone_hz=None, extra=("-vf", ramp),
    )  # fmt: skip
    piece = tmp_path / "piece.mp4"
    assert await excerpt(counted, piece, house, start_s=0.5, duration_s=1.0) == 1.0
    assert_house(probe(piece), 1.0)
    # Frame 12 of the source is 48 px of white out of 160: 30 % of the width.
    first = frame_at(piece, 0).crop((0, 60, W, 120))
    white = count_pixels_near(first, (255, 255, 255), 40) / first.width / first.height
    assert 0.27 < white < 0.33


async def test_an_upload_copy_fits_the_servers_limit_and_keeps_its_length(
    tmp_path: Path,
) -> None:
    # Noise does not compress: 4 s of it at near-lossless quality is far over 300 kB.
    master = make_clip(
        tmp_path / "master.mp4", size="640x360", seconds=4.0, source="testsrc2",
        extra=("-vf", "noise=alls=60:allf=t", "-crf", "8"),
    )  # fmt: skip
    limit = 300_000
    assert probe(master).size_bytes > limit * 3
    seen: list[float] = []
    copy = await fit_for_upload(master, tmp_path / "discord.mp4", max_bytes=limit,
                                on_progress=seen.append)  # fmt: skip
    info = probe(copy)
    assert info.size_bytes <= limit
    # Two passes land near the target: the member gets most of the bytes the server allows,
    # at the master's resolution (360p needs no downscale at this bitrate).
    assert passes_for(4.0) == 2
    assert info.size_bytes >= limit * 0.7
    assert info.video is not None and info.video.height == 360
    # Progress runs over both passes, never backwards, and ends at 1.
    assert seen == sorted(seen) and seen[-1] == 1.0 and any(0.4 < f <= 0.5 for f in seen)
    assert not glob.glob(os.path.join(tempfile.gettempdir(), "dailies-2pass-*"))
    assert info.video is not None and info.audio is not None
    assert abs(info.video.duration_s - 4.0) < FRAME
    # Already small enough: the same bytes.
    small = await fit_for_upload(copy, tmp_path / "again.mp4", max_bytes=limit)
    assert small.read_bytes() == copy.read_bytes()
    with pytest.raises(TooLongForLimit):
        await fit_for_upload(master, tmp_path / "tiny.mp4", max_bytes=20_000)


async def test_a_tight_limit_lowers_the_resolution_and_both_passes_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 200 kB for 4 s the bitrate is too thin for 360p: the copy drops to 270p, still the
    full length, and it is written by a second pass that read the first pass's log."""
    from pipeline.media import delivery

    master = make_clip(
        tmp_path / "master.mp4", size="640x360", seconds=4.0, source="testsrc2",
        extra=("-vf", "noise=alls=60:allf=t", "-crf", "8"),
    )  # fmt: skip
    passes: list[tuple[str, bool]] = []
    real = delivery.run_ffmpeg

    async def spy(args: list[str], **kwargs: Any) -> Any:
        if "-pass" in args:
            log = args[args.index("-passlogfile") + 1]
            passes.append((args[args.index("-pass") + 1], bool(glob.glob(log + "*"))))
        return await real(args, **kwargs)

    monkeypatch.setattr(delivery, "run_ffmpeg", spy)
    limit = 200_000
    copy = await fit_for_upload(master, tmp_path / "discord.mp4", max_bytes=limit)
    info = probe(copy)
    assert info.size_bytes <= limit
    assert info.video is not None and info.video.height == 270 and info.video.width == 480
    assert abs(info.video.duration_s - 4.0) < FRAME
    # Pass 1 starts with no log; pass 2 starts with the log pass 1 left.
    assert passes[:2] == [("1", False), ("2", True)]
