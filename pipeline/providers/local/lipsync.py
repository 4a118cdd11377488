"""``local-lipsync``: lays the voice under the picture, the picture untouched (stream copy).

This is the key-less stand-in so the loop (voice -> lip-sync -> cut) runs on a fresh machine.
The sound is padded with silence or cut to the picture's exact length, so the take keeps its
duration in the cut. With ``options["mouth"]`` a small badge with the speaker's name and a mouth
that opens with the voice's loudness is drawn over the picture (one re-encode, house format).

Request: ``inputs`` {"video": path, "audio": path}; ``options`` {"offset_s": when the line
starts (default 0), "keep_original": mix with the picture's own sound instead of replacing it,
"mouth": draw the flapping mouth badge, "speaker": the name on it}.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.media.cuts import lay_sound
from pipeline.media.ffmpeg import ProgressCallback
from pipeline.media.mouth import lay_sound_with_mouth
from pipeline.providers.base import Capability, GenRequest, Refused
from pipeline.providers.local._base import LocalProvider


class LocalLipsync(LocalProvider):
    name = "local-lipsync"
    capabilities = frozenset({Capability.LIPSYNC})

    def check(self, request: GenRequest) -> None:
        super().check(request)
        for key in ("video", "audio"):
            path = request.inputs.get(key)
            if not path or not Path(path).is_file():
                raise Refused(f"lip-sync needs an existing {key} input", code="input")

    async def render(self, request: GenRequest, dst: Path, progress: ProgressCallback) -> None:
        if request.options.get("mouth"):
            await lay_sound_with_mouth(
                request.inputs["video"],
                request.inputs["audio"],
                dst,
                speaker=str(request.options.get("speaker", "") or ""),
                offset_s=float(request.options.get("offset_s", 0.0) or 0.0),
                on_progress=progress,
            )
            return
        await lay_sound(
            request.inputs["video"],
            request.inputs["audio"],
            dst,
            offset_s=float(request.options.get("offset_s", 0.0) or 0.0),
            mix_with_original=bool(request.options.get("keep_original", False)),
        )
