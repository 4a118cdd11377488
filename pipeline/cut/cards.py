"""The cut's cards as pictures (Pillow, the series' palette, French typography) and as clips.

Cards are the only pictures a cut draws; each is encoded once in the house format (so it joins
the takes by stream copy) and kept by content in the render's work folder, so a slate drawn twice
is encoded once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from PIL import Image, ImageDraw

from pipeline.cut.words import word
from pipeline.media.cards import (
    draw_block,
    fit_font,
    font,
    image_digest,
    palette_from_text,
    save,
    scene_card,
    slate,
    title_card,
    typeset,
)
from pipeline.media.cuts import still_to_clip
from pipeline.media.ffmpeg import ProgressCallback
from pipeline.media.house import HouseFormat
from storage.cuts import Credits, CutScene, CutShot, EpisodeForCut

ROLE_ORDER = ("showrunner", "writer", "performer", "voter", "flagger")
MAX_NAMES = 12


def episode_title_image(episode: EpisodeForCut, house: HouseFormat, locale: str) -> Image.Image:
    return title_card(
        episode.title,
        word("episode", locale, n=episode.number),
        kicker=episode.series_name,
        width=house.width,
        height=house.height,
        palette=episode.palette,
        locale=locale,
    )


def scene_image(
    scene: CutScene, episode: EpisodeForCut, house: HouseFormat, locale: str
) -> Image.Image:
    return scene_card(
        scene.heading,
        scene.synopsis,
        number=scene.position,
        width=house.width,
        height=house.height,
        palette=episode.palette,
        locale=locale,
    )


def slate_image(
    shot: CutShot, episode: EpisodeForCut, house: HouseFormat, locale: str
) -> Image.Image:
    """A preview's stand-in for a shot without a locked take: the slate, and under it in full
    "Shot 2.1.3: waiting for takes"."""
    image = slate(
        [
            (word("shot", locale), shot.code),
            (word("status", locale), word("status.waiting", locale)),
            (word("action", locale), shot.action or "—"),
        ],
        width=house.width,
        height=house.height * 9 // 10,
        palette=episode.palette,
        locale=locale,
    )
    pal = palette_from_text(episode.palette)
    full = Image.new("RGB", (house.width, house.height), pal.background)
    full.paste(image, (0, 0))
    draw = ImageDraw.Draw(full)
    headline = typeset(word("waiting", locale, code=shot.code), locale)
    face, lines = fit_font(headline, house.width * 9 // 10, 1, house.height // 16, draw, True)
    draw_block(draw, lines[:1], face, centre_x=house.width // 2,
               top=house.height * 9 // 10 + house.height // 60, fill=pal.accent)  # fmt: skip
    return full


def credits_image(
    credits: Credits, episode: EpisodeForCut, house: HouseFormat, locale: str
) -> Image.Image:
    """One page: the roles in order with their members, the generators, the AI disclosure."""
    pal = palette_from_text(episode.palette)
    image = Image.new("RGB", (house.width, house.height), pal.background)
    draw = ImageDraw.Draw(image)
    w, h = house.width, house.height
    blocks: list[tuple[str, str]] = []
    for role in ROLE_ORDER:
        names = credits.people.get(role, [])
        if names:
            more = len(names) - MAX_NAMES
            shown = ", ".join(names[:MAX_NAMES]) + (f" +{more}" if more > 0 else "")
            blocks.append((word(f"role.{role}", locale), shown))
    if credits.makers:
        blocks.append((word("credits.made_with", locale), ", ".join(credits.makers)))
    heading_face = font(max(12, h // 14), bold=True)
    y = h // 12
    draw.text(
        (w // 2, y), typeset(word("credits", locale), locale), font=heading_face,
        fill=pal.accent, anchor="ma",
    )  # fmt: skip
    y += int(h // 14 * 1.6)
    room = max(1, len(blocks))
    label_size = max(10, min(h // 28, (h * 2 // 3) // (room * 3)))
    label_face = font(label_size, bold=True)
    for label, shown_names in blocks:
        draw.text((w // 2, y), typeset(label, locale).upper(), font=label_face,
                  fill=pal.accent, anchor="ma")  # fmt: skip
        y += int(label_size * 1.35)
        face, lines = fit_font(
            typeset(shown_names, locale), w * 8 // 10, 2, label_size + 4, draw, False
        )
        y = draw_block(draw, lines, face, centre_x=w // 2, top=y, fill=pal.foreground)
        y += label_size // 2
    note_face, note_lines = fit_font(
        typeset(word("credits.ai", locale), locale), w * 9 // 10, 2, max(10, h // 36), draw, False
    )
    draw_block(draw, note_lines, note_face, centre_x=w // 2, top=h - h // 8, fill=pal.foreground)
    return image


def card_image(
    title: str, subtitle: str, episode: EpisodeForCut, house: HouseFormat, locale: str,
    kicker: str = "",
) -> Image.Image:  # fmt: skip
    return title_card(
        title, subtitle, kicker=kicker, width=house.width, height=house.height,
        palette=episode.palette, locale=locale,
    )  # fmt: skip


class CardClips:
    """Encodes card pictures as house clips, once per picture and length."""

    def __init__(self, work_dir: Path, house: HouseFormat) -> None:
        self.work_dir = work_dir
        self.house = house
        self._done: dict[str, asyncio.Future[Path]] = {}

    async def clip(
        self,
        image: Image.Image,
        duration_s: float,
        *,
        fade_s: float = 0.0,
        on_progress: ProgressCallback | None = None,
    ) -> Path:
        digest = await asyncio.to_thread(image_digest, image)
        key = f"{digest[:24]}-{self.house.frames_for(duration_s)}-{fade_s}"
        existing = self._done.get(key)
        if existing is not None:
            return await existing
        future: asyncio.Future[Path] = asyncio.get_running_loop().create_future()
        self._done[key] = future
        try:
            png = self.work_dir / f"card-{key}.png"
            dst = self.work_dir / f"card-{key}.mp4"
            await asyncio.to_thread(save, image, png)
            await still_to_clip(
                png, dst, self.house, duration_s=duration_s, fade_s=fade_s,
                on_progress=on_progress,
            )  # fmt: skip
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: only waiters that exist should see it
            self._done.pop(key, None)
            raise
        future.set_result(dst)
        return dst
