"""/scene add | move and /shot add | edit | move | show | list.

Each command resolves what was picked or typed (storage/script_lookup.py), calls one service
(storage/script.py), answers, then redraws the episode's board in place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.checks import bot_of, crew_only
from bot.i18n import locale_of, t
from bot.tree import answer, answer_later
from commands.board import refresh_board
from commands.board._views import ICONS
from commands.episodes._pick import (
    cast_choices,
    episode_choices,
    location_choices,
    scene_choices,
    shot_choices,
)
from commands.shots import _strings
from commands.shots._perform import (
    PROVIDER_CHOICES,
    ConfirmPerformButton,
    character_choices,
    perform_shot,
)
from commands.shots._queue import queue_takes
from commands.shots._views import (
    NO_MENTIONS,
    ShotCard,
    ShotTextModal,
    card_text,
    format_dialogue,
)
from storage.errors import InvalidInput
from storage.screenplay import guess_language
from storage.script import (
    LineDraft,
    add_scene,
    add_shot,
    edit_shot,
    move_scene,
    move_shot,
    resolve_characters,
)
from storage.script_lookup import (
    ShotDetail,
    episode_outline,
    resolve_episode,
    resolve_location,
    resolve_scene,
    resolve_shot,
    shot_detail,
)

prompts: ModuleType | None
try:  # the pipeline's prompt compiler; /shot show says so when it is absent
    from pipeline import prompts
except ImportError:  # pragma: no cover - depends on the install
    prompts = None

log = logging.getLogger(__name__)
Interaction = discord.Interaction[Any]


def _choices(group: str) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=locale_str(en, key=f"choice.shot.{group}.{value}"), value=value)
        for value, en, _fr in _strings.CHOICE_GROUPS[group]
    ]


def _excerpt(text: str, limit: int = 200) -> str:
    text = discord.utils.escape_markdown(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


OPTION_HELP = {param: en_desc for param, (_n, _f, en_desc, _fd) in _strings.SHOT_OPTIONS.items()}
SHOT_CHOICES = {
    "size": _choices("size"),
    "movement": _choices("movement"),
    "lens": _choices("lens"),
    "generator": _choices("generator"),
    "language": _choices("language"),
}
SHOT_AUTOCOMPLETE = {"characters": cast_choices, "location": location_choices,
                     "speaker": cast_choices}  # fmt: skip


@dataclass
class ShotOptions:
    """What the member gave, resolved against this server; ``None`` means "not given"."""

    shot_size: str | None = None
    movement: str | None = None
    lens: str | None = None
    duration_s: float | None = None
    character_ids: list[int] | None = None
    location_id: int | None = None
    provider: str | None = None
    lines: list[LineDraft] = field(default_factory=list)

    def given(self) -> bool:
        return any(
            v is not None
            for v in (self.shot_size, self.movement, self.lens, self.duration_s,
                      self.character_ids, self.location_id, self.provider)
        ) or bool(self.lines)  # fmt: skip


async def _resolve_options(
    session: AsyncSession,
    guild_id: int,
    *,
    size: str | None,
    movement: str | None,
    lens: str | None,
    duration: float | None,
    characters: str | None,
    location: str | None,
    speaker: str | None,
    line: str | None,
    language: str | None,
    generator: str | None,
) -> ShotOptions:
    options = ShotOptions(size, movement, lens, duration, provider=generator)
    if characters is not None:
        cast = await resolve_characters(session, guild_id, characters.split(","))
        options.character_ids = [c.id for c in cast if c.id is not None]
    if location is not None:
        options.location_id = (await resolve_location(session, guild_id, location)).id
    if speaker is not None or line is not None:
        if not (speaker and line):
            raise InvalidInput("script.dialogue_format", line=(speaker or line or "")[:60])
        options.lines = [LineDraft(speaker, line, language or guess_language(line))]
    return options


async def _prompt_block(session: AsyncSession, detail: ShotDetail, locale: str) -> str:
    if prompts is None:
        return t("shot.show.prompt_missing", locale)
    brief = await prompts.load_brief(session, detail.shot.guild_id, detail.shot.id)
    try:
        compiled = prompts.compile_prompt(brief, detail.shot.provider or None)
    except prompts.PromptTooLong as error:
        return t(
            "shot.show.prompt_too_long", locale, needed=error.needed_chars, max=error.max_chars
        )
    head = "**" + t("shot.show.prompt", locale, length=len(compiled.text), max=compiled.max_chars)
    head += "**"
    if compiled.shortened:
        dropped = ", ".join(compiled.dropped)[:300]
        head += "\n-# " + t("shot.show.prompt_shortened", locale, dropped=dropped)
    text = compiled.text.replace("```", "'''")
    return f"{head}\n```\n{text}\n```"


@app_commands.guild_only()
class SceneCog(commands.GroupCog, group_name="scene"):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="add")
    @app_commands.describe(
        episode="The episode (number or pick one)",
        heading="Scene heading, e.g. INT. LIGHTHOUSE - NIGHT",
        location="Where it happens (a location of the bible)",
        position="Where in the episode (default: at the end)",
    )
    @app_commands.autocomplete(episode=episode_choices, location=location_choices)
    @crew_only()
    async def scene_add(
        self,
        interaction: Interaction,
        episode: str,
        heading: str,
        location: str | None = None,
        position: app_commands.Range[int, 1, 500] | None = None,
    ) -> None:
        """Add a scene to an episode"""
        assert interaction.guild_id is not None
        locale = await locale_of(interaction)
        async with bot_of(interaction).db.session() as session:
            found = await resolve_episode(session, interaction.guild_id, episode)
            place = (
                await resolve_location(session, interaction.guild_id, location)
                if location
                else None
            )
            scene = await add_scene(
                session, interaction.guild_id, found.id or 0, heading=heading,
                location_id=place.id if place else None, position=position,
                created_by=interaction.user.id,
            )  # fmt: skip
        code = f"{found.number}.{scene.position}"
        await interaction.response.send_message(
            t("scene.added", locale, code=code, heading=_excerpt(scene.heading)),
            allowed_mentions=NO_MENTIONS,
        )
        await refresh_board(self.bot, interaction.guild_id, found.id or 0)

    @app_commands.command(name="move")
    @app_commands.describe(
        scene="The scene (code like 1.2, or pick one)", position="Its new place (1 = first)"
    )
    @app_commands.autocomplete(scene=scene_choices)
    @crew_only()
    async def scene_move(
        self, interaction: Interaction, scene: str, position: app_commands.Range[int, 1, 500]
    ) -> None:
        """Move a scene within its episode"""
        assert interaction.guild_id is not None
        locale = await locale_of(interaction)
        async with bot_of(interaction).db.session() as session:
            found = await resolve_scene(session, interaction.guild_id, scene)
            moved = await move_scene(session, interaction.guild_id, found.id or 0, position)
            outline = await episode_outline(session, interaction.guild_id, moved.episode_id)
        code = f"{outline.episode.number}.{moved.position}"
        await interaction.response.send_message(
            t("scene.moved", locale, code=code, heading=_excerpt(moved.heading)),
            allowed_mentions=NO_MENTIONS,
        )
        await refresh_board(self.bot, interaction.guild_id, moved.episode_id)


@app_commands.guild_only()
class ShotCog(commands.GroupCog, group_name="shot"):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        super().__init__()

    async def _announce(
        self, interaction: Interaction, key: str, shot_id: int, *, refresh: tuple[int, ...]
    ) -> None:
        assert interaction.guild_id is not None
        locale = await locale_of(interaction)
        async with bot_of(interaction).db.session() as session:
            detail = await shot_detail(session, interaction.guild_id, shot_id)
        text = t(key, locale, code=detail.code, action=_excerpt(detail.shot.action))
        if interaction.response.is_done():
            await interaction.followup.send(text, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(text, allowed_mentions=NO_MENTIONS)
        for episode_id in dict.fromkeys((detail.shot.episode_id, *refresh)):
            await refresh_board(self.bot, interaction.guild_id, episode_id)

    @app_commands.command(name="add")
    @app_commands.describe(scene="The scene (code like 1.2, or pick one)", **OPTION_HELP)
    @app_commands.choices(**SHOT_CHOICES)
    @app_commands.autocomplete(scene=scene_choices, **SHOT_AUTOCOMPLETE)
    @crew_only()
    async def shot_add(
        self,
        interaction: Interaction,
        scene: str,
        action: str | None = None,
        size: str | None = None,
        movement: str | None = None,
        lens: str | None = None,
        duration: app_commands.Range[float, 1, 20] | None = None,
        characters: str | None = None,
        location: str | None = None,
        speaker: str | None = None,
        line: str | None = None,
        language: str | None = None,
        generator: str | None = None,
    ) -> None:
        """Add a shot to a scene"""
        guild_id = interaction.guild_id
        assert guild_id is not None
        locale = await locale_of(interaction)
        async with bot_of(interaction).db.session() as session:
            target = await resolve_scene(session, guild_id, scene)
            options = await _resolve_options(
                session, guild_id, size=size, movement=movement, lens=lens, duration=duration,
                characters=characters, location=location, speaker=speaker, line=line,
                language=language, generator=generator,
            )  # fmt: skip
            episode = await resolve_episode(session, guild_id, f"#{target.episode_id}")

        async def create(i: Interaction, text: str, lines: list[LineDraft]) -> None:
            async with bot_of(i).db.session() as session:
                shot = await add_shot(
                    session, guild_id, target.id or 0, action=text,
                    created_by=i.user.id, created_by_name=i.user.display_name,
                    shot_size=options.shot_size or "medium", movement=options.movement or "static",
                    lens=options.lens or "", duration_s=options.duration_s or 5.0,
                    location_id=options.location_id, provider=options.provider or "",
                    character_ids=options.character_ids or [], lines=[*options.lines, *lines],
                )  # fmt: skip
            await self._announce(i, "shot.added", shot.id or 0, refresh=())

        if action is None:
            title = t("shot.modal.title_new", locale, scene=f"{episode.number}.{target.position}")
            await interaction.response.send_modal(
                ShotTextModal(title=title, locale=locale, on_submit=create)
            )
            return
        await create(interaction, action, [])

    @app_commands.command(name="edit")
    @app_commands.describe(shot="The shot (code like 1.2.3, or pick one)", **OPTION_HELP)
    @app_commands.choices(**SHOT_CHOICES)
    @app_commands.autocomplete(shot=shot_choices, **SHOT_AUTOCOMPLETE)
    @crew_only()
    async def shot_edit(
        self,
        interaction: Interaction,
        shot: str,
        action: str | None = None,
        size: str | None = None,
        movement: str | None = None,
        lens: str | None = None,
        duration: app_commands.Range[float, 1, 20] | None = None,
        characters: str | None = None,
        location: str | None = None,
        speaker: str | None = None,
        line: str | None = None,
        language: str | None = None,
        generator: str | None = None,
    ) -> None:
        """Change a shot (no option: edit its text in a form)"""
        guild_id = interaction.guild_id
        assert guild_id is not None
        locale = await locale_of(interaction)
        async with bot_of(interaction).db.session() as session:
            found = await resolve_shot(session, guild_id, shot)
            options = await _resolve_options(
                session, guild_id, size=size, movement=movement, lens=lens, duration=duration,
                characters=characters, location=location, speaker=speaker, line=line,
                language=language, generator=generator,
            )  # fmt: skip
            detail = await shot_detail(session, guild_id, found.id or 0)

        async def save(i: Interaction, text: str | None, lines: list[LineDraft] | None) -> None:
            async with bot_of(i).db.session() as session:
                await edit_shot(
                    session, guild_id, detail.shot.id or 0, edited_by=i.user.id,
                    edited_by_name=i.user.display_name, action=text,
                    shot_size=options.shot_size, movement=options.movement, lens=options.lens,
                    duration_s=options.duration_s, location_id=options.location_id,
                    provider=options.provider, character_ids=options.character_ids, lines=lines,
                )  # fmt: skip
            await self._announce(i, "shot.edited", detail.shot.id or 0, refresh=())

        if action is None and not options.given():
            await interaction.response.send_modal(
                ShotTextModal(
                    title=t("shot.modal.title_edit", locale, code=detail.code),
                    locale=locale,
                    on_submit=save,
                    action=detail.shot.action,
                    dialogue=format_dialogue(detail.lines),
                )
            )
            return
        await save(interaction, action, options.lines or None)

    @app_commands.command(name="move")
    @app_commands.describe(
        shot="The shot (code like 1.2.3, or pick one)",
        position="Its new place in the scene (1 = first)",
        scene="Move it to this scene (default: stays)",
    )
    @app_commands.autocomplete(shot=shot_choices, scene=scene_choices)
    @crew_only()
    async def shot_move(
        self,
        interaction: Interaction,
        shot: str,
        position: app_commands.Range[int, 1, 500],
        scene: str | None = None,
    ) -> None:
        """Move a shot within its scene or to another scene"""
        assert interaction.guild_id is not None
        async with bot_of(interaction).db.session() as session:
            found = await resolve_shot(session, interaction.guild_id, shot)
            target = await resolve_scene(session, interaction.guild_id, scene) if scene else None
            moved = await move_shot(
                session, interaction.guild_id, found.id or 0, position=position,
                scene_id=target.id if target else None,
            )  # fmt: skip
        await self._announce(
            interaction, "shot.moved", moved.shot.id or 0, refresh=(moved.from_episode_id,)
        )

    @app_commands.command(name="show", extras=answer_later())
    @app_commands.describe(shot="The shot (code like 1.2.3, or pick one)")
    @app_commands.autocomplete(shot=shot_choices)
    async def shot_show(self, interaction: Interaction, shot: str) -> None:
        """Show a shot, its state and its compiled prompt"""
        assert interaction.guild_id is not None
        locale = await locale_of(interaction)
        async with bot_of(interaction).db.session() as session:
            found = await resolve_shot(session, interaction.guild_id, shot)
            detail = await shot_detail(session, interaction.guild_id, found.id or 0)
            prompt_block = await _prompt_block(session, detail, locale)
        body, prompt_block = card_text(
            detail, locale, prompt_block, t("shot.show.default_generator", locale)
        )
        await answer(interaction, view=ShotCard(body, prompt_block), ephemeral=True)

    @app_commands.command(name="list", extras=answer_later())
    @app_commands.describe(episode="The episode (number or pick one)", scene="Only this scene")
    @app_commands.autocomplete(episode=episode_choices, scene=scene_choices)
    async def shot_list(
        self, interaction: Interaction, episode: str, scene: str | None = None
    ) -> None:
        """List the shots of an episode or a scene"""
        assert interaction.guild_id is not None
        locale = await locale_of(interaction)
        async with bot_of(interaction).db.session() as session:
            found = await resolve_episode(session, interaction.guild_id, episode)
            only = await resolve_scene(session, interaction.guild_id, scene) if scene else None
            outline = await episode_outline(session, interaction.guild_id, found.id or 0)
        rows = [
            f"`{row.code}` {ICONS[row.status]} {_excerpt(row.action, 70)} · {row.duration_s:g} s"
            for row in outline.shots
            if only is None or row.scene_id == only.id
        ]
        text = t("shot.list.empty", locale) if not rows else ""
        shown = 0
        for row in rows:
            if len(text) + len(row) + 120 > 2000:
                break
            text += row + "\n"
            shown += 1
        if shown < len(rows):
            text += t("shot.list.more", locale, count=len(rows) - shown)
        await answer(interaction, content=text, ephemeral=True)

    @app_commands.command(name="queue")
    @app_commands.describe(
        shot="The shot (code like 1.2.3, or pick one)",
        takes="How many takes (1-4), each with its own seed",
        provider="Video generator (default: the shot's, else the free local animatic)",
    )
    @app_commands.choices(provider=SHOT_CHOICES["generator"])
    @app_commands.autocomplete(shot=shot_choices)
    @crew_only()
    async def shot_queue(
        self,
        interaction: Interaction,
        shot: str,
        takes: app_commands.Range[int, 1, 4],
        provider: str | None = None,
    ) -> None:
        """Generate takes of a shot"""
        await queue_takes(interaction, shot, takes, provider)  # commands/shots/_queue.py

    @app_commands.command(name="perform")
    @app_commands.describe(
        shot="The shot (code like 1.2.3, or pick one)",
        video="Your acting video (MP4, MOV or WebM, as long as the shot, 30 s at most)",
        character="Which of the shot's characters you play (default: the locked take, else the "
        "first)",
        provider="Who transfers the performance (default: the free local stand-in)",
    )
    @app_commands.choices(provider=PROVIDER_CHOICES)
    @app_commands.autocomplete(shot=shot_choices, character=character_choices)
    @crew_only()
    async def shot_perform(
        self,
        interaction: Interaction,
        shot: str,
        video: discord.Attachment,
        character: str | None = None,
        provider: str | None = None,
    ) -> None:
        """Act a shot yourself: your video drives the character"""
        await perform_shot(interaction, shot, video, character, provider)  # _perform.py

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ConfirmPerformButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ConfirmPerformButton)


__all__ = ["SceneCog", "ShotCog"]
