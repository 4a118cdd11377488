"""The production board: one Components V2 message per episode, drawn from its outline.

Discord allows 40 components and 4000 characters of text in such a message, so the board
degrades in steps: every shot with an 80-character excerpt, then shorter excerpts and fewer shots
per scene, then one line of counts per scene, then "… and N more scenes".
"""

from __future__ import annotations

from collections import Counter

import discord
from discord import ui

from bot.errors import SafeLayoutView
from bot.i18n import t
from storage.models import ShotStatus
from storage.script_lookup import EpisodeOutline, SceneBlock, ShotRow

TEXT_BUDGET = 3800  # of Discord's 4000, leaving room for markdown we did not count
MAX_SCENE_BLOCKS = 15  # 2 components per scene (text + separator) + 5 around them < 40
ICONS = {
    ShotStatus.DRAFT: "📝",
    ShotStatus.GENERATING: "⏳",
    ShotStatus.IN_REVIEW: "🗳️",
    ShotStatus.LOCKED: "✅",
}
ACCENT = discord.Colour(0xE0A030)
# (excerpt length, shots listed per scene) from the most detailed to the least.
_DETAIL_STEPS = ((80, 60), (48, 20), (32, 12), (24, 6))


def _runtime(seconds: float) -> str:
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    if hours:
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{rest // 60}:{rest % 60:02d}"


def _excerpt(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return discord.utils.escape_markdown(text)


def _shot_line(shot: ShotRow, limit: int) -> str:
    icon = ICONS.get(shot.status, "📝")
    takes = f" · 🎞️ {shot.takes}" if shot.takes else ""
    return f"`{shot.code}` {icon} {_excerpt(shot.action, limit)} · {shot.duration_s:g} s{takes}"


def _scene_title(block: SceneBlock, *, writers: bool = True) -> str:
    title = f"**{block.code} · {_excerpt(block.scene.heading, 90)}**"
    # Who wrote the scene's shots, once per scene: per shot it would eat the text budget.
    people = list(dict.fromkeys(shot.created_by for shot in block.shots))
    if writers and people:
        more = f" +{len(people) - 3}" if len(people) > 3 else ""
        title += " · ✍️ " + " ".join(f"<@{p}>" for p in people[:3]) + more
    return title


def _scene_detail(block: SceneBlock, limit: int, per_scene: int, locale: str) -> str:
    lines = [_scene_title(block)]
    lines += [_shot_line(shot, limit) for shot in block.shots[:per_scene]]
    if not block.shots:
        lines.append(t("board.no_shots", locale))
    elif len(block.shots) > per_scene:
        lines.append(t("board.more_shots", locale, count=len(block.shots) - per_scene))
    return "\n".join(lines)


def _scene_compact(block: SceneBlock, locale: str) -> str:
    counts = Counter(shot.status for shot in block.shots)
    icons = " ".join(f"{ICONS[s]} {counts[s]}" for s in ICONS if counts[s])
    summary = t("board.scene_counts", locale, shots=len(block.shots), counts=icons or "-")
    return f"{_scene_title(block, writers=False)} · {summary}"


def board_texts(outline: EpisodeOutline, locale: str, now: str) -> tuple[str, list[str], str]:
    """Header, one text per scene block (or one compact block), footer; within Discord's limits."""
    episode = outline.episode
    shots = outline.shots
    header = "## " + t(
        "board.title", locale, number=episode.number, title=_excerpt(episode.title, 100)
    )
    header += "\n-# " + t(
        "board.summary",
        locale,
        series=_excerpt(outline.series_name, 60),
        scenes=len(outline.scenes),
        shots=len(shots),
        locked=sum(1 for s in shots if s.status == ShotStatus.LOCKED),
        runtime=_runtime(sum(s.duration_s for s in shots)),
    )
    footer = "-# " + t("board.legend", locale) + "\n-# " + t("board.updated", locale, when=now)
    if not outline.scenes:
        return header, [t("board.empty", locale)], footer
    budget = TEXT_BUDGET - len(header) - len(footer)
    if len(outline.scenes) <= MAX_SCENE_BLOCKS:
        for limit, per_scene in _DETAIL_STEPS:
            blocks = [_scene_detail(b, limit, per_scene, locale) for b in outline.scenes]
            if sum(len(b) for b in blocks) <= budget:
                return header, blocks, footer
    lines: list[str] = []
    used = 0
    for index, block in enumerate(outline.scenes):
        line = _scene_compact(block, locale)
        more = t("board.more_scenes", locale, count=len(outline.scenes) - index)
        if used + len(line) + 1 + len(more) > budget:
            lines.append(more)
            break
        lines.append(line)
        used += len(line) + 1
    return header, ["\n".join(lines)], footer


class BoardView(SafeLayoutView):
    """The board as a layout: a container with the header, the scenes and the legend."""

    def __init__(self, outline: EpisodeOutline, locale: str) -> None:
        super().__init__(timeout=None)
        now = discord.utils.format_dt(discord.utils.utcnow(), "R")
        header, blocks, footer = board_texts(outline, locale, now)
        container: ui.Container[BoardView] = ui.Container(accent_colour=ACCENT)
        container.add_item(ui.TextDisplay(header))
        container.add_item(ui.Separator())
        for index, block in enumerate(blocks):
            if index:
                container.add_item(ui.Separator(visible=False))
            container.add_item(ui.TextDisplay(block))
        container.add_item(ui.Separator())
        container.add_item(ui.TextDisplay(footer))
        self.add_item(container)
