"""A small throwaway bot exercising what Dailies will do, built fresh for each connection."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands


class TakeButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"take:(?P<id>\d+):pick"):
    """A button that survives restarts: the take id lives in its custom id."""

    def __init__(self, take_id: int) -> None:
        super().__init__(
            discord.ui.Button(label=f"Pick take {take_id}", custom_id=f"take:{take_id}:pick")
        )
        self.take_id = take_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> TakeButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(
            f"{interaction.user.name} picked take {self.take_id}", ephemeral=True
        )


class NoteModal(discord.ui.Modal, title="Director's note"):
    note: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Note", custom_id="note")

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(
            f"Note saved: {self.note.value}", allowed_mentions=discord.AllowedMentions.none()
        )


class ShotSelect(discord.ui.View):
    @discord.ui.select(
        custom_id="shot-select",
        options=[discord.SelectOption(label=f"Shot {n}", value=str(n)) for n in (1, 2, 3)],
    )
    async def pick(
        self, interaction: discord.Interaction[Any], select: discord.ui.Select[Any]
    ) -> None:
        await interaction.response.edit_message(content=f"Shot {select.values[0]} selected")


def build_bot(guild_id: int, *, ack_delay: float = 0.0) -> commands.Bot:
    """The test bot; ``ack_delay`` makes /slow acknowledge late on purpose."""
    intents = discord.Intents.default()
    intents.members = True
    bot = commands.Bot(
        command_prefix="!", intents=intents, guild_ready_timeout=0.1, help_command=None
    )
    guild = discord.Object(guild_id)
    bot.events_seen: list[tuple[str, Any]] = []  # type: ignore[attr-defined]
    seen: list[tuple[str, Any]] = bot.events_seen  # type: ignore[attr-defined]

    async def setup_hook() -> None:
        bot.add_dynamic_items(TakeButton)
        await bot.tree.sync(guild=guild)
        await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]

    @bot.tree.command(name="ping", description="Health check", guild=guild)
    async def ping(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(f"pong {interaction.locale.value}")

    @bot.tree.command(name="secret", description="Ephemeral", guild=guild)
    async def secret(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("only you", ephemeral=True)

    character = app_commands.Group(name="character", description="Cast", guild_ids=[guild_id])

    @character.command(name="create", description="New character")
    @app_commands.describe(name="Name", image="Reference image")
    async def character_create(
        interaction: discord.Interaction[Any],
        name: str,
        image: discord.Attachment,
        age: int | None = None,
    ) -> None:
        data = await image.read()
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.05)
        await interaction.followup.send(
            f"{name} ({age}) has a {len(data)}-byte {image.content_type} reference",
            file=discord.File(__import__("io").BytesIO(data), filename=f"ref-{image.filename}"),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    bot.tree.add_command(character)

    async def shot_names(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        shots = ["1.1", "1.2", "2.1", "10.4"]
        return [
            app_commands.Choice(name=f"Shot {s}", value=s) for s in shots if s.startswith(current)
        ]

    @bot.tree.command(name="shot", description="Show a shot", guild=guild)
    @app_commands.autocomplete(shot=shot_names)
    async def shot(interaction: discord.Interaction[Any], shot: str) -> None:
        await interaction.response.send_message(f"Shot {shot}", view=ShotSelect())

    @bot.tree.command(name="takes", description="Post takes", guild=guild)
    async def takes(interaction: discord.Interaction[Any]) -> None:
        view = discord.ui.View(timeout=None)
        for take_id in (7, 8):
            view.add_item(TakeButton(take_id))
        await interaction.response.send_message("Takes for shot 1.1", view=view)

    @bot.tree.command(name="note", description="Leave a note", guild=guild)
    async def note(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(NoteModal())

    @bot.tree.command(name="say", description="Repeat text", guild=guild)
    async def say(interaction: discord.Interaction[Any], text: str, safe: bool = True) -> None:
        mentions = discord.AllowedMentions.none() if safe else discord.utils.MISSING
        await interaction.response.send_message(text, allowed_mentions=mentions)

    @bot.tree.command(name="slow", description="Acknowledges late", guild=guild)
    async def slow(interaction: discord.Interaction[Any]) -> None:
        await asyncio.sleep(ack_delay)
        try:
            await interaction.response.send_message("late")
        except discord.HTTPException as exc:
            seen.append(("slow_error", exc.code))

    @bot.tree.command(name="twice", description="Acknowledges twice", guild=guild)
    async def twice(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("once")
        try:
            await interaction.followup._adapter.create_interaction_response(  # type: ignore[attr-defined]
                interaction.id,
                interaction.token,
                session=interaction._session,
                proxy=None,
                proxy_auth=None,
                params=discord.http.handle_message_parameters(content="twice"),
            )
        except discord.HTTPException as exc:
            seen.append(("twice_error", exc.code))

    @bot.tree.command(name="global-ping", description="A global command")
    async def global_ping(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("global pong")

    @bot.event
    async def on_message(message: discord.Message) -> None:
        seen.append(("message", message.content))

    return bot
