"""Pillow pictures in the series' style: title card, slate, scene card, contact sheet, thumbnail.

Fonts: DejaVu Sans ships in ``pipeline/media/fonts`` (Bitstream Vera licence, see
LICENSE-DejaVu.md) because Pillow's built-in scalable font has no accented letters, and
"Épisode 2 : Là-bas" must render on a fresh machine. Colours come from the series' palette text
("teal, #c0392b, warm ochre") when parseable, else a default.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageColor, ImageDraw, ImageFont, ImageOps

RGB = tuple[int, int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

FONT_DIR = Path(__file__).parent / "fonts"
_FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}


def font(size: int, *, bold: bool = False) -> Font:
    """The house font at ``size`` px; Pillow's own scalable font if ours is missing.

    One font object per thread: cards are drawn in worker threads, and a FreeType face must not
    render in two threads at once.
    """
    return _font(size, bold, threading.get_ident())


@lru_cache(maxsize=256)
def _font(size: int, bold: bool, _thread: int) -> Font:
    path = FONT_DIR / _FONT_FILES[bold]
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


# --------------------------------------------------------------------------- palette


@dataclass(frozen=True)
class Palette:
    background: RGB
    foreground: RGB
    accent: RGB
    muted: RGB
    extra: tuple[RGB, ...] = ()

    @property
    def colours(self) -> tuple[RGB, ...]:
        return (self.background, self.accent, self.muted, *self.extra)


DEFAULT_PALETTE = Palette(
    background=(18, 22, 32), foreground=(238, 234, 224), accent=(214, 160, 72), muted=(92, 104, 128)
)

_HEX = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
_WORD = re.compile(r"[a-zA-Z]+")


def parse_colours(text: str) -> list[RGB]:
    """Every colour named in free text: hex codes and CSS colour names, in order."""
    found: list[tuple[int, RGB]] = []
    for m in _HEX.finditer(text):
        found.append((m.start(), _rgb(ImageColor.getrgb(m.group(0)))))
    for m in _WORD.finditer(text):
        try:
            found.append((m.start(), _rgb(ImageColor.getrgb(m.group(0).lower()))))
        except ValueError:
            continue
    return [c for _, c in sorted(found)]


def _rgb(value: tuple[int, ...]) -> RGB:
    return (value[0], value[1], value[2])


def luminance(c: RGB) -> float:
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]


def palette_from_text(text: str, default: Palette = DEFAULT_PALETTE) -> Palette:
    """The darkest named colour becomes the background, the most vivid the accent."""
    colours = parse_colours(text or "")
    if not colours:
        return default
    by_light = sorted(colours, key=luminance)
    background = by_light[0] if luminance(by_light[0]) < 90 else _shade(by_light[0], 0.25)
    rest = [c for c in colours if c != background] or [default.accent]
    accent = max(rest, key=lambda c: max(c) - min(c))
    muted = next((c for c in rest if c != accent), _mix(background, accent, 0.4))
    foreground = (245, 242, 235) if luminance(background) < 128 else (20, 20, 24)
    return Palette(background, foreground, accent, muted, tuple(rest))


def _shade(c: RGB, k: float) -> RGB:
    return (int(c[0] * k), int(c[1] * k), int(c[2] * k))


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        int(a[0] + (b[0] - a[0]) * t),
        int(a[1] + (b[1] - a[1]) * t),
        int(a[2] + (b[2] - a[2]) * t),
    )


# --------------------------------------------------------------------------- typography

NNBSP = "\u202f"  # narrow no-break space, the French thin space


def french_typography(text: str) -> str:
    """French rules: thin no-break space before ; : ! ? and inside « », curly apostrophes."""
    text = text.replace("'", "’")
    text = re.sub(r'"([^"]*)"', lambda m: f"«{m.group(1).strip()}»", text)
    text = re.sub(r"[ \u00a0\u202f]*([;:!?»])", lambda m: NNBSP + m.group(1), text)
    text = re.sub(r"«[ \u00a0\u202f]*", "«" + NNBSP, text)
    # "12:30" and "http://" are not punctuation to space.
    text = re.sub(r"(\d)\u202f:(\d)", r"\1:\2", text)
    return text.replace(NNBSP + "://", "://")


def typeset(text: str, locale: str) -> str:
    return french_typography(text) if locale.lower().startswith("fr") else text


def wrap(text: str, face: Font, max_width: int, draw: ImageDraw.ImageDraw) -> list[str]:
    """Greedy word wrap by measured width; a thin space never starts a line."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            trial = f"{line} {word}".strip()
            if line and draw.textlength(trial, font=face) > max_width:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return lines


def fit_font(
    text: str, max_width: int, max_lines: int, start: int, draw: ImageDraw.ImageDraw, bold: bool
) -> tuple[Font, list[str]]:
    size = start
    while True:
        face = font(size, bold=bold)
        lines = wrap(text, face, max_width, draw)
        if (
            len(lines) <= max_lines
            and all(draw.textlength(line, font=face) <= max_width for line in lines)
        ) or size <= 10:
            return face, lines
        size = int(size * 0.9)


def draw_block(
    draw: ImageDraw.ImageDraw,
    lines: Sequence[str],
    face: Font,
    *,
    centre_x: int,
    top: int,
    fill: RGB,
    spacing: float = 1.25,
) -> int:
    """Centred lines from ``top``; returns the y below the block."""
    size = getattr(face, "size", 16)
    y = top
    for line in lines:
        draw.text((centre_x, y), line, font=face, fill=fill, anchor="ma")
        y += int(size * spacing)
    return y


# --------------------------------------------------------------------------- cards


def _canvas(width: int, height: int, palette: Palette) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    top = palette.background
    bottom = _mix(palette.background, palette.muted, 0.35)
    ramp = Image.linear_gradient("L").resize((width, height))
    image = ImageOps.colorize(ramp, top, bottom).convert("RGB")
    return image, ImageDraw.Draw(image)


def title_card(
    title: str,
    subtitle: str = "",
    *,
    width: int = 1280,
    height: int = 720,
    palette: Palette | str = "",
    locale: str = "en",
    kicker: str = "",
) -> Image.Image:
    """Series or episode title: kicker (series name), a large title, a rule, a subtitle."""
    pal = palette if isinstance(palette, Palette) else palette_from_text(palette)
    image, draw = _canvas(width, height, pal)
    margin = width // 10
    title_face, title_lines = fit_font(
        typeset(title, locale), width - 2 * margin, 3, height // 8, draw, bold=True
    )
    sub_face = font(max(12, height // 24))
    kick_face = font(max(10, height // 30), bold=True)
    block_h = len(title_lines) * int(getattr(title_face, "size", 40) * 1.2)
    y = (height - block_h) // 2 - height // 12
    if kicker:
        draw.text(
            (width // 2, y - height // 10),
            typeset(kicker, locale).upper(),
            font=kick_face,
            fill=pal.accent,
            anchor="ma",
        )
    y = draw_block(
        draw, title_lines, title_face, centre_x=width // 2, top=y, fill=pal.foreground, spacing=1.2
    )
    rule_y = y + height // 40
    draw.line(
        [(width // 2 - width // 12, rule_y), (width // 2 + width // 12, rule_y)],
        fill=pal.accent,
        width=max(2, height // 180),
    )
    if subtitle:
        sub_lines = wrap(typeset(subtitle, locale), sub_face, width - 2 * margin, draw)[:3]
        draw_block(
            draw,
            sub_lines,
            sub_face,
            centre_x=width // 2,
            top=rule_y + height // 25,
            fill=_mix(pal.foreground, pal.muted, 0.3),
        )
    return image


def scene_card(
    heading: str,
    synopsis: str = "",
    *,
    number: int | None = None,
    width: int = 1280,
    height: int = 720,
    palette: Palette | str = "",
    locale: str = "en",
) -> Image.Image:
    """A scene heading ("INT. LIGHTHOUSE – NIGHT") with its number and synopsis."""
    label = f"{number}. {heading}" if number is not None else heading
    return title_card(label, synopsis, width=width, height=height, palette=palette, locale=locale)


def slate(
    fields: Sequence[tuple[str, str]],
    *,
    width: int = 1280,
    height: int = 720,
    palette: Palette | str = "",
    locale: str = "en",
) -> Image.Image:
    """A clapperboard slate: stripes on top, then label/value rows (SHOT, TAKE, PROVIDER…)."""
    pal = palette if isinstance(palette, Palette) else palette_from_text(palette)
    image, draw = _canvas(width, height, pal)
    stripe_h = height // 7
    stripe_w = width // 10
    for i in range(-1, 12):
        x = i * stripe_w
        fill = pal.foreground if i % 2 else pal.background
        draw.polygon(
            [
                (x, 0),
                (x + stripe_w, 0),
                (x + stripe_w - stripe_h, stripe_h),
                (x - stripe_h, stripe_h),
            ],
            fill=fill,
        )
    rows = list(fields)[:8]
    row_h = (height - stripe_h - height // 10) // max(1, len(rows))
    label_face = font(max(10, min(row_h // 3, height // 22)), bold=True)
    value_face = font(max(12, min(int(row_h * 0.55), height // 12)))
    x_label, x_value = width // 14, width // 3
    y = stripe_h + height // 20
    for label, value in rows:
        draw.text(
            (x_label, y + row_h // 2),
            typeset(label, locale).upper(),
            font=label_face,
            fill=pal.accent,
            anchor="lm",
        )
        text = typeset(value, locale)
        while text and draw.textlength(text, font=value_face) > width - x_value - width // 20:
            text = text[:-2] + "…"
        draw.text(
            (x_value, y + row_h // 2), text, font=value_face, fill=pal.foreground, anchor="lm"
        )
        draw.line([(x_label, y + row_h), (width - x_label, y + row_h)], fill=pal.muted, width=1)
        y += row_h
    return image


def contact_sheet(
    thumbnails: Sequence[str | Path | Image.Image],
    *,
    labels: Sequence[str] | None = None,
    columns: int | None = None,
    cell_width: int = 480,
    palette: Palette | str = "",
) -> Image.Image:
    """A grid of takes, each labelled A, B, C, D… in a corner badge (what members vote on)."""
    if not thumbnails:
        raise ValueError("no thumbnails")
    pal = palette if isinstance(palette, Palette) else palette_from_text(palette)
    labels = list(labels) if labels is not None else [chr(ord("A") + i) for i in range(26)]
    count = len(thumbnails)
    columns = columns or (2 if count <= 4 else 3)
    rows = -(-count // columns)
    opened = [t if isinstance(t, Image.Image) else Image.open(t) for t in thumbnails]
    aspect = opened[0].height / max(1, opened[0].width)
    cell_h = int(cell_width * aspect)
    gap = max(4, cell_width // 40)
    sheet = Image.new(
        "RGB",
        (columns * cell_width + (columns + 1) * gap, rows * cell_h + (rows + 1) * gap),
        pal.background,
    )
    draw = ImageDraw.Draw(sheet)
    badge_face = font(max(12, cell_h // 7), bold=True)
    for i, picture in enumerate(opened):
        cell = ImageOps.pad(picture.convert("RGB"), (cell_width, cell_h), color=(0, 0, 0))
        x = gap + (i % columns) * (cell_width + gap)
        y = gap + (i // columns) * (cell_h + gap)
        sheet.paste(cell, (x, y))
        label = labels[i] if i < len(labels) else str(i + 1)
        r = int(getattr(badge_face, "size", 16) * 0.9)
        draw.ellipse([x + gap, y + gap, x + gap + 2 * r, y + gap + 2 * r], fill=pal.accent)
        draw.text(
            (x + gap + r, y + gap + r), label, font=badge_face, fill=(15, 15, 15), anchor="mm"
        )
    return sheet


def thumbnail(src: str | Path | Image.Image, width: int = 480) -> Image.Image:
    """A still scaled to ``width`` (aspect kept)."""
    picture = src if isinstance(src, Image.Image) else Image.open(src)
    height = max(1, round(picture.height * width / max(1, picture.width)))
    return picture.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)


def save(image: Image.Image, dst: str | Path) -> Path:
    """PNG, JPEG or WebP by suffix (JPEG/WebP at quality 88)."""
    dst = Path(dst)
    fmt = {".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}.get(dst.suffix.lower(), "PNG")
    options = {"quality": 88} if fmt in ("JPEG", "WEBP") else {}
    image.convert("RGB").save(dst, fmt, **options)
    return dst


def image_digest(image: Image.Image) -> str:
    return hashlib.sha256(image.convert("RGB").tobytes()).hexdigest()
