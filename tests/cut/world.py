"""Small real takes for cut tests: house-format clips from ffmpeg's test pattern with a "voice"
(a tone) where the dialogue line is, so loudness, sync and subtitle timing can be checked."""

from __future__ import annotations

from pathlib import Path

from pipeline.cut.plan import LINE_LEAD_S
from pipeline.media.ffmpeg import run_ffmpeg
from pipeline.media.house import AUDIO_RATE, HouseFormat
from storage.cuts import CutLine, CutScene, CutShot, EpisodeForCut

HOUSE = HouseFormat(320, 180, 24)


async def make_take(
    dst: Path,
    seconds: float,
    *,
    house: HouseFormat = HOUSE,
    voice_s: float | None = 0.8,
    pattern: int = 0,
    freq: int = 440,
) -> Path:
    """A house take; a tone from LINE_LEAD_S for ``voice_s`` (None: silence)."""
    frames = house.frames_for(seconds)
    samples = round(frames / house.fps * AUDIO_RATE)
    if voice_s:
        end = LINE_LEAD_S + voice_s
        tone = (
            f"sine=f={freq}:r={AUDIO_RATE}:d={seconds},"
            f"volume=enable='not(between(t,{LINE_LEAD_S},{end}))':volume=0,"
            "aformat=channel_layouts=stereo"
        )
    else:
        tone = f"anullsrc=r={AUDIO_RATE}:cl=stereo"
    # testsrc2 changes every frame (never a freeze); each take gets its own hue.
    moving = f"testsrc2=s={house.width}x{house.height}:r={house.fps}"
    await run_ffmpeg(
        [
            "-f", "lavfi", "-i", moving, "-f", "lavfi", "-i", tone,
            "-filter_complex", f"[0:v]hue=h={pattern * 67 % 360}[v];"
            f"[1:a]apad=whole_len={samples},atrim=end_sample={samples}[a]",
            "-map", "[v]", "-map", "[a]", "-frames:v", str(frames),
            *house.video_args(), *house.audio_args(), *house.container_args(), str(dst),
        ],
        timeout_s=60,
    )  # fmt: skip
    return dst


def episode(
    shots: list[CutShot],
    scenes: list[CutScene],
    *,
    house: HouseFormat = HOUSE,
    locale: str = "en",
    number: int = 2,
) -> EpisodeForCut:
    return EpisodeForCut(
        guild_id=1, episode_id=1, series_id=1, number=number, title="Là-bas, enfin",
        synopsis="", series_name="Nuit Blanche", palette="navy, gold", width=house.width,
        height=house.height, fps=house.fps, locale=locale, upload_limit_bytes=10 * 1024 * 1024,
        scenes=tuple(scenes), shots=tuple(shots),
    )  # fmt: skip


def shot(
    shot_id: int,
    scene: CutScene,
    position: int,
    *,
    locked: bool = True,
    seconds: float = 1.5,
    line: str | None = "Where were you?",
    language: str = "en",
    voice_s: float | None = 0.8,
) -> CutShot:
    lines = (CutLine(shot_id * 10, "MARA", line, language, False, voice_s),) if line else ()
    return CutShot(
        shot_id=shot_id, code=f"2.{scene.position}.{position}", scene_id=scene.scene_id,
        episode_number=2, scene_position=scene.position, position=position,
        action=f"Shot {shot_id} action", duration_s=seconds, is_key=False,
        take_id=shot_id * 100 if locked else None,
        video_sha256=f"{shot_id:064x}" if locked else None,
        take_duration_s=seconds if locked else None, provider="local-animatic" if locked else "",
        model="animatic-1" if locked else "", lines=lines,
    )  # fmt: skip
