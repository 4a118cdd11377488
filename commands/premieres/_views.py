"""The "Notify me" button under a premiere announcement: toggles the server's viewers role.

The role is the one premieres ping (``GuildSettings.viewers_role_id``). The first press creates
it ("Premiere viewers", mentionable, no permissions) when the server has none, so a showrunner has
nothing to set up; a server that would rather use its own role can replace it: the bot keeps
whatever id is stored. The custom id carries nothing but the feature (one role per server), so
the button keeps working after restarts (invariant 8).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.checks import bot_of
from bot.i18n import locale_of, t
from bot.views import SafeDynamicItem, custom_id, id_template
from storage import premieres as store
from storage.errors import NotAllowed

log = logging.getLogger(__name__)
ROLE_NAME = "Premiere viewers"


async def viewers_role(interaction: discord.Interaction[Any]) -> discord.Role:
    """The server's viewers role, created on first use when the bot may manage roles."""
    guild = interaction.guild
    assert guild is not None
    bot = bot_of(interaction)
    async with bot.db.session() as session:
        role_id = await store.viewers_role(session, guild.id)
    role = guild.get_role(role_id or 0)
    if role is not None:
        return role
    try:
        role = await guild.create_role(
            name=ROLE_NAME,
            mentionable=True,
            permissions=discord.Permissions.none(),
            reason="Dailies: members who asked to be pinged at premieres",
        )
    except discord.Forbidden:
        raise NotAllowed("premiere.notify.no_role") from None
    async with bot.db.session() as session:
        await store.set_viewers_role(session, guild.id, role.id)
    log.info("created the viewers role %s in guild %s", role.id, guild.id)
    return role


class NotifyButton(
    SafeDynamicItem[discord.ui.Button[Any]],
    template=id_template("premiere", "notify"),
):
    def __init__(self, label: str = "🔔 Notify me") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.primary,
                custom_id=custom_id("premiere", "notify"),
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
        match: re.Match[str], /,
    ) -> NotifyButton:  # fmt: skip
        return cls()

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        member = interaction.user
        if not isinstance(member, discord.Member):
            raise NotAllowed("premiere.notify.no_role")
        locale = await locale_of(interaction)
        role = await viewers_role(interaction)
        try:
            if any(r.id == role.id for r in member.roles):
                await member.remove_roles(role, reason="Dailies: premiere pings off")
                text = t("premiere.notify.off", locale)
            else:
                await member.add_roles(role, reason="Dailies: premiere pings on")
                text = t("premiere.notify.on", locale, role=role.name)
        except discord.Forbidden:
            raise NotAllowed("premiere.notify.no_role") from None
        await interaction.response.send_message(
            text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )
