"""Reference pictures the demo draws itself, so it needs no files and no network."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw


def portrait(name: str, colour: tuple[int, int, int], *, seed: int) -> bytes:
    """A stylised head-and-shoulders card: the same name always draws the same face."""
    rng = random.Random(seed)
    image = Image.new("RGB", (384, 512), (18, 20, 28))
    draw = ImageDraw.Draw(image)
    for y in range(512):  # a soft vertical gradient in the character's colour
        shade = tuple(int(c * (0.25 + 0.5 * y / 512)) for c in colour)
        draw.line([(0, y), (384, y)], fill=shade)
    draw.ellipse((72, 300, 312, 620), fill=tuple(min(255, c + 40) for c in colour))  # shoulders
    skin = rng.choice([(224, 187, 160), (190, 140, 110), (140, 96, 70), (240, 210, 190)])
    draw.ellipse((122, 110, 262, 290), fill=skin)  # face
    hair = rng.choice([(30, 20, 15), (90, 50, 20), (200, 170, 90), (120, 120, 120)])
    draw.chord((112, 90, 272, 240), 180, 360, fill=hair)
    for eye_x in (160, 224):
        draw.ellipse((eye_x - 8, 190, eye_x + 8, 202), fill=(20, 20, 20))
    draw.text((16, 16), name, fill=(240, 240, 240))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def place(name: str, colour: tuple[int, int, int], *, seed: int) -> bytes:
    """A location plate: horizon, a few buildings, a light source."""
    rng = random.Random(seed)
    image = Image.new("RGB", (640, 360), (10, 12, 20))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 220, 640, 360), fill=tuple(c // 3 for c in colour))
    x = 0
    while x < 640:
        width = rng.randint(40, 110)
        height = rng.randint(60, 180)
        draw.rectangle((x, 220 - height, x + width - 6, 220), fill=tuple(c // 2 for c in colour))
        x += width
    lamp = rng.randint(80, 560)
    draw.ellipse((lamp - 14, 60, lamp + 14, 88), fill=(255, 200, 90))
    draw.text((12, 12), name, fill=(235, 235, 235))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
