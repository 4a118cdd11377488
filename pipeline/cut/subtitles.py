"""SRT files from the cut's dialogue cues: one file per language the lines are written in.

There is no machine translation offline: a line is subtitled in the language it was written in
(``DialogueLine.language``), so an episode written in French gets ``.fr.srt``, one with English
lines ``.en.srt``, a bilingual one both. The burned-in version shows every line as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from pipeline.cut.plan import Cue
from pipeline.media.cards import typeset

LANGUAGES = ("en", "fr")


def timestamp(seconds: float) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def language_of(cue: Cue) -> str:
    lang = cue.language.lower()[:2]
    return lang if lang in LANGUAGES else "en"


def srt_text(cues: Iterable[Cue]) -> str:
    blocks = []
    for i, cue in enumerate(sorted(cues, key=lambda c: c.start_s), start=1):
        text = typeset(cue.text.strip(), language_of(cue))
        blocks.append(f"{i}\n{timestamp(cue.start_s)} --> {timestamp(cue.end_s)}\n{text}\n")
    return "\n".join(blocks)


def write_srts(cues: Sequence[Cue], stem: Path) -> dict[str, Path]:
    """``stem.en.srt`` / ``stem.fr.srt`` for each language that has lines; {} when none."""
    out: dict[str, Path] = {}
    for lang in LANGUAGES:
        mine = [c for c in cues if language_of(c) == lang]
        if mine:
            path = stem.with_name(f"{stem.name}.{lang}.srt")
            path.write_text(srt_text(mine), encoding="utf-8")
            out[lang] = path
    return out


def write_all(cues: Sequence[Cue], path: Path) -> Path | None:
    """Every line in one SRT (for burning in); None when there are no lines."""
    if not cues:
        return None
    path.write_text(srt_text(cues), encoding="utf-8")
    return path


def parse_srt(text: str) -> list[tuple[float, float, str]]:
    """(start, end, text) per cue: for tests and for reading an SRT back."""

    def secs(stamp: str) -> float:
        hms, ms = stamp.strip().split(",")
        h, m, s = (int(x) for x in hms.split(":"))
        return h * 3600 + m * 60 + s + int(ms) / 1000

    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.strip().splitlines()
        if len(lines) >= 3 and "-->" in lines[1]:
            a, b = lines[1].split("-->")
            cues.append((secs(a), secs(b), "\n".join(lines[2:])))
    return cues
