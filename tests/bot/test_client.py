"""The bot itself: how it connects, what it listens to, and the one error path."""

from __future__ import annotations

import logging
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.client import DailiesBot, bot_intents
from bot.views import OwnedView
from tests.helpers import Studio, message_text


def test_intents_are_slash_only() -> None:
    """No message content: the bot never reads members' messages."""
    intents = bot_intents()
    assert not intents.message_content
    assert intents.guilds and intents.members and intents.guild_messages
    assert intents.guild_polls and intents.guild_scheduled_events


async def test_startup_is_quick_and_loads_every_feature(studio: Studio) -> None:
    """Against the sandbox the bot is ready fast, with every feature's commands synced."""
    bot = studio.bot
    assert bot is not None
    assert bot.allowed_mentions is not None and bot.allowed_mentions.everyone is False
    assert {"commands.settings", "commands.series", "commands.characters"} <= set(
        bot.loaded_features
    )
    names = {c.name for c in studio.sandbox.commands()}
    assert {"setup", "series", "character", "location"} <= names
    print(f"startup to ready: {studio.startup_seconds[0]:.2f} s")
    assert studio.startup_seconds[0] < 10  # sanity, not a benchmark (see bench/)


async def test_unexpected_error_gives_an_error_id_and_logs_it(
    studio: Studio, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug answers the member privately with an error id, and the log has the traceback."""
    bot = studio.bot
    assert bot is not None

    @app_commands.command(name="explode", description="Raise on purpose")
    async def explode(interaction: discord.Interaction[Any]) -> None:
        raise ZeroDivisionError("boom")

    bot.tree.add_command(explode)
    await bot.tree.sync()
    caplog.set_level(logging.ERROR, logger="bot.errors")
    res = await studio.slash(studio.member, "explode")
    reply = await res.reply()
    assert res.ephemeral and "Something went wrong" in reply.content
    error_id = reply.content.split("`")[1]
    record = next(r for r in caplog.records if error_id in r.getMessage())
    assert record.exc_info is not None and "boom" in str(record.exc_info[1])
    assert f"user={studio.member.user.id}" in record.getMessage()
    assert "command=explode" in record.getMessage()


async def test_unexpected_error_after_defer_uses_the_follow_up(studio: Studio) -> None:
    """When the command already deferred, the error arrives as the follow-up."""
    bot = studio.bot
    assert bot is not None

    @app_commands.command(name="slowboom", description="Defer, then raise")
    async def slowboom(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(ephemeral=True)
        raise RuntimeError("late")

    bot.tree.add_command(slowboom)
    await bot.tree.sync()
    res = await studio.slash(studio.francophone, "slowboom")
    reply = await res.reply()
    assert res.deferred and res.ephemeral and "erreur" in reply.content


def test_bot_points_discord_py_at_the_configured_urls(studio: Studio) -> None:
    """REST and gateway go where the settings say (here: the sandbox)."""
    assert studio.sandbox.api_base == discord.http.Route.BASE
    assert isinstance(studio.bot, DailiesBot)


async def test_sync_guilds_registers_guild_commands_that_answer(studio: Studio) -> None:
    """With sync_guilds set, commands land on that server at once and work there."""
    await studio.stop_bot()
    studio.settings.discord.sync_guilds = [studio.server.id]
    await studio.start_bot()
    guild_commands = {c.name for c in studio.guild.commands.values()}
    assert {"setup", "character", "series"} <= guild_commands
    reply = await studio.reply(studio.member, "series show")
    assert reply.embeds[0]["title"] == "Nuit Blanche"


async def test_member_language_outside_en_fr_follows_the_server(studio: Studio) -> None:
    """A German member gets the server's language from /setup (French here), not English."""
    await studio.reply(studio.admin, "setup", {"language": "fr"})
    hans = studio.guild.add_member("hans", roles=[studio.server.crew_role], locale="de")
    reply = await studio.reply(hans, "character create", {"name": "Mara"})
    assert "rejoint la distribution" in message_text(reply)
    english = await studio.reply(studio.crew, "character show", {"character": "Mara"})
    assert "version 1" in message_text(english)


async def test_error_after_the_token_expired_goes_to_the_channel_without_pinging(
    studio: Studio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past Discord's 15 minutes the member is named in the channel, and nobody is pinged."""
    bot = studio.bot
    assert bot is not None

    @app_commands.command(name="late", description="Defer, then fail after the token is gone")
    async def late(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer()
        monkeypatch.setattr("bot.errors._token_expired", lambda interaction: True)
        raise ValueError("too late")

    bot.tree.add_command(late)
    await bot.tree.sync()
    await studio.slash(studio.crew, "late")
    posted = await studio.sandbox.wait_for_message(
        channel=studio.dailies, predicate=lambda m: "went wrong" in m.content
    )
    assert posted.content.startswith(f"<@{studio.crew.user.id}>")
    assert posted.mentions == [] and not posted.ephemeral


async def test_owned_view_refuses_other_members_politely(studio: Studio) -> None:
    """A SafeView refusal (someone else's buttons) reaches the member as one sentence."""
    bot = studio.bot
    assert bot is not None

    class Confirm(OwnedView):
        @discord.ui.button(label="Confirm", custom_id="test:confirm")
        async def confirm(
            self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]
        ) -> None:
            await interaction.response.send_message("confirmed", ephemeral=True)

    @app_commands.command(name="ask", description="A confirm button for the caller only")
    async def ask(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("Sure?", view=Confirm(interaction.user.id))

    bot.tree.add_command(ask)
    await bot.tree.sync()
    question = await studio.reply(studio.crew, "ask")
    other = await studio.sandbox.click(studio.francophone, question, "test:confirm")
    assert "quelqu'un d'autre" in (await other.reply()).content and other.ephemeral
    mine = await studio.sandbox.click(studio.crew, question, "test:confirm")
    assert (await mine.reply()).content == "confirmed"
