"""What the sandbox Discord knows: guilds and the application, over the objects in ``objects.py``.

No I/O. The server layers (rest, gateway, driver) read and change it; a change that a connected
bot should hear about is announced through :meth:`SandboxState.notify`, which the server turns
into a gateway event. State outlives any bot connection, as on real Discord.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.sandbox.objects import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    DEFAULT_BOT,
    DEFAULT_EVERYONE,
    INTERACTION_ACK_DEADLINE,
    INTERACTION_TOKEN_LIFETIME,
    MENTION_EVERYONE,
    UPLOAD_LIMITS,
    Attachment,
    Channel,
    Command,
    Interaction,
    Member,
    Message,
    Perms,
    Poll,
    PollAnswer,
    Role,
    ScheduledEvent,
    Snowflakes,
    User,
    iso,
    perm_value,
    utcnow,
)

REQUIRE_TAG = 1 << 4  # forum channel flag

__all__ = [
    "ADMINISTRATOR",
    "ALL_PERMISSIONS",
    "DEFAULT_BOT",
    "DEFAULT_EVERYONE",
    "INTERACTION_ACK_DEADLINE",
    "INTERACTION_TOKEN_LIFETIME",
    "MENTION_EVERYONE",
    "UPLOAD_LIMITS",
    "Attachment",
    "Channel",
    "Command",
    "Guild",
    "Interaction",
    "Member",
    "Message",
    "Perms",
    "Poll",
    "PollAnswer",
    "Role",
    "SandboxState",
    "ScheduledEvent",
    "Snowflakes",
    "User",
    "iso",
    "perm_value",
    "utcnow",
]


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
        self,
        name: str,
        *,
        permissions: Perms = 0,
        mentionable: bool = False,
        color: int = 0,
        above_bot: bool = False,
    ) -> Role:
        """A role below the bot's own (so the bot may assign it), or above it with ``above_bot``."""
        top = len(self.roles)
        role = Role(
            self.state.ids.next(),
            self.id,
            name,
            perm_value(permissions),
            position=top,
            color=color,
            mentionable=mentionable,
        )
        bot_role = self.bot_role
        if bot_role is not None and not above_bot:
            role.position, bot_role.position = bot_role.position, top
        self.roles[role.id] = role
        self.state.notify("role_create", role)
        return role

    @property
    def bot_role(self) -> Role | None:
        me = self.members.get(self.state.bot_user.id)
        managed = [self.roles[r] for r in me.roles if r in self.roles] if me else []
        return managed[0] if managed else None

    def top_position(self, member: Member) -> int:
        return max((self.roles[r].position for r in member.roles if r in self.roles), default=0)

    def add_channel(
        self,
        name: str,
        *,
        type: int = 0,
        topic: str | None = None,
        parent: Channel | None = None,
        tags: list[str] | None = None,
        require_tag: bool = False,
    ) -> Channel:
        """A text (0) or forum (15) channel; forums take ``tags`` and ``require_tag``."""
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
            chan.available_tags = [
                {
                    "id": str(self.state.ids.next()),
                    "name": tag,
                    "moderated": False,
                    "emoji_id": None,
                    "emoji_name": None,
                }
                for tag in tags or []
            ]
            chan.flags = REQUIRE_TAG if require_tag else 0
        self.channels[chan.id] = chan
        self.state.channels[chan.id] = chan
        self.state.notify("channel_create", chan)
        return chan

    def tag_id(self, forum: Channel, name: str) -> int:
        """The id of the forum tag called ``name``."""
        return next(int(t["id"]) for t in forum.available_tags if t["name"] == name)

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
            extra_permissions=perm_value(permissions),
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
            self.ids.next(), guild.id, self.bot_user.username, perm_value(bot_permissions), 1
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
