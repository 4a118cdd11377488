"""The render status card and the finished post, drawn from the outbox rows the pipeline writes.

``cut_progress`` edits the card (by its stored message id, so it keeps working after the
interaction token is gone); ``cut_ready`` marks the card done and posts the Discord copy with its
subtitles; ``cut_failed`` says why on the card. All in the server's language.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.cards import ref_marker
from bot.i18n import guild_locale, t
from storage.media import get_asset
from storage.models import OutboxMessage
from storage.script import get_episode

if TYPE_CHECKING:
    from bot.relay import Relay

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()
BAR = 20


def bar(fraction: float) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * BAR)
    return "█" * filled + "░" * (BAR - filled)


def duration_text(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def size_text(size: int, locale: str) -> str:
    mb = size / (1024 * 1024)
    text = f"{mb:.1f} MB" if locale == "en" else f"{mb:.1f} Mo".replace(".", ",")
    return text


async def _what(bot: Any, guild_id: int, kind: str, episode_id: int, locale: str) -> str:
    async with bot.db.session() as session:
        episode = await get_episode(session, guild_id, episode_id)
    title = discord.utils.escape_markdown(episode.title)
    if kind == "recap":
        return t("cut.what.recap", locale, number=episode.number)
    return t("cut.what.episode", locale, number=episode.number, title=title)


async def queued_text(bot: Any, guild_id: int, kind: str, episode_id: int) -> str:
    """The card before the worker has started: no 0 % bar that looks stuck."""
    locale = await guild_locale(bot, guild_id)
    what = await _what(bot, guild_id, kind, episode_id, locale)
    return t("cut.card.queued", locale, what=what)


async def running_text(bot: Any, guild_id: int, kind: str, episode_id: int, fraction: float) -> str:
    locale = await guild_locale(bot, guild_id)
    what = await _what(bot, guild_id, kind, episode_id, locale)
    return t(
        "cut.card.running", locale, what=what, percent=round(fraction * 100), bar=bar(fraction)
    )


def _card(relay: Relay, message: OutboxMessage) -> discord.PartialMessage | None:
    card_id = message.payload.get("card_message_id")
    if not card_id or message.channel_id is None:
        return None
    channel = relay.bot.get_partial_messageable(message.channel_id, guild_id=message.guild_id)
    return channel.get_partial_message(int(card_id))


async def _progress(relay: Relay, message: OutboxMessage) -> int | None:
    card = _card(relay, message)
    if card is None:
        return None
    p = message.payload
    text = await running_text(
        relay.bot, message.guild_id, str(p.get("kind")), int(p["episode_id"]),
        float(p.get("progress", 0.0)),
    )  # fmt: skip
    await card.edit(content=text, allowed_mentions=NO_MENTIONS)
    return card.id


async def _failed(relay: Relay, message: OutboxMessage) -> int | None:
    card = _card(relay, message)
    if card is None:
        return None
    p = message.payload
    locale = await guild_locale(relay.bot, message.guild_id)
    what = await _what(relay.bot, message.guild_id, str(p.get("kind")), int(p["episode_id"]),
                       locale)  # fmt: skip
    reason = str(p.get("reason", ""))[:80]
    await card.edit(content=t("cut.card.failed", locale, what=what, reason=reason),
                    allowed_mentions=NO_MENTIONS)  # fmt: skip
    return card.id


async def _ready(relay: Relay, message: OutboxMessage) -> int | None:
    p = message.payload
    bot: Any = relay.bot
    locale = await guild_locale(bot, message.guild_id)
    kind = str(p.get("kind"))
    what = await _what(bot, message.guild_id, kind, int(p["episode_id"]), locale)
    duration = duration_text(float(p.get("duration_s", 0.0)))
    card = _card(relay, message)
    if card is not None:
        await card.edit(content=t("cut.card.ready", locale, what=what, duration=duration),
                        allowed_mentions=NO_MENTIONS)  # fmt: skip
    if message.channel_id is None:
        return None
    files: list[discord.File] = []
    async with bot.db.session() as session:
        upload = await get_asset(session, message.guild_id, int(p["upload_asset_id"]))
        subs = {
            lang: await get_asset(session, message.guild_id, int(asset_id))
            for lang, asset_id in dict(p.get("subtitle_asset_ids") or {}).items()
        }
    number = p.get("episode_number")
    stem = f"{kind}-{number}"
    if upload is not None:
        files.append(discord.File(await bot.media.local_path(upload.sha256), f"{stem}.mp4"))
    for lang, asset in subs.items():
        if asset is not None:
            files.append(
                discord.File(await bot.media.local_path(asset.sha256), f"{stem}.{lang}.srt")
            )
    size = size_text(int(p.get("size_bytes", 0)), locale)
    title = discord.utils.escape_markdown(str(p.get("episode_title", "")))
    lines = [
        t(
            f"cut.posted.{'recap' if kind == 'recap' else 'episode'}",
            locale,
            number=number,
            title=title,
            duration=duration,
            size=size,
        )
    ]
    waiting = list(p.get("waiting") or [])
    if waiting:
        codes = ", ".join(waiting)[:600]
        lines.append(t("cut.posted.waiting", locale, count=len(waiting), codes=codes))
    if subs:
        lines.append(t("cut.posted.subtitles", locale, languages=", ".join(subs)))
    if p.get("final"):
        lines.append(t("cut.posted.final", locale))
    # Embed titles show markdown literally: the bold is for the plain-text line only.
    embed = discord.Embed(
        title=lines[0].replace("**", ""), description="\n".join(lines[1:]) or None
    )
    embed.set_footer(text=f"Dailies · {ref_marker(message.id or 0)}")
    # The relay's poster looks for an earlier attempt (by the footer's ref) before posting, so
    # a retried row after a lost answer does not post the episode twice.
    return await relay._post(message, embed, files=files)


def register(relay: Relay) -> None:
    relay.register("cut_progress", _progress)
    relay.register("cut_ready", _ready)
    relay.register("cut_failed", _failed)
