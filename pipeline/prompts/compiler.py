"""Compile a ``ShotBrief`` into the text a provider reads, within that provider's length.

Shortening is deterministic: the same brief and limit always give the same text. It removes
whole pieces in a fixed order, least important first, and never a character's identity:
their name, the first sentence of their appearance (the "core"), their age and ``never_change``.

Drop order (each step is one entry of ``CompiledPrompt.dropped``):

1. ``references``, ``era``, ``lenses``, ``palette`` (style bible detail)
2. ``location.description`` (the location's name stays)
3. ``wardrobe:<name>``, last character first
4. ``appearance.detail:<name>`` (appearance after its first sentence), last character first
5. ``dialogue:<n>``, last line first
6. ``look``
7. ``action:<n>``, last sentence first, down to the first sentence
8. ``camera.lens``, ``camera.movement``, ``duration``
9. ``action:1``, then ``location``

What is left is the floor: the shot size and every identity. If even that is longer than the
limit, ``PromptTooLong`` says by how much; nothing is cut mid-identity.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.prompts.brief import CharacterBrief, DialogueBrief, ShotBrief
from pipeline.prompts.limits import prompt_limit

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


class PromptTooLong(ValueError):
    """Even the cast's identities exceed the provider's prompt length."""

    def __init__(self, *, provider: str | None, needed_chars: int, max_chars: int) -> None:
        super().__init__(
            f"identities need {needed_chars} characters, {provider or 'default'} takes {max_chars}"
        )
        self.provider = provider
        self.needed_chars = needed_chars
        self.max_chars = max_chars


@dataclass(frozen=True)
class CompiledPrompt:
    text: str
    max_chars: int
    shortened: bool
    dropped: tuple[str, ...] = ()


def _clean(text: str) -> str:
    """One line, single spaces, no trailing punctuation (we add our own)."""
    return " ".join(text.split()).rstrip(" .;,")


def _sentences(text: str) -> list[str]:
    cleaned = " ".join(text.split())
    return [s for s in (_clean(p) for p in _SENTENCE_END.split(cleaned)) if s]


@dataclass
class _Cast:
    name: str
    core: str
    detail: str
    age: str
    wardrobe: str
    never_change: str

    @classmethod
    def of(cls, c: CharacterBrief) -> _Cast:
        parts = _sentences(c.appearance)
        return cls(
            name=_clean(c.name),
            core=parts[0] if parts else "",
            detail="; ".join(parts[1:]),
            age=_clean(c.age),
            wardrobe=_clean(c.wardrobe),
            never_change=_clean(c.never_change),
        )

    def render(self) -> str:
        head = f"{self.name} ({self.age})" if self.age else self.name
        bits = [b for b in (self.core, self.detail) if b]
        if self.wardrobe:
            bits.append(f"wearing {self.wardrobe}")
        if self.never_change:
            bits.append(f"always: {self.never_change}")
        return f"{head}: {'; '.join(bits)}" if bits else head


@dataclass
class _Draft:
    shot_size: str
    movement: str
    lens: str
    duration: str
    action: list[str]
    cast: list[_Cast]
    location: str
    location_description: str
    dialogue: list[DialogueBrief | None]
    style: dict[str, str] = field(default_factory=dict)

    def render(self) -> str:
        camera = [f"{self.shot_size.capitalize() or 'Medium'} shot"]
        if self.movement:
            camera.append(f"camera {self.movement}")
        if self.lens:
            camera.append(f"{self.lens} lens")
        if self.duration:
            camera.append(self.duration)
        lines = [", ".join(camera) + "."]
        if self.action:
            lines.append(". ".join(self.action) + ".")
        if self.cast:
            lines.append("Characters: " + " | ".join(c.render() for c in self.cast) + ".")
        if self.location:
            where = self.location
            if self.location_description:
                where += f", {self.location_description}"
            lines.append(f"Location: {where}.")
        spoken = [d for d in self.dialogue if d is not None]
        if spoken:
            said = " / ".join(
                f'{_clean(d.speaker)} ({d.language}): "{" ".join(d.text.split())}"' for d in spoken
            )
            lines.append(f"Dialogue: {said}")
        style = [
            (f"{key} {value}" if key != "look" else value)
            for key, value in self.style.items()
            if value
        ]
        if style:
            lines.append("Style: " + "; ".join(style) + ".")
        return "\n".join(lines)


def _draft(brief: ShotBrief) -> _Draft:
    style = brief.style
    seconds = f"{brief.duration_s:g} seconds" if brief.duration_s else ""
    return _Draft(
        shot_size=_clean(brief.camera.shot_size),
        movement=_clean(brief.camera.movement),
        lens=_clean(brief.camera.lens),
        duration=seconds,
        action=_sentences(brief.action),
        cast=[_Cast.of(c) for c in brief.characters],
        location=_clean(brief.location.name) if brief.location else "",
        location_description=_clean(brief.location.description) if brief.location else "",
        dialogue=list(brief.dialogue),
        # Insertion order is the order they appear in the text.
        style={
            "look": _clean(style.look),
            "palette": _clean(style.palette),
            "lenses": _clean(style.lenses),
            "era": _clean(style.era),
            "references": _clean(style.references),
        },
    )


Step = tuple[str, Callable[[_Draft], None]]


def _steps(d: _Draft) -> list[Step]:
    """The drop order, as (label, mutation) pairs. Steps that would remove nothing are left out."""
    steps: list[Step] = []

    def style_key(key: str) -> Step:
        return key, lambda draft: draft.style.__setitem__(key, "")

    for key in ("references", "era", "lenses", "palette"):
        if d.style[key]:
            steps.append(style_key(key))
    if d.location_description:
        steps.append(
            ("location.description", lambda draft: setattr(draft, "location_description", ""))
        )
    for i in reversed(range(len(d.cast))):
        if d.cast[i].wardrobe:
            steps.append((f"wardrobe:{d.cast[i].name}", _set_cast(i, "wardrobe")))
    for i in reversed(range(len(d.cast))):
        if d.cast[i].detail:
            steps.append((f"appearance.detail:{d.cast[i].name}", _set_cast(i, "detail")))
    for i in reversed(range(len(d.dialogue))):
        steps.append((f"dialogue:{i + 1}", _drop_line(i)))
    if d.style["look"]:
        steps.append(style_key("look"))
    for n in reversed(range(2, len(d.action) + 1)):
        steps.append((f"action:{n}", _truncate_action(n - 1)))
    if d.lens:
        steps.append(("camera.lens", lambda draft: setattr(draft, "lens", "")))
    if d.movement:
        steps.append(("camera.movement", lambda draft: setattr(draft, "movement", "")))
    if d.duration:
        steps.append(("duration", lambda draft: setattr(draft, "duration", "")))
    if d.action:
        steps.append(("action:1", _truncate_action(0)))
    if d.location:
        steps.append(("location", lambda draft: setattr(draft, "location", "")))
    return steps


def _set_cast(i: int, attr: str) -> Callable[[_Draft], None]:
    return lambda draft: setattr(draft.cast[i], attr, "")


def _drop_line(i: int) -> Callable[[_Draft], None]:
    return lambda draft: draft.dialogue.__setitem__(i, None)


def _truncate_action(keep: int) -> Callable[[_Draft], None]:
    return lambda draft: setattr(draft, "action", draft.action[:keep])


def compile_prompt(
    brief: ShotBrief, provider: str | None = None, *, max_chars: int | None = None
) -> CompiledPrompt:
    """The prompt for ``provider`` (its limit from ``limits.py``, or ``max_chars`` if given)."""
    limit = max_chars if max_chars is not None else prompt_limit(provider)
    draft = _draft(brief)
    text = draft.render()
    if len(text) <= limit:
        return CompiledPrompt(text=text, max_chars=limit, shortened=False)
    dropped: list[str] = []
    for label, mutate in _steps(draft):
        mutate(draft)
        dropped.append(label)
        text = draft.render()
        if len(text) <= limit:
            return CompiledPrompt(
                text=text, max_chars=limit, shortened=True, dropped=tuple(dropped)
            )
    raise PromptTooLong(provider=provider, needed_chars=len(text), max_chars=limit)


def identity_floor(brief: ShotBrief) -> str:
    """The shortest text ``compile_prompt`` can produce for ``brief``: shot size + identities."""
    draft = _draft(brief)
    for _label, mutate in _steps(draft):
        mutate(draft)
    return draft.render()


def identity_parts(character: CharacterBrief) -> tuple[str, ...]:
    """What of ``character`` survives every shortening, as it appears in the text."""
    cast = _Cast.of(character)
    return tuple(p for p in (cast.name, cast.core, cast.age, cast.never_change) if p)
