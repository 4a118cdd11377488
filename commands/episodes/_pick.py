"""Autocomplete for episode, scene, shot, cast and location options, shared by /episode, /scene,
/shot and /board. One indexed, guild-scoped query each (storage/script_lookup.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.checks import bot_of
from storage.script_lookup import (
    Suggestion,
    suggest_cast,
    suggest_episodes,
    suggest_locations,
    suggest_scenes,
    suggest_shots,
)

log = logging.getLogger(__name__)
Suggest = Callable[[AsyncSession, int, str], Awaitable[list[Suggestion]]]


async def _choices(
    interaction: discord.Interaction[Any], suggest: Suggest, current: str
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    try:
        async with bot_of(interaction).db.session() as session:
            found = await suggest(session, interaction.guild_id, current[:100])
    except Exception:  # a failed suggestion list must not become an error popup
        log.exception("autocomplete failed (guild %s)", interaction.guild_id)
        return []
    return [app_commands.Choice(name=s.label, value=s.value) for s in found]


async def episode_choices(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    return await _choices(interaction, suggest_episodes, current)


async def scene_choices(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    return await _choices(interaction, suggest_scenes, current)


async def shot_choices(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    return await _choices(interaction, suggest_shots, current)


async def cast_choices(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    return await _choices(interaction, suggest_cast, current)


async def location_choices(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    return await _choices(interaction, suggest_locations, current)
