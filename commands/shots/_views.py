"""The shot form (a modal for long action and dialogue) and the shot card of /shot show."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import ui

from bot.errors import SafeLayoutView, SafeModal
from bot.i18n import t
from commands.board._views import ICONS
from storage.errors import InvalidInput
from storage.models import DialogueLine, ShotStatus
from storage.screenplay import guess_language
from storage.script import MAX_ACTION, LineDraft
from storage.script_lookup import ShotDetail

NO_MENTIONS = discord.AllowedMentions.none()
CARD_BUDGET = 3800
# "MARA: text", "Élodie [fr]: texte", "MARA (fr) : texte" (French typography puts a space first).
_LINE = re.compile(
    r"^\s*(?P<speaker>[^:\[\(]{1,80}?)\s*(?:[\[\(](?P<lang>en|fr)[\]\)])?\s*:\s*(?P<text>.+)$"
)

OnSubmit = Callable[[discord.Interaction[Any], str, list[LineDraft]], Awaitable[None]]


def parse_dialogue(text: str) -> list[LineDraft]:
    """One line per speaker, "SPEAKER: words"; the language is guessed unless written [en]/[fr]."""
    lines: list[LineDraft] = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        match = _LINE.match(raw)
        if match is None:
            raise InvalidInput("script.dialogue_format", line=raw.strip()[:60])
        words = match.group("text").strip()
        language = match.group("lang") or guess_language(words)
        lines.append(LineDraft(match.group("speaker").strip(), words, language))
    return lines


def format_dialogue(lines: Sequence[DialogueLine]) -> str:
    return "\n".join(f"{line.speaker} [{line.language}]: {line.text}" for line in lines)


class ShotTextModal(SafeModal):
    """Action and dialogue, the two texts too long for a slash option."""

    def __init__(
        self,
        *,
        title: str,
        locale: str,
        on_submit: OnSubmit,
        action: str = "",
        dialogue: str = "",
    ) -> None:
        super().__init__(title=title[:45], timeout=900)
        self._on_submit = on_submit
        self.action: ui.TextInput[ShotTextModal] = ui.TextInput(
            label=t("shot.modal.action", locale)[:45],
            custom_id="shot:action",
            style=discord.TextStyle.paragraph,
            default=action[:MAX_ACTION] or None,
            max_length=MAX_ACTION,
            required=True,
        )
        self.dialogue: ui.TextInput[ShotTextModal] = ui.TextInput(
            label=t("shot.modal.dialogue", locale)[:45],
            custom_id="shot:dialogue",
            style=discord.TextStyle.paragraph,
            default=dialogue[:4000] or None,
            placeholder=t("shot.modal.dialogue_hint", locale)[:100],
            max_length=4000,
            required=False,
        )
        self.add_item(self.action)
        self.add_item(self.dialogue)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await self._on_submit(interaction, self.action.value, parse_dialogue(self.dialogue.value))


def _status(status: ShotStatus, locale: str) -> str:
    return t(f"shot.status.{status.value}", locale)


def card_text(
    detail: ShotDetail, locale: str, prompt_block: str, generator_default: str
) -> tuple[str, str]:
    """The card's body and its prompt block, together within Discord's 4000 characters."""
    shot = detail.shot
    status = ShotStatus(shot.status)
    esc = discord.utils.escape_markdown
    none = t("shot.show.none", locale)
    camera = " · ".join(x for x in (shot.shot_size, shot.movement, shot.lens) if x)
    parts = [
        "## " + t("shot.show.title", locale, code=detail.code, icon=ICONS[status],
                  status=_status(status, locale)),
        "-# " + t("shot.show.where", locale, number=detail.episode.number,
                  title=esc(detail.episode.title), heading=esc(detail.scene.heading)),
        f"**{t('shot.show.action', locale)}**\n{esc(shot.action)}",
        f"**{t('shot.show.camera', locale)}** {camera} · {shot.duration_s:g} s",
        f"**{t('shot.show.cast', locale)}** {esc(', '.join(detail.characters)) or none}",
        f"**{t('shot.show.location', locale)}** {esc(detail.location) or none}",
        f"**{t('shot.show.generator', locale)}** {shot.provider or generator_default}",
    ]  # fmt: skip
    if detail.lines:
        said = "\n".join(
            f"> **{esc(x.speaker)}** ({x.language}) {esc(x.text)}" for x in detail.lines
        )
        parts.append(f"**{t('shot.show.dialogue', locale)}**\n{said}")
    writers = " ".join(f"<@{w}>" for w in detail.writers) or none
    parts.append(f"**{t('shot.show.writers', locale)}** {writers}")
    body = "\n".join(parts)
    if len(body) > CARD_BUDGET // 2:
        body = body[: CARD_BUDGET // 2 - 1] + "…"
    room = CARD_BUDGET - len(body)
    if len(prompt_block) > room:
        prompt_block = prompt_block[: room - 5] + "…\n```"
    return body, prompt_block


class ShotCard(SafeLayoutView):
    def __init__(self, body: str, prompt_block: str) -> None:
        super().__init__(timeout=None)
        container: ui.Container[ShotCard] = ui.Container()
        container.add_item(ui.TextDisplay(body))
        container.add_item(ui.Separator())
        container.add_item(ui.TextDisplay(prompt_block))
        self.add_item(container)
