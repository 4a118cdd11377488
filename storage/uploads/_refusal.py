"""Why an upload was refused, as a machine code; the Discord layer words it in en/fr."""

from __future__ import annotations

from typing import Final

NOT_AN_IMAGE: Final = "not_an_image"
NOT_A_VIDEO: Final = "not_a_video"
NOT_AUDIO: Final = "not_audio"
TOO_LARGE: Final = "too_large"
TOO_MANY_PIXELS: Final = "too_many_pixels"
TOO_LONG: Final = "too_long"
CORRUPT: Final = "corrupt"

CODES = frozenset(
    {NOT_AN_IMAGE, NOT_A_VIDEO, NOT_AUDIO, TOO_LARGE, TOO_MANY_PIXELS, TOO_LONG, CORRUPT}
)


class UploadRefused(Exception):
    """An upload we will not keep. ``code`` is one of CODES; ``limit`` is the limit it broke.

    ``limit`` is bytes for too_large, pixels for too_many_pixels, whole seconds for too_long.
    ``detail`` is for logs (never shown to members: it may quote the file).
    """

    def __init__(
        self, code: str, *, limit: int | None = None, filename: str = "", detail: str = ""
    ) -> None:
        if code not in CODES:
            raise ValueError(f"unknown upload refusal code {code!r}")
        super().__init__(code, limit, detail)
        self.code = code
        self.limit = limit
        self.filename = filename
        self.detail = detail

    def __str__(self) -> str:
        limit = f" (limit {self.limit})" if self.limit is not None else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"upload refused, {self.code}{limit}{detail}"
