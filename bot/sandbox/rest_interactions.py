"""Interaction callback and follow-up webhooks: the routes that enforce the 3 s rule.

- ``POST /interactions/{id}/{token}/callback``: one acknowledgement per interaction, within 3 s of
  dispatch (late -> 404 10062 "Unknown interaction"; second -> 400 40060), and only the response
  types Discord accepts for that interaction type. With ``?with_response=1`` it answers the
  ``InteractionCallbackResponse`` JSON discord.py >= 2.5 reads.
- ``/webhooks/{app}/{token}``: follow-ups for 15 minutes after dispatch. After a type-5 defer the
  first follow-up fills the "thinking" message instead of posting a new one.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox import payloads
from bot.sandbox.errors import (
    ALREADY_ACKNOWLEDGED,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
    DiscordError,
    form_error,
    json_response,
    not_found,
)
from bot.sandbox.limits import check_choices, check_component_details, flatten
from bot.sandbox.messages import FLAG_EPHEMERAL, Upload, apply_body, new_message
from bot.sandbox.server import read_body
from bot.sandbox.state import (
    INTERACTION_TOKEN_LIFETIME,
    Interaction,
    Message,
)

if TYPE_CHECKING:
    from bot.sandbox.server import SandboxServer

log = logging.getLogger(__name__)

FLAG_LOADING = 1 << 7
# Which callback types Discord accepts for each interaction type.
ALLOWED_RESPONSES = {
    2: {4, 5, 9},  # application command
    3: {4, 5, 6, 7, 9},  # message component
    4: {8},  # autocomplete
    5: {4, 5, 6, 7},  # modal submit (6/7 only when the modal came from a message component)
}
MESSAGE_TYPE_FOR = {2: 20, 3: 19, 5: 19}


class InteractionRoutes:
    def __init__(self, server: SandboxServer) -> None:
        self.s = server
        self.state = server.state

    def add(self, router: web.UrlDispatcher) -> None:
        p = "/api/v10"
        router.add_post(p + "/interactions/{iid}/{token}/callback", self.callback)
        router.add_post(p + "/webhooks/{aid}/{token}", self.followup)
        router.add_get(p + "/webhooks/{aid}/{token}/messages/{mid}", self.get_message)
        router.add_patch(p + "/webhooks/{aid}/{token}/messages/{mid}", self.edit_message)
        router.add_delete(p + "/webhooks/{aid}/{token}/messages/{mid}", self.delete_message)

    # -- the callback ------------------------------------------------------------------------

    async def callback(self, request: web.Request) -> web.StreamResponse:
        now = time.monotonic()
        iid = request.match_info["iid"]
        inter = self.state.interactions.get(int(iid)) if iid.isdigit() else None
        if inter is None or inter.token != request.match_info["token"]:
            raise DiscordError(404, UNKNOWN_INTERACTION, "Unknown interaction")
        try:
            body, uploads = await read_body(request)
            if inter.ack_type is not None:
                raise DiscordError(
                    400, ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged."
                )
            if now - inter.dispatched_at > self.state.ack_deadline:
                log.warning(
                    "interaction %s acknowledged %.2f s after dispatch (limit %.0f s)",
                    inter.id,
                    now - inter.dispatched_at,
                    self.state.ack_deadline,
                )
                raise DiscordError(404, UNKNOWN_INTERACTION, "Unknown interaction")
            rtype = int(body.get("type") or 0)
            data = body.get("data") or {}
            allowed = ALLOWED_RESPONSES.get(inter.type, set())
            if rtype in (6, 7) and inter.message is None:
                allowed = allowed - {6, 7}
            if rtype not in allowed:
                raise form_error(
                    "type", "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid response type"
                )
            msg = self._respond(inter, rtype, data, uploads)
        except DiscordError as err:
            inter.errors.append({"route": "callback", **err.body(), "status": err.status})
            raise
        inter.ack_type = rtype
        inter.acked_at = now
        inter.acked.set()
        if rtype in (4, 7) and msg is not None:
            inter.mark_replied(msg)
        if request.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        meta: dict[str, Any] = {"id": str(inter.id), "type": inter.type}
        out: dict[str, Any] = {"interaction": meta}
        if msg is not None:
            meta["response_message_id"] = str(msg.id)
            meta["response_message_loading"] = rtype == 5
            meta["response_message_ephemeral"] = msg.ephemeral
            if rtype in (4, 5, 7):
                out["resource"] = {"type": rtype, "message": payloads.message(msg, self.s.origin)}
        return json_response(out)

    def _respond(
        self, inter: Interaction, rtype: int, data: dict[str, Any], uploads: list[Upload]
    ) -> Message | None:
        bot = self.state.bot_user
        guild = inter.channel.guild
        if rtype == 4:
            msg = new_message(
                inter.channel, bot, data, uploads, author_permissions=self._app_permissions(inter)
            )
            self._as_interaction_message(inter, msg)
            inter.original = msg
            inter.ephemeral = msg.ephemeral
            self.s.store_message(msg)
            return msg
        if rtype == 5:
            ephemeral = bool(int(data.get("flags") or 0) & FLAG_EPHEMERAL)
            msg = Message(self.state.new_message_id(), inter.channel, bot)
            msg.flags = FLAG_LOADING | (FLAG_EPHEMERAL if ephemeral else 0)
            self._as_interaction_message(inter, msg)
            inter.original = msg
            inter.ephemeral = ephemeral
            self.s.store_message(msg)
            return msg
        if rtype == 6:
            inter.original = inter.message
            return inter.message
        if rtype == 7:
            target = inter.message
            assert target is not None  # checked by the caller
            apply_body(
                target,
                data,
                uploads,
                limit=guild.upload_limit,
                author_permissions=self._app_permissions(inter),
                editing=True,
            )
            inter.original = target
            self.s.message_updated(target)
            return target
        if rtype == 8:
            choices = data.get("choices") or []
            check_choices(choices)
            inter.choices = list(choices)
            return None
        # rtype == 9: a modal
        comps = data.get("components") or []
        if not data.get("custom_id") or not 1 <= len(comps) <= 5:
            raise form_error("data.components", "BASE_TYPE_BAD_LENGTH", "Must be 1-5 in length.")
        if len(str(data.get("title") or "")) > 45:
            raise form_error("data.title", "BASE_TYPE_MAX_LENGTH", "Must be 45 or fewer in length.")
        check_component_details(flatten(comps), where="data.components")
        inter.modal = dict(data)
        return None

    @staticmethod
    def _app_permissions(inter: Interaction) -> int:
        return inter.channel.permissions_for(inter.channel.guild.me)

    def _as_interaction_message(self, inter: Interaction, msg: Message) -> None:
        msg.webhook_id = self.state.application_id
        msg.application_id = self.state.application_id
        msg.interaction = inter
        msg.type = MESSAGE_TYPE_FOR.get(inter.type, 0)

    # -- follow-ups --------------------------------------------------------------------------

    def _interaction(self, request: web.Request) -> Interaction:
        inter = self.state.interactions_by_token.get(request.match_info["token"])
        if (
            inter is None
            or request.match_info["aid"] != str(self.state.application_id)
            or inter.ack_type is None
            or inter.token_expired
            or time.monotonic() - inter.dispatched_at > INTERACTION_TOKEN_LIFETIME
        ):
            raise not_found(UNKNOWN_WEBHOOK, "Webhook")
        return inter

    def _target(self, inter: Interaction, mid: str) -> Message:
        if mid == "@original":
            target = inter.original
        else:
            target = next(
                (m for m in [inter.original, *inter.followups] if m and str(m.id) == mid), None
            )
        if target is None or target.deleted:
            raise not_found(UNKNOWN_MESSAGE, "Message")
        return target

    async def followup(self, request: web.Request) -> web.StreamResponse:
        inter = self._interaction(request)
        body, uploads = await read_body(request)
        guild = inter.channel.guild
        original = inter.original
        try:
            if inter.ack_type == 5 and original is not None and original.flags & FLAG_LOADING:
                # The first follow-up after a defer fills the "thinking" message.
                apply_body(
                    original,
                    body,
                    uploads,
                    limit=guild.upload_limit,
                    author_permissions=self._app_permissions(inter),
                    editing=True,
                )
                original.flags &= ~FLAG_LOADING
                original.edited_at = None
                self.s.message_updated(original)
                msg = original
            else:
                channel = inter.channel
                if request.query.get("thread_id"):
                    channel = self.s.channel(request.query["thread_id"])
                msg = new_message(
                    channel,
                    self.state.bot_user,
                    body,
                    uploads,
                    author_permissions=self._app_permissions(inter),
                )
                self._as_interaction_message(inter, msg)
                msg.type = 0
                self.s.store_message(msg)
        except DiscordError as err:
            inter.errors.append({"route": "followup", **err.body(), "status": err.status})
            raise
        inter.followups.append(msg)
        inter.mark_replied(msg)
        if request.query.get("wait") in ("true", "1", "True"):
            return self.s.json_message(msg)
        return web.Response(status=204)

    async def get_message(self, request: web.Request) -> web.Response:
        inter = self._interaction(request)
        return self.s.json_message(self._target(inter, request.match_info["mid"]))

    async def edit_message(self, request: web.Request) -> web.Response:
        inter = self._interaction(request)
        target = self._target(inter, request.match_info["mid"])
        body, uploads = await read_body(request)
        guild = target.channel.guild
        try:
            apply_body(
                target,
                body,
                uploads,
                limit=guild.upload_limit,
                author_permissions=self._app_permissions(inter),
                editing=True,
            )
        except DiscordError as err:
            inter.errors.append({"route": "edit", **err.body(), "status": err.status})
            raise
        if target.flags & FLAG_LOADING:
            target.flags &= ~FLAG_LOADING
            target.edited_at = None
        if target is inter.original:
            inter.mark_replied(target)
        self.s.message_updated(target)
        return self.s.json_message(target)

    async def delete_message(self, request: web.Request) -> web.Response:
        inter = self._interaction(request)
        target = self._target(inter, request.match_info["mid"])
        self.s.delete_message(target)
        return web.Response(status=204)


def add_routes(router: web.UrlDispatcher, server: SandboxServer) -> None:
    InteractionRoutes(server).add(router)
