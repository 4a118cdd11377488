"""Title cards, slates, scene cards and contact sheets, in the series' colours, in French too."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from pipeline.media import cards
from pipeline.media.cards import (
    NNBSP,
    contact_sheet,
    font,
    french_typography,
    palette_from_text,
    save,
    scene_card,
    slate,
    thumbnail,
    title_card,
)
from tests.media.helpers import count_pixels_near, image_hash


def glyph(text: str, size: int = 64) -> Image.Image:
    image = Image.new("L", (size * 2, size * 2), 0)
    ImageDraw.Draw(image).text((size // 2, size // 2), text, font=font(size), fill=255)
    return image


def test_accented_capitals_render_as_themselves_not_as_missing_glyph_boxes() -> None:
    for accented, plain in (("É", "E"), ("À", "A"), ("Ç", "C"), ("œ", "o"), ("ê", "e")):
        shape = glyph(accented)
        box = shape.getbbox()
        assert box is not None, f"{accented} drew nothing"
        # A real accented letter is its base letter plus a mark: taller (or lower), not a box.
        assert image_hash(shape) != image_hash(glyph(plain))
        assert image_hash(shape) != image_hash(glyph("\uffff")), f"{accented} is a missing glyph"
    assert glyph("É").getbbox()[1] < glyph("E").getbbox()[1]  # type: ignore[index]


def test_french_typography_uses_thin_spaces_guillemets_and_apostrophes() -> None:
    got = french_typography("Il a dit \"Où est le phare?\": c'est l'heure!")
    assert got == (
        f"Il a dit «{NNBSP}Où est le phare{NNBSP}?{NNBSP}»{NNBSP}: c’est l’heure{NNBSP}!"
    )
    assert french_typography("À 12:30, voir https://x.fr") == "À 12:30, voir https://x.fr"


def test_palette_text_gives_the_card_its_colours() -> None:
    palette = palette_from_text("sea-green tones, #1b2a41 night, a touch of crimson")
    assert palette.background == (0x1B, 0x2A, 0x41)
    assert palette.accent == (220, 20, 60)  # crimson is the most vivid
    assert palette_from_text("moody and warm") == cards.DEFAULT_PALETTE


def test_a_french_title_card_draws_its_title_in_the_series_colours(tmp_path: Path) -> None:
    image = title_card(
        "Épisode 2 : Là-bas", "Où l'œil s'égare", kicker="Les Gardiens du phare",
        width=640, height=360, palette="#101820 and gold", locale="fr",
    )  # fmt: skip
    assert image.size == (640, 360)
    top_left = image.getpixel((2, 2))
    assert isinstance(top_left, tuple)
    assert all(abs(a - b) <= 2 for a, b in zip(top_left, (0x10, 0x18, 0x20), strict=True))
    # The title and subtitle: plenty of near-white glyph pixels; the kicker and rule in gold.
    assert count_pixels_near(image, cards.palette_from_text("#101820").foreground, 40) > 2000
    assert count_pixels_near(image, (255, 215, 0), 40) > 200
    out = save(image, tmp_path / "title.webp")
    with Image.open(out) as back:
        assert back.format == "WEBP" and back.size == (640, 360)


def test_a_long_title_shrinks_to_fit_instead_of_running_off_the_card() -> None:
    short = title_card("Mara", width=640, height=360)
    long = title_card("La très longue nuit où tout le monde a perdu la mémoire " * 2,
                      width=640, height=360)  # fmt: skip
    for image in (short, long):
        edges = image.crop((0, 0, 20, 360)), image.crop((620, 0, 640, 360))
        for edge in edges:
            assert count_pixels_near(edge, (238, 234, 224), 30) == 0, "text touches the edge"


def test_slate_and_scene_card_dimensions() -> None:
    image = slate([("Shot", "3.2"), ("Take", "B"), ("Seed", "42")], width=640, height=360)
    assert image.size == (640, 360)
    assert count_pixels_near(image.crop((0, 0, 640, 50)), cards.DEFAULT_PALETTE.foreground) > 1000
    assert scene_card("INT. PHARE – NUIT", "Mara monte.", number=3, width=320, height=180,
                      locale="fr").size == (320, 180)  # fmt: skip


def test_contact_sheet_lays_four_takes_in_a_labelled_grid() -> None:
    colours = [(200, 0, 0), (0, 200, 0), (0, 0, 200), (200, 200, 0)]
    thumbs = [Image.new("RGB", (160, 90), c) for c in colours]
    sheet = contact_sheet(thumbs, cell_width=160)
    gap = 4
    assert sheet.size == (2 * 160 + 3 * gap, 2 * 90 + 3 * gap)
    accent = cards.DEFAULT_PALETTE.accent
    for i, colour in enumerate(colours):
        x = gap + (i % 2) * (160 + gap)
        y = gap + (i // 2) * (90 + gap)
        cell = sheet.crop((x, y, x + 160, y + 90))
        assert count_pixels_near(cell, colour, 10) > 160 * 90 // 2, "the take is in its cell"
        assert count_pixels_near(cell.crop((0, 0, 50, 50)), accent, 10) > 100, "badge A–D"
    # Each badge carries a different letter, so the four badges differ.
    badges = {image_hash(sheet.crop((gap + (i % 2) * 164 + 4, gap + (i // 2) * 94 + 4,
                                     gap + (i % 2) * 164 + 40, gap + (i // 2) * 94 + 40)))
              for i in range(4)}  # fmt: skip
    assert len(badges) == 4


def test_thumbnail_keeps_the_aspect() -> None:
    assert thumbnail(Image.new("RGB", (1920, 1080)), 480).size == (480, 270)
