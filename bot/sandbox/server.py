"""The sandbox's HTTP side: one aiohttp app on loopback serving REST, the gateway and attachments.

Every answer is Discord-shaped: errors are ``{code, message, errors}`` with Content-Type exactly
``application/json``; an unknown route is a 404 JSON; an emulator bug is logged and answered
with a 400 JSON, never a 500 (discord.py retries 5xx for ~25 s, discord-wire.md pitfall 10).
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Self

from aiohttp import BodyPartReader, web

from bot.sandbox import payloads
from bot.sandbox.errors import (
    GENERAL,
    UNKNOWN_CHANNEL,
    UNKNOWN_GUILD,
    UNKNOWN_MESSAGE,
    DiscordError,
    error_response,
    json_response,
    not_found,
)
from bot.sandbox.faults import (
    BODY_TEXT_KEY,
    FAULTS_KEY,
    FaultFired,
    Faults,
    answer,
    body_text,
    check_before,
)
from bot.sandbox.gateway import Gateway
from bot.sandbox.messages import Upload
from bot.sandbox.ratelimit import RateLimits
from bot.sandbox.state import Channel, Guild, Member, Message, SandboxState, User

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
MAX_REQUEST_BYTES = 256 * 1024 * 1024  # above every upload limit, so 413s come from our checks
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MessagePredicate = Callable[[Message], bool]
MessageWatcher = Callable[[str, Message], None]


@dataclass
class RequestRecord:
    method: str
    path: str
    status: int
    at: float


async def read_body(request: web.Request) -> tuple[dict[str, Any], list[Upload]]:
    """A JSON body, or a multipart one (``payload_json`` + ``files[n]`` parts)."""
    if request.content_type.startswith("multipart/"):
        body: dict[str, Any] = {}
        uploads: list[Upload] = []
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader):
                continue
            data = await part.read(decode=False)
            name = part.name or ""
            if name == "payload_json":
                body = json.loads(bytes(data) or b"{}")
            elif name.startswith("files[") and name.endswith("]"):
                filename = part.filename or f"file{len(uploads)}"
                ctype = part.headers.get("Content-Type")
                if ctype in (None, "application/octet-stream"):
                    ctype = mimetypes.guess_type(filename)[0] or ctype
                uploads.append(Upload(int(name[6:-1]), filename, bytes(data), ctype))
        check_before(request, body_text(body, [u.filename for u in uploads]))
        return body, uploads
    raw = await request.read()
    if not raw:
        return {}, []
    try:
        loaded = json.loads(raw)
    except ValueError as exc:
        raise DiscordError(400, 50109, "The request body contains invalid JSON.") from exc
    parsed = loaded if isinstance(loaded, dict) else {"_list": loaded}
    check_before(request, body_text(parsed, []))
    return parsed, []


class SandboxServer:
    """State + gateway + REST on ``127.0.0.1:<free port>``. See ``Sandbox`` for the driver."""

    def __init__(self, *, bot_name: str = "Dailies", rate_limits: RateLimits | None = None) -> None:
        self.state = SandboxState(bot_name=bot_name)
        self.rate_limits = rate_limits
        self.faults = Faults()
        self.gateway = Gateway(self.state)
        self.requests: list[RequestRecord] = []
        self.emulator_errors: list[str] = []  # sandbox bugs we answered with a 400 instead of a 500
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._message_waiters: list[tuple[MessagePredicate, asyncio.Future[Message]]] = []
        self._message_watchers: list[MessageWatcher] = []
        self.state.subscribe(self._on_state_change)

    # -- addresses ---------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return self.origin + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def application_id(self) -> int:
        return self.state.application_id

    @property
    def bot_user(self) -> User:
        return self.state.bot_user

    # -- lifecycle ---------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        from bot.sandbox import rest, rest_interactions  # the route tables need a built server

        app = web.Application(middlewares=[self._middleware], client_max_size=MAX_REQUEST_BYTES)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._cdn)
        rest.add_routes(app.router, self)
        rest_interactions.add_routes(app.router, self)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", rest.unknown_route)  # last: catch-all
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self._build_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]
        self.gateway.url = self.gateway_url
        log.info("sandbox Discord on %s", self.origin)

    async def stop(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- middleware --------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        route = path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else None
        pending = self.faults.candidates(request.method, route) if route is not None else []
        if pending:
            request[FAULTS_KEY] = pending
            blunt = next(
                (f for f in pending if f.when == "before" and f.body_contains is None), None
            )
            if blunt is not None:
                blunt.hits += 1
                log.info("sandbox fault before %s %s", request.method, route)
                refused = answer(request, blunt)
                self._record(request, refused)
                return refused
        response = await self._serve(request, handler)
        late = next(
            (
                f
                for f in pending
                if f.when == "after"
                and not f.spent
                and response.status < 400
                and f.matches_body(request.get(BODY_TEXT_KEY))
            ),
            None,
        )
        if late is not None:
            late.hits += 1
            log.info("sandbox fault after %s %s (the work is done)", request.method, route)
            response = answer(request, late)
        self._record(request, response)
        return response

    async def _serve(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        response: web.StreamResponse
        limited: dict[str, str] = {}
        try:
            if path.startswith(API_PREFIX) and not self._is_public(path):
                auth = request.headers.get("Authorization", "")
                if auth != f"Bot {self.state.token}":
                    raise DiscordError(401, GENERAL, "401: Unauthorized")
            if self.rate_limits is not None and path.startswith(API_PREFIX):
                verdict = self.rate_limits.check(request.method, path[len(API_PREFIX) :])
                limited = verdict.headers
                if verdict.retry_after is not None:
                    body = {
                        "message": "You are being rate limited.",
                        "retry_after": verdict.retry_after,
                        "global": verdict.is_global,
                    }
                    response = json_response(body, status=429)
                    response.headers.update(limited)
                    response.headers["Retry-After"] = str(max(1, round(verdict.retry_after)))
                    # discord.py treats a 429 without Via as a Cloudflare ban and gives up.
                    response.headers["Via"] = "1.1 google"
                    return response
            response = await handler(request)
        except FaultFired as fired:
            log.info("sandbox fault before %s %s (body matched)", request.method, path)
            return answer(request, fired.fault)
        except DiscordError as err:
            response = error_response(err)
        except web.HTTPNotFound:
            response = error_response(DiscordError(404, GENERAL, "404: Not Found"))
        except web.HTTPMethodNotAllowed:
            response = error_response(DiscordError(405, GENERAL, "405: Method Not Allowed"))
        except Exception as exc:
            log.exception("sandbox bug on %s %s", request.method, path)
            self.emulator_errors.append(f"{request.method} {path}: {exc!r}")
            response = error_response(
                DiscordError(400, GENERAL, f"Sandbox could not handle this request: {exc!r}")
            )
        response.headers.update(limited)
        return response

    def _record(self, request: web.Request, response: web.StreamResponse) -> None:
        if request.path.startswith(API_PREFIX):
            path = request.path[len(API_PREFIX) :]
            self.requests.append(RequestRecord(request.method, path, response.status, time.time()))

    @staticmethod
    def _is_public(path: str) -> bool:
        rest = path[len(API_PREFIX) :]
        return rest.startswith("/interactions/") or rest.startswith("/webhooks/")

    async def _cdn(self, request: web.Request) -> web.StreamResponse:
        aid = int(request.match_info["attachment_id"])
        for msg in self.state.messages.values():
            for a in msg.attachments:
                if a.id == aid:
                    return web.Response(
                        body=a.data,
                        headers={"Content-Type": a.content_type or "application/octet-stream"},
                    )
        for a in self._driver_attachments():
            if a.id == aid:
                return web.Response(body=a.data, headers={"Content-Type": a.content_type or ""})
        raise DiscordError(404, GENERAL, "404: Not Found")

    def _driver_attachments(self) -> list[Any]:
        return []  # the driver overrides this with attachments it sent in interactions

    # -- lookups -----------------------------------------------------------------------------

    def guild(self, gid: int | str) -> Guild:
        guild = self.state.guilds.get(int(gid)) if str(gid).isdigit() else None
        if guild is None:
            raise not_found(UNKNOWN_GUILD, "Guild")
        return guild

    def channel(self, cid: int | str) -> Channel:
        chan = self.state.channels.get(int(cid)) if str(cid).isdigit() else None
        if chan is None:
            raise not_found(UNKNOWN_CHANNEL, "Channel")
        return chan

    def message(self, channel: Channel, mid: int | str) -> Message:
        msg = self.state.messages.get(int(mid)) if str(mid).isdigit() else None
        if msg is None or msg.deleted or msg.ephemeral or msg.channel is not channel:
            raise not_found(UNKNOWN_MESSAGE, "Message")
        return msg

    def member(self, guild: Guild, uid: int) -> Member | None:
        return guild.members.get(uid)

    def json_message(self, msg: Message) -> web.Response:
        return json_response(payloads.message(msg, self.origin))

    # -- message store + events --------------------------------------------------------------

    def store_message(self, msg: Message) -> None:
        """Keep a message; announce it unless it is ephemeral (only its author's client sees it)."""
        self.state.messages[msg.id] = msg
        self._notify_watchers("create", msg)
        if msg.ephemeral:
            return
        msg.channel.messages.append(msg)
        if msg.channel.is_thread and msg.channel.archived:
            msg.channel.archived = False
        self.gateway.dispatch(
            "MESSAGE_CREATE",
            payloads.message(msg, self.origin, gateway=True),
            content_exempt=self._content_exempt(msg),
        )
        self._wake_waiters(msg)

    def _content_exempt(self, msg: Message) -> bool:
        """Bots see content of their own messages and of those that mention them."""
        bot = self.state.bot_user
        return msg.author is bot or bot.id in msg.mentions

    def message_updated(self, msg: Message) -> None:
        self._notify_watchers("update", msg)
        if not msg.ephemeral:
            self.gateway.dispatch(
                "MESSAGE_UPDATE",
                payloads.message(msg, self.origin, gateway=True),
                content_exempt=self._content_exempt(msg),
            )
        self._wake_waiters(msg)

    def delete_message(self, msg: Message) -> None:
        msg.deleted = True
        self._notify_watchers("delete", msg)
        if msg in msg.channel.messages:
            msg.channel.messages.remove(msg)
        if not msg.ephemeral:
            self.gateway.dispatch(
                "MESSAGE_DELETE",
                {
                    "id": str(msg.id),
                    "channel_id": str(msg.channel.id),
                    "guild_id": str(msg.guild.id),
                },
            )

    @property
    def everyone_pings(self) -> list[Message]:
        """Messages of the bot that pinged @everyone/@here: a teardown can assert none."""
        bot = self.state.bot_user
        return [m for m in self.state.messages.values() if m.author is bot and m.mention_everyone]

    def watch_messages(self, watcher: MessageWatcher) -> None:
        """Call ``watcher(kind, message)`` on every "create", "update" and "delete", ephemeral
        messages included (check ``message.ephemeral``). Exceptions are logged, not raised."""
        self._message_watchers.append(watcher)

    def _notify_watchers(self, kind: str, msg: Message) -> None:
        for watcher in list(self._message_watchers):
            try:
                watcher(kind, msg)
            except Exception:
                log.exception("message watcher failed on %s %s", kind, msg.id)

    def _wake_waiters(self, msg: Message) -> None:
        for pred, fut in list(self._message_waiters):
            if fut.done():
                continue
            try:
                if pred(msg):
                    fut.set_result(msg)
            except Exception as exc:
                fut.set_exception(exc)

    async def wait_for_message(
        self,
        channel: Channel | None = None,
        predicate: MessagePredicate | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        existing: bool = True,
    ) -> Message:
        """The first message (in ``channel`` if given) matching ``predicate``.

        Messages already there count when ``existing`` is true; then waits for new or edited ones.
        """

        def match(m: Message) -> bool:
            if m.deleted or (channel is not None and m.channel is not channel):
                return False
            return predicate is None or predicate(m)

        if existing:
            pool = channel.messages if channel is not None else list(self.state.messages.values())
            for m in pool:
                if match(m):
                    return m
        fut: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        entry = (match, fut)
        self._message_waiters.append(entry)
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            where = f" in #{channel.name}" if channel is not None else ""
            raise TimeoutError(f"no matching message{where} within {timeout} s") from None
        finally:
            self._message_waiters.remove(entry)

    # -- guild structure changes made by the driver -------------------------------------------

    def _on_state_change(self, kind: str, obj: Any) -> None:
        if kind == "guild_create":
            self.gateway.dispatch("GUILD_CREATE", payloads.guild_create(obj))
        elif kind == "role_create":
            self.gateway.dispatch(
                "GUILD_ROLE_CREATE", {"guild_id": str(obj.guild_id), "role": payloads.role(obj)}
            )
        elif kind == "channel_create":
            self.gateway.dispatch("CHANNEL_CREATE", payloads.channel(obj))
        elif kind == "channel_update":
            event = "THREAD_UPDATE" if obj.is_thread else "CHANNEL_UPDATE"
            self.gateway.dispatch(event, payloads.channel(obj))
        elif kind == "member_add":
            self.gateway.dispatch(
                "GUILD_MEMBER_ADD", {**payloads.member(obj), "guild_id": str(obj.guild.id)}
            )
