"""Run a real discord.py client against a :class:`Sandbox`.

``running(sandbox, bot)`` points discord.py at the sandbox (``Route.BASE`` and
``DiscordWebSocket.DEFAULT_GATEWAY``, restored afterwards), starts the bot with the sandbox's token,
waits until it is ready, yields it, and closes it. A bot that points discord.py at the sandbox
itself (DailiesBot does, from ``settings.discord.api_base``/``gateway_url``) works the same.
Build bots with ``guild_ready_timeout=0.1`` or readiness waits discord.py's default 2 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import TypeVar

import discord
import discord.gateway
import discord.http
import yarl

from bot.sandbox.server import SandboxServer

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.contextmanager
def pointed_at(sandbox: SandboxServer) -> Iterator[None]:
    """discord.py's REST and gateway URLs set to the sandbox for the duration of the block."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = sandbox.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sandbox.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@asynccontextmanager
async def running(
    sandbox: SandboxServer,
    client: ClientT,
    *,
    timeout: float = 15.0,  # noqa: ASYNC109
) -> AsyncIterator[ClientT]:
    """``client`` logged in to ``sandbox`` and ready (guilds received) inside the block."""
    with pointed_at(sandbox):
        task = asyncio.create_task(client.start(sandbox.token), name="sandbox-bot")
        try:
            deadline = time.monotonic() + timeout
            while not client.is_ready():
                if task.done():
                    task.result()  # raises the bot's startup error
                    raise RuntimeError("the bot stopped before it was ready")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"bot not ready within {timeout} s")
                await asyncio.sleep(0.01)
            yield client
        finally:
            await client.close()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 5.0)
            # Let the gateway notice the close, so the next client is the only session.
            for _ in range(100):
                if not sandbox.gateway.sessions:
                    break
                await asyncio.sleep(0.01)
