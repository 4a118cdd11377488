"""Bot REST routes on guilds and the application: reads, channels, commands, scheduled events."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord
from aiohttp import web

from bot.sandbox import payloads
from bot.sandbox.errors import (
    UNKNOWN_APPLICATION_COMMAND,
    UNKNOWN_GUILD_SCHEDULED_EVENT,
    UNKNOWN_MEMBER,
    UNKNOWN_ROLE,
    DiscordError,
    form_error,
    json_response,
    not_found,
)
from bot.sandbox.limits import check_command, check_command_list
from bot.sandbox.server import read_body
from bot.sandbox.state import Command, Guild, Member, Role, ScheduledEvent, utcnow

if TYPE_CHECKING:
    from bot.sandbox.server import SandboxServer

ENTITY_EXTERNAL = 3
# Discord's event lifecycle: scheduled -> active -> completed, or scheduled -> cancelled.
STATUS_MOVES = {1: (2, 4), 2: (3,)}
MANAGE_EVENTS = discord.Permissions(manage_events=True).value
CREATE_EVENTS = discord.Permissions(create_events=True).value
MANAGE_ROLES = discord.Permissions(manage_roles=True).value
MISSING_PERMISSIONS = 50013


def _parse_time(value: Any, field: str) -> datetime:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise form_error(field, "DATE_TIME_TYPE_PARSE", "Could not parse date.") from exc


def check_event(data: dict[str, Any]) -> None:
    """What Discord validates on a scheduled event (create, or the result of an edit)."""
    name = str(data.get("name") or "")
    if not 1 <= len(name) <= 100:
        raise form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    if len(str(data.get("description") or "")) > 1000:
        raise form_error("description", "BASE_TYPE_MAX_LENGTH", "Must be 1000 or fewer in length.")
    start = _parse_time(data.get("scheduled_start_time"), "scheduled_start_time")
    if start.tzinfo is None:
        raise form_error("scheduled_start_time", "DATE_TIME_TYPE_PARSE", "Timezone required.")
    if data.get("status", 1) == 1 and start < utcnow():
        raise form_error(
            "scheduled_start_time",
            "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
            "Cannot schedule event in the past.",
        )
    if int(data.get("entity_type") or 0) == ENTITY_EXTERNAL:
        location = (data.get("entity_metadata") or {}).get("location")
        if not location:
            raise form_error("entity_metadata.location", "BASE_TYPE_REQUIRED", "Required.")
        if not data.get("scheduled_end_time"):
            raise form_error("scheduled_end_time", "BASE_TYPE_REQUIRED", "Required.")
    if data.get("scheduled_end_time"):
        end = _parse_time(data["scheduled_end_time"], "scheduled_end_time")
        if end <= start:
            raise form_error(
                "scheduled_end_time", "GUILD_SCHEDULED_EVENT_END_BEFORE_START", "End before start."
            )


class GuildRoutes:
    def __init__(self, server: SandboxServer) -> None:
        self.s = server
        self.state = server.state

    def add(self, router: web.UrlDispatcher) -> None:
        p = "/api/v10"
        router.add_get(p + "/guilds/{gid}", self.get_guild)
        router.add_get(p + "/guilds/{gid}/channels", self.channels)
        router.add_post(p + "/guilds/{gid}/channels", self.create_channel)
        router.add_get(p + "/guilds/{gid}/roles", self.roles)
        router.add_get(p + "/guilds/{gid}/members", self.members)
        router.add_get(p + "/guilds/{gid}/members/{uid}", self.member)
        router.add_get(p + "/guilds/{gid}/threads/active", self.active_threads)
        router.add_get(p + "/guilds/{gid}/scheduled-events", self.events)
        router.add_post(p + "/guilds/{gid}/scheduled-events", self.create_event)
        router.add_get(p + "/guilds/{gid}/scheduled-events/{eid}", self.get_event)
        router.add_patch(p + "/guilds/{gid}/scheduled-events/{eid}", self.edit_event)
        router.add_delete(p + "/guilds/{gid}/scheduled-events/{eid}", self.delete_event)
        router.add_get(p + "/guilds/{gid}/scheduled-events/{eid}/users", self.event_users)
        for base in ("/applications/{aid}/commands", "/applications/{aid}/guilds/{gid}/commands"):
            router.add_get(p + base, self.list_commands)
            router.add_put(p + base, self.sync_commands)
            router.add_post(p + base, self.upsert_command)
            router.add_get(p + base + "/{cmd}", self.get_command)
            router.add_patch(p + base + "/{cmd}", self.edit_command)
            router.add_delete(p + base + "/{cmd}", self.delete_command)

    # -- reads -------------------------------------------------------------------------------

    async def get_guild(self, request: web.Request) -> web.Response:
        data = payloads.guild_create(self.s.guild(request.match_info["gid"]))
        for key in ("members", "channels", "threads", "presences", "voice_states"):
            data.pop(key, None)
        data["approximate_member_count"] = data["member_count"]
        return json_response(data)

    async def channels(self, request: web.Request) -> web.Response:
        guild = self.s.guild(request.match_info["gid"])
        chans = [payloads.channel(c) for c in guild.channels.values() if not c.is_thread]
        return json_response(chans)

    async def create_channel(self, request: web.Request) -> web.Response:
        guild = self.s.guild(request.match_info["gid"])
        body, _ = await read_body(request)
        name = str(body.get("name") or "")
        if not 1 <= len(name) <= 100:
            raise form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        kind = int(body.get("type") or 0)
        if kind not in (0, 15):
            raise form_error("type", "BASE_TYPE_CHOICES", "The sandbox makes text and forum only.")
        parent = self.state.channels.get(int(body["parent_id"])) if body.get("parent_id") else None
        chan = guild.add_channel(name, type=kind, topic=body.get("topic"), parent=parent)
        return json_response(payloads.channel(chan))

    async def roles(self, request: web.Request) -> web.Response:
        guild = self.s.guild(request.match_info["gid"])
        return json_response([payloads.role(r) for r in guild.roles.values()])

    async def members(self, request: web.Request) -> web.Response:
        guild = self.s.guild(request.match_info["gid"])
        after = int(request.query.get("after", 0))
        limit = min(int(request.query.get("limit", 1)), 1000)
        ms = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
        return json_response([payloads.member(m) for m in ms[:limit]])

    async def member(self, request: web.Request) -> web.Response:
        guild = self.s.guild(request.match_info["gid"])
        uid = request.match_info["uid"]
        member = guild.members.get(int(uid)) if uid.isdigit() else None
        if member is None:
            raise not_found(UNKNOWN_MEMBER, "Member")
        return json_response(payloads.member(member))

    async def active_threads(self, request: web.Request) -> web.Response:
        guild = self.s.guild(request.match_info["gid"])
        threads = [c for c in guild.channels.values() if c.is_thread and not c.archived]
        return json_response({"threads": [payloads.channel(t) for t in threads], "members": []})

    # -- scheduled events --------------------------------------------------------------------

    def _event(self, guild: Guild, eid: str) -> ScheduledEvent:
        event = guild.scheduled_events.get(int(eid)) if eid.isdigit() else None
        if event is None:
            raise not_found(UNKNOWN_GUILD_SCHEDULED_EVENT, "Guild Scheduled Event")
        return event

    async def events(self, request: web.Request) -> web.Response:
        guild = self.s.guild(request.match_info["gid"])
        return json_response([payloads.scheduled_event(e) for e in guild.scheduled_events.values()])

    async def create_event(self, request: web.Request) -> web.Response:
        guild = self.s.guild(request.match_info["gid"])
        body, _ = await read_body(request)
        data = {k: v for k, v in body.items() if v is not None}
        data.setdefault("status", 1)
        data.setdefault("privacy_level", 2)
        data.setdefault("description", None)
        data.setdefault("image", None)
        data.setdefault("scheduled_end_time", None)
        data.setdefault("entity_metadata", None)
        data.setdefault("channel_id", None)
        data.setdefault("entity_id", None)
        me = guild.me.permissions
        if not me & (MANAGE_EVENTS | CREATE_EVENTS):
            raise DiscordError(403, MISSING_PERMISSIONS, "Missing Permissions")
        check_event(data)
        event = ScheduledEvent(self.state.ids.next(), guild.id, self.state.bot_user.id, data)
        data["creator"] = payloads.user(self.state.bot_user)
        guild.scheduled_events[event.id] = event
        out = payloads.scheduled_event(event)
        self.s.gateway.dispatch("GUILD_SCHEDULED_EVENT_CREATE", out)
        self.state.notify("scheduled_event_create", event)
        return json_response(out)

    async def get_event(self, request: web.Request) -> web.Response:
        guild = self.s.guild(request.match_info["gid"])
        event = self._event(guild, request.match_info["eid"])
        return json_response(payloads.scheduled_event(event))

    async def edit_event(self, request: web.Request) -> web.Response:
        guild = self.s.guild(request.match_info["gid"])
        event = self._event(guild, request.match_info["eid"])
        body, _ = await read_body(request)
        merged = {**event.data, **body}
        new_status = int(body.get("status") or event.status)
        if new_status != event.status and new_status not in STATUS_MOVES.get(event.status, ()):
            raise form_error(
                "status",
                "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                f"Cannot go from status {event.status} to {new_status}",
            )
        if new_status == event.status == 1:
            check_event(merged)
        event.data = merged
        out = payloads.scheduled_event(event)
        self.s.gateway.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", out)
        return json_response(out)

    async def event_users(self, request: web.Request) -> web.Response:
        guild = self.s.guild(request.match_info["gid"])
        event = self._event(guild, request.match_info["eid"])
        limit = min(int(request.query.get("limit", 100)), 100)
        after = int(request.query.get("after", 0))
        before = int(request.query.get("before", 0)) or None
        ids = sorted(u for u in event.interested if u > after and (before is None or u < before))
        out = []
        for uid in ids[:limit]:
            entry: dict[str, Any] = {
                "guild_scheduled_event_id": str(event.id),
                "user": payloads.user(self.state.users[uid]),
            }
            member = guild.members.get(uid)
            if member is not None and request.query.get("with_member") in ("true", "1", "True"):
                entry["member"] = payloads.member(member)
            out.append(entry)
        return json_response(out)

    async def delete_event(self, request: web.Request) -> web.Response:
        guild = self.s.guild(request.match_info["gid"])
        event = self._event(guild, request.match_info["eid"])
        del guild.scheduled_events[event.id]
        self.s.gateway.dispatch("GUILD_SCHEDULED_EVENT_DELETE", payloads.scheduled_event(event))
        return web.Response(status=204)

    # -- application commands ----------------------------------------------------------------

    def _scope(self, request: web.Request) -> tuple[Guild | None, dict[int, Command]]:
        if request.match_info["aid"] != str(self.state.application_id):
            raise DiscordError(403, 50001, "Missing Access")
        if "gid" in request.match_info:
            guild = self.s.guild(request.match_info["gid"])
            return guild, guild.commands
        return None, self.state.global_commands

    def _make(self, guild: Guild | None, data: dict[str, Any], old: Command | None) -> Command:
        name = str(data.get("name") or "")
        if not 1 <= len(name) <= 32:
            raise form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
        cid = old.id if old is not None else self.state.ids.next()
        return Command(
            cid,
            self.state.application_id,
            guild.id if guild else None,
            dict(data),
            next(self.state.command_version),
        )

    @staticmethod
    def _find(commands: dict[int, Command], data: dict[str, Any]) -> Command | None:
        kind = int(data.get("type") or 1)
        for c in commands.values():
            if c.name == data.get("name") and c.type == kind:
                return c
        return None

    async def list_commands(self, request: web.Request) -> web.Response:
        _, commands = self._scope(request)
        return json_response([payloads.command(c) for c in commands.values()])

    async def sync_commands(self, request: web.Request) -> web.Response:
        guild, commands = self._scope(request)
        body, _ = await read_body(request)
        items = body.get("_list")
        if not isinstance(items, list):
            raise form_error("_", "BASE_TYPE_ARRAY", "Must be an array.")
        check_command_list(items)
        fresh = [self._make(guild, d, self._find(commands, d)) for d in items]
        commands.clear()
        commands.update({c.id: c for c in fresh})
        self.state.notify("commands_synced", guild)
        return json_response([payloads.command(c) for c in fresh])

    async def upsert_command(self, request: web.Request) -> web.Response:
        guild, commands = self._scope(request)
        body, _ = await read_body(request)
        check_command("_", body)
        old = self._find(commands, body)
        cmd = self._make(guild, body, old)
        commands[cmd.id] = cmd
        return json_response(payloads.command(cmd), status=200 if old else 201)

    def _command(self, commands: dict[int, Command], raw: str) -> Command:
        cmd = commands.get(int(raw)) if raw.isdigit() else None
        if cmd is None:
            raise not_found(UNKNOWN_APPLICATION_COMMAND, "application command")
        return cmd

    async def get_command(self, request: web.Request) -> web.Response:
        _, commands = self._scope(request)
        return json_response(payloads.command(self._command(commands, request.match_info["cmd"])))

    async def edit_command(self, request: web.Request) -> web.Response:
        guild, commands = self._scope(request)
        cmd = self._command(commands, request.match_info["cmd"])
        body, _ = await read_body(request)
        check_command("_", {**cmd.data, **body})
        new = self._make(guild, {**cmd.data, **body}, cmd)
        commands[new.id] = new
        return json_response(payloads.command(new))

    async def delete_command(self, request: web.Request) -> web.Response:
        _, commands = self._scope(request)
        cmd = self._command(commands, request.match_info["cmd"])
        del commands[cmd.id]
        return web.Response(status=204)


class RoleRoutes:
    """Creating roles and giving them to members, with Discord's hierarchy rule: the bot may only
    manage roles strictly below its own highest role, never @everyone or a managed role."""

    def __init__(self, server: SandboxServer) -> None:
        self.s = server
        self.state = server.state

    def add(self, router: web.UrlDispatcher) -> None:
        p = "/api/v10/guilds/{gid}"
        router.add_post(p + "/roles", self.create_role)
        router.add_put(p + "/members/{uid}/roles/{rid}", self.add_member_role)
        router.add_delete(p + "/members/{uid}/roles/{rid}", self.remove_member_role)

    def _may_manage(self, guild: Guild, role: Role | None) -> None:
        me = guild.me
        if not me.permissions & MANAGE_ROLES:
            raise DiscordError(403, MISSING_PERMISSIONS, "Missing Permissions")
        if role is not None and (
            role.id == guild.id or role.managed or role.position >= guild.top_position(me)
        ):
            raise DiscordError(403, MISSING_PERMISSIONS, "Missing Permissions")

    async def create_role(self, request: web.Request) -> web.Response:
        guild = self.s.guild(request.match_info["gid"])
        self._may_manage(guild, None)
        body, _ = await read_body(request)
        role = guild.add_role(
            str(body.get("name") or "new role")[:100],
            permissions=int(body.get("permissions") or 0),
            mentionable=bool(body.get("mentionable")),
            color=int(body.get("color") or 0),
        )
        return json_response(payloads.role(role))

    def _member_and_role(self, request: web.Request) -> tuple[Guild, Member, Role]:
        guild = self.s.guild(request.match_info["gid"])
        uid, rid = request.match_info["uid"], request.match_info["rid"]
        member = guild.members.get(int(uid)) if uid.isdigit() else None
        if member is None:
            raise not_found(UNKNOWN_MEMBER, "Member")
        role = guild.roles.get(int(rid)) if rid.isdigit() else None
        if role is None:
            raise not_found(UNKNOWN_ROLE, "Role")
        self._may_manage(guild, role)
        return guild, member, role

    def _member_updated(self, guild: Guild, member: Member) -> web.Response:
        self.s.gateway.dispatch(
            "GUILD_MEMBER_UPDATE", {**payloads.member(member), "guild_id": str(guild.id)}
        )
        return web.Response(status=204)

    async def add_member_role(self, request: web.Request) -> web.Response:
        guild, member, role = self._member_and_role(request)
        if role.id not in member.roles:
            member.roles.append(role.id)
        return self._member_updated(guild, member)

    async def remove_member_role(self, request: web.Request) -> web.Response:
        guild, member, role = self._member_and_role(request)
        if role.id in member.roles:
            member.roles.remove(role.id)
        return self._member_updated(guild, member)
