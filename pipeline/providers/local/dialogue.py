"""``local-dialogue``: a shot's voice lines laid on one track, free and deterministic.

The step between the voices (one job per line, each in its speaker's voice and language) and the
lip-sync (one take, one sound): the lip-sync needs a single audio input, and a take speaks all
its lines. The placing (subtitle times, lines too long for the take) is
``pipeline.media.dialogue``; this provider only probes the voice files and renders.

Request: ``duration_s`` the take's length; ``inputs`` {"line:1": path, "line:2": path, ...} (the
voice jobs' outputs, resolved by the worker); ``options["lines"]`` the lines in story order,
each {"input": "line:1", "line_id", "speaker", "language"}. Output: a WAV, PCM 16-bit, 48 kHz
stereo, exactly ``duration_s`` long.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, ClassVar

from pipeline.media.dialogue import plan_track, render_track
from pipeline.media.ffmpeg import ProgressCallback
from pipeline.media.probe import aprobe
from pipeline.providers.base import Capability, GenRequest, Refused
from pipeline.providers.local._base import LocalProvider

log = logging.getLogger(__name__)


def _lines(request: GenRequest) -> list[dict[str, Any]]:
    lines = request.options.get("lines") or []
    return [line for line in lines if isinstance(line, dict)]


class LocalDialogue(LocalProvider):
    name = "local-dialogue"
    capabilities = frozenset({Capability.DIALOGUE})
    suffix: ClassVar[str] = ".wav"

    def check(self, request: GenRequest) -> None:
        super().check(request)
        lines = _lines(request)
        if not lines:
            raise Refused("a dialogue track needs at least one line", code="empty")
        for line in lines:
            path = request.inputs.get(str(line.get("input", "")))
            if not path or not Path(path).is_file():
                raise Refused(f"voice of line {line.get('input')} is missing", code="input")

    async def render(self, request: GenRequest, dst: Path, progress: ProgressCallback) -> None:
        voices = [request.inputs[str(line["input"])] for line in _lines(request)]
        lengths: list[float] = []
        for voice in voices:
            info = await aprobe(voice)
            if info.audio is None:
                raise Refused(f"{Path(voice).name} has no sound", code="input")
            lengths.append(info.audio.duration_s or info.duration_s)
        plan = plan_track(lengths, request.duration_s)
        if plan.cut_s > 0:
            log.warning(
                "dialogue track: %d lines need %.2f s more than the take's %.2f s even at %.2fx;"
                " the end is cut with a %.2f s fade (lengthen the shot or trim a line)",
                len(lengths), plan.cut_s, plan.length_s, plan.tempo, plan.fade_s,
            )  # fmt: skip
        elif plan.tempo > 1.0:
            log.info("dialogue track: %d lines sped up %.2fx to fit the take's %.2f s",
                     len(lengths), plan.tempo, plan.length_s)  # fmt: skip
        progress(0.2)
        await render_track(voices, plan, dst, on_progress=lambda f: progress(0.2 + 0.8 * f))
