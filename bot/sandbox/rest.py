"""Bot REST routes on channels: login, messages, threads, forum posts, polls.

Guild-level routes (roles, members, commands, scheduled events) live in ``rest_guild``; the
interaction callback and webhooks in ``rest_interactions``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from aiohttp import web

from bot.sandbox import payloads, rest_guild
from bot.sandbox.errors import (
    CANNOT_EDIT_OTHER_USER_MESSAGE,
    MISSING_PERMISSIONS,
    POLL_EXPIRED,
    DiscordError,
    form_error,
    json_response,
)
from bot.sandbox.messages import apply_body, new_message
from bot.sandbox.server import read_body
from bot.sandbox.state import Channel, utcnow

if TYPE_CHECKING:
    from bot.sandbox.server import SandboxServer

CANNOT_SEND_IN_NON_TEXT = 50008
THREAD_ALREADY_CREATED = 160004
MISSING_ACCESS = 50001
_P = discord.Permissions
VIEW_CHANNEL = _P(view_channel=True).value
SEND_MESSAGES = _P(send_messages=True).value
SEND_IN_THREADS = _P(send_messages_in_threads=True).value
ATTACH_FILES = _P(attach_files=True).value
MANAGE_MESSAGES = _P(manage_messages=True).value
CREATE_PUBLIC_THREADS = _P(create_public_threads=True).value
CREATE_PRIVATE_THREADS = _P(create_private_threads=True).value
# Pinning: pin_messages (split from manage_messages in 2025) or manage_messages.
PIN_MESSAGES = _P(pin_messages=True).value | MANAGE_MESSAGES


def without_ephemeral(body: dict[str, Any]) -> dict[str, Any]:
    """Channel messages cannot be ephemeral: Discord ignores that flag outside interactions."""
    if body.get("flags") is not None and int(body["flags"]) & 64:
        return {**body, "flags": int(body["flags"]) & ~64}
    return body


def bot_may(chan: Channel, needed: int) -> int:
    """The bot's permissions in ``chan``; 403 like Discord when one of ``needed`` is missing."""
    perms = chan.permissions_for(chan.guild.me)
    if not perms & VIEW_CHANNEL:
        raise DiscordError(403, MISSING_ACCESS, "Missing Access")
    if perms & needed != needed:
        raise DiscordError(403, MISSING_PERMISSIONS, "Missing Permissions")
    return perms


def _no_content() -> web.Response:
    return web.Response(status=204)


class ChannelRoutes:
    def __init__(self, server: SandboxServer) -> None:
        self.s = server
        self.state = server.state

    def add(self, router: web.UrlDispatcher) -> None:
        p = "/api/v10"
        router.add_get(p + "/users/@me", self.me)
        router.add_get(p + "/oauth2/applications/@me", self.app_info)
        router.add_get(p + "/applications/@me", self.app_info)
        router.add_get(p + "/gateway", self.gateway_url)
        router.add_get(p + "/gateway/bot", self.gateway_bot)
        router.add_get(p + "/channels/{cid}", self.get_channel)
        router.add_get(p + "/channels/{cid}/messages", self.history)
        router.add_post(p + "/channels/{cid}/messages", self.send)
        router.add_get(p + "/channels/{cid}/messages/{mid}", self.fetch)
        router.add_patch(p + "/channels/{cid}/messages/{mid}", self.edit)
        router.add_delete(p + "/channels/{cid}/messages/{mid}", self.delete)
        router.add_post(p + "/channels/{cid}/typing", self.typing)
        router.add_put(p + "/channels/{cid}/messages/{mid}/reactions/{emoji}/@me", self.react)
        router.add_post(p + "/channels/{cid}/messages/{mid}/threads", self.thread_from_message)
        router.add_post(p + "/channels/{cid}/threads", self.thread_standalone)
        router.add_patch(p + "/channels/{cid}", self.edit_channel)
        router.add_post(p + "/channels/{cid}/polls/{mid}/expire", self.expire_poll)
        router.add_put(p + "/channels/{cid}/messages/pins/{mid}", self.pin)
        router.add_delete(p + "/channels/{cid}/messages/pins/{mid}", self.unpin)
        router.add_put(p + "/channels/{cid}/pins/{mid}", self.pin)
        router.add_delete(p + "/channels/{cid}/pins/{mid}", self.unpin)
        router.add_put(p + "/channels/{cid}/thread-members/{uid}", self.join_thread)
        router.add_delete(p + "/channels/{cid}/thread-members/{uid}", self.leave_thread)
        router.add_get(p + "/channels/{cid}/polls/{mid}/answers/{aid}", self.poll_voters)

    # -- login -------------------------------------------------------------------------------

    async def me(self, request: web.Request) -> web.Response:
        return json_response(payloads.client_user(self.state.bot_user))

    async def app_info(self, request: web.Request) -> web.Response:
        bot = self.state.bot_user
        return json_response(
            {
                "id": str(self.state.application_id),
                "name": bot.username,
                "description": "Dailies sandbox application",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": payloads.user(self.state.owner),
                "team": None,
                "flags": 0,
                "interactions_endpoint_url": None,
                "bot": payloads.user(bot),
                "approximate_guild_count": len(self.state.guilds),
            }
        )

    async def gateway_url(self, request: web.Request) -> web.Response:
        return json_response({"url": self.s.gateway_url})

    async def gateway_bot(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "url": self.s.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    # -- channels and messages ---------------------------------------------------------------

    async def get_channel(self, request: web.Request) -> web.Response:
        return json_response(payloads.channel(self.s.channel(request.match_info["cid"])))

    async def edit_channel(self, request: web.Request) -> web.Response:
        chan = self.s.channel(request.match_info["cid"])
        body, _ = await read_body(request)
        if "name" in body:
            chan.name = str(body["name"])
        if "topic" in body:
            chan.topic = body["topic"]
        if "archived" in body:
            chan.archived = bool(body["archived"])
        if "locked" in body:
            chan.locked = bool(body["locked"])
        if "applied_tags" in body:
            chan.applied_tags = [int(t) for t in body["applied_tags"] or []]
        event = "THREAD_UPDATE" if chan.is_thread else "CHANNEL_UPDATE"
        self.s.gateway.dispatch(event, payloads.channel(chan))
        return json_response(payloads.channel(chan))

    async def history(self, request: web.Request) -> web.Response:
        chan = self.s.channel(request.match_info["cid"])
        limit = min(int(request.query.get("limit", 50)), 100)
        msgs = list(chan.messages)
        if "before" in request.query:
            msgs = [m for m in msgs if m.id < int(request.query["before"])]
        if "after" in request.query:
            msgs = [m for m in msgs if m.id > int(request.query["after"])][:limit]
        newest_first = sorted(msgs, key=lambda m: m.id, reverse=True)[:limit]
        return json_response([payloads.message(m, self.s.origin) for m in newest_first])

    def _postable(self, chan: Channel) -> None:
        if chan.type not in (0, 5, 10, 11, 12):
            raise DiscordError(
                400, CANNOT_SEND_IN_NON_TEXT, "Cannot send messages in a non-text channel"
            )
        if chan.is_thread and chan.locked:
            raise DiscordError(403, MISSING_PERMISSIONS, "Missing Permissions")

    async def send(self, request: web.Request) -> web.Response:
        chan = self.s.channel(request.match_info["cid"])
        self._postable(chan)
        body, uploads = await read_body(request)
        body = without_ephemeral(body)
        needed = SEND_IN_THREADS if chan.is_thread else SEND_MESSAGES
        perms = bot_may(chan, needed | (ATTACH_FILES if uploads else 0))
        bot = self.state.bot_user
        msg = new_message(chan, bot, body, uploads, author_permissions=perms)
        self.s.store_message(msg)
        return self.s.json_message(msg)

    async def fetch(self, request: web.Request) -> web.Response:
        chan = self.s.channel(request.match_info["cid"])
        return self.s.json_message(self.s.message(chan, request.match_info["mid"]))

    async def edit(self, request: web.Request) -> web.Response:
        chan = self.s.channel(request.match_info["cid"])
        msg = self.s.message(chan, request.match_info["mid"])
        body, uploads = await read_body(request)
        if msg.author is not self.state.bot_user and set(body) - {"flags"}:
            raise DiscordError(
                403,
                CANNOT_EDIT_OTHER_USER_MESSAGE,
                "Cannot edit a message authored by another user",
            )
        apply_body(
            msg,
            body,
            uploads,
            limit=chan.guild.upload_limit,
            author_permissions=chan.permissions_for(chan.guild.me),
            editing=True,
        )
        self.s.message_updated(msg)
        return self.s.json_message(msg)

    async def delete(self, request: web.Request) -> web.Response:
        chan = self.s.channel(request.match_info["cid"])
        msg = self.s.message(chan, request.match_info["mid"])
        bot_may(chan, 0 if msg.author is self.state.bot_user else MANAGE_MESSAGES)
        self.s.delete_message(msg)
        return _no_content()

    async def typing(self, request: web.Request) -> web.Response:
        self.s.channel(request.match_info["cid"])
        return _no_content()

    async def react(self, request: web.Request) -> web.Response:
        chan = self.s.channel(request.match_info["cid"])
        self.s.message(chan, request.match_info["mid"])
        return _no_content()

    async def pin(self, request: web.Request) -> web.Response:
        chan = self.s.channel(request.match_info["cid"])
        msg = self.s.message(chan, request.match_info["mid"])
        if not bot_may(chan, 0) & PIN_MESSAGES:
            raise DiscordError(403, MISSING_PERMISSIONS, "Missing Permissions")
        msg.pinned = True
        self.s.message_updated(msg)
        return _no_content()

    async def unpin(self, request: web.Request) -> web.Response:
        chan = self.s.channel(request.match_info["cid"])
        msg = self.s.message(chan, request.match_info["mid"])
        if not bot_may(chan, 0) & PIN_MESSAGES:
            raise DiscordError(403, MISSING_PERMISSIONS, "Missing Permissions")
        msg.pinned = False
        self.s.message_updated(msg)
        return _no_content()

    def _thread_member(self, request: web.Request) -> tuple[Channel, int]:
        chan = self.s.channel(request.match_info["cid"])
        if not chan.is_thread:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        raw = request.match_info["uid"]
        uid = self.state.bot_user.id if raw == "@me" else int(raw) if raw.isdigit() else 0
        if uid not in chan.guild.members:
            raise DiscordError(404, 10007, "Unknown Member")
        return chan, uid

    async def join_thread(self, request: web.Request) -> web.Response:
        chan, uid = self._thread_member(request)
        chan.thread_members.add(uid)
        return _no_content()

    async def leave_thread(self, request: web.Request) -> web.Response:
        chan, uid = self._thread_member(request)
        chan.thread_members.discard(uid)
        return _no_content()

    # -- threads -----------------------------------------------------------------------------

    def _thread_created(self, thread: Channel) -> web.Response:
        data = payloads.thread_with_member(thread, self.state.bot_user.id)
        self.s.gateway.dispatch(
            "THREAD_CREATE", {**data, "guild_id": str(thread.guild.id), "newly_created": True}
        )
        self.state.notify("thread_create", thread)
        return json_response(data)

    @staticmethod
    def _thread_name(body: dict[str, Any]) -> str:
        name = str(body.get("name") or "")
        if not 1 <= len(name) <= 100:
            raise form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        return name

    async def thread_from_message(self, request: web.Request) -> web.Response:
        chan = self.s.channel(request.match_info["cid"])
        msg = self.s.message(chan, request.match_info["mid"])
        body, _ = await read_body(request)
        if msg.thread is not None:
            raise DiscordError(
                400, THREAD_ALREADY_CREATED, "A thread has already been created for this message"
            )
        if chan.is_thread or chan.type not in (0, 5):
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        bot_may(chan, CREATE_PUBLIC_THREADS)
        guild = chan.guild
        thread = Channel(
            msg.id,  # Discord reuses the starter message's id as the thread's
            guild,
            self._thread_name(body),
            type=11,
            parent_id=chan.id,
            owner_id=self.state.bot_user.id,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        guild.channels[thread.id] = thread
        self.state.channels[thread.id] = thread
        msg.thread = thread
        return self._thread_created(thread)

    async def thread_standalone(self, request: web.Request) -> web.Response:
        chan = self.s.channel(request.match_info["cid"])
        body, uploads = await read_body(request)
        name = self._thread_name(body)
        guild = chan.guild
        if chan.type == 15:
            return await self._forum_post(chan, name, body, uploads)
        if chan.type not in (0, 5):
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        private = int(body.get("type") or 11) == 12
        bot_may(chan, CREATE_PRIVATE_THREADS if private else CREATE_PUBLIC_THREADS)
        thread = guild.add_thread(chan, name, self.state.bot_user, type=int(body.get("type") or 11))
        thread.auto_archive_duration = int(body.get("auto_archive_duration") or 1440)
        return self._thread_created(thread)

    async def _forum_post(
        self, forum: Channel, name: str, body: dict[str, Any], uploads: list[Any]
    ) -> web.Response:
        message_body = without_ephemeral(dict(body.get("message") or {}))
        if body.get("poll"):
            message_body["poll"] = body["poll"]
        tags = [int(t) for t in body.get("applied_tags") or []]
        if len(tags) > 5:
            raise form_error(
                "applied_tags", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length."
            )
        known = {int(t["id"]) for t in forum.available_tags}
        if set(tags) - known:
            raise form_error("applied_tags", "INVALID_TAG", "Tag not found in this forum.")
        if forum.flags & (1 << 4) and not tags:
            raise form_error(
                "applied_tags", "REQUIRED_TAG", "A tag is required to create a forum post here."
            )
        guild = forum.guild
        perms = bot_may(forum, SEND_MESSAGES | (ATTACH_FILES if uploads else 0))
        # Validate the starter message before the thread exists, so a bad body leaves nothing.
        probe = Channel(0, guild, name, type=11, parent_id=forum.id)
        starter = new_message(
            probe,
            self.state.bot_user,
            message_body,
            uploads,
            author_permissions=perms,
        )
        thread = Channel(
            starter.id,
            guild,
            name,
            type=11,
            parent_id=forum.id,
            owner_id=self.state.bot_user.id,
            applied_tags=tags,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        guild.channels[thread.id] = thread
        self.state.channels[thread.id] = thread
        starter.channel = thread
        self._thread_created(thread)
        self.s.store_message(starter)
        data = payloads.thread_with_member(thread, self.state.bot_user.id)
        data["message"] = payloads.message(starter, self.s.origin)
        return json_response(data)

    # -- polls -------------------------------------------------------------------------------

    async def expire_poll(self, request: web.Request) -> web.Response:
        chan = self.s.channel(request.match_info["cid"])
        msg = self.s.message(chan, request.match_info["mid"])
        if msg.poll is None:
            raise DiscordError(400, 520001, "This message does not have a poll")
        if msg.author is not self.state.bot_user:
            raise DiscordError(403, MISSING_PERMISSIONS, "Missing Permissions")
        if msg.poll.finalized:
            raise DiscordError(400, POLL_EXPIRED, "Poll expired")
        msg.poll.finalized = True
        msg.poll.expiry = utcnow()
        self.s.message_updated(msg)
        return self.s.json_message(msg)

    async def poll_voters(self, request: web.Request) -> web.Response:
        chan = self.s.channel(request.match_info["cid"])
        msg = self.s.message(chan, request.match_info["mid"])
        if msg.poll is None:
            raise DiscordError(400, 520001, "This message does not have a poll")
        voters = sorted(msg.poll.votes.get(int(request.match_info["aid"]), set()))
        after = int(request.query.get("after", 0))
        limit = min(int(request.query.get("limit", 25)), 100)
        users = [self.state.users[u] for u in voters if u > after][:limit]
        return json_response({"users": [payloads.user(u) for u in users]})


def add_routes(router: web.UrlDispatcher, server: SandboxServer) -> None:
    ChannelRoutes(server).add(router)
    rest_guild.GuildRoutes(server).add(router)
    rest_guild.RoleRoutes(server).add(router)


async def unknown_route(request: web.Request) -> web.Response:
    raise DiscordError(404, 0, f"404: Not Found ({request.method} {request.path})")
