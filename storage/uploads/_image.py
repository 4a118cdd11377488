"""Image uploads: refuse what is not a picture or is too big, then keep a clean re-encoded copy.

Order matters (invariant 6): size first (before reading further), then the real type from
magic bytes, then the dimensions from the header alone (Pillow opens lazily: nothing is
decoded yet), and only then a decode. A 100-megapixel PNG that compresses to 15 KB is refused
at the header, before it can ask for hundreds of megabytes.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from storage.uploads._refusal import (
    CORRUPT,
    NOT_AN_IMAGE,
    TOO_LARGE,
    TOO_MANY_PIXELS,
    UploadRefused,
)
from storage.uploads._sniff import GIF, IMAGE_KINDS, JPEG, PNG, SNIFF_BYTES, WEBP, sniff

log = logging.getLogger(__name__)

DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # GuildSettings.upload_limit_bytes' default
JPEG_QUALITY = 92

_PILLOW_FORMAT = {PNG: "PNG", JPEG: "JPEG", GIF: "GIF", WEBP: "WEBP"}
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, TypeError)

# Pillow's own bomb guard is process-wide and also protects other Pillow users (title cards,
# contact sheets); our per-call ``max_pixels`` check is the real gate. We only make sure the
# guard was not switched off somewhere.
if Image.MAX_IMAGE_PIXELS is None:
    Image.MAX_IMAGE_PIXELS = 1024 * 1024 * 1024 // 4 // 3

Buffer = bytes | bytearray | memoryview


@dataclass(frozen=True, slots=True)
class CleanImage:
    """A re-encoded copy: no metadata, upright, sRGB. Keep these bytes, never the upload."""

    data: bytes
    mime: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return ".png" if self.mime == "image/png" else ".jpg"


def check_upload_size(size: int, *, max_bytes: int, filename: str = "") -> None:
    """Refuse by declared size, before downloading (Discord tells us ``attachment.size``)."""
    if size > max_bytes:
        raise UploadRefused(TOO_LARGE, limit=max_bytes, filename=filename, detail=f"{size} bytes")


def check_image_upload(
    data: Buffer,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    filename: str = "",
) -> CleanImage:
    """PNG, JPEG, WebP or GIF within the limits, as a clean PNG (alpha, lossless) or JPEG.

    Animated GIF/WebP/PNG keep their first frame: every use of an uploaded picture (reference
    images, start frames) is a still. CPU-bound: call it through ``asyncio.to_thread``.
    """
    check_upload_size(len(data), max_bytes=max_bytes, filename=filename)
    kind = sniff(bytes(data[:SNIFF_BYTES]))
    if kind not in IMAGE_KINDS:
        raise UploadRefused(NOT_AN_IMAGE, filename=filename)

    def refuse(code: str, detail: str, limit: int | None = None) -> UploadRefused:
        return UploadRefused(code, limit=limit, filename=filename, detail=detail)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[_PILLOW_FORMAT[kind]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise refuse(TOO_MANY_PIXELS, str(exc), max_pixels) from None
    except _DECODE_ERRORS as exc:
        raise refuse(CORRUPT, f"header: {exc}") from None

    width, height = image.size
    if width <= 0 or height <= 0:
        raise refuse(CORRUPT, f"size {width}x{height}")
    if width * height > max_pixels:
        raise refuse(TOO_MANY_PIXELS, f"{width}x{height}", max_pixels)

    try:
        image.load()
        return _clean_copy(image, kind.mime)
    except _DECODE_ERRORS as exc:
        raise refuse(CORRUPT, f"decode: {exc}") from None
    finally:
        image.close()


def _clean_copy(image: Image.Image, source_mime: str) -> CleanImage:
    try:
        upright = ImageOps.exif_transpose(image)
    except _DECODE_ERRORS:  # a broken EXIF block is not worth refusing a picture over
        upright = image
    upright = _to_srgb(upright)
    has_alpha = upright.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        "transparency" in upright.info
    )
    grey = upright.mode in ("1", "L")
    if has_alpha:
        mode, fmt, mime = "RGBA", "PNG", "image/png"
    elif source_mime in ("image/jpeg", "image/webp"):
        mode, fmt, mime = ("L" if grey else "RGB"), "JPEG", "image/jpeg"
    else:
        mode, fmt, mime = ("L" if grey else "RGB"), "PNG", "image/png"
    clean = upright.convert(mode)
    if clean is upright:
        clean = upright.copy()
    clean.info = {}  # no EXIF, GPS, comments, ICC, XMP: nothing rides along
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.save(out, "JPEG", quality=JPEG_QUALITY, subsampling=0, optimize=True)
    else:
        clean.save(out, "PNG", optimize=False, compress_level=6)
    return CleanImage(data=out.getvalue(), mime=mime, width=clean.width, height=clean.height)


def _to_srgb(image: Image.Image) -> Image.Image:
    """Bake an embedded colour profile into sRGB pixels, so dropping it changes no colour."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "L", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, target, outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError) as exc:
        log.info("upload colour profile ignored: %s", exc)
        return image
    return converted if converted is not None else image
