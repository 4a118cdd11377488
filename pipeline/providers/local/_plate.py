"""The animatic's still: a Pillow "plate" (set, light, characters) and the caption overlay.

Everything visible is drawn from a ``random.Random(seed)``, so the same request always gives the
same picture and another seed gives another palette, set and framing.
"""

from __future__ import annotations

import colorsys
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageOps

from pipeline.media.cards import RGB, font, parse_colours, typeset, wrap

# Looks to draw from when the series names no colours: (sky top, sky bottom, ground, accent).
BASE_PALETTES: tuple[tuple[RGB, RGB, RGB, RGB], ...] = (
    ((20, 30, 60), (230, 120, 80), (40, 30, 50), (255, 200, 90)),  # dusk
    ((120, 180, 230), (225, 240, 250), (70, 120, 70), (250, 240, 200)),  # noon
    ((10, 12, 25), (40, 60, 110), (15, 20, 35), (200, 220, 255)),  # night
    ((60, 20, 40), (200, 60, 80), (35, 15, 25), (255, 170, 120)),  # crimson
    ((30, 60, 60), (150, 200, 180), (30, 50, 45), (240, 230, 160)),  # sea fog
    ((80, 60, 40), (220, 190, 140), (90, 70, 50), (255, 240, 210)),  # sepia
    ((40, 20, 70), (120, 200, 220), (25, 20, 45), (250, 120, 200)),  # neon
    ((200, 210, 215), (245, 245, 240), (150, 150, 155), (60, 60, 70)),  # overcast
)

SETS = ("hills", "city", "interior", "sea")


@dataclass(frozen=True)
class Cast:
    name: str
    picture: Path | None = None


def _jitter(c: RGB, rng: random.Random, amount: float = 0.08) -> RGB:
    h, light, s = colorsys.rgb_to_hls(*(v / 255 for v in c))
    h = (h + rng.uniform(-amount, amount)) % 1.0
    light = min(1.0, max(0.0, light + rng.uniform(-amount, amount)))
    r, g, b = colorsys.hls_to_rgb(h, light, s)
    return (int(r * 255), int(g * 255), int(b * 255))


def choose_palette(rng: random.Random, palette_text: str) -> tuple[RGB, RGB, RGB, RGB]:
    named = parse_colours(palette_text or "")
    if len(named) >= 2:
        rng.shuffle(named)
        named = (named * 4)[:4]
        return (
            _jitter(named[0], rng),
            _jitter(named[1], rng),
            _jitter(named[2], rng),
            _jitter(named[3], rng),
        )
    base = rng.choice(BASE_PALETTES)
    top, bottom, ground, accent = (_jitter(c, rng) for c in base)
    if named:  # one named colour: let it lead the light
        accent = named[0]
    return top, bottom, ground, accent


def _gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    ramp = Image.linear_gradient("L").resize(size)
    return ImageOps.colorize(ramp, top, bottom).convert("RGB")


def _set_piece(
    draw: ImageDraw.ImageDraw,
    kind: str,
    rng: random.Random,
    w: int,
    h: int,
    horizon: int,
    ground: RGB,
    accent: RGB,
) -> None:
    if kind == "hills":
        for layer in range(3):
            shade = tuple(min(255, int(v * (0.6 + 0.25 * layer))) for v in ground)
            base = horizon + layer * h // 14
            points = [(0, h)]
            for x in range(0, w + w // 8, w // 8):
                points.append((x, base - rng.randint(0, h // 6)))
            points.append((w, h))
            draw.polygon(points, fill=shade)
    elif kind == "city":
        x = 0
        while x < w:
            bw = rng.randint(w // 22, w // 9)
            top = horizon - rng.randint(h // 12, h // 2)
            draw.rectangle([x, top, x + bw, h], fill=ground)
            for wy in range(top + 12, horizon, 22):
                for wx in range(x + 6, x + bw - 8, 16):
                    if rng.random() < 0.35:
                        draw.rectangle([wx, wy, wx + 6, wy + 9], fill=accent)
            x += bw + rng.randint(0, w // 60)
        draw.rectangle([0, horizon, w, h], fill=ground)
    elif kind == "interior":
        draw.rectangle([0, horizon, w, h], fill=ground)
        vx = rng.randint(w // 3, 2 * w // 3)
        for i in range(-8, 9):
            draw.line([(vx, horizon), (vx + i * w // 6, h)], fill=accent, width=2)
        wx = rng.randint(w // 10, w - w // 4)
        draw.rectangle(
            [wx, horizon - h // 3, wx + w // 6, horizon - h // 12],
            outline=accent,
            width=max(3, w // 300),
        )
    else:  # sea
        draw.rectangle([0, horizon, w, h], fill=ground)
        for y in range(horizon + 8, h, max(6, h // 40)):
            x0 = rng.randint(-40, 0)
            while x0 < w:
                seg = rng.randint(w // 30, w // 10)
                draw.line([(x0, y), (x0 + seg, y)], fill=accent, width=2)
                x0 += seg + rng.randint(w // 40, w // 8)


def _silhouette(size: tuple[int, int], colour: RGB) -> Image.Image:
    w, h = size
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    head = w // 3
    d.ellipse([w // 2 - head // 2, h // 10, w // 2 + head // 2, h // 10 + head], fill=colour)
    d.rounded_rectangle(
        [w // 8, h // 10 + head + h // 30, w - w // 8, h + w // 4], radius=w // 4, fill=colour
    )
    return layer


def _card(cast: Cast, size: tuple[int, int], accent: RGB, shade: RGB) -> Image.Image:
    """A character as a framed picture card (their reference image) or a silhouette."""
    w, h = size
    card = Image.new("RGBA", size, (0, 0, 0, 0))
    if cast.picture is not None and cast.picture.exists():
        with Image.open(cast.picture) as src:
            picture = ImageOps.fit(src.convert("RGB"), (w, h - h // 7))
        mask = Image.new("L", picture.size, 0)
        ImageDraw.Draw(mask).rounded_rectangle([0, 0, *picture.size], radius=w // 10, fill=255)
        card.paste(picture, (0, 0), mask)
        ImageDraw.Draw(card).rounded_rectangle(
            [0, 0, w - 1, h - h // 7], radius=w // 10, outline=accent, width=max(3, w // 40)
        )
    else:
        card.alpha_composite(_silhouette((w, h - h // 7), shade))
    d = ImageDraw.Draw(card)
    face = font(max(12, h // 11), bold=True)
    d.text(
        (w // 2, h - h // 14),
        cast.name,
        font=face,
        fill=accent,
        anchor="mm",
        stroke_width=max(1, h // 120),
        stroke_fill=(0, 0, 0),
    )
    return card


def draw_plate(
    size: tuple[int, int],
    *,
    seed: int,
    cast: list[Cast],
    palette_text: str,
    shot_size: str,
    backdrop: Path | None = None,
) -> tuple[Image.Image, tuple[float, float]]:
    """The set with its characters; returns the image and the subject's centre (fractions).

    ``backdrop`` (an image-to-video start frame) replaces the drawn set.
    """
    rng = random.Random(seed)
    w, h = size
    top, bottom, ground, accent = choose_palette(rng, palette_text)
    horizon = int(h * rng.uniform(0.5, 0.72))
    if backdrop is not None:
        with Image.open(backdrop) as src:
            plate = ImageOps.fit(src.convert("RGB"), size)
    else:
        plate = _gradient(size, top, bottom)
        draw = ImageDraw.Draw(plate)
        # Sun, moon or lamp: where the light comes from.
        r = rng.randint(h // 14, h // 6)
        cx, cy = rng.randint(r, w - r), rng.randint(h // 10, max(h // 10 + 1, horizon - r))
        glow = Image.new("RGBA", size, (0, 0, 0, 0))
        ImageDraw.Draw(glow).ellipse(
            [cx - 2 * r, cy - 2 * r, cx + 2 * r, cy + 2 * r], fill=(*accent, 70)
        )
        plate.paste(glow.filter(ImageFilter.GaussianBlur(r // 2 + 1)), (0, 0), glow)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=accent)
        _set_piece(draw, rng.choice(SETS), rng, w, h, horizon, ground, accent)

    # Close shots draw people bigger; the camera then frames them tighter still.
    scale = {"extreme-close": 0.95, "close": 0.8, "medium": 0.6, "wide": 0.42}.get(shot_size, 0.6)
    subject = (0.5, 0.5)
    if cast:
        ch = int(h * scale)
        cw = int(ch * 0.72)
        slots = (
            [0.5]
            if len(cast) == 1
            else [0.33, 0.67]
            if len(cast) == 2
            else [0.2 + 0.6 * i / (len(cast) - 1) for i in range(len(cast))]
        )
        offset = rng.uniform(-0.12, 0.12) if len(cast) < 3 else 0.0
        order = list(cast)
        rng.shuffle(order)
        shade: RGB = (int(ground[0] * 0.35), int(ground[1] * 0.35), int(ground[2] * 0.35))
        # Feet a little below the horizon, but never a head off the top of the set.
        card_top = max(h // 25, horizon + h // 10 - ch)
        placed: dict[str, float] = {}
        for slot, person in zip(slots, order, strict=False):
            placed[person.name] = slot + offset
            x = int((slot + offset) * w - cw / 2)
            y = max(h // 50, card_top + rng.randint(-h // 30, h // 30))
            card = _card(person, (cw, ch), accent, shade)
            plate.paste(card, (x, y), card)
        # The camera looks at the faces, a third of the way down the cards: in a close shot at
        # the character named first, in a wider one at the group.
        close = shot_size in ("close", "extreme-close")
        look_x = placed[cast[0].name] if close or len(cast) == 1 else 0.5 + offset
        subject = (min(0.8, max(0.2, look_x)), (card_top + ch * 0.35) / h)
    return plate, subject


def draw_caption(size: tuple[int, int], *, caption: str, tag: str, locale: str) -> Image.Image:
    """The overlay that stays put while the camera moves: the shot's action and a small tag."""
    w, h = size
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    if caption:
        face = font(max(11, h // 24))
        lines = wrap(typeset(caption, locale), face, int(w * 0.86), d)[:3]
        line_h = int(getattr(face, "size", 16) * 1.3)
        band = line_h * len(lines) + h // 20
        d.rectangle([0, h - band, w, h], fill=(0, 0, 0, 150))
        y = h - band + h // 40
        for line in lines:
            d.text((w // 2, y), line, font=face, fill=(245, 245, 240, 255), anchor="ma")
            y += line_h
    if tag:
        face = font(max(9, h // 40), bold=True)
        d.text(
            (w // 60, h // 60),
            tag,
            font=face,
            fill=(255, 255, 255, 200),
            stroke_width=1,
            stroke_fill=(0, 0, 0, 160),
        )
    return layer
