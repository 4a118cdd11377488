"""The body of ``/shot queue``: defer, enqueue, then confirm, refuse, or post the status card.

    /shot queue shot:1.2.3 takes:2 provider:luma

1. Defer at once (ephemeral "thinking"), so Discord's 3 s never matter (invariant 1).
2. ``pipeline.enqueue.enqueue_takes`` prices the takes, holds the money and writes the jobs
   in one transaction, or answers ``NeedsConfirmation`` / ``BudgetRefusal`` as values.
3. Above the server's threshold: Confirm / Cancel buttons (``ConfirmQueueButton``, a
   DynamicItem whose custom id carries shot, takes, provider and member, so it works after a
   restart and re-prices from storage when pressed). Only the member who asked may press.
4. Queued: a short ephemeral acknowledgement, then the public status card. Its channel and
   message ids are stored on the jobs; from then on the relay edits it by id (bot/relay.py).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

import commands.shots._queue_strings  # noqa: F401  (the sentences below)
from bot import cards
from bot.checks import bot_of, is_showrunner
from bot.host import registry_of, relay_of
from bot.i18n import guild_locale, locale_of, t
from bot.relay import store_card
from bot.views import SafeDynamicItem, custom_id, id_template
from commands.shots._confirm import NO_MENTIONS, Say, answer_prompt, confirm_button, only_the_asker
from pipeline.enqueue import Enqueued, NeedsConfirmation, enqueue_takes
from pipeline.prompts import PromptTooLong, ShotNotFound
from pipeline.registry import REMOTE_PROVIDERS, UnknownProvider
from storage.errors import InvalidInput, NotFound, UserFacingError
from storage.guilds import get_settings
from storage.ledger import BudgetRefusal
from storage.script_lookup import resolve_shot

log = logging.getLogger(__name__)
Interaction = discord.Interaction[Any]


def refusal_error(refusal: BudgetRefusal, locale: str) -> UserFacingError:
    stamp = int(refusal.resets_at.timestamp())
    return UserFacingError(
        f"queue.refused.{refusal.scope}",
        needed=cards.money(refusal.needed_cents, locale),
        left=cards.money(refusal.available_cents, locale),
        resets=f"<t:{stamp}:R> (<t:{stamp}:f>)",
    )


def provider_error(error: UnknownProvider, known: list[str]) -> UserFacingError:
    if error.name in REMOTE_PROVIDERS:
        return UserFacingError(
            "queue.missing_key", provider=error.name, env=error.name.upper().replace("-", "_")
        )
    return UserFacingError(
        "queue.unknown_provider", provider=error.name[:40], known=", ".join(sorted(known))
    )


async def queue_takes(
    interaction: Interaction, shot: str, takes: int, provider: str | None
) -> None:
    """``/shot queue``: see the module docstring."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    assert interaction.guild_id is not None
    async with bot_of(interaction).db.session() as session:
        found = await resolve_shot(session, interaction.guild_id, shot)
    assert found.id is not None

    async def say(text: str) -> None:
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    await enqueue_and_report(
        interaction, shot_id=found.id, takes=takes, provider=provider, confirm=False, say=say
    )


async def enqueue_and_report(
    interaction: Interaction,
    *,
    shot_id: int,
    takes: int,
    provider: str | None,
    confirm: bool,
    say: Say,
    request_key: str | None = None,
) -> None:
    """Enqueue (the interaction is already deferred) and answer with ``say`` + the card.
    ``request_key``: a confirmation prompt's; pressed again after a restart, nothing is queued
    twice (the member is told it was already answered)."""
    guild_id = interaction.guild_id
    assert guild_id is not None
    bot = bot_of(interaction)
    locale = await locale_of(interaction)
    registry = registry_of(bot)
    settings = await get_settings(bot.db, guild_id)
    try:
        result = await enqueue_takes(
            bot.db, guild_id=guild_id, shot_id=shot_id, member_id=interaction.user.id,
            takes=takes, provider=provider, confirm=confirm, registry=registry,
            channel_id=interaction.channel_id,
            allow_over_quota=is_showrunner(interaction, settings), request_key=request_key,
        )  # fmt: skip
    except UnknownProvider as error:
        raise provider_error(error, list(registry)) from None
    except ShotNotFound:
        raise NotFound("queue.shot_not_found") from None
    except PromptTooLong as error:
        raise InvalidInput(
            "queue.prompt_too_long", provider=error.provider or provider or "?",
            needed=error.needed_chars, max=error.max_chars,
        ) from None  # fmt: skip
    if isinstance(result, BudgetRefusal):
        raise refusal_error(result, locale)
    code = await cards.shot_code_of(bot.db, guild_id, shot_id)
    if isinstance(result, NeedsConfirmation):
        view = confirm_view(shot_id, takes, result.provider, interaction.user.id, locale)
        text = t(
            "queue.confirm", locale, estimate=cards.money(result.estimate_cents, locale),
            count=result.jobs, code=code, provider=result.provider,
            threshold=cards.money(result.threshold_cents, locale),
        )  # fmt: skip
        await interaction.followup.send(
            text, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        return
    assert isinstance(result, Enqueued)
    if result.replayed:
        await say(t("queue.already_answered", locale))
        return
    await say(
        t("queue.enqueued", locale, count=len(result.job_ids), code=code,
          provider=result.provider, estimate=cards.money(result.estimate_cents, locale))
    )  # fmt: skip
    await post_card(interaction, guild_id, list(result.job_ids))


async def post_card(interaction: Interaction, guild_id: int, job_ids: list[int]) -> None:
    """The public status card, as a follow-up; then its ids on the jobs, then one redraw if
    the jobs moved while it was being posted (the relay skipped them: no card id yet)."""
    bot = bot_of(interaction)
    batch = await cards.load_batch(bot.db, guild_id, job_ids)
    if batch is None:
        return
    locale = await guild_locale(bot, guild_id)
    embed = cards.card_embed(batch, locale)
    view = cards.card_view(batch, locale) or discord.utils.MISSING
    message = await interaction.followup.send(
        embed=embed, view=view, wait=True, allowed_mentions=NO_MENTIONS
    )
    channel_id = interaction.channel_id or message.channel.id
    await store_card(bot.db, batch, message.id)
    now = await cards.load_batch(bot.db, guild_id, job_ids)
    if now is not None:
        redrawn = cards.card_embed(now, locale)
        if redrawn.description != embed.description:
            channel = bot.get_partial_messageable(channel_id, guild_id=guild_id)
            await channel.get_partial_message(message.id).edit(
                embed=redrawn, view=cards.card_view(now, locale)
            )
    relay = relay_of(bot)
    if relay is not None:
        relay.wake()


# ---------------------------------------------------------------------- confirmation


def confirm_view(
    shot_id: int, takes: int, provider: str, member_id: int, locale: str
) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in ("go", "no"):
        view.add_item(ConfirmQueueButton(shot_id, takes, provider, member_id, action, locale))
    view.stop()  # the DynamicItem answers clicks; nothing to keep in memory
    return view


class ConfirmQueueButton(
    SafeDynamicItem[discord.ui.Button[Any]],
    template=id_template(
        "gen",
        r"(?P<shot>[0-9]+)",
        r"(?P<takes>[0-9]+)",
        r"(?P<provider>[a-z0-9_-]+)",
        r"(?P<member>[0-9]+)",
        r"(?P<action>go|no)",
    ),
):
    """Confirm (go) or cancel (no) a request above the confirmation threshold."""

    def __init__(
        self,
        shot_id: int,
        takes: int,
        provider: str,
        member_id: int,
        action: str,
        locale: str = "en",
    ) -> None:
        super().__init__(
            confirm_button(
                action, locale, custom_id("gen", shot_id, takes, provider, member_id, action)
            )
        )
        self.shot_id, self.takes, self.provider = shot_id, takes, provider
        self.member_id, self.action = member_id, action

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ConfirmQueueButton:
        return cls(
            int(match["shot"]), int(match["takes"]), match["provider"], int(match["member"]),
            match["action"],
        )  # fmt: skip

    async def interaction_check(self, interaction: Interaction, /) -> bool:
        return only_the_asker(interaction, self.member_id)

    async def callback(self, interaction: Interaction) -> None:
        async def run(say: Say, request_key: str | None) -> None:
            await enqueue_and_report(
                interaction, shot_id=self.shot_id, takes=self.takes, provider=self.provider,
                confirm=True, say=say, request_key=request_key,
            )  # fmt: skip

        await answer_prompt(interaction, self.action, run)
