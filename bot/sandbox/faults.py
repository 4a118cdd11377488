"""Injected failures: Discord answering 5xx, or the connection dropping before or after Discord
acted ("answer lost"), so tests can prove a relay never posts twice and never loses a post.

    sandbox.faults.add("POST", r"/channels/\\d+/messages", when="after", body_contains="ref ")

``when="before"``: the request is refused and nothing happens. ``when="after"``: Discord does the
work (the message exists), then the answer is lost (``status=None``: the socket closes, the bot
gets ``aiohttp.ServerDisconnectedError``) or replaced by an error status. Each fault fires
``times`` times; ``fault.hits`` counts them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web


class FaultFired(Exception):
    """Raised inside a handler when a "before" fault matches the parsed body."""

    def __init__(self, fault: Fault) -> None:
        super().__init__(f"injected {fault}")
        self.fault = fault


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    when: Literal["before", "after"]
    status: int | None  # None: drop the connection
    code: int = 0
    body_contains: str | None = None
    times: int = 1
    hits: int = 0

    @property
    def spent(self) -> bool:
        return self.hits >= self.times

    def matches_route(self, method: str, path: str) -> bool:
        return not self.spent and method == self.method and bool(self.path.fullmatch(path))

    def matches_body(self, text: str | None) -> bool:
        return self.body_contains is None or (text is not None and self.body_contains in text)


@dataclass
class Faults:
    items: list[Fault] = field(default_factory=list)

    def add(
        self,
        method: str,
        path: str,
        *,
        when: Literal["before", "after"] = "before",
        status: int | None = None,
        code: int = 0,
        body_contains: str | None = None,
        times: int = 1,
    ) -> Fault:
        """``path``: a regex over the route under /api/v10, e.g. ``r"/channels/\\d+/messages"``."""
        fault = Fault(method.upper(), re.compile(path), when, status, code, body_contains, times)
        self.items.append(fault)
        return fault

    def candidates(self, method: str, path: str) -> list[Fault]:
        return [f for f in self.items if f.matches_route(method, path)]


FAULTS_KEY: web.RequestKey[list[Fault]] = web.RequestKey("sandbox_faults", list)
BODY_TEXT_KEY: web.RequestKey[str] = web.RequestKey("sandbox_body_text", str)


def body_text(body: dict[str, Any], filenames: list[str]) -> str:
    return json.dumps(body, ensure_ascii=False) + " " + " ".join(filenames)


def check_before(request: web.Request, text: str) -> None:
    """Called once the body is parsed: fire a matching "before" fault, remember the text."""
    request[BODY_TEXT_KEY] = text
    for fault in request.get(FAULTS_KEY, []):
        if fault.when == "before" and fault.body_contains is not None and fault.matches_body(text):
            fault.hits += 1
            raise FaultFired(fault)


def answer(request: web.Request, fault: Fault) -> web.Response:
    """What the bot receives for a fired fault."""
    if fault.status is None:
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=500)  # never delivered: the socket is closed
    body = {"code": fault.code, "message": f"{fault.status}: injected by the sandbox"}
    return web.Response(
        status=fault.status,
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
