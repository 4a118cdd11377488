"""``local-performance``: a key-less stand-in for performance transfer (Runway act_two).

Nothing here moves a character's face: that needs a model. What it makes is an honest draft a
community can vote on and cut: the character (its reference picture, or the locked take's video,
looped) fills the frame in the house format, the member's acting video plays as an inset in the
lower right, their sound is the take's sound, and a "STAND-IN" label says what it is. Same length
as the acting video. With a Runway key, ``/shot perform provider:runway`` makes the real thing
from the same inputs.

Request: ``inputs`` {"character": image or video path, "video": the acting video};
``options`` {"label": the text of the label (the command words it in the server's language)}.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

from pipeline.media.cards import font
from pipeline.media.ffmpeg import ProgressCallback, run_ffmpeg
from pipeline.media.house import AUDIO_RATE, HouseFormat
from pipeline.media.probe import aprobe
from pipeline.providers._download import SNIFF_BYTES, sniff_kind
from pipeline.providers.base import Capability, GenRequest, Refused
from pipeline.providers.local._base import LocalProvider

DEFAULT_LABEL = "STAND-IN PERFORMANCE"


def _even(value: int) -> int:
    return max(2, value - value % 2)


def label_png(text: str, frame_height: int, dst: Path) -> Path:
    """A dark pill with the label in white, sized to the frame (RGBA, overlaid top left)."""
    size = max(10, frame_height // 24)
    face = font(size, bold=True)
    left, top, right, bottom = (int(v) for v in face.getbbox(text))
    pad = size // 2
    image = Image.new("RGBA", (right - left + 2 * pad, bottom - top + 2 * pad), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, image.width - 1, image.height - 1), pad, fill=(0, 0, 0, 170))
    draw.text((pad - left, pad - top), text, font=face, fill=(255, 255, 255, 255))
    image.save(dst)
    return dst


def _is_video(path: str) -> bool:
    with open(path, "rb") as fh:
        return sniff_kind(fh.read(SNIFF_BYTES)) == "video"


class LocalPerformance(LocalProvider):
    name = "local-performance"
    capabilities = frozenset({Capability.PERFORMANCE})

    def check(self, request: GenRequest) -> None:
        super().check(request)
        for key in ("character", "video"):
            path = request.inputs.get(key)
            if not path or not Path(path).is_file():
                raise Refused(f"a performance needs an existing {key} input", code="input")

    async def render(self, request: GenRequest, dst: Path, progress: ProgressCallback) -> None:
        acting = request.inputs["video"]
        info = await aprobe(acting)
        if info.video is None:
            raise Refused("the acting video has no picture", code="input")
        house = HouseFormat(_even(request.width), _even(request.height), request.fps)
        length = house.exact_duration(request.duration_s or info.duration_s or 1.0)
        frames, samples = house.frames_for(length), round(length * AUDIO_RATE)
        inset, margin = _even(house.width // 3), _even(house.height // 30)
        character = request.inputs["character"]
        source = (
            ["-stream_loop", "-1", "-i", character]
            if _is_video(character)
            else ["-loop", "1", "-framerate", str(house.fps), "-i", character]
        )
        with tempfile.TemporaryDirectory(prefix="perform-") as tmp:
            label = str(request.options.get("label") or DEFAULT_LABEL)[:80]
            badge = await asyncio.to_thread(label_png, label, house.height, Path(tmp) / "l.png")
            sound = (
                f"[1:a:0]aresample={AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,"
                f"apad=whole_len={samples},atrim=end_sample={samples}[a]"
                if info.audio is not None
                else f"[3:a]atrim=end_sample={samples}[a]"
            )
            graph = (
                f"[0:v]{house.fit_filter()},fps={house.fps},format=yuv420p[bg];"
                f"[1:v]scale={inset}:-2,setsar=1,format=yuv420p[pip];"
                f"[bg][pip]overlay=W-w-{margin}:H-h-{margin}:eof_action=repeat[v1];"
                f"[v1][2:v]overlay={margin}:{margin},format=yuv420p[v];{sound}"
            )
            await run_ffmpeg(
                [
                    *source, "-i", acting, "-loop", "1", "-i", str(badge),
                    "-f", "lavfi", "-i", f"anullsrc=r={AUDIO_RATE}:cl=stereo",
                    "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
                    "-frames:v", str(frames),
                    *house.video_args(), *house.audio_args(), *house.container_args(), str(dst),
                ],
                total_s=length,
                on_progress=progress,
                timeout_s=max(120.0, length * 8),
            )  # fmt: skip
