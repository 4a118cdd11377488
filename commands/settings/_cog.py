"""/setup: who is the showrunner, who is crew, where dailies and premieres go, which language."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import Choice, locale_str
from discord.ext import commands

from bot.checks import bot_of, manage_server_only
from bot.client import DailiesBot
from bot.i18n import locale_of, t
from commands.settings import _strings  # noqa: F401  (registers the strings)
from storage.guilds import clear_settings, update_settings
from storage.models import GuildSettings

LANGUAGE_CHOICES = [
    Choice(name=locale_str("English", key="choice.setup.en"), value="en"),
    Choice(name=locale_str("Français", key="choice.setup.fr"), value="fr"),
]
FORGET_CHOICES = [
    Choice(name=locale_str("Crew role", key="choice.setup.forget.crew"), value="crew_role_id"),
    Choice(
        name=locale_str("Showrunner role", key="choice.setup.forget.showrunner"),
        value="showrunner_role_id",
    ),
    Choice(
        name=locale_str("Dailies channel", key="choice.setup.forget.dailies"),
        value="dailies_channel_id",
    ),
    Choice(
        name=locale_str("Premieres channel", key="choice.setup.forget.premieres"),
        value="premieres_channel_id",
    ),
]


def settings_embed(settings: GuildSettings, locale: str) -> discord.Embed:
    def channel(channel_id: int | None) -> str:
        return f"<#{channel_id}>" if channel_id else t("setup.unset", locale)

    embed = discord.Embed(title=t("setup.title", locale), colour=discord.Colour.dark_gold())
    embed.add_field(name=t("setup.dailies", locale), value=channel(settings.dailies_channel_id))
    embed.add_field(name=t("setup.premieres", locale), value=channel(settings.premieres_channel_id))
    showrunner = (
        f"<@&{settings.showrunner_role_id}>"
        if settings.showrunner_role_id
        else t("setup.showrunner_default", locale)
    )
    crew = (
        f"<@&{settings.crew_role_id}>"
        if settings.crew_role_id
        else t("setup.crew_everyone", locale)
    )
    embed.add_field(name=t("setup.showrunner", locale), value=showrunner, inline=False)
    embed.add_field(name=t("setup.crew", locale), value=crew)
    embed.add_field(
        name=t("setup.language", locale), value=t(f"setup.lang.{settings.locale}", locale)
    )
    return embed


class SetupCog(commands.Cog):
    def __init__(self, bot: DailiesBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="setup", description="Set this server's channels, roles and language"
    )
    @app_commands.guild_only()
    @manage_server_only()
    @app_commands.describe(
        dailies="Where takes are posted for review (text or forum)",
        premieres="Where finished episodes premiere",
        showrunner="The role that locks canon, picks takes and schedules premieres",
        crew="The role allowed to write and generate (empty: everyone)",
        language="The server's default language",
        forget="Unset a channel or role",
    )
    @app_commands.choices(language=LANGUAGE_CHOICES, forget=FORGET_CHOICES)
    async def setup(
        self,
        interaction: discord.Interaction[Any],
        dailies: discord.TextChannel | discord.ForumChannel | None = None,
        premieres: discord.TextChannel | None = None,
        showrunner: discord.Role | None = None,
        crew: discord.Role | None = None,
        language: Choice[str] | None = None,
        forget: Choice[str] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        db = bot_of(interaction).db
        changes = {
            "dailies_channel_id": dailies.id if dailies else None,
            "premieres_channel_id": premieres.id if premieres else None,
            "showrunner_role_id": showrunner.id if showrunner else None,
            "crew_role_id": crew.id if crew else None,
            "locale": language.value if language else None,
        }
        changed = any(value is not None for value in changes.values()) or forget is not None
        if forget is not None:
            await clear_settings(db, interaction.guild_id, forget.value)
        settings = await update_settings(db, interaction.guild_id, **changes)
        interaction.extras.pop("locale", None)
        locale = await locale_of(interaction)
        await interaction.response.send_message(
            t("setup.saved" if changed else "setup.current", locale),
            embed=settings_embed(settings, locale),
            ephemeral=True,
        )
