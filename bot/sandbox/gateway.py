"""The gateway WebSocket: HELLO, heartbeats, IDENTIFY, READY, GUILD_CREATE and event dispatch.

Text frames only: discord.py decompresses only binary frames, so the ``compress`` query it sends
can be ignored (discord-wire.md pitfall 4). Every guild is sent whole, with ``member_count`` equal
to the members listed, so the client never needs to chunk (pitfall 6).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
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
    "MESSAGE_CREATE": GUILD_MESSAGES,
    "MESSAGE_UPDATE": GUILD_MESSAGES,
    "MESSAGE_DELETE": GUILD_MESSAGES,
    "GUILD_SCHEDULED_EVENT_CREATE": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_UPDATE": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_DELETE": GUILD_SCHEDULED_EVENTS,
    "MESSAGE_POLL_VOTE_ADD": GUILD_MESSAGE_POLLS,
    "MESSAGE_POLL_VOTE_REMOVE": GUILD_MESSAGE_POLLS,
}
# What Discord blanks in other people's messages for a bot without the MESSAGE_CONTENT intent.
CONTENT_FIELDS = {"content": "", "embeds": [], "attachments": [], "components": []}
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_DECODE_ERROR = 4002


class Session:
    """One connected client. Frames go through a queue so events keep their order."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.session_id = secrets.token_hex(16)
        self.seq = 0
        self.identified = False
        self.intents = 0
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.writer: asyncio.Task[None] | None = None

    def send(self, frame: dict[str, Any]) -> None:
        self.queue.put_nowait(frame)

    def dispatch(self, event: str, data: Any) -> None:
        self.seq += 1
        self.send({"op": 0, "t": event, "s": self.seq, "d": data})

    async def write_loop(self) -> None:
        while True:
            frame = await self.queue.get()
            if frame is None or self.ws.closed:
                return
            try:
                await self.ws.send_str(json.dumps(frame))
            except (ConnectionResetError, RuntimeError) as exc:
                log.debug("gateway write failed, client gone: %s", exc)
                return


class Gateway:
    """All sessions of the one application. ``dispatch`` reaches every identified client."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.sessions: list[Session] = []
        self.url = ""  # set by the server once it knows its port
        self.connected = asyncio.Event()  # set while at least one client has had READY
        self.identify_count = 0

    def dispatch(self, event: str, data: Any, *, content_exempt: bool = True) -> None:
        """Send ``event`` to every identified session whose intents ask for it.

        ``content_exempt=False`` marks a message another user wrote without mentioning the bot:
        sessions lacking MESSAGE_CONTENT get it with content, embeds, files and components blanked.
        """
        needed = EVENT_INTENTS.get(event, 0)
        for session in self.sessions:
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
        session = Session(ws)
        session.writer = asyncio.create_task(session.write_loop())
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
                await self._on_frame(session, frame)
        finally:
            self.sessions.remove(session)
            session.queue.put_nowait(None)
            if session.writer is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(session.writer, 1.0)
            if not any(s.identified for s in self.sessions):
                self.connected.clear()
            log.info("gateway session %s closed", session.session_id[:8])
        return ws

    async def _on_frame(self, session: Session, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        d = frame.get("d")
        if op == 1:
            session.send({"op": 11})
        elif op == 2:
            await self._identify(session, d or {})
        elif op == 6:
            # No resume: tell the client to identify afresh; state is the same anyway.
            session.send({"op": 9, "d": False})
        elif op == 8:
            self._chunk(session, d or {})
        elif op in (3, 4):
            pass  # presence and voice state updates: accepted, nothing to do
        else:
            log.debug("gateway: ignoring op %s", op)

    async def _identify(self, session: Session, d: dict[str, Any]) -> None:
        token = str(d.get("token", ""))
        if token.removeprefix("Bot ") != self.state.token:
            log.warning("gateway IDENTIFY with a wrong token")
            await session.ws.close(
                code=CLOSE_AUTHENTICATION_FAILED, message=b"Authentication failed"
            )
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
        for session in list(self.sessions):
            with contextlib.suppress(Exception):
                await session.ws.close(code=1001, message=b"Sandbox stopping")
