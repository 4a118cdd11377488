"""View helpers for commands/: the safe bases, member-owned views, restart-proof custom ids.

Rules of thumb (invariant 8):
- A button that must work after a restart is a ``SafeDynamicItem`` whose custom id carries the
  ids it acts on (``custom_id("character", 12, "history")`` -> ``"dailies:character:12:history"``)
  and whose callback reloads everything from storage, scoped by ``interaction.guild_id``.
- A short-lived helper view (a confirm button) is an ``OwnedView``: only the member who ran the
  command may press it, and it greys itself out when it times out.
- A form (modal) that must survive a restart gets a ``form_id`` (the ids it acts on plus a nonce,
  so two members' forms never share one) and a route: when the bot restarted while the member was
  typing, its modal object is gone, and ``route_orphan_form`` hands the submitted values to the
  same handler the modal's ``on_submit`` uses.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import discord

from bot.errors import (
    SafeDynamicItem,
    SafeLayoutView,
    SafeModal,
    SafeView,
    interaction_error_handler,
)
from storage.errors import NotAllowed

__all__ = (
    "CUSTOM_ID_PREFIX",
    "FormHandler",
    "OwnedView",
    "SafeDynamicItem",
    "SafeLayoutView",
    "SafeModal",
    "SafeView",
    "custom_id",
    "form_id",
    "id_template",
    "modal_values",
    "route_orphan_form",
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


# --------------------------------------------------------------------------- forms

FormHandler = Callable[[discord.Interaction[Any], re.Match[str], dict[str, str]], Awaitable[None]]


def form_id(feature: str, *parts: int | str) -> str:
    """A modal custom id: ``dailies:<feature>:<parts>:<nonce>``; match it with
    ``id_template(feature, ..., r"[0-9a-f]+")``."""
    return custom_id(feature, *parts, secrets.token_hex(4))


def modal_values(data: Mapping[str, Any] | None) -> dict[str, str]:
    """``{text_input_custom_id: value}`` from a modal submit, rows or labels alike."""
    values: dict[str, str] = {}

    def walk(components: Any) -> None:
        for component in components or []:
            if component.get("type") == 1:
                walk(component.get("components"))
            elif component.get("type") == 18:
                walk([component.get("component") or {}])
            elif component.get("custom_id") is not None and "value" in component:
                values[str(component["custom_id"])] = str(component["value"])

    walk((data or {}).get("components"))
    return values


def _has_live_modal(interaction: discord.Interaction[Any], custom: str) -> bool:
    # discord.py keeps open modals by custom id; a modal from before a restart is not there.
    store = getattr(getattr(interaction.client, "_connection", None), "_view_store", None)
    modals = getattr(store, "_modals", None)
    return isinstance(modals, dict) and custom in modals


async def route_orphan_form(
    interaction: discord.Interaction[Any], routes: Mapping[re.Pattern[str], FormHandler]
) -> bool:
    """Answer a form submitted after a restart (call it from an ``on_interaction`` listener)."""
    if interaction.type is not discord.InteractionType.modal_submit or not interaction.data:
        return False
    custom = str(interaction.data.get("custom_id", ""))
    if _has_live_modal(interaction, custom):
        return False
    for pattern, handler in routes.items():
        match = pattern.fullmatch(custom)
        if match is None:
            continue
        try:
            await handler(interaction, match, modal_values(interaction.data))
        except Exception as error:
            await interaction_error_handler(interaction, error)
        return True
    return False
