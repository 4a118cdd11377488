"""``Sandbox``: the local Discord plus the hands of its members. See docs/sandbox.md.

This module holds the command side: slash commands, autocomplete and context menus, built
exactly as Discord would from the command tree the bot synced (option types, resolved
attachments/users/channels/roles, guild_id for guild commands, permissions, locales). Buttons,
selects, modals, polls and messages are in acting.py.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bot.sandbox import payloads
from bot.sandbox.acting import Acting, OptionValue
from bot.sandbox.ratelimit import RateLimits
from bot.sandbox.results import InteractionResult, SandboxUsageError
from bot.sandbox.state import Channel, Command, Guild, Member, Message, Perms


class Sandbox(Acting):
    """The local Discord plus the hands of its members."""

    def __init__(
        self,
        *,
        bot_name: str = "Dailies",
        ack_deadline: float = 3.0,
        rate_limits: RateLimits | None = None,
    ) -> None:
        super().__init__(bot_name=bot_name, rate_limits=rate_limits)
        self.state.ack_deadline = ack_deadline

    # -- setup -------------------------------------------------------------------------------

    def create_guild(
        self, name: str, *, locale: str = "en-US", premium_tier: int = 0, **kw: Any
    ) -> Guild:
        return self.state.create_guild(name, locale=locale, premium_tier=premium_tier, **kw)

    def commands(self, guild: Guild | None = None) -> list[Command]:
        return self.state.commands_for(guild)

    async def wait_for_command(
        self,
        name: str,
        guild: Guild | None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Command:
        """The synced chat-input command ``name`` (guild ones first), waiting for a sync."""
        deadline = time.monotonic() + timeout
        while True:
            for cmd in self.state.commands_for(guild):
                if cmd.name == name and cmd.type == 1:
                    return cmd
            if time.monotonic() > deadline:
                known = sorted(c.name for c in self.state.commands_for(guild))
                raise SandboxUsageError(f"no command /{name} synced; known: {known}")
            await asyncio.sleep(0.02)

    # -- slash commands and autocomplete -----------------------------------------------------

    async def _command_data(
        self,
        member: Member,
        path: str,
        options: dict[str, OptionValue],
        focused: str | None,
        force: bool = False,
    ) -> dict[str, Any]:
        words = path.strip().lstrip("/").split()
        if not words:
            raise SandboxUsageError("empty command path")
        cmd = await self.wait_for_command(words[0], member.guild)
        required = cmd.data.get("default_member_permissions")
        if required is not None and not force:
            needed = int(required)
            if member.permissions & needed != needed:
                raise SandboxUsageError(
                    f"{member.user.username} cannot see /{cmd.name}: Discord hides it from members "
                    f"without permissions {needed} (pass force=True to send it anyway)"
                )
        # Walk down the subcommand path, build the leaf's options, then wrap them back up.
        chain: list[dict[str, Any]] = []
        defs: list[dict[str, Any]] = list(cmd.data.get("options") or [])
        for word in words[1:]:
            sub = next((o for o in defs if o.get("name") == word and o.get("type") in (1, 2)), None)
            if sub is None:
                names = [o.get("name") for o in defs if o.get("type") in (1, 2)]
                raise SandboxUsageError(f"/{cmd.name} has no subcommand {word!r}; has {names}")
            chain.append(sub)
            defs = list(sub.get("options") or [])
        if any(d.get("type") in (1, 2) for d in defs):
            names = [d.get("name") for d in defs]
            raise SandboxUsageError(f"/{path} needs a subcommand: one of {names}")
        resolved: dict[str, dict[str, Any]] = {}
        built = self._build_options(defs, options, resolved, focused)
        for sub in reversed(chain):
            built = [{"name": sub["name"], "type": sub["type"], "options": built}]
        data: dict[str, Any] = {"id": str(cmd.id), "name": cmd.name, "type": 1, "options": built}
        if resolved:
            data["resolved"] = resolved
        if cmd.guild_id is not None:
            data["guild_id"] = str(cmd.guild_id)
        return data

    def _build_options(
        self,
        defs: list[dict[str, Any]],
        given: dict[str, OptionValue],
        resolved: dict[str, dict[str, Any]],
        focused: str | None,
    ) -> list[dict[str, Any]]:
        by_name = {d["name"]: d for d in defs}
        unknown = set(given) - set(by_name)
        if unknown:
            raise SandboxUsageError(f"unknown options {sorted(unknown)}; known {sorted(by_name)}")
        out: list[dict[str, Any]] = []
        for d in defs:
            name = d["name"]
            if name not in given:
                if d.get("required") and focused is None:
                    raise SandboxUsageError(f"option {name!r} is required")
                continue
            value = given[name]
            otype = int(d["type"])
            if name == focused:
                out.append({"name": name, "type": otype, "value": str(value), "focused": True})
                continue
            choices = d.get("choices")
            if choices and value not in [c["value"] for c in choices]:
                raise SandboxUsageError(f"{value!r} is not a choice of {name!r}: {choices}")
            self._client_checks(d, value)
            out.append(
                {"name": name, "type": otype, "value": self._resolve(otype, value, resolved)}
            )
        return out

    @staticmethod
    def _client_checks(d: dict[str, Any], value: OptionValue) -> None:
        """What Discord's client refuses to send: out-of-range numbers, lengths, channel types."""
        name = d["name"]
        if isinstance(value, int | float) and not isinstance(value, bool):
            lo, hi = d.get("min_value"), d.get("max_value")
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise SandboxUsageError(f"{name!r} must be within {lo}..{hi}, got {value}")
        if isinstance(value, str) and int(d["type"]) == 3:
            lo, hi = d.get("min_length") or 0, d.get("max_length") or 6000
            if not lo <= len(value) <= hi:
                raise SandboxUsageError(f"{name!r} must be {lo}..{hi} characters long")
        kinds = d.get("channel_types")
        if kinds and isinstance(value, Channel) and value.type not in kinds:
            raise SandboxUsageError(f"{name!r} takes channel types {kinds}, not {value.type}")

    async def slash(
        self,
        member: Member,
        path: str,
        options: dict[str, OptionValue] | None = None,
        *,
        channel: Channel | None = None,
        force: bool = False,
    ) -> InteractionResult:
        """``member`` runs ``/path`` (``"character create"`` for subcommands) with ``options``.

        Like Discord's client, refuses what a member could not send (hidden command, option out
        of range...) with SandboxUsageError; ``force=True`` skips the permission check, as a
        modified client or a stale command list would.
        """
        data = await self._command_data(member, path, options or {}, None, force)
        return self._dispatch(member, 2, data, channel)

    async def autocomplete(
        self,
        member: Member,
        path: str,
        options: dict[str, OptionValue],
        *,
        focused: str,
        channel: Channel | None = None,
    ) -> list[dict[str, Any]]:
        """The choices the bot offers while ``member`` types ``options[focused]``."""
        data = await self._command_data(member, path, options, focused)
        res = self._dispatch(member, 4, data, channel)
        await res.acknowledged()
        return list(res.choices or [])

    # -- context menus -----------------------------------------------------------------------

    async def _context_command(self, name: str, kind: int, member: Member) -> Command:
        deadline = time.monotonic() + 5.0
        while True:
            for cmd in self.state.commands_for(member.guild):
                if cmd.name == name and cmd.type == kind:
                    return cmd
            if time.monotonic() > deadline:
                raise SandboxUsageError(f"no {'user' if kind == 2 else 'message'} command {name!r}")
            await asyncio.sleep(0.02)

    async def user_command(
        self, member: Member, name: str, target: Member, *, channel: Channel | None = None
    ) -> InteractionResult:
        """``member`` right-clicks ``target`` -> Apps -> ``name``."""
        cmd = await self._context_command(name, 2, member)
        data = self._context_data(cmd, target.id)
        data["resolved"] = {
            "users": {str(target.id): payloads.user(target.user)},
            "members": {str(target.id): payloads.member(target, with_user=False)},
        }
        return self._dispatch(member, 2, data, channel)

    async def message_command(
        self, member: Member, name: str, target: Message
    ) -> InteractionResult:
        """``member`` right-clicks the message ``target`` -> Apps -> ``name``."""
        cmd = await self._context_command(name, 3, member)
        data = self._context_data(cmd, target.id)
        data["resolved"] = {"messages": {str(target.id): payloads.message(target, self.origin)}}
        return self._dispatch(member, 2, data, target.channel)

    @staticmethod
    def _context_data(cmd: Command, target_id: int) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(cmd.id),
            "name": cmd.name,
            "type": cmd.type,
            "target_id": str(target_id),
        }
        if cmd.guild_id is not None:
            data["guild_id"] = str(cmd.guild_id)
        return data


__all__ = ["InteractionResult", "Perms", "Sandbox", "SandboxUsageError"]
