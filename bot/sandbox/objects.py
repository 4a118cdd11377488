"""The things a sandbox guild holds: users, roles, members, channels, messages, polls, commands,
scheduled events and interactions. Plain dataclasses, no I/O; ``state.py`` ties them together.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import discord

if TYPE_CHECKING:
    from bot.sandbox.state import Guild

DISCORD_EPOCH_MS = 1420070400000
MIB = 1024 * 1024
# Per-file upload limit by boost tier (discord-platform.md: tier 0/1 10 MiB, 2 50 MiB, 3 100 MiB).
UPLOAD_LIMITS = {0: 10 * MIB, 1: 10 * MIB, 2: 50 * MIB, 3: 100 * MIB}
ALL_PERMISSIONS = discord.Permissions.all().value
ADMINISTRATOR = discord.Permissions(administrator=True).value
MENTION_EVERYONE = discord.Permissions(mention_everyone=True).value
VIEW_CHANNEL = discord.Permissions(view_channel=True).value
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


def perm_value(p: Perms) -> int:
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
    # Permission overwrites: target id -> (type 0 role / 1 member, allow bits, deny bits).
    overwrites: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    thread_members: set[int] = field(default_factory=set)

    def set_permissions(self, target: Role | Member, *, allow: Perms = 0, deny: Perms = 0) -> None:
        """A permission overwrite, as a server admin sets it in the channel's settings."""
        kind = 1 if isinstance(target, Member) else 0
        self.overwrites[target.id] = (kind, perm_value(allow), perm_value(deny))
        self.guild.state.notify("channel_update", self)

    def permissions_for(self, member: Member) -> int:
        """Discord's resolution: guild permissions, then @everyone, role and member overwrites."""
        if self.is_thread and self.parent_id is not None:
            parent = self.guild.channels.get(self.parent_id)
            if parent is not None:
                return parent.permissions_for(member)
        base = member.permissions
        if base & ADMINISTRATOR:
            return ALL_PERMISSIONS
        everyone = self.overwrites.get(self.guild.id)
        if everyone is not None:
            base = (base & ~everyone[2]) | everyone[1]
        allow = deny = 0
        for rid in member.roles:
            ow = self.overwrites.get(rid)
            if ow is not None and ow[0] == 0:
                allow |= ow[1]
                deny |= ow[2]
        base = (base & ~deny) | allow
        mine = self.overwrites.get(member.id)
        if mine is not None and mine[0] == 1:
            base = (base & ~mine[2]) | mine[1]
        return base if base & VIEW_CHANNEL else 0

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
    interested: list[int] = field(default_factory=list)  # user ids, in the order they joined

    @property
    def status(self) -> int:
        """1 scheduled, 2 active, 3 completed, 4 cancelled."""
        return int(self.data.get("status") or 1)

    @property
    def name(self) -> str:
        return str(self.data.get("name") or "")


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
    token_expired: bool = False  # set by the driver to play "15 minutes later"
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    replied: asyncio.Event = field(default_factory=asyncio.Event)
    first_reply: Message | None = None  # the first message the member saw as the answer

    def mark_replied(self, msg: Message) -> None:
        if self.first_reply is None:
            self.first_reply = msg
        self.replied.set()

    @property
    def ack_latency(self) -> float | None:
        return None if self.acked_at is None else self.acked_at - self.dispatched_at
