"""local-lipsync: the voice laid under the picture, picture untouched, length kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.media.probe import measure_loudness, probe
from pipeline.providers.base import Capability, GenRequest, Provider, ProviderState, Refused
from pipeline.providers.local import LocalAnimatic, LocalLipsync, LocalVoice
from tests.media.helpers import count_pixels_near, frame_at

W, H, FPS = 320, 180, 24


async def output_of(provider: LocalAnimatic | LocalVoice | LocalLipsync, request: GenRequest,
                    key: str) -> Path:  # fmt: skip
    result = await provider.submit(request, key)
    assert result.immediate is not None, result
    assert result.immediate.state == ProviderState.SUCCEEDED, result.immediate.error_message
    return Path(result.handle["output"])


@pytest.fixture
async def picture(tmp_path: Path) -> Path:
    request = GenRequest(Capability.TEXT_TO_VIDEO, "Mara speaks.", duration_s=2.0, width=W,
                         height=H, fps=FPS, seed=3)  # fmt: skip
    return await output_of(LocalAnimatic(work_dir=tmp_path), request, "picture")


async def spoken(tmp_path: Path, text: str) -> Path:
    request = GenRequest(Capability.VOICE, text, options={"voice": "fr-f2", "language": "fr"})
    return await output_of(LocalVoice(work_dir=tmp_path), request, text)


@pytest.mark.parametrize(
    "text",
    ["Vite !", "Je t'avais dit de ne jamais monter là-haut sans la lanterne, jamais, tu entends ?"],
    ids=["shorter-than-picture", "longer-than-picture"],
)
async def test_the_voice_is_under_the_picture_for_exactly_the_pictures_length(
    picture: Path, tmp_path: Path, text: str
) -> None:
    lipsync = LocalLipsync(work_dir=tmp_path)
    assert isinstance(lipsync, Provider) and not lipsync.needs_key
    voice = await spoken(tmp_path, text)
    request = GenRequest(
        Capability.LIPSYNC, "", inputs={"video": str(picture), "audio": str(voice)}
    )
    out = await output_of(lipsync, request, "sync")
    info, source = probe(out), probe(picture)
    assert info.video is not None and info.audio is not None and source.video is not None
    assert info.video.frames == source.video.frames == 48
    assert info.video.extradata_sha1 == source.video.extradata_sha1, "picture stream-copied"
    assert abs(info.audio.duration_s - 2.0) < 1 / FPS
    assert (info.audio.codec, info.audio.sample_rate, info.audio.channels) == ("aac", 48000, 2)
    assert not (await measure_loudness(out)).silent


async def test_lipsync_needs_both_inputs(tmp_path: Path, picture: Path) -> None:
    request = GenRequest(Capability.LIPSYNC, "", inputs={"video": str(picture)})
    with pytest.raises(Refused):
        await LocalLipsync(work_dir=tmp_path).submit(request, "half")


async def test_the_optional_mouth_opens_when_the_voice_speaks(
    picture: Path, tmp_path: Path
) -> None:
    voice = await spoken(tmp_path, "Vite !")  # about half a second of speech after 0.1 s
    inputs = {"video": str(picture), "audio": str(voice)}
    options = {"mouth": True, "speaker": "Mara", "offset_s": 0.5}
    request = GenRequest(Capability.LIPSYNC, "", inputs=inputs, options=options)
    out = await output_of(LocalLipsync(work_dir=tmp_path), request, "mouth")
    info = probe(out)
    assert info.video is not None and info.audio is not None
    assert info.video.frames == 48 and abs(info.audio.duration_s - 2.0) < 1 / FPS
    mouth_red = (235, 90, 90)
    # Before the line starts (offset 0.5 s) the mouth is a closed line; while speaking, open.
    closed = count_pixels_near(frame_at(out, 2), mouth_red, 40)
    opened = max(count_pixels_near(frame_at(out, i), mouth_red, 40) for i in range(16, 30))
    assert opened > closed * 2 and opened > 20
