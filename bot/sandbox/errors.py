"""Discord's error answers: the JSON body ``{code, message, errors}`` and the codes we emulate.

Handlers raise :class:`DiscordError`; the REST layer turns it into the exact response Discord sends,
so the real discord.py client raises the same ``HTTPException`` subclass it would in production.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

# Codes from Discord's "JSON Error Codes" table, only the ones the sandbox emits.
GENERAL = 0
UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_ROLE = 10011
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
UNKNOWN_APPLICATION_COMMAND = 10063
UNKNOWN_GUILD_SCHEDULED_EVENT = 10070
UNAUTHORIZED = 40001
REQUEST_TOO_LARGE = 40005
ALREADY_ACKNOWLEDGED = 40060
CANNOT_EDIT_OTHER_USER_MESSAGE = 50005
EMPTY_MESSAGE = 50006
MISSING_PERMISSIONS = 50013
INVALID_FORM_BODY = 50035
POLL_EXPIRED = 520000  # "Poll already expired" family (5200xx)


class DiscordError(Exception):
    """An error answer with Discord's status, code and message."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors is not None:
            out["errors"] = self.errors
        return out


def form_error(path: str, code: str, message: str) -> DiscordError:
    """A 400 ``Invalid Form Body`` (50035) naming the field, as Discord nests it."""
    node: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path.split(".")):
        node = {part: node}
    return DiscordError(400, INVALID_FORM_BODY, "Invalid Form Body", node)


def not_found(code: int, what: str) -> DiscordError:
    return DiscordError(404, code, f"Unknown {what}")


def json_response(data: Any, status: int = 200) -> web.Response:
    """A JSON answer with Content-Type exactly ``application/json``.

    discord.py compares the header with ``==``; aiohttp's ``json_response`` adds ``; charset=utf-8``
    and the client would then read the body as text (discord-wire.md pitfall 1).
    """
    return web.Response(
        status=status,
        body=json.dumps(data).encode(),
        headers={"Content-Type": "application/json"},
    )


def error_response(err: DiscordError) -> web.Response:
    return json_response(err.body(), status=err.status)
