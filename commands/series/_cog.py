"""/series create | show | use | style."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import Range
from discord.ext import commands

from bot.checks import bot_of, ensure_crew, ensure_showrunner
from bot.client import DailiesBot
from bot.i18n import locale_of, t
from bot.views import route_orphan_form
from commands.series import _strings  # noqa: F401  (registers the strings)
from commands.series._views import (
    NO_MENTIONS,
    STYLE_FORM,
    StyleModal,
    orphan_style_form,
    reply_style_saved,
    series_embed,
)
from storage.bible import (
    choose_series,
    create_series,
    current_series,
    resolve_row,
    suggest_series,
    update_style,
)
from storage.models import Series


@app_commands.guild_only()
class SeriesCog(
    commands.GroupCog, group_name="series", group_description="The show and its style bible"
):
    def __init__(self, bot: DailiesBot) -> None:
        self.bot = bot
        super().__init__()

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        await route_orphan_form(interaction, {STYLE_FORM: orphan_style_form})

    async def series_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        async with self.bot.db.session() as session:
            found = await suggest_series(session, interaction.guild_id, current)
        return [app_commands.Choice(name=c.name, value=str(c.id)) for c in found]

    @app_commands.command(
        name="create", description="Start a new series (it becomes the active one)"
    )
    @app_commands.describe(name="The show's title", logline="The story in one or two sentences")
    async def create(
        self,
        interaction: discord.Interaction[Any],
        name: Range[str, 1, 100],
        logline: Range[str, 0, 1000] = "",
    ) -> None:
        await ensure_showrunner(interaction)
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            series = await create_series(
                session, interaction.guild_id, name, interaction.user.id, logline=logline
            )
        locale = await locale_of(interaction)
        await interaction.response.send_message(
            t("series.created", locale, name=series.name),
            embed=series_embed(series, locale, active=True),
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="show", description="Show a series' style bible")
    @app_commands.describe(series="Which series (default: the active one)")
    @app_commands.autocomplete(series=series_autocomplete)
    async def show(
        self, interaction: discord.Interaction[Any], series: Range[str, 1, 100] | None = None
    ) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            active = await current_series(session, interaction.guild_id)
            chosen = (
                await resolve_row(session, Series, interaction.guild_id, series)
                if series
                else active
            )
        locale = await locale_of(interaction)
        await interaction.response.send_message(
            embed=series_embed(chosen, locale, active=chosen.id == active.id),
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="use", description="Make another series the active one")
    @app_commands.describe(series="The series to work on")
    @app_commands.autocomplete(series=series_autocomplete)
    async def use(self, interaction: discord.Interaction[Any], series: Range[str, 1, 100]) -> None:
        await ensure_showrunner(interaction)
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            chosen = await choose_series(session, interaction.guild_id, series)
        locale = await locale_of(interaction)
        await interaction.response.send_message(
            t("series.now_active", locale, name=chosen.name), allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(
        name="style", description="Edit the style bible (no options: opens a form)"
    )
    @app_commands.describe(
        logline="The story in one or two sentences",
        look="The look: light, texture, mood",
        palette="The colour palette",
        lenses="Lenses and framing habits",
        era="When it takes place",
        references="Films, painters, photographers to echo",
    )
    async def style(
        self,
        interaction: discord.Interaction[Any],
        logline: Range[str, 0, 1000] | None = None,
        look: Range[str, 0, 1000] | None = None,
        palette: Range[str, 0, 500] | None = None,
        lenses: Range[str, 0, 500] | None = None,
        era: Range[str, 0, 200] | None = None,
        references: Range[str, 0, 1000] | None = None,
    ) -> None:
        await ensure_crew(interaction)
        assert interaction.guild_id is not None
        locale = await locale_of(interaction)
        fields = {
            "logline": logline,
            "look": look,
            "palette": palette,
            "lenses": lenses,
            "era": era,
            "references": references,
        }
        async with bot_of(interaction).db.session() as session:
            series = await current_series(session, interaction.guild_id)
            if all(value is None for value in fields.values()):
                await interaction.response.send_modal(StyleModal(series, locale))
                return
            series, changed = await update_style(
                session, interaction.guild_id, series.id or 0, **fields
            )
        await reply_style_saved(interaction, series, changed, locale)
