"""The hands of the sandbox's members: buttons, selects, modals, poll votes, "Interested",
messages. ``Sandbox`` (driver.py) adds slash commands on top; use that class.

Every action builds the interaction as Discord would and dispatches it over the gateway; the
returned :class:`InteractionResult` follows what the bot answered.
"""

from __future__ import annotations

import mimetypes
import secrets
import time
from typing import Any

from bot.sandbox import payloads
from bot.sandbox.messages import new_message
from bot.sandbox.ratelimit import RateLimits
from bot.sandbox.results import InteractionResult, SandboxUsageError
from bot.sandbox.server import SandboxServer
from bot.sandbox.state import (
    Attachment,
    Channel,
    Guild,
    Interaction,
    Member,
    Message,
    Role,
    ScheduledEvent,
    User,
    utcnow,
)

OptionValue = Any
# Modal component type -> the option type whose resolution its values share.
MODAL_VALUE_TYPES = {5: 6, 6: 8, 7: 9, 8: 7, 19: 11}


class Acting(SandboxServer):
    """Dispatching interactions, and every member action that is not a command."""

    def __init__(self, *, bot_name: str, rate_limits: RateLimits | None) -> None:
        super().__init__(bot_name=bot_name, rate_limits=rate_limits)
        self._sent_attachments: list[Attachment] = []

    def attachment(
        self, filename: str, data: bytes, content_type: str | None = None, *, description: str = ""
    ) -> Attachment:
        """A file a member attaches to a slash-command option."""
        ctype = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        a = Attachment(self.state.ids.next(), filename, data, ctype, description or None)
        self._sent_attachments.append(a)
        return a

    def _driver_attachments(self) -> list[Any]:
        return self._sent_attachments

    @property
    def bot_connected(self) -> bool:
        return self.gateway.connected.is_set()

    # -- dispatch ----------------------------------------------------------------------------

    def _default_channel(self, guild: Guild) -> Channel:
        for chan in guild.channels.values():
            if chan.type == 0:
                return chan
        raise SandboxUsageError(f"{guild!r} has no text channel")

    def _dispatch(
        self,
        member: Member,
        itype: int,
        data: dict[str, Any],
        channel: Channel | None,
        message: Message | None = None,
    ) -> InteractionResult:
        if not self.bot_connected:
            g = self.gateway
            raise SandboxUsageError(
                "no bot is connected to the sandbox gateway "
                f"({len(g.sessions)} open sockets, {g.identify_count} IDENTIFYs so far, "
                f"{len(self.requests)} REST calls); wait for it (harness.running does)"
            )
        guild = member.guild
        inter = Interaction(
            self.state.ids.next(),
            "sandbox-interaction." + secrets.token_urlsafe(32),
            itype,
            guild,
            channel or (message.channel if message else self._default_channel(guild)),
            member,
            data,
            message=message,
        )
        self.state.interactions[inter.id] = inter
        self.state.interactions_by_token[inter.token] = inter
        payload = payloads.interaction(inter, self.origin, guild.upload_limit)
        inter.dispatched_at = time.monotonic()
        self.gateway.dispatch("INTERACTION_CREATE", payload)
        return InteractionResult(self, inter)

    def _resolve(self, otype: int, value: OptionValue, resolved: dict[str, dict[str, Any]]) -> Any:
        if otype in (6, 9) and isinstance(value, Member | User):
            user = value.user if isinstance(value, Member) else value
            resolved.setdefault("users", {})[str(user.id)] = payloads.user(user)
            if isinstance(value, Member):
                resolved.setdefault("members", {})[str(user.id)] = payloads.member(
                    value, with_user=False, with_permissions=True
                )
            return str(user.id)
        if otype in (8, 9) and isinstance(value, Role):
            resolved.setdefault("roles", {})[str(value.id)] = payloads.role(value)
            return str(value.id)
        if otype == 7 and isinstance(value, Channel):
            data = payloads.channel(value)
            data["permissions"] = str(value.guild.me.permissions)
            resolved.setdefault("channels", {})[str(value.id)] = data
            return str(value.id)
        if otype == 11:
            if not isinstance(value, Attachment):
                raise SandboxUsageError("attachment options take sandbox.attachment(...)")
            resolved.setdefault("attachments", {})[str(value.id)] = payloads.attachment(
                value, 0, self.origin
            )
            return str(value.id)
        if otype == 4:
            return int(value)
        if otype == 10:
            return float(value)
        if otype == 5:
            return bool(value)
        return value if otype != 3 else str(value)

    # -- components and modals ---------------------------------------------------------------

    def _component(self, msg: Message, custom_id: str) -> dict[str, Any]:
        if msg.deleted:
            raise SandboxUsageError("that message was deleted; nobody can click it")
        found: list[dict[str, Any]] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if node.get("custom_id") == custom_id and "type" in node:
                    found.append(node)
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        walk(msg.components)
        if not found:
            raise SandboxUsageError(
                f"no component {custom_id!r} on message; has {msg.custom_ids()}"
            )
        if found[0].get("disabled"):
            raise SandboxUsageError(f"component {custom_id!r} is disabled")
        return found[0]

    async def click(self, member: Member, msg: Message, custom_id: str) -> InteractionResult:
        """``member`` clicks the button ``custom_id`` on ``msg``."""
        comp = self._component(msg, custom_id)
        if comp.get("type") != 2:
            raise SandboxUsageError(f"{custom_id!r} is not a button")
        data = {"custom_id": custom_id, "component_type": 2}
        return self._dispatch(member, 3, data, msg.channel, msg)

    async def select(
        self, member: Member, msg: Message, custom_id: str, values: list[Any]
    ) -> InteractionResult:
        """``member`` picks ``values`` in the select ``custom_id`` on ``msg``: option values for a
        string select, Members/Roles/Channels for user/role/mentionable/channel selects."""
        comp = self._component(msg, custom_id)
        ctype = int(comp["type"])
        if ctype not in (3, 5, 6, 7, 8):
            raise SandboxUsageError(f"{custom_id!r} is not a select")
        lo, hi = int(comp.get("min_values", 1)), int(comp.get("max_values", 1))
        if not lo <= len(values) <= hi:
            raise SandboxUsageError(f"select {custom_id!r} takes {lo}..{hi} values")
        if ctype == 3:
            offered = [o["value"] for o in comp.get("options") or []]
            bad = [v for v in values if v not in offered]
            if bad:
                raise SandboxUsageError(f"{bad} not offered by {custom_id!r}: {offered}")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        as_option = MODAL_VALUE_TYPES.get(ctype)
        if as_option is None:
            data["values"] = list(values)
        else:
            resolved: dict[str, dict[str, Any]] = {}
            data["values"] = [self._resolve(as_option, v, resolved) for v in values]
            data["resolved"] = resolved
        return self._dispatch(member, 3, data, msg.channel, msg)

    async def submit_modal(
        self, member: Member, opened_by: InteractionResult, values: dict[str, Any]
    ) -> InteractionResult:
        """``member`` fills the modal ``opened_by`` showed.

        ``values`` maps custom ids to: text (text inputs), a list of strings (string selects),
        a list of Members/Roles/Channels (entity selects) or of ``sandbox.attachment(...)``
        (file uploads).
        """
        modal = opened_by.modal
        if modal is None:
            raise SandboxUsageError("that interaction did not open a modal")
        unknown = set(values)
        resolved: dict[str, dict[str, Any]] = {}

        def fill(node: dict[str, Any]) -> dict[str, Any]:
            t = node.get("type")
            if t == 1:
                return {"type": 1, "components": [fill(c) for c in node.get("components") or []]}
            if t == 18:
                return {"type": 18, "component": fill(node["component"])}
            cid = node.get("custom_id")
            unknown.discard(str(cid))
            if t == 4:
                text = values.get(str(cid), node.get("value") or "")
                if node.get("required", True) and not text:
                    raise SandboxUsageError(f"text input {cid!r} is required")
                return {"type": 4, "custom_id": cid, "value": text}
            if cid is None:
                return {"type": t}  # text display and other read-only parts
            picked = list(values.get(str(cid), []))
            as_option = MODAL_VALUE_TYPES.get(int(t or 0))
            if as_option is not None:
                picked = [self._resolve(as_option, v, resolved) for v in picked]
            return {"type": t, "custom_id": cid, "values": picked}

        comps = [fill(c) for c in modal.get("components") or []]
        if unknown:
            raise SandboxUsageError(f"modal has no inputs {sorted(unknown)}")
        data: dict[str, Any] = {"custom_id": modal["custom_id"], "components": comps}
        if resolved:
            data["resolved"] = resolved
        origin = opened_by.interaction
        return self._dispatch(member, 5, data, origin.channel, origin.message)

    # -- polls and plain messages ------------------------------------------------------------

    def _vote_event(self, member: Member, msg: Message, answer_id: int) -> dict[str, Any]:
        return {
            "user_id": str(member.id),
            "channel_id": str(msg.channel.id),
            "message_id": str(msg.id),
            "guild_id": str(msg.guild.id),
            "answer_id": answer_id,
        }

    async def poll_vote(self, member: Member, msg: Message, answer_id: int) -> None:
        poll = msg.poll
        if poll is None or poll.finalized or poll.expiry <= utcnow():
            raise SandboxUsageError("that message has no open poll")
        if answer_id not in [a.answer_id for a in poll.answers]:
            raise SandboxUsageError(f"poll has no answer {answer_id}")
        if not poll.allow_multiselect:
            for aid, voters in poll.votes.items():
                if member.id in voters and aid != answer_id:
                    voters.discard(member.id)
                    self.gateway.dispatch(
                        "MESSAGE_POLL_VOTE_REMOVE", self._vote_event(member, msg, aid)
                    )
        poll.votes.setdefault(answer_id, set()).add(member.id)
        self.gateway.dispatch("MESSAGE_POLL_VOTE_ADD", self._vote_event(member, msg, answer_id))

    async def end_poll(self, msg: Message) -> Message:
        """Time passes and the poll on ``msg`` closes: results finalised (MESSAGE_UPDATE) and
        Discord's "poll result" message (type 46) posted under it. Returns that message."""
        poll = msg.poll
        if poll is None or poll.finalized:
            raise SandboxUsageError("that message has no open poll")
        poll.finalized = True
        poll.expiry = utcnow()
        self.message_updated(msg)
        counts = {a.answer_id: poll.count(a.answer_id) for a in poll.answers}
        best = max(counts.values(), default=0)
        leaders = [aid for aid, n in counts.items() if n == best and n > 0]
        fields = [
            {"name": "poll_question_text", "value": poll.question, "inline": False},
            {"name": "victor_answer_votes", "value": str(best), "inline": False},
            {"name": "total_votes", "value": str(sum(counts.values())), "inline": False},
        ]
        if len(leaders) == 1:
            victor = next(a for a in poll.answers if a.answer_id == leaders[0])
            fields.append({"name": "victor_answer_id", "value": str(victor.answer_id)})
            fields.append({"name": "victor_answer_text", "value": victor.text})
        result = Message(self.state.new_message_id(), msg.channel, msg.author, type=46)
        result.embeds = [{"type": "poll_result", "fields": fields}]
        result.message_reference = {
            "type": 0,
            "message_id": str(msg.id),
            "channel_id": str(msg.channel.id),
            "guild_id": str(msg.guild.id),
        }
        self.store_message(result)
        return result

    async def poll_unvote(self, member: Member, msg: Message, answer_id: int) -> None:
        poll = msg.poll
        if poll is None or member.id not in poll.votes.get(answer_id, set()):
            raise SandboxUsageError("no such vote to remove")
        poll.votes[answer_id].discard(member.id)
        self.gateway.dispatch("MESSAGE_POLL_VOTE_REMOVE", self._vote_event(member, msg, answer_id))

    async def interested(self, member: Member, event: ScheduledEvent, *, yes: bool = True) -> None:
        """``member`` clicks "Interested" on a scheduled event (or takes it back with yes=False)."""
        if event.status not in (1, 2):
            raise SandboxUsageError("that event is over")
        data = {
            "guild_scheduled_event_id": str(event.id),
            "user_id": str(member.id),
            "guild_id": str(event.guild_id),
        }
        if yes and member.id not in event.interested:
            event.interested.append(member.id)
            self.gateway.dispatch("GUILD_SCHEDULED_EVENT_USER_ADD", data)
        elif not yes and member.id in event.interested:
            event.interested.remove(member.id)
            self.gateway.dispatch("GUILD_SCHEDULED_EVENT_USER_REMOVE", data)

    async def say(
        self,
        member: Member,
        channel: Channel,
        content: str,
        *,
        files: list[Attachment] | None = None,
    ) -> Message:
        """``member`` posts ``content`` in ``channel`` (a MESSAGE_CREATE the bot sees)."""
        msg = new_message(
            channel, member.user, {"content": content}, [], author_permissions=member.permissions
        )
        msg.attachments = list(files or [])
        self.store_message(msg)
        return msg

    def interactions(self) -> list[InteractionResult]:
        return [InteractionResult(self, i) for i in self.state.interactions.values()]
