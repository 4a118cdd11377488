"""JSON builders for the objects discord.py parses (discord-wire.md §4): one place for their shape.

``cdn`` is the sandbox origin (``http://127.0.0.1:PORT``); attachment URLs point at its
``/attachments/...`` route so ``Attachment.read()`` in the bot gets the stored bytes back.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from bot.sandbox.state import (
    Attachment,
    Channel,
    Command,
    Guild,
    Interaction,
    Member,
    Message,
    Poll,
    Role,
    ScheduledEvent,
    User,
    iso,
)

Json = dict[str, Any]


def user(u: User) -> Json:
    return {
        "id": str(u.id),
        "username": u.username,
        "discriminator": "0",
        "global_name": u.global_name,
        "avatar": u.avatar,
        "bot": u.bot,
        "public_flags": 0,
        "flags": 0,
    }


def client_user(u: User) -> Json:
    return {**user(u), "verified": True, "mfa_enabled": False, "locale": "en-US"}


def member(m: Member, *, with_user: bool = True, with_permissions: bool = False) -> Json:
    out: Json = {
        "roles": [str(r) for r in m.roles],
        "nick": m.nick,
        "avatar": None,
        "joined_at": iso(m.joined_at),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
    }
    if with_user:
        out["user"] = user(m.user)
    if with_permissions:
        out["permissions"] = str(m.permissions)
    return out


def role(r: Role) -> Json:
    return {
        "id": str(r.id),
        "name": r.name,
        "permissions": str(r.permissions),
        "position": r.position,
        "color": r.color,
        "colors": {"primary_color": r.color, "secondary_color": None, "tertiary_color": None},
        "hoist": r.hoist,
        "managed": r.managed,
        "mentionable": r.mentionable,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }


def channel(c: Channel) -> Json:
    out: Json = {
        "id": str(c.id),
        "type": c.type,
        "guild_id": str(c.guild.id),
        "name": c.name,
        "position": c.position,
        "parent_id": str(c.parent_id) if c.parent_id else None,
        "permission_overwrites": [
            {"id": str(tid), "type": kind, "allow": str(allow), "deny": str(deny)}
            for tid, (kind, allow, deny) in c.overwrites.items()
        ],
        "nsfw": False,
        "rate_limit_per_user": c.rate_limit_per_user,
        "last_message_id": str(c.last_message_id) if c.last_message_id else None,
        "flags": c.flags,
    }
    if not c.is_thread:
        out["topic"] = c.topic
    if c.type == 15:
        out["available_tags"] = c.available_tags
        out["default_reaction_emoji"] = None
        out["default_sort_order"] = None
        out["default_forum_layout"] = 0
        out["default_thread_rate_limit_per_user"] = 0
    if c.is_thread:
        out.pop("permission_overwrites")
        out.pop("position")
        out.update(
            owner_id=str(c.owner_id),
            message_count=len(c.messages),
            total_message_sent=len(c.messages),
            member_count=1,
            applied_tags=[str(t) for t in c.applied_tags],
            thread_metadata={
                "archived": c.archived,
                "locked": c.locked,
                "auto_archive_duration": c.auto_archive_duration,
                "archive_timestamp": iso(c.created_at),
                "create_timestamp": iso(c.created_at),
                "invitable": True,
            },
        )
    return out


def thread_with_member(c: Channel, member_id: int) -> Json:
    out = channel(c)
    out["member"] = {
        "id": str(c.id),
        "user_id": str(member_id),
        "join_timestamp": iso(c.created_at),
        "flags": 0,
    }
    return out


def attachment(a: Attachment, channel_id: int, cdn: str) -> Json:
    url = f"{cdn}/attachments/{channel_id}/{a.id}/{quote(a.filename)}"
    return {
        "id": str(a.id),
        "filename": a.filename,
        "size": a.size,
        "url": url,
        "proxy_url": url,
        "content_type": a.content_type,
        "description": a.description,
        "width": a.width,
        "height": a.height,
        "ephemeral": False,
        "flags": 0,
    }


def poll(p: Poll) -> Json:
    answers = []
    for a in p.answers:
        media: Json = {"text": a.text}
        if a.emoji:
            media["emoji"] = a.emoji
        answers.append({"answer_id": a.answer_id, "poll_media": media})
    return {
        "question": {"text": p.question},
        "answers": answers,
        "expiry": iso(p.expiry),
        "allow_multiselect": p.allow_multiselect,
        "layout_type": p.layout_type,
        "results": {
            "is_finalized": p.finalized,
            "answer_counts": [
                {"id": a.answer_id, "count": p.count(a.answer_id), "me_voted": False}
                for a in p.answers
            ],
        },
    }


def message(m: Message, cdn: str, *, gateway: bool = False) -> Json:
    out: Json = {
        "id": str(m.id),
        "type": m.type,
        "channel_id": str(m.channel.id),
        "content": m.content,
        "author": user(m.author),
        "attachments": [attachment(a, m.channel.id, cdn) for a in m.attachments],
        "embeds": m.embeds,
        "components": m.components,
        "mentions": [user(m.channel.guild.state.users[u]) for u in m.mentions],
        "mention_roles": [str(r) for r in m.mention_roles],
        "mention_everyone": m.mention_everyone,
        "pinned": m.pinned,
        "tts": m.tts,
        "timestamp": iso(m.created_at),
        "edited_timestamp": iso(m.edited_at),
        "flags": m.flags,
        "reactions": [],
    }
    if m.nonce is not None:
        out["nonce"] = m.nonce
    if m.webhook_id is not None:
        out["webhook_id"] = str(m.webhook_id)
    if m.application_id is not None:
        out["application_id"] = str(m.application_id)
    if m.interaction is not None:
        i = m.interaction
        out["interaction_metadata"] = {
            "id": str(i.id),
            "type": i.type,
            "user": user(i.member.user),
            "authorizing_integration_owners": {"0": str(i.guild.id) if i.guild else "0"},
        }
    if m.poll is not None:
        out["poll"] = poll(m.poll)
    if m.thread is not None:
        out["thread"] = channel(m.thread)
    if m.message_reference is not None:
        out["message_reference"] = m.message_reference
    if gateway:
        out["guild_id"] = str(m.channel.guild.id)
        author = m.channel.guild.members.get(m.author.id)
        if author is not None and m.webhook_id is None:
            out["member"] = member(author, with_user=False)
    return out


def guild_create(g: Guild) -> Json:
    return {
        "id": str(g.id),
        "name": g.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": str(g.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": g.premium_tier,
        "premium_subscription_count": 0,
        "preferred_locale": g.locale,
        "nsfw_level": 0,
        "features": g.features,
        "joined_at": iso(g.me.joined_at),
        "large": False,
        "unavailable": False,
        "member_count": len(g.members),
        "roles": [role(r) for r in g.roles.values()],
        "channels": [channel(c) for c in g.channels.values() if not c.is_thread],
        "threads": [channel(c) for c in g.channels.values() if c.is_thread and not c.archived],
        "members": [member(m) for m in g.members.values()],
        "emojis": [],
        "stickers": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [scheduled_event(e) for e in g.scheduled_events.values()],
        "soundboard_sounds": [],
    }


def command(c: Command) -> Json:
    out = {k: v for k, v in c.data.items() if v is not None}
    out.update(
        id=str(c.id),
        application_id=str(c.application_id),
        version=str(c.version),
        type=c.type,
        default_member_permissions=c.data.get("default_member_permissions"),
        dm_permission=c.data.get("dm_permission", True),
        nsfw=bool(c.data.get("nsfw")),
    )
    out.setdefault("description", "")
    out.setdefault("options", [])
    if c.guild_id is not None:
        out["guild_id"] = str(c.guild_id)
    return out


def scheduled_event(e: ScheduledEvent) -> Json:
    return {
        **e.data,
        "id": str(e.id),
        "guild_id": str(e.guild_id),
        "creator_id": str(e.creator_id),
        "user_count": len(e.interested),
    }


def interaction(i: Interaction, cdn: str, attachment_size_limit: int) -> Json:
    out: Json = {
        "id": str(i.id),
        "application_id": str(i.channel.guild.state.application_id),
        "type": i.type,
        "token": i.token,
        "version": 1,
        "data": i.data,
        "channel_id": str(i.channel.id),
        "channel": channel(i.channel),
        "locale": i.member.locale,
        "app_permissions": str(i.channel.permissions_for(i.channel.guild.me)),
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": attachment_size_limit,
        "context": 0,
        "authorizing_integration_owners": {"0": str(i.channel.guild.id)},
    }
    if i.guild is not None:
        out["guild_id"] = str(i.guild.id)
        out["guild"] = {
            "id": str(i.guild.id),
            "locale": i.guild.locale,
            "features": i.guild.features,
        }
        out["guild_locale"] = i.guild.locale
        out["member"] = member(i.member)
        out["member"]["permissions"] = str(i.channel.permissions_for(i.member))
    else:
        out["user"] = user(i.member.user)
    if i.message is not None:
        out["message"] = message(i.message, cdn)
    return out
