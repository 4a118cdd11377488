"""Who may do what, checked in code against the server's configured roles (invariant 7).

- showrunner: has the showrunner role from /setup, or Manage Server (or Administrator).
- crew: has the crew role if one is configured (otherwise every member is crew), or is a
  showrunner.

Discord's own ``default_permissions`` only hides a command; server admins can change that in
their Integrations settings, so every privileged path also calls one of these checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

import discord
from discord import app_commands

from storage.guilds import get_settings
from storage.models import GuildSettings

if TYPE_CHECKING:
    from bot.client import DailiesBot

T = TypeVar("T")
Need = Literal["showrunner", "crew", "manage_server"]


class MissingRole(app_commands.CheckFailure):
    """The member lacks the role a privileged action needs; shown as one polite sentence."""

    def __init__(self, need: Need, role_id: int | None = None) -> None:
        self.need: Need = need
        self.role_id = role_id
        super().__init__(f"needs {need} (role {role_id})")


def bot_of(interaction: discord.Interaction[Any]) -> DailiesBot:
    return cast("DailiesBot", interaction.client)


def _has_manage_server(interaction: discord.Interaction[Any]) -> bool:
    perms = interaction.permissions
    if perms.administrator or perms.manage_guild:
        return True
    user = interaction.user
    if isinstance(user, discord.Member):
        member_perms = user.guild_permissions
        return member_perms.administrator or member_perms.manage_guild
    return False


def _has_role(user: discord.User | discord.Member, role_id: int | None) -> bool:
    if role_id is None or not isinstance(user, discord.Member):
        return False
    return any(role.id == role_id for role in user.roles)


def is_showrunner(interaction: discord.Interaction[Any], settings: GuildSettings) -> bool:
    return _has_manage_server(interaction) or _has_role(
        interaction.user, settings.showrunner_role_id
    )


def is_crew(interaction: discord.Interaction[Any], settings: GuildSettings) -> bool:
    if settings.crew_role_id is None:
        return True
    return _has_role(interaction.user, settings.crew_role_id) or is_showrunner(
        interaction, settings
    )


async def _settings(interaction: discord.Interaction[Any]) -> GuildSettings:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return await get_settings(bot_of(interaction).db, interaction.guild_id)


async def ensure_showrunner(interaction: discord.Interaction[Any]) -> GuildSettings:
    """Raise ``MissingRole`` unless the member is a showrunner; returns the server's settings."""
    settings = await _settings(interaction)
    if not is_showrunner(interaction, settings):
        raise MissingRole("showrunner", settings.showrunner_role_id)
    return settings


async def ensure_crew(interaction: discord.Interaction[Any]) -> GuildSettings:
    """Raise ``MissingRole`` unless the member is crew; returns the server's settings."""
    settings = await _settings(interaction)
    if not is_crew(interaction, settings):
        raise MissingRole("crew", settings.crew_role_id)
    return settings


async def ensure_manage_server(interaction: discord.Interaction[Any]) -> None:
    if not _has_manage_server(interaction):
        raise MissingRole("manage_server")


def showrunner_only() -> Callable[[T], T]:
    """Runtime check for a command that showrunners use (stays visible to everyone)."""

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        await ensure_showrunner(interaction)
        return True

    return app_commands.check(predicate)


def crew_only() -> Callable[[T], T]:
    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        await ensure_crew(interaction)
        return True

    return app_commands.check(predicate)


def manage_server_only() -> Callable[[T], T]:
    """Hidden by Discord from members without Manage Server, and checked again at run time."""

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        await ensure_manage_server(interaction)
        return True

    def decorator(func: T) -> T:
        func = app_commands.default_permissions(manage_guild=True)(func)
        return app_commands.check(predicate)(func)

    return decorator
