"""The gateway WebSocket: HELLO, heartbeats, IDENTIFY, READY, GUILD_CREATE and event dispatch.

Text frames only: discord.py decompresses only binary frames, so the ``compress`` query it sends
can be ignored (discord-wire.md pitfall 4). Every guild is sent whole, with ``member_count`` equal
to the members listed, so the client never needs to chunk (pitfall 6).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import secrets
import time
from typing import Any

from aiohttp import WSMsgType, web

from bot.sandbox import payloads
from bot.sandbox.state import SandboxState

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL_MS = 41250
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_MESSAGES = 1 << 9
MESSAGE_CONTENT = 1 << 15
GUILD_SCHEDULED_EVENTS = 1 << 16
GUILD_MESSAGE_POLLS = 1 << 24
# The intent a session needs to receive an event; events not listed always go out.
EVENT_INTENTS = {
    "GUILD_CREATE": GUILDS,
    "CHANNEL_CREATE": GUILDS,
    "CHANNEL_UPDATE": GUILDS,
    "THREAD_CREATE": GUILDS,
    "THREAD_UPDATE": GUILDS,
    "GUILD_ROLE_CREATE": GUILDS,
    "GUILD_MEMBER_ADD": GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": GUILD_MEMBERS,
    "MESSAGE_CREATE": GUILD_MESSAGES,
    "MESSAGE_UPDATE": GUILD_MESSAGES,
    "MESSAGE_DELETE": GUILD_MESSAGES,
    "GUILD_SCHEDULED_EVENT_CREATE": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_UPDATE": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_DELETE": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_USER_ADD": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_USER_REMOVE": GUILD_SCHEDULED_EVENTS,
    "MESSAGE_POLL_VOTE_ADD": GUILD_MESSAGE_POLLS,
    "MESSAGE_POLL_VOTE_REMOVE": GUILD_MESSAGE_POLLS,
}
# What Discord blanks in other people's messages for a bot without the MESSAGE_CONTENT intent.
CONTENT_FIELDS = {"content": "", "embeds": [], "attachments": [], "components": []}
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_DECODE_ERROR = 4002


RESUME_WINDOW = 300.0  # seconds a dropped session can be resumed
BUFFER_EVENTS = 2000  # dispatched events kept per session for a resume


class Session:
    """One gateway session. It outlives its WebSocket when the drop was not a clean close, so the
    client can RESUME and get the events it missed, in order."""

    def __init__(self) -> None:
        self.session_id = secrets.token_hex(16)
        self.seq = 0
        self.identified = False
        self.intents = 0
        self.ws: web.WebSocketResponse | None = None
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.writer: asyncio.Task[None] | None = None
        self.buffer: collections.deque[dict[str, Any]] = collections.deque(maxlen=BUFFER_EVENTS)
        self.detached_at: float | None = None

    def attach(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.detached_at = None
        self.queue = asyncio.Queue()
        self.writer = asyncio.create_task(self._write_loop(ws, self.queue))

    async def detach(self) -> None:
        self.queue.put_nowait(None)
        if self.writer is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self.writer, 1.0)
        self.ws = None
        self.writer = None
        self.detached_at = time.monotonic()

    def send(self, frame: dict[str, Any]) -> None:
        if self.ws is not None:
            self.queue.put_nowait(frame)

    def dispatch(self, event: str, data: Any) -> None:
        self.seq += 1
        frame = {"op": 0, "t": event, "s": self.seq, "d": data}
        self.buffer.append(frame)
        self.send(frame)

    @staticmethod
    async def _write_loop(
        ws: web.WebSocketResponse, queue: asyncio.Queue[dict[str, Any] | None]
    ) -> None:
        while True:
            frame = await queue.get()
            if frame is None or ws.closed:
                return
            try:
                await ws.send_str(json.dumps(frame))
            except (ConnectionResetError, RuntimeError) as exc:
                log.debug("gateway write failed, client gone: %s", exc)
                return


class Gateway:
    """All sessions of the one application. ``dispatch`` reaches every identified client."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.sessions: list[Session] = []  # attached to a WebSocket
        self.detached: dict[str, Session] = {}  # dropped, resumable for RESUME_WINDOW
        self.url = ""  # set by the server once it knows its port
        self.connected = asyncio.Event()  # set while at least one client has had READY
        self.identify_count = 0
        self.resume_count = 0

    def dispatch(self, event: str, data: Any, *, content_exempt: bool = True) -> None:
        """Send ``event`` to every identified session whose intents ask for it.

        Dropped sessions buffer it for a RESUME. ``content_exempt=False`` marks a message another
        user wrote without mentioning the bot: sessions lacking MESSAGE_CONTENT get it with
        content, embeds, files and components blanked.
        """
        needed = EVENT_INTENTS.get(event, 0)
        now = time.monotonic()
        for sid, old in list(self.detached.items()):
            if old.detached_at is not None and now - old.detached_at > RESUME_WINDOW:
                del self.detached[sid]
        for session in [*self.sessions, *self.detached.values()]:
            if not session.identified or (needed and not session.intents & needed):
                continue
            if not content_exempt and not session.intents & MESSAGE_CONTENT:
                redacted = {**data, **CONTENT_FIELDS}
                redacted.pop("poll", None)
                session.dispatch(event, redacted)
            else:
                session.dispatch(event, data)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        session = Session()
        session.attach(ws)
        self.sessions.append(session)
        session.send({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    if msg.type == WSMsgType.ERROR:
                        break
                    continue
                try:
                    frame = json.loads(msg.data)
                except ValueError:
                    await ws.close(code=CLOSE_DECODE_ERROR, message=b"Decode error")
                    break
                session = await self._on_frame(session, ws, frame)
        finally:
            if session in self.sessions:
                self.sessions.remove(session)
            await session.detach()
            # A 1000/1001 close ends a session; others (4000 after op 7, drops) leave it
            # resumable, as on Discord. (discord.py's close() races and often sends 4000.)
            if session.identified and ws.close_code not in (1000, 1001):
                self.detached[session.session_id] = session
            if not any(s.identified for s in self.sessions):
                self.connected.clear()
            log.info("gateway session %s closed (%s)", session.session_id[:8], ws.close_code)
        return ws

    async def reconnect(self) -> None:
        """Op 7 to every client, as Discord does before moving a session; they should RESUME."""
        for session in list(self.sessions):
            session.send({"op": 7, "d": None})

    async def _on_frame(
        self, session: Session, ws: web.WebSocketResponse, frame: dict[str, Any]
    ) -> Session:
        """Handle one client frame; returns the session the socket now belongs to."""
        op = frame.get("op")
        d = frame.get("d")
        if op == 1:
            session.send({"op": 11})
        elif op == 2:
            await self._identify(session, ws, d or {})
        elif op == 6:
            return await self._resume(session, ws, d or {})
        elif op == 8:
            self._chunk(session, d or {})
        elif op in (3, 4):
            pass  # presence and voice state updates: accepted, nothing to do
        else:
            log.debug("gateway: ignoring op %s", op)
        return session

    async def _resume(
        self, fresh: Session, ws: web.WebSocketResponse, d: dict[str, Any]
    ) -> Session:
        old = self.detached.pop(str(d.get("session_id")), None)
        token_ok = str(d.get("token", "")).removeprefix("Bot ") == self.state.token
        if old is None or not token_ok:
            fresh.send({"op": 9, "d": False})  # identify afresh; the state is all still here
            return fresh
        await fresh.detach()
        self.sessions.remove(fresh)
        old.attach(ws)
        self.sessions.append(old)
        seq = int(d.get("seq") or 0)
        missed = [f for f in old.buffer if int(f["s"]) > seq]
        for frame in missed:
            old.send(frame)
        old.dispatch("RESUMED", {})
        self.resume_count += 1
        self.connected.set()
        log.info("gateway session %s resumed, %d events replayed", old.session_id[:8], len(missed))
        return old

    async def _identify(
        self, session: Session, ws: web.WebSocketResponse, d: dict[str, Any]
    ) -> None:
        token = str(d.get("token", ""))
        if token.removeprefix("Bot ") != self.state.token:
            log.warning("gateway IDENTIFY with a wrong token")
            await ws.close(code=CLOSE_AUTHENTICATION_FAILED, message=b"Authentication failed")
            return
        session.intents = int(d.get("intents", 0))
        session.identified = True
        self.identify_count += 1
        guilds = list(self.state.guilds.values())
        session.dispatch(
            "READY",
            {
                "v": 10,
                "user": payloads.client_user(self.state.bot_user),
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.session_id,
                "resume_gateway_url": self.url,
                "application": {"id": str(self.state.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "shard": [0, 1],
            },
        )
        for g in guilds:
            data = payloads.guild_create(g)
            if not session.intents & GUILD_MEMBERS:
                # Without the members intent Discord lists only the bot itself.
                data["members"] = [payloads.member(g.me)]
            session.dispatch("GUILD_CREATE", data)
        self.connected.set()

    def _chunk(self, session: Session, d: dict[str, Any]) -> None:
        guild = self.state.guilds.get(int(d.get("guild_id", 0)))
        if guild is None:
            return
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [payloads.member(m) for m in guild.members.values()],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
            "presences": [],
        }
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def close_all(self) -> None:
        self.detached.clear()
        for session in list(self.sessions):
            if session.ws is not None:
                with contextlib.suppress(Exception):
                    await session.ws.close(code=1001, message=b"Sandbox stopping")
