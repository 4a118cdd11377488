"""``local-voice``: espeak-ng voices, English and French, one distinct voice per character.

Request: ``prompt`` is the line to speak; ``options`` {"voice": the character's voice string
("en-f1", "fr-m2", "deep slow"...), "language": the line's language ("en", "fr"), "speaker":
the character's name, used when the voice string is empty}. Output: a WAV,
PCM 16-bit, 48 kHz stereo, with a short breath of silence before and after the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pipeline.media.ffmpeg import ProgressCallback, run_ffmpeg
from pipeline.media.house import AUDIO_RATE
from pipeline.providers.base import Capability, GenRequest, Refused
from pipeline.providers.local._base import LocalProvider
from pipeline.providers.local._espeak import speak, voice_spec

LEAD_S = 0.1
TAIL_S = 0.2
MAX_CHARS = 2000


class LocalVoice(LocalProvider):
    name = "local-voice"
    capabilities = frozenset({Capability.VOICE})
    suffix: ClassVar[str] = ".wav"

    def check(self, request: GenRequest) -> None:
        super().check(request)
        if not request.prompt.strip():
            raise Refused("nothing to say: the line is empty", code="empty")
        if len(request.prompt) > MAX_CHARS:
            raise Refused(f"a line is at most {MAX_CHARS} characters", code="too_long")

    async def render(self, request: GenRequest, dst: Path, progress: ProgressCallback) -> None:
        # A character with no voice string still gets their own voice, from their name.
        voice = request.options.get("voice") or request.options.get("speaker") or ""
        spec = voice_spec(str(voice), request.options.get("language") or None)
        pcm, rate = await speak(request.prompt.strip(), spec)
        if not pcm:
            raise RuntimeError(f"espeak-ng produced no sound for voice {spec.espeak_name}")
        progress(0.5)
        seconds = len(pcm) / 2 / rate
        await run_ffmpeg(
            [
                "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
                "-af",
                f"aresample={AUDIO_RATE},adelay={int(LEAD_S * 1000)}:all=1,apad=pad_dur={TAIL_S}",
                "-ac", "2", "-ar", str(AUDIO_RATE), "-c:a", "pcm_s16le", "-f", "wav", str(dst),
            ],
            stdin_data=pcm,
            total_s=seconds + LEAD_S + TAIL_S,
            timeout_s=120,
        )  # fmt: skip
