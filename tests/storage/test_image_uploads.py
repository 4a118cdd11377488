"""Image uploads: the real type decides, limits are checked before decoding, the copy is clean."""

from __future__ import annotations

import io
import mmap
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from storage.db import Database
from storage.media import LocalMediaStore, get_asset
from storage.uploads import (
    DEFAULT_MAX_PIXELS,
    UploadRefused,
    check_image_upload,
    check_upload_size,
    keep_image,
)

MB = 1024 * 1024


def _encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def _png_chunk(tag: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(tag + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", crc)


def png_bomb(width: int = 10_000, height: int = 10_000) -> bytes:
    """A valid 1-bit PNG of width x height zeros: ~15 KB on disk, 100 MP once decoded."""
    row = bytes(1 + (width + 7) // 8)  # filter byte + packed bits
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def _refusal(data: bytes | memoryview, **limits: int) -> UploadRefused:
    with pytest.raises(UploadRefused) as refused:
        check_image_upload(data, filename="upload.png", **limits)
    return refused.value


def test_png_keeps_alpha_and_loses_its_text_chunks() -> None:
    """A transparent PNG stays a transparent PNG; its embedded notes do not survive."""
    image = Image.new("RGBA", (64, 48), (10, 200, 30, 128))
    notes = PngInfo()
    notes.add_text("Author", "someone@example.com")
    clean = check_image_upload(_encode(image, "PNG", pnginfo=notes))
    assert (clean.mime, clean.width, clean.height) == ("image/png", 64, 48)
    back = Image.open(io.BytesIO(clean.data))
    assert back.format == "PNG" and back.mode == "RGBA"
    assert back.getpixel((5, 5)) == (10, 200, 30, 128)
    assert "Author" not in back.info and not back.text  # type: ignore[attr-defined]


def test_jpeg_is_turned_upright_and_its_exif_removed() -> None:
    """A phone photo (EXIF orientation 6, GPS, camera) comes out upright with no EXIF at all."""
    image = Image.new("RGB", (40, 20), (255, 0, 0))
    image.paste((0, 0, 255), (20, 0, 40, 20))  # left half red, right half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to view
    exif[0x010F] = "PhoneCo"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPSInfo
    clean = check_image_upload(_encode(image, "JPEG", exif=exif, quality=95))
    assert (clean.mime, clean.width, clean.height) == ("image/jpeg", 20, 40)
    back = Image.open(io.BytesIO(clean.data))
    assert "exif" not in back.info and len(back.getexif()) == 0
    top, bottom = back.getpixel((10, 3)), back.getpixel((10, 36))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60  # red is on top once upright
    assert bottom[2] > 200 and bottom[0] < 60


def test_colour_profile_is_baked_in_and_dropped() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = _encode(Image.new("RGB", (16, 16), (90, 90, 90)), "JPEG", icc_profile=srgb)
    back = Image.open(io.BytesIO(check_image_upload(data).data))
    assert "icc_profile" not in back.info


def test_type_comes_from_the_bytes_not_the_name() -> None:
    """A JPEG called .png is a JPEG; WebP and GIF are accepted and made PNG or JPEG."""
    photo = _encode(Image.new("RGB", (32, 32), (1, 2, 3)), "JPEG")
    assert check_image_upload(photo, filename="looks.png").mime == "image/jpeg"
    webp = _encode(Image.new("RGB", (32, 16), (200, 100, 50)), "WEBP", quality=90)
    assert check_image_upload(webp).mime == "image/jpeg"
    clear_webp = _encode(Image.new("RGBA", (8, 8), (0, 0, 0, 0)), "WEBP", lossless=True)
    assert check_image_upload(clear_webp).mime == "image/png"
    frames = [Image.new("P", (24, 24), i) for i in (1, 2, 3)]
    gif = _encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    clean = check_image_upload(gif)
    assert (clean.mime, clean.width, clean.height) == ("image/png", 24, 24)


@pytest.mark.parametrize(
    ("what", "data"),
    [
        ("text named .png", b"just some words, not a picture\n" * 10),
        ("svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("html", b"<!DOCTYPE html><html><body>hi</body></html>"),
        ("pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"),
        ("bmp", b"BM" + bytes(60)),
        ("empty", b""),
    ],
)
def test_anything_else_is_not_an_image(what: str, data: bytes) -> None:
    """Whatever the filename says, bytes that are not PNG/JPEG/WebP/GIF are refused."""
    refusal = _refusal(data)
    assert refusal.code == "not_an_image", what
    assert refusal.filename == "upload.png"


def test_a_100_megapixel_png_bomb_is_refused_at_the_header() -> None:
    """15 KB on the wire, 100 MP decoded: refused from the header with the pixel limit."""
    bomb = png_bomb()
    assert len(bomb) < 64 * 1024
    refusal = _refusal(bomb)
    assert refusal.code == "too_many_pixels" and refusal.limit == DEFAULT_MAX_PIXELS
    # Even when a caller allows more than Pillow's own guard, the guard still holds.
    assert _refusal(bomb, max_pixels=500_000_000).code == "too_many_pixels"


def test_the_png_bomb_costs_no_memory_to_refuse(tmp_path: Path) -> None:
    """Decoding the bomb would take >=100 MB; refusing it grows the process by a few MB."""
    bomb_path = tmp_path / "bomb.png"
    bomb_path.write_bytes(png_bomb())
    script = textwrap.dedent(
        f"""
        import resource, sys
        from pathlib import Path
        from storage.uploads import UploadRefused, check_image_upload
        data = Path({str(bomb_path)!r}).read_bytes()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            check_image_upload(data)
        except UploadRefused as refused:
            print(refused.code, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    code, grown_kib = result.stdout.split()
    assert code == "too_many_pixels"
    assert int(grown_kib) < 20 * 1024, f"refusing the bomb grew RSS by {grown_kib} KiB"


def test_a_200_mb_upload_is_refused_by_size_before_reading(tmp_path: Path) -> None:
    """Over the byte cap: refused from its length alone (a sparse file: nothing is read)."""
    with pytest.raises(UploadRefused) as declared:
        check_upload_size(200 * MB, max_bytes=10 * MB)  # Discord's attachment.size
    assert declared.value.code == "too_large"
    sparse = tmp_path / "huge.png"
    with sparse.open("wb") as out:
        out.truncate(200 * MB)
    with sparse.open("rb") as source, mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ) as m:
        view = memoryview(m)
        try:
            refusal = _refusal(view, max_bytes=10 * MB)
        finally:
            view.release()
    assert refusal.code == "too_large" and refusal.limit == 10 * MB


def test_a_picture_over_the_servers_pixel_cap_is_refused() -> None:
    data = _encode(Image.new("RGB", (100, 100)), "PNG")
    refusal = _refusal(data, max_pixels=5_000)
    assert (refusal.code, refusal.limit) == ("too_many_pixels", 5_000)


def test_a_truncated_picture_is_corrupt() -> None:
    data = _encode(Image.effect_noise((256, 256), 64).convert("RGB"), "PNG")
    assert _refusal(data[: len(data) // 2]).code == "corrupt"
    assert _refusal(data[:40]).code == "corrupt"


async def test_a_clean_image_is_kept_in_the_store_as_the_guilds_asset(
    db: Database, tmp_path: Path
) -> None:
    """The clean copy (not the upload) is what the store holds, with its real size and type."""
    store = LocalMediaStore(tmp_path / "media")
    clean = check_image_upload(_encode(Image.new("RGB", (30, 20), (9, 9, 9)), "JPEG"))
    async with db.session() as session:
        asset = await keep_image(session, store, 42, clean, original_name="mara.png", created_by=7)
        await session.commit()
        again = await get_asset(session, 42, asset.id or 0)
    assert again is not None
    assert (again.mime, again.width, again.height) == ("image/jpeg", 30, 20)
    assert await store.read_bytes(again.sha256) == clean.data
    assert again.size_bytes == len(clean.data) and again.original_name == "mara.png"
