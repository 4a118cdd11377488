"""/episode create | show | list | import. Logic lives in storage/script*.py; this module parses
the interaction and renders the answer."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import bot_of, crew_only
from bot.i18n import locale_of, t
from bot.tree import answer, answer_later
from commands.board._views import BoardView
from commands.episodes import _strings  # noqa: F401  (registers the sentences)
from commands.episodes._pick import episode_choices
from storage.errors import InvalidInput
from storage.screenplay import MAX_SCRIPT_BYTES, decode_script, parse_screenplay
from storage.script import create_episode
from storage.script_import import import_outline
from storage.script_lookup import episode_outline, list_episodes, resolve_episode

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()


def _names(names: list[str], limit: int = 400) -> str:
    text = ", ".join(names)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@app_commands.guild_only()
class EpisodesCog(commands.GroupCog, group_name="episode"):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="create")
    @app_commands.describe(
        title="The episode's title",
        number="Its number (default: the next one)",
        synopsis="What happens, in a few lines",
    )
    @crew_only()
    async def episode_create(
        self,
        interaction: discord.Interaction[Any],
        title: str,
        number: app_commands.Range[int, 1, 9999] | None = None,
        synopsis: str | None = None,
    ) -> None:
        """Start a new episode"""
        assert interaction.guild_id is not None
        locale = await locale_of(interaction)
        async with bot_of(interaction).db.session() as session:
            episode = await create_episode(
                session,
                interaction.guild_id,
                title=title,
                number=number,
                synopsis=synopsis or "",
                created_by=interaction.user.id,
            )
        await interaction.response.send_message(
            t("episode.created", locale, number=episode.number, title=episode.title),
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="show", extras=answer_later())
    @app_commands.describe(episode="The episode (number or pick one)")
    @app_commands.autocomplete(episode=episode_choices)
    async def episode_show(self, interaction: discord.Interaction[Any], episode: str) -> None:
        """Show an episode's scenes and shots"""
        assert interaction.guild_id is not None
        locale = await locale_of(interaction)
        async with bot_of(interaction).db.session() as session:
            found = await resolve_episode(session, interaction.guild_id, episode)
            outline = await episode_outline(session, interaction.guild_id, found.id or 0)
        await answer(interaction, view=BoardView(outline, locale), ephemeral=True)

    @app_commands.command(name="list", extras=answer_later())
    async def episode_list(self, interaction: discord.Interaction[Any]) -> None:
        """List the series' episodes"""
        assert interaction.guild_id is not None
        locale = await locale_of(interaction)
        async with bot_of(interaction).db.session() as session:
            summaries = await list_episodes(session, interaction.guild_id)
        if not summaries:
            text = t("episode.list.empty", locale)
        else:
            rows = [
                t(
                    "episode.list.row",
                    locale,
                    number=s.episode.number,
                    title=discord.utils.escape_markdown(s.episode.title),
                    scenes=s.scenes,
                    shots=s.shots,
                    locked=s.locked,
                )
                for s in summaries
            ]
            text = "\n".join(rows)
            if len(text) > 1900:
                text = text[:1900].rsplit("\n", 1)[0] + "\n…"
        await answer(interaction, content=text, ephemeral=True)

    @app_commands.command(name="import")
    @app_commands.describe(
        screenplay="A .fountain file (plain text)",
        number="Its number (default: the next one)",
        title="Its title (default: the screenplay's)",
    )
    @crew_only()
    async def episode_import(
        self,
        interaction: discord.Interaction[Any],
        screenplay: discord.Attachment,
        number: app_commands.Range[int, 1, 9999] | None = None,
        title: str | None = None,
    ) -> None:
        """Make an episode from a Fountain screenplay"""
        assert interaction.guild_id is not None
        locale = await locale_of(interaction)
        # Refuse by declared size before downloading anything.
        if screenplay.size > MAX_SCRIPT_BYTES:
            raise InvalidInput(
                "script.import.too_big",
                size_kb=screenplay.size // 1024,
                max_kb=MAX_SCRIPT_BYTES // 1024,
            )
        # Ephemeral, so that a refused file is explained to the member alone.
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = decode_script(await screenplay.read())
        outline = await asyncio.to_thread(parse_screenplay, text)
        async with bot_of(interaction).db.session() as session:
            report = await import_outline(
                session,
                interaction.guild_id,
                outline,
                created_by=interaction.user.id,
                created_by_name=interaction.user.display_name,
                number=number,
                # No title option and no title page: the file's name ("la_nuit_du_phare").
                title=title or outline.title or screenplay.filename.rsplit(".", 1)[0][:100],
            )
        episode = report.episode
        lines = [
            t(
                "episode.imported",
                locale,
                title=discord.utils.escape_markdown(episode.title),
                number=episode.number,
                scenes=report.scenes,
                shots=report.shots,
                lines=report.lines,
            )
        ]
        if report.new_locations:
            lines.append(
                t("episode.imported.locations", locale, names=_names(report.new_locations))
            )
        if report.unknown_speakers:
            names = _names(report.unknown_speakers)
            lines.append(t("episode.imported.unknown", locale, names=names))
        await interaction.followup.send(
            "\n".join(lines), ephemeral=True, allowed_mentions=NO_MENTIONS
        )
