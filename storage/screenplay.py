"""Fountain screenplays turned into a plain outline: scenes, shot stubs and dialogue lines.

Pure: no database, no Discord. ``storage/script.py`` writes the outline to the tables.

The tokenising is done by ``fountain-parser`` (typed AST, zero dependencies, reads accented
character cues such as ``ÉLODIE``; see docs/writers-room.md for why not ``fountain-py``). What we
add on top: refusing files that are not screenplays, stripping notes and emphasis markers,
turning each action paragraph and each dialogue block into a shot stub with a duration, and
merging dual dialogue into one shot.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from fountain_parser import (
    Action,
    Character,
    Dialogue,
    FountainParser,
    Parenthetical,
    Synopsis,
)
from fountain_parser import Scene as FountainScene

from storage.errors import InvalidInput

MAX_SCRIPT_BYTES = 512 * 1024  # a feature film in Fountain is ~200 KB
MAX_SCENES = 200
MAX_SHOTS = 1500
MAX_ACTION_CHARS = 2000  # Shot.action
MAX_LINE_CHARS = 1000  # DialogueLine.text
MAX_HEADING_CHARS = 200  # Scene.heading

_SCENE_PREFIX = re.compile(r"^(INT\./EXT\.?|INT/EXT\.?|I/E\.?|INT\.?|EXT\.?|EST\.?)\s+", re.I)
# The spec allows "INT " without the dot; fountain-parser wants the dot, so we force such lines.
_BARE_HEADING = re.compile(r"^(INT|EXT|EST|INT/EXT|I/E)\s+\S")
_TIME_OF_DAY = {
    "day", "night", "morning", "evening", "dawn", "dusk", "later", "continuous", "same",
    "moments later", "jour", "nuit", "matin", "soir", "aube", "crépuscule", "plus tard",
    "continu", "suite", "même moment",
}  # fmt: skip
_NOTE = re.compile(r"\[\[.*?\]\]", re.S)
_EMPHASIS = re.compile(r"(?<!\\)[*_]+")
_SMALL_WORDS = {
    "de",
    "du",
    "des",
    "la",
    "le",
    "les",
    "d'",
    "l'",
    "of",
    "the",
    "and",
    "et",
    "a",
    "à",
}
_FRENCH_WORDS = {
    "je", "tu", "il", "elle", "nous", "vous", "ils", "le", "la", "les", "un", "une", "des", "du",
    "est", "c'est", "pas", "ne", "oui", "non", "toi", "moi", "qui", "quoi", "où", "avec", "pour",
    "mais", "trop", "tard", "ici", "là", "y", "a", "et", "sur", "dans", "ce", "ça", "mon", "ma",
}  # fmt: skip
_ENGLISH_WORDS = {
    "i", "you", "he", "she", "we", "they", "the", "a", "an", "is", "are", "was", "it", "to",
    "what", "don't", "not", "yes", "no", "here", "now", "who", "where", "with", "for", "but",
    "too", "late", "and", "on", "in", "this", "that", "my", "your", "of", "up", "would",
}  # fmt: skip
MENTION = re.compile(r"@(everyone|here)\b|<@&?!?\d+>", re.I)


@dataclass(frozen=True)
class OutlineLine:
    speaker: str  # as written in the cue, extensions removed ("ÉLODIE")
    text: str
    language: str  # "en" | "fr", guessed from the words


@dataclass(frozen=True)
class OutlineShot:
    action: str
    duration_s: float
    lines: tuple[OutlineLine, ...] = ()

    @property
    def speakers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(line.speaker for line in self.lines))


@dataclass
class OutlineScene:
    heading: str
    location: str  # the place part of the heading, "" when there is none
    synopsis: str = ""
    shots: list[OutlineShot] = field(default_factory=list)


@dataclass
class Outline:
    title: str
    scenes: list[OutlineScene]

    @property
    def shot_count(self) -> int:
        return sum(len(scene.shots) for scene in self.scenes)

    @property
    def speakers(self) -> list[str]:
        names = (line.speaker for s in self.scenes for shot in s.shots for line in shot.lines)
        return list(dict.fromkeys(names))


def decode_script(data: bytes) -> str:
    """Bytes of an upload as text, or ``InvalidInput`` when they are not a text screenplay."""
    if len(data) > MAX_SCRIPT_BYTES:
        raise InvalidInput(
            "script.import.too_big", size_kb=len(data) // 1024, max_kb=MAX_SCRIPT_BYTES // 1024
        )
    if b"\x00" in data[:8192]:
        raise InvalidInput("script.import.binary")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")  # old Windows exports (Fade In, Highland 1)
        except UnicodeDecodeError:
            raise InvalidInput("script.import.binary") from None
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if controls > max(8, len(text) // 200):
        raise InvalidInput("script.import.binary")
    return text


def parse_screenplay(text: str) -> Outline:
    """The outline of a Fountain screenplay, or ``InvalidInput`` saying what is wrong with it."""
    if not text.strip():
        raise InvalidInput("script.import.empty")
    if MENTION.search(text):
        raise InvalidInput("script.text_mention")
    screenplay = FountainParser().parse(_force_bare_headings(text))
    title = " ".join(screenplay.title_page.get("Title", [])).strip()
    scenes: list[OutlineScene] = []
    for fscene in screenplay.scenes:
        scene = _outline_scene(fscene)
        if scene is not None:
            scenes.append(scene)
        if len(scenes) > MAX_SCENES:
            raise InvalidInput("script.import.too_many_scenes", max=MAX_SCENES)
    if not any(f.heading is not None for f in screenplay.scenes):
        if not any(scene.shots for scene in scenes):
            raise InvalidInput("script.import.empty")
        raise InvalidInput("script.import.no_headings")
    outline = Outline(title=_clean(title)[:100], scenes=scenes)
    if outline.shot_count > MAX_SHOTS:
        raise InvalidInput("script.import.too_many_shots", count=outline.shot_count, max=MAX_SHOTS)
    return outline


def split_heading(heading: str) -> str:
    """The place in a scene heading: "INT. PHARE - SALLE - NUIT" -> "PHARE - SALLE"."""
    rest = _SCENE_PREFIX.sub("", heading.strip(), count=1).strip()
    parts = [p.strip() for p in re.split(r"\s+[-–—]\s+", rest) if p.strip()]
    while len(parts) > 1 and parts[-1].casefold() in _TIME_OF_DAY:
        parts.pop()
    if len(parts) == 1 and parts[0].casefold() in _TIME_OF_DAY:
        return ""
    return " - ".join(parts)


def display_name(raw: str) -> str:
    """A cue or place written in capitals, as a name: "PHARE DE KERBRAS" -> "Phare de Kerbras"."""
    if not raw.isupper():
        return raw.strip()
    words = raw.lower().split()
    out = []
    for i, word in enumerate(words):
        elided = re.match(r"^(l'|d'|qu')(.+)$", word)
        if i and elided:  # "de l'auberge" -> "de l'Auberge"
            out.append(elided.group(1) + elided.group(2)[:1].upper() + elided.group(2)[1:])
        elif i and word in _SMALL_WORDS:
            out.append(word)
        else:
            out.append(word[:1].upper() + word[1:])
    return " ".join(out)


def guess_language(text: str) -> str:
    """ "fr" or "en" from the words in a line; accents lean French, ties are English."""
    words = re.findall(r"[\w']+", text.casefold())
    fr = sum(1 for w in words if w in _FRENCH_WORDS)
    en = sum(1 for w in words if w in _ENGLISH_WORDS)
    fr += sum(1 for ch in text if ch in "éèêàçùâîôûëïœÉÈÊÀÇ")
    return "fr" if fr > en else "en"


def estimate_duration(words: int, *, spoken: bool) -> float:
    """Seconds on screen: ~2.5 words a second spoken, a beat more for action; 2-8 s / 2-20 s."""
    if spoken:
        seconds = 1.0 + words / 2.5
        return _half(min(20.0, max(2.0, seconds)))
    return _half(min(8.0, max(2.0, 1.5 + words / 4.0)))


# --------------------------------------------------------------------------- internals


def _half(seconds: float) -> float:
    return round(seconds * 2) / 2


def _force_bare_headings(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        stripped = line.strip()
        blank_before = i == 0 or not lines[i - 1].strip()
        if blank_before and _BARE_HEADING.match(stripped):
            lines[i] = "." + stripped
    return "\n".join(lines)


def _clean(text: str) -> str:
    text = _NOTE.sub("", text)
    text = _EMPHASIS.sub("", text)
    return " ".join(text.split())


def _chunks(text: str, limit: int) -> list[str]:
    """Long text split at sentence ends (else words) into pieces of at most ``limit``."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in re.split(r"(?<=[.!?…])\s+", text):
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if current and len(current) + 1 + len(sentence) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        pieces.append(current)
    return pieces


@dataclass
class _Block:
    cue: Character
    lines: list[str] = field(default_factory=list)
    parentheticals: list[str] = field(default_factory=list)


def _outline_scene(fscene: FountainScene) -> OutlineScene | None:
    if fscene.heading is not None:
        heading = _clean(fscene.heading.text)[:MAX_HEADING_CHARS] or "SCENE"
    else:
        heading = "OPENING"
    scene = OutlineScene(heading=heading, location=split_heading(heading))
    synopses: list[str] = []
    block: _Block | None = None
    previous_dialogue: OutlineShot | None = None

    def close_block() -> None:
        nonlocal block, previous_dialogue
        if block is None:
            return
        shot = _dialogue_shot(block)
        if shot is not None:
            if block.cue.is_dual and previous_dialogue is not None and scene.shots:
                # Dual dialogue: both speakers talk at once, so they share one shot.
                merged = _merge_dual(previous_dialogue, shot)
                scene.shots[-1] = merged
                previous_dialogue = None
            else:
                scene.shots.append(shot)
                previous_dialogue = shot
        block = None

    for element in fscene.elements:
        if isinstance(element, Character):
            close_block()
            block = _Block(cue=element)
            continue
        if isinstance(element, Parenthetical) and block is not None:
            block.parentheticals.append(element.text.strip("() "))
            continue
        if isinstance(element, Dialogue) and block is not None:
            block.lines.append(element.text)
            continue
        close_block()
        if isinstance(element, Action) and not element.is_centered:
            text = _action_text(element.text)
            if text:
                previous_dialogue = None
                for piece in _chunks(text, MAX_ACTION_CHARS):
                    duration = estimate_duration(len(piece.split()), spoken=False)
                    scene.shots.append(OutlineShot(action=piece, duration_s=duration))
        elif isinstance(element, Synopsis):
            synopses.append(_clean(element.text))
        # Transitions, sections, page breaks, boneyard and centered text (title cards such as
        # "> THE END <") are not shots.
    close_block()
    scene.synopsis = " ".join(s for s in synopses if s)[:1000]
    if fscene.heading is None and not scene.shots:
        return None
    return scene


def _action_text(raw: str) -> str:
    """An action paragraph as a shot's action: "!" (forced action) dropped, lyrics as ♪ … ♪."""
    text = _clean(raw.lstrip("!"))
    lyric = re.fullmatch(r"~\s*(.+?)\s*~?", text)
    return f"♪ {lyric.group(1)} ♪" if lyric else text


def _speaker(cue: Character) -> str:
    return _clean(cue.name).lstrip("@").strip()[:80]


def _dialogue_shot(block: _Block) -> OutlineShot | None:
    speaker = _speaker(block.cue)
    spoken = _clean(" ".join(block.lines))
    if not speaker or not spoken:
        return None
    language = guess_language(spoken)
    lines = tuple(
        OutlineLine(speaker=speaker, text=piece, language=language)
        for piece in _chunks(spoken, MAX_LINE_CHARS)
    )
    name = display_name(speaker)
    how = ", ".join(p for p in (_clean(x) for x in block.parentheticals) if p)
    action = f"{name}, {how}, speaks." if how else f"{name} speaks."
    duration = estimate_duration(len(spoken.split()), spoken=True)
    return OutlineShot(action=action, duration_s=duration, lines=lines)


def _merge_dual(first: OutlineShot, second: OutlineShot) -> OutlineShot:
    names = " and ".join(display_name(s) for s in (*first.speakers, *second.speakers))
    return OutlineShot(
        action=f"{names} speak at the same time.",
        duration_s=max(first.duration_s, second.duration_s),
        lines=first.lines + second.lines,
    )
