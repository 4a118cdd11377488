"""``local-animatic``: a key-less stand-in for a video model.

One Pillow plate (set, light, the characters' reference pictures as cards or silhouettes) is
moved by an ffmpeg ``zoompan`` camera: push-in, pull-out, pan, tilt or handheld, taken from the
shot's movement when it names one and from the seed otherwise; the shot size sets the framing.
The action is burned in as a caption. The output is already in the house format (H.264 CFR,
AAC 48 kHz stereo silence), exactly ``round(duration_s * fps)`` frames long.

Request: ``prompt`` (compiled prompt; its first sentence is the caption when no ``action``),
``inputs`` {"character:<Name>": "/path/ref.png", ..., "image": a start frame to move
over instead of a drawn set}, ``options`` {"action", "shot_size",
"movement", "palette", "locale", "characters": ["Name", ...]}.
"""

from __future__ import annotations

import asyncio
import random
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.media.ffmpeg import ProgressCallback, run_ffmpeg
from pipeline.media.house import AUDIO_RATE, HouseFormat
from pipeline.providers.base import Capability, GenRequest, Refused
from pipeline.providers.local._base import LocalProvider
from pipeline.providers.local._plate import Cast, draw_caption, draw_plate

STATIC_FLICKER = 0.03  # eq brightness amplitude (of the full range) on a static camera
STATIC_FLICKER_PERIOD_S = 1.5
MOVES = ("static", "push_in", "pull_out", "pan_left", "pan_right", "tilt_up", "tilt_down",
         "handheld")  # fmt: skip

_MOVE_WORDS: tuple[tuple[str, str], ...] = (
    ("push", "push_in"), ("dolly in", "push_in"), ("zoom in", "push_in"), ("creep", "push_in"),
    ("pull", "pull_out"), ("dolly out", "pull_out"), ("zoom out", "pull_out"),
    ("reveal", "pull_out"), ("pan left", "pan_left"), ("pan right", "pan_right"),
    ("track left", "pan_left"), ("track right", "pan_right"), ("truck", "pan_right"),
    ("tracking", "pan_right"), ("pan", "pan_right"), ("tilt up", "tilt_up"),
    ("crane up", "tilt_up"), ("tilt down", "tilt_down"), ("crane down", "tilt_down"),
    ("tilt", "tilt_up"), ("handheld", "handheld"), ("shaky", "handheld"),
    ("dolly", "push_in"), ("zoom", "push_in"), ("steadicam", "push_in"), ("crane", "tilt_up"),
    ("orbit", "pan_right"), ("arc", "pan_right"),
    ("static", "static"), ("locked", "static"), ("still", "static"),
)  # fmt: skip

_SIZE_WORDS: tuple[tuple[str, str], ...] = (
    ("extreme close", "extreme-close"), ("ecu", "extreme-close"), ("close", "close"),
    ("cu", "close"), ("medium", "medium"), ("mid", "medium"), ("ms", "medium"),
    ("wide", "wide"), ("establishing", "wide"), ("long", "wide"), ("ws", "wide"),
)  # fmt: skip

# How tight the camera frames the plate for each shot size (1.0 = the whole plate).
_FRAMING = {"extreme-close": 1.6, "close": 1.35, "medium": 1.15, "wide": 1.0}
PLATE_MARGIN = 1.3


def classify(text: str, table: tuple[tuple[str, str], ...]) -> str | None:
    low = text.lower().replace("_", " ").replace("-", " ")
    for word, value in table:
        if re.search(rf"\b{re.escape(word)}\b", low):
            return value
    return None


@dataclass(frozen=True)
class Camera:
    move: str
    zoom: float

    def life(self) -> str:
        """A locked-off camera still films a living scene: the light breathes (a slow flicker
        of the set's lamp, +-3 %), so a static shot is not a still picture passed off as video
        (what the cut's freeze check looks for). Moving cameras need nothing more."""
        if self.move != "static":
            return ""
        return f",eq=brightness='{STATIC_FLICKER}*sin(2*PI*t/{STATIC_FLICKER_PERIOD_S})':eval=frame"

    def expressions(self, frames: int, subject: tuple[float, float]) -> tuple[str, str, str]:
        """zoompan's z, x, y as ffmpeg expressions of the output frame number ``on``."""
        span = max(1, frames - 1)
        p = f"(on/{span})"
        ease = f"({p}*{p}*(3-2*{p}))"  # smoothstep: the move starts and lands softly
        z0 = self.zoom
        sx, sy = subject
        centre_x = f"max(0,min(iw-iw/zoom,{sx}*iw-iw/zoom/2))"
        centre_y = f"max(0,min(ih-ih/zoom,{sy}*ih-ih/zoom/2))"
        move = self.move
        if move == "push_in":
            return f"{z0}+{z0 * 0.3:.4f}*{ease}", centre_x, centre_y
        if move == "pull_out":
            return f"{z0 * 1.3:.4f}-{z0 * 0.3:.4f}*{ease}", centre_x, centre_y
        zp = f"{z0 * 1.18:.4f}"
        # Pans and tilts travel past the subject (a third of the frame), not across the set:
        # the subject stays in shot, start to end.
        pan = f"max(0,min(iw-iw/zoom,{sx}*iw-iw/zoom/2+iw/zoom*0.35*({ease}-0.5)*DIR))"
        tilt = f"max(0,min(ih-ih/zoom,{sy}*ih-ih/zoom/2+ih/zoom*0.3*({ease}-0.5)*DIR))"
        if move == "pan_right":
            return zp, pan.replace("DIR", "1"), centre_y
        if move == "pan_left":
            return zp, pan.replace("DIR", "(-1)"), centre_y
        if move == "tilt_up":
            return zp, centre_x, tilt.replace("DIR", "(-1)")
        if move == "tilt_down":
            return zp, centre_x, tilt.replace("DIR", "1")
        if move == "handheld":
            # Two slow sines per axis around the subject: a camera operator's drift and sway.
            wob_x = (
                f"max(0,min(iw-iw/zoom,{sx}*iw-iw/zoom/2"
                "+iw/zoom*(0.03*sin(on*0.23)+0.015*sin(on*0.071+1))))"
            )
            wob_y = (
                f"max(0,min(ih-ih/zoom,{sy}*ih-ih/zoom/2"
                "+ih/zoom*(0.025*sin(on*0.19+2)+0.012*sin(on*0.053))))"
            )
            return f"{z0 * 1.12:.4f}", wob_x, wob_y
        return f"{z0}", centre_x, centre_y


def choose_camera(request: GenRequest, rng: random.Random) -> tuple[Camera, str]:
    opts = request.options
    size = classify(str(opts.get("shot_size", "")), _SIZE_WORDS) or classify(
        request.prompt, _SIZE_WORDS
    )
    size = size or rng.choice(("wide", "medium", "medium", "close"))
    movement = str(opts.get("movement", "") or "")
    move = classify(movement, _MOVE_WORDS) if movement and movement != "auto" else None
    if move is None and not movement:
        move = classify(request.prompt, _MOVE_WORDS)
    move = move or rng.choice(MOVES[1:])
    return Camera(move=move, zoom=_FRAMING[size]), size


def caption_for(request: GenRequest) -> str:
    action = str(request.options.get("action", "") or "").strip()
    if action:
        return action
    first = re.split(r"(?<=[.!?])\s", request.prompt.strip(), maxsplit=1)[0]
    return first[:200]


BACKDROP_KEYS = ("image", "start_frame", "first_frame")


def backdrop_for(request: GenRequest) -> Path | None:
    """An image-to-video start frame, which the camera then moves over instead of a drawn set."""
    for key in BACKDROP_KEYS:
        if request.inputs.get(key):
            return Path(request.inputs[key])
    return None


def cast_for(request: GenRequest) -> list[Cast]:
    cast: dict[str, Cast] = {}
    for key, path in request.inputs.items():
        if key.startswith(("character", "ref")):
            name = key.split(":", 1)[1] if ":" in key else key
            cast[name] = Cast(name=name, picture=Path(path))
    for name in request.options.get("characters", []) or []:
        cast.setdefault(str(name), Cast(name=str(name)))
    return list(cast.values())[:4]


class LocalAnimatic(LocalProvider):
    name = "local-animatic"
    capabilities = frozenset({Capability.TEXT_TO_VIDEO, Capability.IMAGE_TO_VIDEO})

    def check(self, request: GenRequest) -> None:
        super().check(request)
        if not 0.2 <= request.duration_s <= 60:
            raise Refused("duration must be between 0.2 s and 60 s", code="duration")
        if request.width % 2 or request.height % 2 or min(request.width, request.height) < 64:
            raise Refused("width and height must be even and at least 64", code="size")
        for key, path in request.inputs.items():
            if not Path(path).is_file():
                raise Refused(f"input {key} is missing", code="input")

    async def render(self, request: GenRequest, dst: Path, progress: ProgressCallback) -> None:
        house = HouseFormat(request.width, request.height, request.fps)
        rng = random.Random(request.seed)
        camera, size = choose_camera(request, rng)
        frames = house.frames_for(request.duration_s)
        target = frames / house.fps
        samples = round(target * AUDIO_RATE)
        plate_size = (
            int(request.width * PLATE_MARGIN) // 2 * 2,
            int(request.height * PLATE_MARGIN) // 2 * 2,
        )
        locale = str(request.options.get("locale", "en"))
        tag = f"ANIMATIC · seed {request.seed} · {size} · {camera.move.replace('_', ' ')}"

        with tempfile.TemporaryDirectory(prefix="animatic-") as tmp:
            plate_path = Path(tmp) / "plate.png"
            caption_path = Path(tmp) / "caption.png"

            def draw() -> tuple[float, float]:
                plate, subject = draw_plate(
                    plate_size, seed=request.seed, cast=cast_for(request),
                    palette_text=str(request.options.get("palette", "")), shot_size=size,
                    backdrop=backdrop_for(request),
                )  # fmt: skip
                plate.save(plate_path, compress_level=1)
                draw_caption(
                    (request.width, request.height), caption=caption_for(request), tag=tag,
                    locale=locale,
                ).save(caption_path, compress_level=1)  # fmt: skip
                return subject

            subject = await asyncio.to_thread(draw)
            progress(0.05)
            z, x, y = camera.expressions(frames, subject)
            graph = (
                # zoompan and overlay in YUV: five times faster than in RGB at 720p.
                f"[0:v]format=yuv420p,zoompan=z='{z}':x='{x}':y='{y}':d={frames}"
                f":s={request.width}x{request.height}:fps={house.fps},setsar=1{camera.life()}[cam];"
                f"[cam][1:v]overlay=0:0:format=yuv420,format=yuv420p[v];"
                f"[2:a]atrim=end_sample={samples}[a]"
            )
            await run_ffmpeg(
                [
                    "-i", str(plate_path), "-i", str(caption_path),
                    "-f", "lavfi", "-i", f"anullsrc=r={AUDIO_RATE}:cl=stereo",
                    "-filter_complex", graph,
                    "-map", "[v]", "-map", "[a]", "-frames:v", str(frames),
                    *house.video_args(), *house.audio_args(), *house.container_args(),
                    str(dst),
                ],
                total_s=target,
                on_progress=lambda f: progress(0.05 + 0.95 * f),
                timeout_s=max(120.0, target * 30),
            )  # fmt: skip
