"""What a member's click on the dailies does: vote, flag, second, reroll, remix, lock, veto.

Every refusal is raised (``UserFacingError`` / ``MissingRole``) and reaches the member through the
one error path, privately, in their language.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import timedelta
from typing import Any

import discord

from bot.checks import bot_of, ensure_crew, ensure_showrunner
from bot.errors import send_ephemeral
from bot.host import registry_of, relay_of
from bot.i18n import guild_locale, locale_of, t
from commands.dailies import _ballot, _closing, _poll
from pipeline.enqueue import Enqueued, NeedsConfirmation, enqueue_takes
from storage import votes
from storage.errors import InvalidInput, NotAllowed
from storage.guilds import get_settings
from storage.job_outputs import get_take
from storage.ledger import BudgetRefusal
from storage.models import GuildSettings, Take
from storage.script_lookup import shot_detail
from storage.types import utcnow

log = logging.getLogger(__name__)
Interaction = discord.Interaction[Any]
NO_MENTIONS = discord.AllowedMentions.none()
TIMECODE = re.compile(r"^\s*(?:(?P<m>[0-9]{1,3}):)?(?P<s>[0-9]{1,4}(?:[.,][0-9]{1,3})?)\s*$")


def parse_timecode(value: str) -> float | None:
    """ "0:03", "3", "3.5", "1:02,5" -> seconds; empty -> None; anything else is refused."""
    if not value.strip():
        return None
    match = TIMECODE.match(value)
    if match is None:
        raise InvalidInput("dailies.bad_timecode", value=value[:20])
    return int(match["m"] or 0) * 60 + float(match["s"].replace(",", "."))


def check_voter(interaction: Interaction, settings: GuildSettings) -> float:
    """May this member vote? Returns their weight. Bots never; members who left never; the
    voter role and the minimum account age when the server set them."""
    user = interaction.user
    if user.bot:
        raise NotAllowed("dailies.no_bots")
    guild = interaction.guild
    member = guild.get_member(user.id) if guild is not None else None
    if member is None or not isinstance(user, discord.Member):
        raise NotAllowed("dailies.not_a_member")
    role_ids = [role.id for role in member.roles]
    if settings.voter_role_id and settings.voter_role_id not in role_ids:
        raise NotAllowed("dailies.needs_voter_role", role=f"<@&{settings.voter_role_id}>")
    days = settings.vote_min_account_age_days
    if days and utcnow() - user.created_at < timedelta(days=days):
        raise NotAllowed("dailies.account_too_young", days=days)
    return votes.member_weight(role_ids, settings.vote_role_weights)


SETTINGS_TTL_S = 2.0


class SettingsCache:
    """The server's settings, read at most every ``SETTINGS_TTL_S`` during a burst of votes (a
    change made by another process shows within that time; /dailies settings forgets at once).
    One per bot (``settings_cache(bot)``), not per module: an extension reload must not leave
    two caches, one forgotten and one stale."""

    def __init__(self) -> None:
        self.entries: dict[int, tuple[float, GuildSettings]] = {}
        self.generation: dict[int, int] = {}

    async def get(self, db: Any, guild_id: int) -> GuildSettings:
        now = time.monotonic()
        cached = self.entries.get(guild_id)
        if cached is not None and now - cached[0] < SETTINGS_TTL_S:
            return cached[1]
        generation = self.generation.get(guild_id, 0)
        settings = await get_settings(db, guild_id)
        # A read that started before a change must not put the old settings back.
        if self.generation.get(guild_id, 0) == generation:
            self.entries[guild_id] = (now, settings)
        return settings

    def forget(self, guild_id: int) -> None:
        self.generation[guild_id] = self.generation.get(guild_id, 0) + 1
        self.entries.pop(guild_id, None)


def settings_cache(bot: Any) -> SettingsCache:
    cache = getattr(bot, "_dailies_settings", None)
    if not isinstance(cache, SettingsCache) or type(cache).__module__ != __name__:
        cache = SettingsCache()
        bot._dailies_settings = cache
    return cache


def forget_settings(bot: Any, guild_id: int) -> None:
    settings_cache(bot).forget(guild_id)


async def vote(interaction: Interaction, review_id: int, take_id: int) -> None:
    bot = bot_of(interaction)
    guild_id = interaction.guild_id or 0
    settings = await settings_cache(bot).get(bot.db, guild_id)
    weight = check_voter(interaction, settings)
    result = await votes.cast_vote(
        bot.db, guild_id, review_id, take_id, interaction.user.id, weight=weight
    )
    locale = await locale_of(interaction)
    if result.outcome == "same":
        text = t("dailies.vote_same", locale, label=result.label)
    elif result.outcome == "changed":
        text = t("dailies.vote_changed", locale, before=result.previous_label or "?",
                 label=result.label)  # fmt: skip
    else:
        text = t("dailies.vote_new", locale, label=result.label)
    await send_ephemeral(interaction, text)
    if result.outcome != "same" and settings.vote_live_counts:
        _ballot.refresh_soon(bot, guild_id, review_id)


async def _take(interaction: Interaction, review_id: int, take_id: int) -> tuple[Any, Take]:
    async with bot_of(interaction).db.session() as session:
        review, take = await votes.take_in_review(
            session, interaction.guild_id or 0, review_id, take_id
        )
    if review.closed_at is not None:
        raise NotAllowed("dailies.closed")
    return review, take


async def open_flag_form(interaction: Interaction, review_id: int, take_id: int) -> None:
    from commands.dailies._views import FlagModal

    _review, take = await _take(interaction, review_id, take_id)
    locale = await locale_of(interaction)
    await interaction.response.send_modal(FlagModal(review_id, take_id, take.label, locale))


async def _show_flags(interaction: Interaction, review_id: int, take_id: int) -> None:
    """The take's message carries the warning; the ballot lists it."""
    bot = bot_of(interaction)
    guild_id = interaction.guild_id or 0
    locale = await guild_locale(bot, guild_id)
    async with bot.db.session() as session:
        take = await get_take(session, guild_id, take_id)
        flags = await votes.flags_of(session, guild_id, [take_id])
    message = interaction.message
    if take is not None and message is not None:
        try:
            await message.edit(content=_ballot.take_text(take, flags, locale))
        except discord.HTTPException:
            log.warning("could not mark take %s flagged (guild %s)", take_id, guild_id)
    _ballot.refresh_soon(bot, guild_id, review_id)


async def submit_flag(
    interaction: Interaction, review_id: int, take_id: int, values: dict[str, str]
) -> None:
    reason = (values.get("reason") or "").strip()
    if not reason:
        raise InvalidInput("dailies.flag_needs_reason")
    at = parse_timecode(values.get("at") or "")
    await interaction.response.defer(ephemeral=True, thinking=True)
    await _take(interaction, review_id, take_id)
    async with bot_of(interaction).db.session() as session:
        _flag, new = await votes.flag_take(
            session, interaction.guild_id or 0, review_id, take_id, interaction.user.id,
            reason=reason, timecode_s=at,
        )  # fmt: skip
    locale = await locale_of(interaction)
    await send_ephemeral(
        interaction, t("dailies.flagged" if new else "dailies.flagged_already", locale)
    )
    if new:
        await _show_flags(interaction, review_id, take_id)


async def second(interaction: Interaction, review_id: int, take_id: int) -> None:
    await _take(interaction, review_id, take_id)
    async with bot_of(interaction).db.session() as session:
        _flag, new = await votes.second_flag(
            session, interaction.guild_id or 0, review_id, take_id, interaction.user.id
        )
    locale = await locale_of(interaction)
    await send_ephemeral(
        interaction, t("dailies.seconded" if new else "dailies.flagged_already", locale)
    )
    if new:
        await _show_flags(interaction, review_id, take_id)


async def _enqueue_reroll(interaction: Interaction, review: Any, take: Take) -> str:
    bot = bot_of(interaction)
    settings = await ensure_crew(interaction)
    await _poll.ensure_room(bot.db, interaction.guild_id or 0, review)
    from bot.checks import is_showrunner

    result = await enqueue_takes(
        bot.db, guild_id=interaction.guild_id or 0, shot_id=take.shot_id,
        member_id=interaction.user.id, takes=1, provider=take.provider or None, confirm=False,
        registry=registry_of(bot), channel_id=review.thread_id,
        allow_over_quota=is_showrunner(interaction, settings),
    )  # fmt: skip
    relay = relay_of(bot)
    if relay is not None:
        relay.wake()
    locale = await locale_of(interaction)
    if isinstance(result, Enqueued):
        label = result.labels[0] if result.labels else "?"
        return t("dailies.reroll_queued", locale, label=label, of=take.label)
    if isinstance(result, NeedsConfirmation):
        raise NotAllowed("dailies.reroll_needs_confirm", cents=result.estimate_cents)
    if isinstance(result, BudgetRefusal):
        raise NotAllowed("dailies.reroll_budget", needed=result.needed_cents,
                         available=result.available_cents)  # fmt: skip
    raise NotAllowed("dailies.reroll_failed")


async def reroll(interaction: Interaction, review_id: int, take_id: int) -> None:
    review, take = await _take(interaction, review_id, take_id)
    await send_ephemeral(interaction, await _enqueue_reroll(interaction, review, take))


async def open_remix_form(interaction: Interaction, review_id: int, take_id: int) -> None:
    from commands.dailies._views import RemixModal

    await ensure_crew(interaction)
    review, _take_row = await _take(interaction, review_id, take_id)
    await _poll.ensure_room(bot_of(interaction).db, interaction.guild_id or 0, review)
    async with bot_of(interaction).db.session() as session:
        detail = await shot_detail(session, interaction.guild_id or 0, review.shot_id)
    locale = await locale_of(interaction)
    await interaction.response.send_modal(
        RemixModal(review_id, take_id, detail.shot.action, locale)
    )


async def submit_remix(
    interaction: Interaction, review_id: int, take_id: int, values: dict[str, str]
) -> None:
    action = (values.get("action") or "").strip()
    if not action:
        raise InvalidInput("dailies.remix_empty")
    await interaction.response.defer(ephemeral=True, thinking=True)
    review, take = await _take(interaction, review_id, take_id)
    await ensure_crew(interaction)
    async with bot_of(interaction).db.session() as session:
        await votes.update_shot_action(session, interaction.guild_id or 0, take.shot_id, action)
    await send_ephemeral(interaction, await _enqueue_reroll(interaction, review, take))


async def lock(interaction: Interaction, review_id: int, take_id: int) -> None:
    await ensure_showrunner(interaction)
    await _take(interaction, review_id, take_id)
    closing = await _closing.close(
        bot_of(interaction), interaction.guild_id or 0, review_id, winner_take_id=take_id,
        by=interaction.user.id, how="locked",
    )  # fmt: skip
    locale = await locale_of(interaction)
    label = closing.winner.label if closing.winner else "?"
    await send_ephemeral(interaction, t("dailies.locked_ack", locale, label=label))


async def veto(interaction: Interaction, review_id: int) -> None:
    await ensure_showrunner(interaction)
    await _closing.close(
        bot_of(interaction), interaction.guild_id or 0, review_id, winner_take_id=None,
        by=interaction.user.id, how="veto",
    )  # fmt: skip
    await send_ephemeral(interaction, t("dailies.veto_ack", await locale_of(interaction)))
