"""Turning a message body the bot sent into a stored message, the way Discord checks it.

Checks (each answers with Discord's error JSON): content over 2000 characters, more than 10
embeds or files, a file over the guild's upload limit (413 / 40005), classic components (at most
5 action rows of at most 5 items, a select alone in its row), Components V2 (flag 1<<15: no
content, embeds or poll; at most 40 components counting nested ones), poll limits, empty message.
Mentions are worked out as Discord would ping: only what the content mentions, filtered by the
body's ``allowed_mentions`` (everything when it is absent) and the author's permissions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.sandbox.errors import (
    EMPTY_MESSAGE,
    REQUEST_TOO_LARGE,
    DiscordError,
    form_error,
)
from bot.sandbox.limits import check_component_details, check_embeds, flatten
from bot.sandbox.state import (
    MENTION_EVERYONE,
    Attachment,
    Channel,
    Message,
    Poll,
    PollAnswer,
    SandboxState,
    User,
    utcnow,
)

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_FILES = 10
MAX_ROWS = 5
MAX_ROW_ITEMS = 5
MAX_V2_COMPONENTS = 40
MAX_V2_TEXT = 4000
MAX_POLL_ANSWERS = 10
MAX_POLL_HOURS = 768
FLAG_EPHEMERAL = 1 << 6
FLAG_COMPONENTS_V2 = 1 << 15
SELECT_TYPES = {3, 5, 6, 7, 8}

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_EVERYONE = re.compile(r"@(everyone|here)\b")


@dataclass
class Upload:
    """One ``files[n]`` part of a multipart body."""

    index: int
    filename: str
    data: bytes
    content_type: str | None


def _check_classic_components(rows: list[Any]) -> None:
    if len(rows) > MAX_ROWS:
        raise form_error("components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
    for r, row in enumerate(rows):
        if not isinstance(row, dict) or row.get("type") != 1:
            raise form_error(
                f"components.{r}.type",
                "UNION_TYPE_CHOICES",
                "Value must be an action row without the IS_COMPONENTS_V2 flag.",
            )
        items = row.get("components") or []
        if not items:
            raise form_error(
                f"components.{r}.components", "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."
            )
        if len(items) > MAX_ROW_ITEMS:
            raise form_error(
                f"components.{r}.components",
                "BASE_TYPE_MAX_LENGTH",
                "Must be 5 or fewer in length.",
            )
        if any(i.get("type") in SELECT_TYPES for i in items) and len(items) > 1:
            raise form_error(
                f"components.{r}.components",
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )


def number_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give every component without one an ``id``, counting up depth-first and skipping ids the
    bot chose, as Discord does; discord.py's ``find_item(id)`` relies on them."""
    every = flatten(components)
    taken = {c["id"] for c in every if isinstance(c.get("id"), int)}
    counter = 0
    for c in every:
        if not isinstance(c.get("id"), int):
            counter += 1
            while counter in taken:
                counter += 1
            c["id"] = counter
    return components


def media_urls(components: list[Any]) -> list[str]:
    """URLs of thumbnails (11), media-gallery items (12) and file components (13)."""
    urls: list[str] = []
    for c in flatten(components):
        if c.get("type") == 11:
            urls.append(str((c.get("media") or {}).get("url") or ""))
        elif c.get("type") == 12:
            urls += [str((i.get("media") or {}).get("url") or "") for i in c.get("items") or []]
        elif c.get("type") == 13:
            urls.append(str((c.get("file") or {}).get("url") or ""))
    return urls


def check_attachment_refs(components: list[Any], attachments: list[Attachment]) -> None:
    """``attachment://name`` in a component must name a file of this message."""
    names = {a.filename for a in attachments}
    for url in media_urls(components):
        if url.startswith("attachment://") and url[len("attachment://") :] not in names:
            raise form_error(
                "components",
                "UNFURLED_MEDIA_ITEM_ATTACHMENT_NOT_FOUND",
                f"{url} does not match any attachment of this message",
            )


def check_components(components: list[Any], flags: int) -> None:
    if not flags & FLAG_COMPONENTS_V2:
        _check_classic_components(components)
        check_component_details(flatten(components))
        return
    every = flatten(components)
    if len(every) > MAX_V2_COMPONENTS:
        raise form_error(
            "components",
            "COMPONENT_MAX_TOTAL_COMPONENTS_EXCEEDED",
            f"Too many components (max {MAX_V2_COMPONENTS}), counting nested ones.",
        )
    text = sum(len(str(c.get("content") or "")) for c in every if c.get("type") == 10)
    if text > MAX_V2_TEXT:
        raise form_error(
            "components", "COMPONENT_MAX_TEXT_EXCEEDED", "Too much text in components (max 4000)."
        )
    check_component_details(every)


def parse_poll(state: SandboxState, body: dict[str, Any]) -> Poll:
    answers = body.get("answers") or []
    if not 1 <= len(answers) <= MAX_POLL_ANSWERS:
        raise form_error(
            "poll.answers", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 10 in length."
        )
    hours = float(body.get("duration") or 24)
    if not 1 <= hours <= MAX_POLL_HOURS:
        raise form_error(
            "poll.duration", "NUMBER_TYPE_MAX", "int value should be between 1 and 768."
        )
    question = str((body.get("question") or {}).get("text") or "")
    if not 1 <= len(question) <= 300:
        raise form_error("poll.question.text", "BASE_TYPE_BAD_LENGTH", "Must be 1-300 long.")
    out: list[PollAnswer] = []
    for n, a in enumerate(answers, start=1):
        media = a.get("poll_media") or {}
        text = str(media.get("text") or "")
        if not 1 <= len(text) <= 55:
            raise form_error(
                f"poll.answers.{n - 1}.poll_media.text",
                "BASE_TYPE_BAD_LENGTH",
                "Must be 1-55 long.",
            )
        out.append(PollAnswer(n, text, media.get("emoji")))
    return Poll(
        question,
        out,
        state.expires(hours),
        allow_multiselect=bool(body.get("allow_multiselect")),
        layout_type=int(body.get("layout_type") or 1),
    )


def compute_mentions(msg: Message, author_permissions: int) -> None:
    """Fill ``mentions``/``mention_roles``/``mention_everyone`` with what would really ping."""
    am = msg.allowed_mentions
    parse = {"users", "roles", "everyone"} if am is None else set(am.get("parse") or [])
    allowed_users = {int(u) for u in (am or {}).get("users") or []}
    allowed_roles = {int(r) for r in (am or {}).get("roles") or []}
    guild = msg.channel.guild
    users: list[int] = []
    for raw in _USER_MENTION.findall(msg.content):
        uid = int(raw)
        if uid in guild.state.users and ("users" in parse or uid in allowed_users):
            users.append(uid)
    ref = msg.message_reference
    if ref and (am is None or am.get("replied_user")):
        replied = guild.state.messages.get(int(ref.get("message_id") or 0))
        if replied is not None:
            users.append(replied.author.id)
    roles: list[int] = []
    may_ping_all = bool(author_permissions & MENTION_EVERYONE)
    for raw in _ROLE_MENTION.findall(msg.content):
        role = guild.roles.get(int(raw))
        if role is None or not ("roles" in parse or role.id in allowed_roles):
            continue
        if role.mentionable or may_ping_all:
            roles.append(role.id)
    msg.mentions = list(dict.fromkeys(users))
    msg.mention_roles = list(dict.fromkeys(roles))
    msg.mention_everyone = bool(
        _EVERYONE.search(msg.content) and "everyone" in parse and may_ping_all
    )


def _attachments(
    state: SandboxState,
    body: dict[str, Any],
    uploads: list[Upload],
    limit: int,
    keep: list[Attachment],
) -> list[Attachment]:
    """New attachments from ``files[n]`` parts, plus the kept ones an edit lists by id."""
    by_index = {u.index: u for u in uploads}
    listed = body.get("attachments")
    kept_by_id = {str(a.id): a for a in keep}
    out: list[Attachment] = []
    used: set[int] = set()
    if listed is None:
        out.extend(keep)
    for entry in listed or []:
        key = str(entry.get("id"))
        if key in kept_by_id:
            out.append(kept_by_id[key])
            continue
        upload = by_index.get(int(key)) if key.isdigit() else None
        if upload is None:
            raise form_error("attachments", "ATTACHMENT_NOT_FOUND", f"Unknown attachment {key}")
        used.add(upload.index)
        out.append(
            Attachment(
                state.ids.next(),
                str(entry.get("filename") or upload.filename),
                upload.data,
                upload.content_type,
                entry.get("description"),
            )
        )
    for upload in uploads:
        if upload.index not in used:
            out.append(
                Attachment(state.ids.next(), upload.filename, upload.data, upload.content_type)
            )
    if len(out) > MAX_FILES:
        raise form_error("attachments", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    for a in out:
        if a.size > limit:
            raise DiscordError(413, REQUEST_TOO_LARGE, "Request entity too large")
    return out


def apply_body(
    msg: Message,
    body: dict[str, Any],
    uploads: list[Upload],
    *,
    limit: int,
    author_permissions: int,
    editing: bool,
) -> None:
    """Validate ``body`` and write it into ``msg`` (a new one, or an edit of an existing one)."""
    state = msg.channel.guild.state
    flags = int(body["flags"]) if body.get("flags") is not None else msg.flags
    if editing:
        # The ephemeral and loading flags belong to the message, not the edit.
        flags = (flags & ~(FLAG_EPHEMERAL | 128)) | (msg.flags & FLAG_EPHEMERAL)
    content = body.get("content", msg.content if editing else None)
    content = "" if content is None else str(content)
    embeds = body["embeds"] if body.get("embeds") is not None else (msg.embeds if editing else [])
    components = (
        body["components"]
        if body.get("components") is not None
        else (msg.components if editing else [])
    )
    if flags & FLAG_COMPONENTS_V2:
        if content or embeds or body.get("poll"):
            raise form_error(
                "content",
                "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                "The 'content', 'embeds', 'sticker_ids' and 'poll' fields cannot be used "
                "when using MessageFlags.IS_COMPONENTS_V2",
            )
    elif len(content) > MAX_CONTENT:
        raise form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    if len(embeds) > MAX_EMBEDS:
        raise form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    check_embeds(embeds)
    check_components(components, flags)
    attachments = _attachments(state, body, uploads, limit, msg.attachments if editing else [])
    check_attachment_refs(components, attachments)
    poll = msg.poll
    if body.get("poll"):
        if editing and msg.poll is not None:
            raise form_error("poll", "CANNOT_EDIT_POLL", "Polls cannot be edited")
        poll = parse_poll(state, body["poll"])
    if not (content or embeds or components or attachments or poll or body.get("sticker_ids")):
        raise DiscordError(400, EMPTY_MESSAGE, "Cannot send an empty message")
    msg.content = content
    msg.embeds = list(embeds)
    msg.components = number_components(list(components))
    msg.attachments = attachments
    msg.flags = flags
    msg.poll = poll
    msg.tts = bool(body.get("tts")) if not editing else msg.tts
    if body.get("nonce") is not None and not editing:
        msg.nonce = str(body["nonce"])
    if body.get("message_reference") and not editing:
        ref = dict(body["message_reference"])
        ref.setdefault("channel_id", str(msg.channel.id))
        ref.setdefault("guild_id", str(msg.channel.guild.id))
        target = state.messages.get(int(ref.get("message_id") or 0))
        if target is not None and not target.deleted and not target.ephemeral:
            msg.message_reference = ref
            msg.type = 19
        elif ref.get("fail_if_not_exists", True):
            raise form_error("message_reference", "REPLIES_UNKNOWN_MESSAGE", "Unknown message")
        # else: Discord sends it as a plain message
    if "allowed_mentions" in body or not editing:
        msg.allowed_mentions = body.get("allowed_mentions")
    compute_mentions(msg, author_permissions)
    if editing:
        msg.edited_at = utcnow()


def new_message(
    channel: Channel,
    author: User,
    body: dict[str, Any],
    uploads: list[Upload],
    *,
    author_permissions: int,
) -> Message:
    """A validated, not yet stored message."""
    state = channel.guild.state
    msg = Message(state.new_message_id(), channel, author)
    apply_body(
        msg,
        body,
        uploads,
        limit=channel.guild.upload_limit,
        author_permissions=author_permissions,
        editing=False,
    )
    return msg
