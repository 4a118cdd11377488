"""View helpers for commands/: the safe bases, member-owned views, restart-proof custom ids.

Rules of thumb (invariant 8):
- A button that must work after a restart is a ``SafeDynamicItem`` whose custom id carries the
  ids it acts on (``custom_id("character", 12, "history")`` -> ``"dailies:character:12:history"``)
  and whose callback reloads everything from storage, scoped by ``interaction.guild_id``.
- A short-lived helper view (a confirm button) is an ``OwnedView``: only the member who ran the
  command may press it, and it greys itself out when it times out.
"""

from __future__ import annotations

import contextlib
from typing import Any

import discord

from bot.errors import SafeDynamicItem, SafeLayoutView, SafeModal, SafeView
from storage.errors import NotAllowed

__all__ = (
    "CUSTOM_ID_PREFIX",
    "OwnedView",
    "SafeDynamicItem",
    "SafeLayoutView",
    "SafeModal",
    "SafeView",
    "custom_id",
    "id_template",
)

CUSTOM_ID_PREFIX = "dailies"


def custom_id(feature: str, *parts: int | str) -> str:
    """``dailies:<feature>:<part>:<part>`` (Discord allows 100 characters)."""
    value = ":".join([CUSTOM_ID_PREFIX, feature, *map(str, parts)])
    if len(value) > 100:
        raise ValueError(f"custom id too long: {value!r}")
    return value


def id_template(feature: str, *parts: str) -> str:
    """The regex for ``custom_id``: ``id_template("character", r"(?P<id>[0-9]+)", "history")``."""
    return ":".join([CUSTOM_ID_PREFIX, feature, *parts])


class OwnedView(SafeView):
    """Only ``owner_id`` may use it; greyed out when it times out."""

    def __init__(self, owner_id: int, *, timeout: float | None = 600) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: discord.Message | discord.InteractionMessage | None = None

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.user.id != self.owner_id:
            raise NotAllowed("error.not_yours")
        return True

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True
        if self.message is not None:
            # The message may be gone or the token expired: then there is nothing to grey out.
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(view=self)
