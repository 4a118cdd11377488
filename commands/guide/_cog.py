"""/help: the production loop with its commands, the next step for this server, this member's
part. Command names are shown as the member's client shows them (French names in French)."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import bot_of, is_crew, is_showrunner
from bot.i18n import locale_of, t
from commands.guide import _strings  # noqa: F401  (registers the strings)
from storage.bible import current_series
from storage.errors import NotFound
from storage.guilds import get_settings
from storage.script_lookup import suggest_episodes

NO_MENTIONS = discord.AllowedMentions.none()
# (label key, command group, its subcommands; None: a top-level command)
STEPS: tuple[tuple[str, tuple[tuple[str, tuple[str, ...] | None], ...]], ...] = (
    ("help.step.bible", (("series", ("show", "create")), ("character", ("create", "show", "list")),
                         ("location", ("create", "show", "list")))),
    ("help.step.script", (("episode", ("import", "create", "show", "list")), ("scene", ("add",)),
                          ("shot", ("add", "show", "list", "edit", "move")),
                          ("board", ("episode",)))),
    ("help.step.takes", (("shot", ("queue", "perform")), ("queue", None),
                         ("job", ("status", "cancel", "retry")), ("budget", ("show",)))),
    ("help.step.dailies", (("dailies", ("status",)),)),
    ("help.step.cut", (("episode", ("cut", "recap", "export")),
                       ("premiere", ("schedule", "list", "move", "cancel")))),
)  # fmt: skip


def command(locale: str, group: str, subs: tuple[str, ...] | None = None) -> str:
    """``/shot queue`` as the member's client names it (``/plan générer`` in French)."""
    name = t(f"cmd.{group}.name", locale)
    if not subs:
        return f"`/{name}`"
    return f"`/{name} {'|'.join(t(f'cmd.{group}.{sub}.name', locale) for sub in subs)}`"


async def next_step(interaction: discord.Interaction[Any], locale: str) -> str:
    """What this server should do next: set up, create the show, write, or make takes."""
    assert interaction.guild_id is not None
    settings = await get_settings(bot_of(interaction).db, interaction.guild_id)
    if settings.dailies_channel_id is None:
        return t("help.next.setup", locale, setup=command(locale, "setup"))
    async with bot_of(interaction).db.session() as session:
        try:
            series = await current_series(session, interaction.guild_id)
        except NotFound:
            series = None
        episodes = await suggest_episodes(session, interaction.guild_id, "") if series else []
    if series is None:
        return t("help.next.series", locale, series=command(locale, "series", ("create",)),
                 character=command(locale, "character", ("create",)),
                 location=command(locale, "location", ("create",)))  # fmt: skip
    if not episodes:
        return t("help.next.episode", locale, import_=command(locale, "episode", ("import",)),
                 create=command(locale, "episode", ("create",)),
                 board=command(locale, "board", ("episode",)))  # fmt: skip
    return t("help.next.generate", locale, queue_takes=command(locale, "shot", ("queue",)),
             queue=command(locale, "queue"))  # fmt: skip


class GuideCog(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="help")
    @app_commands.guild_only()
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        """What Dailies does, and what to do next in this server"""
        assert interaction.guild_id is not None
        locale = await locale_of(interaction)
        settings = await get_settings(bot_of(interaction).db, interaction.guild_id)
        embed = discord.Embed(
            title=t("help.title", locale),
            description=t("help.intro", locale),
            colour=discord.Colour.blurple(),
        )
        embed.add_field(name=t("help.next", locale), value=await next_step(interaction, locale),
                        inline=False)  # fmt: skip
        lines = [
            " · ".join([t(label, locale), *(command(locale, g, subs) for g, subs in refs)])
            for label, refs in STEPS
        ]
        embed.add_field(name=t("help.steps", locale), value="\n".join(lines), inline=False)
        if is_showrunner(interaction, settings):
            you = "help.you.showrunner"
        elif is_crew(interaction, settings):
            you = "help.you.crew"
        else:
            you = "help.you.member"
        embed.add_field(name=t("help.you", locale), value=t(you, locale), inline=False)
        embed.set_footer(text=t("help.language", locale))
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
