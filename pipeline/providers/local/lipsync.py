"""``local-lipsync``: lays the voice under the picture, the picture untouched (stream copy).

No mouths move: this is the key-less stand-in so the loop (voice -> lip-sync -> cut) runs on a
fresh machine. The sound is padded with silence or cut to the picture's exact length, so the
take keeps its duration in the cut.

Request: ``inputs`` {"video": path, "audio": path}; ``options`` {"offset_s": when the line
starts (default 0), "keep_original": mix with the picture's own sound instead of replacing it}.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.media.cuts import lay_sound
from pipeline.media.ffmpeg import ProgressCallback
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
        await lay_sound(
            request.inputs["video"],
            request.inputs["audio"],
            dst,
            offset_s=float(request.options.get("offset_s", 0.0) or 0.0),
            mix_with_original=bool(request.options.get("keep_original", False)),
        )
