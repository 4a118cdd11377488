"""local-voice: espeak-ng from the wheel, English and French, one voice per character."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pipeline.media.probe import measure_loudness, probe
from pipeline.providers.base import Capability, GenRequest, Provider, ProviderState, Refused
from pipeline.providers.local import LocalVoice, voice_spec


def line(text: str, voice: str, language: str | None = None) -> GenRequest:
    options = {"voice": voice} | ({"language": language} if language else {})
    return GenRequest(capability=Capability.VOICE, prompt=text, options=options)


@pytest.fixture
def voice(tmp_path: Path) -> LocalVoice:
    return LocalVoice(work_dir=tmp_path)


async def speak(provider: LocalVoice, request: GenRequest, key: str) -> Path:
    result = await provider.submit(request, key)
    assert result.immediate is not None and result.immediate.state == ProviderState.SUCCEEDED
    return Path(result.handle["output"])


@pytest.mark.parametrize(
    ("text", "voice_string", "language"),
    [
        ("The light has gone out. Somebody climbed the stairs tonight.", "en-f1", None),
        ("La lumière s'est éteinte. Quelqu'un a monté l'escalier cette nuit.", "fr-m2", "fr"),
    ],
)
async def test_a_line_is_spoken_as_48k_stereo_wav_of_sensible_length(
    voice: LocalVoice, text: str, voice_string: str, language: str | None
) -> None:
    assert isinstance(voice, Provider) and not voice.needs_key and voice.price(line(text, "")) == 0
    path = await speak(voice, line(text, voice_string, language), f"{voice_string}-line")
    info = probe(path)
    assert info.format_name == "wav" and info.audio is not None and info.video is None
    assert (info.audio.codec, info.audio.sample_rate, info.audio.channels) == (
        "pcm_s16le", 48000, 2,
    )  # fmt: skip
    # About ten words: two to six seconds of speech at espeak's rates, plus the breaths.
    assert 2.0 < info.audio.duration_s < 6.0
    loudness = await measure_loudness(path)
    assert not loudness.silent and loudness.integrated_lufs > -35


async def test_each_character_sounds_different_and_always_the_same(voice: LocalVoice) -> None:
    text = "Keep the lamp burning."
    paths = [await speak(voice, line(text, v), v) for v in ("en-f1", "en-m3", "old deep male")]
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}
    assert len(digests) == 3
    again = await speak(voice, line(text, "en-f1"), "en-f1-again")
    assert again.read_bytes() == paths[0].read_bytes()


def test_voice_strings_map_to_espeak_voices() -> None:
    fr = voice_spec("fr-m2")
    assert (fr.language, fr.variant, fr.espeak_name) == ("fr", "m2", "fr+m2")
    en = voice_spec("en-f1")
    assert (en.language, en.variant) == ("en-us", "f1")
    # The line's language wins over the voice's; the variant stays the character's.
    assert voice_spec("fr-m2", "en").espeak_name == "en-us+m2"
    deep = voice_spec("Mara deep slow")
    plain = voice_spec("Mara")
    assert deep.pitch < plain.pitch + 1 and deep.rate < plain.rate + 1
    assert voice_spec("female, warm").variant.startswith("f")
    assert voice_spec("21m00Tcm4TlvDq8ikWAM") == voice_spec("21m00Tcm4TlvDq8ikWAM")


async def test_an_empty_line_is_refused(voice: LocalVoice) -> None:
    with pytest.raises(Refused):
        await voice.submit(line("   ", "en-f1"), "empty")
