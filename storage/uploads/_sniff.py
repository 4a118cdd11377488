"""What a file really is, from its first bytes. Filenames and claimed content types lie.

Each kind maps to the one ffmpeg demuxer allowed to read it, so a file that sniffs as MP4 is
never handed to a demuxer that follows playlists or reads other local files (HLS, concat).
"""

from __future__ import annotations

from dataclasses import dataclass

SNIFF_BYTES = 64


@dataclass(frozen=True, slots=True)
class Sniffed:
    mime: str
    demuxer: str | None = None  # ffmpeg/PyAV format name for audio and video


PNG = Sniffed("image/png")
JPEG = Sniffed("image/jpeg")
GIF = Sniffed("image/gif")
WEBP = Sniffed("image/webp")
MP4 = Sniffed("video/mp4", "mov")
MOV = Sniffed("video/quicktime", "mov")
M4A = Sniffed("audio/mp4", "mov")
WEBM = Sniffed("video/webm", "matroska")
MKV = Sniffed("video/x-matroska", "matroska")
WAV = Sniffed("audio/wav", "wav")
MP3 = Sniffed("audio/mpeg", "mp3")
OGG = Sniffed("audio/ogg", "ogg")
FLAC = Sniffed("audio/flac", "flac")

IMAGE_KINDS = frozenset({PNG, JPEG, GIF, WEBP})
VIDEO_KINDS = frozenset({MP4, MOV, WEBM, MKV})
# An .m4a and an .mp4 share a container; an audio upload may be either, a probe decides.
AUDIO_KINDS = frozenset({WAV, MP3, OGG, FLAC, M4A, MP4})

_AUDIO_BRANDS = (b"M4A ", b"M4B ", b"M4P ")
# Old QuickTime files may open with another atom than ftyp.
_QUICKTIME_ATOMS = (b"moov", b"wide", b"mdat", b"free", b"skip", b"pnot")


def sniff(head: bytes) -> Sniffed | None:
    """The kind of file these leading bytes start, or None for anything we do not accept."""
    head = bytes(head[:SNIFF_BYTES])
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AUDIO_BRANDS:
            return M4A
        return MOV if brand == b"qt  " else MP4
    if head[4:8] in _QUICKTIME_ATOMS:
        return MOV
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: Matroska or its WebM profile
        return WEBM if b"webm" in head else MKV
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith(b"fLaC"):
        return FLAC
    if head.startswith(b"ID3") or _is_mpeg_audio_frame(head):
        return MP3
    return None


def _is_mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG audio frame header: 11 sync bits, a real version, layer I-III (not AAC)."""
    if len(head) < 2 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    return version != 0b01 and layer != 0b00
