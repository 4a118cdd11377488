"""What the sandbox Discord knows: guilds, channels, members, messages, commands, interactions.

Plain objects, no I/O. The server layers (rest, gateway, driver) read and change them; a change
that a connected bot should hear about is announced through :meth:`SandboxState.notify`, which the
server turns into a gateway event. State outlives any bot connection, as on real Discord.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import discord

DISCORD_EPOCH_MS = 1420070400000
MIB = 1024 * 1024
# Per-file upload limit by boost tier (discord-platform.md: tier 0/1 10 MiB, 2 50 MiB, 3 100 MiB).
UPLOAD_LIMITS = {0: 10 * MIB, 1: 10 * MIB, 2: 50 * MIB, 3: 100 * MIB}
ALL_PERMISSIONS = discord.Permissions.all().value
ADMINISTRATOR = discord.Permissions(administrator=True).value
MENTION_EVERYONE = discord.Permissions(mention_everyone=True).value
# A new server's @everyone: general + text permissions, without the moderation ones.
DEFAULT_EVERYONE = (
    discord.Permissions.general() | discord.Permissions.text()
).value & ~discord.Permissions(
    manage_channels=True,
    manage_guild=True,
    manage_roles=True,
    manage_webhooks=True,
    manage_expressions=True,
    view_audit_log=True,
    manage_messages=True,
    manage_threads=True,
    view_guild_insights=True,
).value
DEFAULT_BOT = (discord.Permissions.general() | discord.Permissions.text()).value | (
    discord.Permissions(manage_events=True, create_events=True).value
)
INTERACTION_ACK_DEADLINE = 3.0  # seconds
INTERACTION_TOKEN_LIFETIME = 15 * 60.0

Perms = int | discord.Permissions


def _perm_value(p: Perms) -> int:
    return p.value if isinstance(p, discord.Permissions) else int(p)


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt is not None else None


class Snowflakes:
    """Time-based 64-bit ids, so ``created_at`` is sane (discord-wire.md pitfall 13)."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def next(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._counter) & 0x3FFFFF)


@dataclass(eq=False)
class User:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None
    avatar: str | None = None

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass(eq=False)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    mentionable: bool = False
    managed: bool = False
    hoist: bool = False

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"


@dataclass(eq=False)
class Member:
    user: User
    guild: Guild
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    locale: str = "en-US"
    extra_permissions: int = 0
    joined_at: datetime = field(default_factory=utcnow)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def mention(self) -> str:
        return self.user.mention

    @property
    def permissions(self) -> int:
        """Guild-level permissions: @everyone | roles | extras; owner and admins get all."""
        if self.user.id == self.guild.owner_id:
            return ALL_PERMISSIONS
        value = self.guild.everyone.permissions | self.extra_permissions
        for rid in self.roles:
            role = self.guild.roles.get(rid)
            if role is not None:
                value |= role.permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value


@dataclass(eq=False)
class Channel:
    """A guild channel: text (0), forum (15) or a thread (11 public, 12 private)."""

    id: int
    guild: Guild
    name: str
    type: int = 0
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    owner_id: int | None = None
    messages: list[Message] = field(default_factory=list)
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    created_at: datetime = field(default_factory=utcnow)
    applied_tags: list[int] = field(default_factory=list)
    available_tags: list[dict[str, Any]] = field(default_factory=list)
    rate_limit_per_user: int = 0
    flags: int = 0

    @property
    def is_thread(self) -> bool:
        return self.type in (10, 11, 12)

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    @property
    def last_message_id(self) -> int | None:
        return self.messages[-1].id if self.messages else None

    @property
    def threads(self) -> list[Channel]:
        return [c for c in self.guild.channels.values() if c.parent_id == self.id and c.is_thread]


@dataclass(eq=False)
class Attachment:
    id: int
    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(eq=False)
class PollAnswer:
    answer_id: int
    text: str
    emoji: dict[str, Any] | None = None


@dataclass(eq=False)
class Poll:
    question: str
    answers: list[PollAnswer]
    expiry: datetime
    allow_multiselect: bool = False
    layout_type: int = 1
    finalized: bool = False
    votes: dict[int, set[int]] = field(default_factory=dict)  # answer_id -> user ids

    def count(self, answer_id: int) -> int:
        return len(self.votes.get(answer_id, set()))


@dataclass(eq=False)
class Message:
    id: int
    channel: Channel
    author: User
    content: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    poll: Poll | None = None
    thread: Channel | None = None
    created_at: datetime = field(default_factory=utcnow)
    edited_at: datetime | None = None
    mentions: list[int] = field(default_factory=list)
    mention_roles: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    allowed_mentions: dict[str, Any] | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction: Interaction | None = None
    message_reference: dict[str, Any] | None = None
    tts: bool = False
    nonce: str | None = None
    deleted: bool = False
    pinned: bool = False

    @property
    def edited(self) -> bool:
        return self.edited_at is not None

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & 64)

    @property
    def guild(self) -> Guild:
        return self.channel.guild

    def custom_ids(self) -> list[str]:
        """Every ``custom_id`` in the message's components, nested ones included."""
        out: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if "custom_id" in node:
                    out.append(str(node["custom_id"]))
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.components)
        return out


@dataclass(eq=False)
class Command:
    id: int
    application_id: int
    guild_id: int | None
    data: dict[str, Any]
    version: int

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def type(self) -> int:
        return int(self.data.get("type") or 1)


@dataclass(eq=False)
class ScheduledEvent:
    id: int
    guild_id: int
    creator_id: int
    data: dict[str, Any]


@dataclass(eq=False)
class Interaction:
    """One interaction the sandbox dispatched and everything the bot answered to it."""

    id: int
    token: str
    type: int
    guild: Guild | None
    channel: Channel
    member: Member
    data: dict[str, Any]
    message: Message | None = None
    dispatched_at: float = field(default_factory=time.monotonic)
    ack_type: int | None = None
    acked_at: float | None = None
    ephemeral: bool = False
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)
    modal: dict[str, Any] | None = None
    choices: list[dict[str, Any]] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)  # error answers the bot received
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    replied: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def ack_latency(self) -> float | None:
        return None if self.acked_at is None else self.acked_at - self.dispatched_at


class Guild:
    """A server. ``add_*`` announce the change so a connected bot's cache follows it."""

    def __init__(
        self,
        state: SandboxState,
        gid: int,
        name: str,
        *,
        locale: str,
        premium_tier: int,
        owner_id: int,
    ) -> None:
        self.state = state
        self.id = gid
        self.name = name
        self.locale = locale
        self.premium_tier = premium_tier
        self.owner_id = owner_id
        self.features: list[str] = ["COMMUNITY"]
        self.roles: dict[int, Role] = {gid: Role(gid, gid, "@everyone", DEFAULT_EVERYONE)}
        self.channels: dict[int, Channel] = {}
        self.members: dict[int, Member] = {}
        self.scheduled_events: dict[int, ScheduledEvent] = {}
        self.commands: dict[int, Command] = {}

    def __repr__(self) -> str:
        return f"<sandbox Guild {self.id} {self.name!r}>"

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    @property
    def upload_limit(self) -> int:
        return UPLOAD_LIMITS.get(self.premium_tier, UPLOAD_LIMITS[0])

    @property
    def me(self) -> Member:
        return self.members[self.state.bot_user.id]

    def add_role(
        self, name: str, *, permissions: Perms = 0, mentionable: bool = False, color: int = 0
    ) -> Role:
        role = Role(
            self.state.ids.next(),
            self.id,
            name,
            _perm_value(permissions),
            position=len(self.roles),
            color=color,
            mentionable=mentionable,
        )
        self.roles[role.id] = role
        self.state.notify("role_create", role)
        return role

    def add_channel(
        self, name: str, *, type: int = 0, topic: str | None = None, parent: Channel | None = None
    ) -> Channel:
        chan = Channel(
            self.state.ids.next(),
            self,
            name,
            type=type,
            position=len(self.channels),
            topic=topic,
            parent_id=parent.id if parent else None,
        )
        if type == 15:
            chan.available_tags = []
        self.channels[chan.id] = chan
        self.state.channels[chan.id] = chan
        self.state.notify("channel_create", chan)
        return chan

    def add_member(
        self,
        username: str,
        *,
        roles: list[Role] | None = None,
        locale: str = "en-US",
        permissions: Perms = 0,
        bot: bool = False,
        nick: str | None = None,
        user: User | None = None,
    ) -> Member:
        if user is None:
            user = self.state.create_user(username, bot=bot)
        member = Member(
            user,
            self,
            roles=[r.id for r in roles or []],
            nick=nick,
            locale=locale,
            extra_permissions=_perm_value(permissions),
        )
        self.members[user.id] = member
        self.state.notify("member_add", member)
        return member

    def channel(self, name: str) -> Channel:
        """The channel (or thread) called ``name``; KeyError when there is none."""
        for chan in self.channels.values():
            if chan.name == name:
                return chan
        raise KeyError(name)

    def member(self, name: str) -> Member:
        for m in self.members.values():
            if m.user.username == name:
                return m
        raise KeyError(name)

    def add_thread(self, parent: Channel, name: str, owner: User, *, type: int = 11) -> Channel:
        thread = Channel(
            self.state.ids.next(), self, name, type=type, parent_id=parent.id, owner_id=owner.id
        )
        self.channels[thread.id] = thread
        self.state.channels[thread.id] = thread
        return thread


Listener = Callable[[str, Any], None]


class SandboxState:
    """Everything at once: the application, its bot user, guilds and the message index."""

    def __init__(self, *, bot_name: str = "Dailies") -> None:
        self.ids = Snowflakes()
        self.token = "sandbox." + secrets.token_urlsafe(24)
        self.application_id = self.ids.next()
        self.users: dict[int, User] = {}
        self.bot_user = User(self.application_id, bot_name, bot=True)
        self.users[self.bot_user.id] = self.bot_user
        self.owner = self.create_user("sandbox-owner")
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.global_commands: dict[int, Command] = {}
        self.interactions: dict[int, Interaction] = {}
        self.interactions_by_token: dict[str, Interaction] = {}
        self.command_version = itertools.count(1)
        # Discord's 3 s; tests of the late path may shorten it to stay fast.
        self.ack_deadline = INTERACTION_ACK_DEADLINE
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def notify(self, kind: str, obj: Any) -> None:
        for listener in list(self._listeners):
            listener(kind, obj)

    def create_user(self, username: str, *, bot: bool = False) -> User:
        user = User(self.ids.next(), username, bot=bot)
        self.users[user.id] = user
        return user

    def create_guild(
        self,
        name: str,
        *,
        locale: str = "en-US",
        premium_tier: int = 0,
        bot_permissions: Perms = DEFAULT_BOT,
    ) -> Guild:
        """A guild with @everyone, #general, the owner and the bot as members."""
        guild = Guild(
            self,
            self.ids.next(),
            name,
            locale=locale,
            premium_tier=premium_tier,
            owner_id=self.owner.id,
        )
        self.guilds[guild.id] = guild
        general = Channel(self.ids.next(), guild, "general")
        guild.channels[general.id] = general
        self.channels[general.id] = general
        guild.members[self.owner.id] = Member(self.owner, guild)
        bot_role = Role(
            self.ids.next(), guild.id, self.bot_user.username, _perm_value(bot_permissions), 1
        )
        bot_role.managed = True
        guild.roles[bot_role.id] = bot_role
        guild.members[self.bot_user.id] = Member(self.bot_user, guild, roles=[bot_role.id])
        self.notify("guild_create", guild)
        return guild

    def commands_for(self, guild: Guild | None) -> list[Command]:
        """Guild commands first (they win on a name clash in the client too), then global."""
        out = list(guild.commands.values()) if guild else []
        return out + list(self.global_commands.values())

    def new_message_id(self) -> int:
        return self.ids.next()

    def expires(self, hours: float) -> datetime:
        return utcnow() + timedelta(hours=hours)
