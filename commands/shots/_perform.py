"""The body of ``/shot perform``: a member's acting video drives a character (Runway Act-Two).

    /shot perform shot:1.2.3 video:<attachment> [character:Mara] [provider:runway]

1. Defer at once (reading a video takes longer than Discord's 3 s; invariant 1).
2. Resolve the shot and the provider first: a provider that is missing (no key: the setting is
   named) or cannot perform is refused before anything is downloaded.
3. The upload: refused by its announced size, then checked from its bytes (container sniffed,
   streams probed, no decode) against the size the provider takes and the shot's length
   (``pipeline.perform.acting_limit_s``: the shot plus a second, at most 30 s); invariant 6.
   Kept unchanged in the media store (invariant 5).
4. ``pipeline.perform.enqueue_performance`` picks the character (the locked take, else the
   character's reference picture), prices it, and reserves and writes one job, or answers
   ``NeedsConfirmation`` / ``BudgetRefusal`` as values; refusals are ``PerformanceRefused``.
5. Above the threshold: Confirm / Cancel (``ConfirmPerformButton``, a DynamicItem carrying shot,
   stored video, character, provider and member). Queued: a short acknowledgement saying what
   drives what, then the public status card that the outbox relay keeps up to date.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot import cards
from bot.checks import bot_of, is_showrunner
from bot.host import registry_of
from bot.i18n import guild_locale, locale_of, t
from bot.views import SafeDynamicItem, custom_id, id_template
from commands.shots._confirm import NO_MENTIONS, Say, answer_prompt, confirm_button, only_the_asker
from commands.shots._perform_strings import PROVIDERS
from commands.shots._queue import post_card, refusal_error
from pipeline.enqueue import Enqueued, NeedsConfirmation
from pipeline.perform import (
    PerformanceRefused,
    acting_limit_s,
    enqueue_performance,
    performance_provider,
)
from pipeline.prompts import ShotNotFound
from pipeline.registry import REMOTE_PROVIDERS, ProviderRegistry, UnknownProvider
from storage.briefs import shot_record
from storage.errors import NotFound, UserFacingError
from storage.guilds import get_settings
from storage.ledger import BudgetRefusal
from storage.media.assets import get_asset
from storage.script_lookup import resolve_shot
from storage.uploads import UploadRefused, check_upload_size, check_video_upload, keep_media

Interaction = discord.Interaction[Any]
# Discord's own attachment limit for most servers; a provider may take less (Runway: 16 MB
# data URIs, read from the adapter's ``performance_max_bytes``).
DEFAULT_MAX_BYTES = 25 * 1024 * 1024


def _seconds(value: float, locale: str) -> str:
    text = f"{value:.1f}"
    return (text.replace(".", ",") if locale == "fr" else text) + " s"


def _chosen_provider(registry: ProviderRegistry, provider: str | None) -> str:
    """The provider's name, or the refusal a member can act on (nothing changed)."""
    try:
        return performance_provider(registry, provider)
    except UnknownProvider as error:
        if error.name in REMOTE_PROVIDERS:
            env = error.name.upper().replace("-", "_")
            raise UserFacingError("perform.missing_key", provider=error.name, env=env) from None
        if error.name.startswith("<"):  # nothing at all can perform
            raise UserFacingError("perform.no_provider") from None
        raise UserFacingError(
            "queue.unknown_provider", provider=error.name[:40], known=", ".join(sorted(registry))
        ) from None
    except PerformanceRefused as refused:
        raise _refusal(refused, "en") from None


def _refusal(refused: PerformanceRefused, locale: str) -> UserFacingError:
    values = dict(refused.values)
    for key in ("min", "seconds"):
        if isinstance(values.get(key), int | float):
            values[key] = _seconds(float(values[key]), locale)
    if refused.code in ("not_in_shot", "no_picture", "no_character"):
        return NotFound(f"perform.{refused.code}", **values)
    return UserFacingError(f"perform.{refused.code}", **values)


async def perform_shot(
    interaction: Interaction,
    shot: str,
    video: discord.Attachment,
    character: str | None,
    provider: str | None,
) -> None:
    """``/shot perform``: see the module docstring."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    guild_id = interaction.guild_id
    assert guild_id is not None
    bot = bot_of(interaction)
    async with bot.db.session() as session:
        found = await resolve_shot(session, guild_id, shot)
    assert found.id is not None
    registry = registry_of(bot)
    name = _chosen_provider(registry, provider)
    max_bytes = int(getattr(registry[name], "performance_max_bytes", DEFAULT_MAX_BYTES))
    check_upload_size(video.size, max_bytes=max_bytes, filename=video.filename)
    if bot.media is None:
        raise UserFacingError("perform.no_store")
    try:
        data = await video.read()
    except discord.HTTPException as exc:
        raise UploadRefused("corrupt", filename=video.filename, detail=str(exc)) from exc
    checked = await asyncio.to_thread(
        check_video_upload, data, max_bytes=max_bytes,
        max_duration_s=acting_limit_s(found.duration_s), filename=video.filename,
    )  # fmt: skip
    async with bot.db.session() as session:
        asset = await keep_media(
            session, bot.media, guild_id, data, checked,
            original_name=video.filename[:200], created_by=interaction.user.id,
        )  # fmt: skip
        await session.commit()
    assert asset.id is not None

    async def say(text: str) -> None:
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    await enqueue_and_report(
        interaction, shot_id=found.id, asset_id=asset.id, character=character or "",
        provider=name, confirm=False, say=say,
    )  # fmt: skip


async def enqueue_and_report(
    interaction: Interaction,
    *,
    shot_id: int,
    asset_id: int,
    character: str,
    provider: str,
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
    async with bot.db.session() as session:
        stored = await get_asset(session, guild_id, asset_id)
    if stored is None or not stored.duration_s:
        raise NotFound("perform.no_store")
    server_locale = await guild_locale(bot, guild_id)
    member = getattr(interaction.user, "display_name", interaction.user.name)
    try:
        result, plan = await enqueue_performance(
            bot.db, guild_id=guild_id, shot_id=shot_id, member_id=interaction.user.id,
            member_name=member, acting_asset_id=asset_id, acting_s=stored.duration_s,
            registry=registry, character=character or None, provider=provider,
            confirm=confirm, channel_id=interaction.channel_id,
            allow_over_quota=is_showrunner(interaction, settings),
            label=t("perform.label", server_locale, member=member[:40]),
            request_key=request_key,
        )  # fmt: skip
    except UnknownProvider:
        _chosen_provider(registry, provider)  # words the refusal
        raise
    except PerformanceRefused as refused:
        raise _refusal(refused, locale) from None
    except ShotNotFound:
        raise NotFound("queue.shot_not_found") from None
    if isinstance(result, BudgetRefusal):
        raise refusal_error(result, locale)
    code = await cards.shot_code_of(bot.db, guild_id, shot_id)
    seconds = _seconds(stored.duration_s, locale)
    if isinstance(result, NeedsConfirmation):
        view = confirm_view(shot_id, asset_id, plan.character_id, provider, interaction.user.id,
                            locale)  # fmt: skip
        text = t(
            "perform.confirm", locale, estimate=cards.money(result.estimate_cents, locale),
            seconds=seconds, provider=provider, code=code,
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
    source = t(f"perform.source.{plan.source}", locale, label=plan.take_label,
               character=plan.character)  # fmt: skip
    text = t("perform.enqueued", locale, code=code, provider=provider, seconds=seconds,
             estimate=cards.money(result.estimate_cents, locale), source=source)  # fmt: skip
    if not getattr(registry[provider], "needs_key", True):
        text += "\n" + t("perform.stand_in", locale)
    await say(text)
    await post_card(interaction, guild_id, list(result.job_ids))


async def character_choices(
    interaction: Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """The characters of the shot already picked (its id as the value), filtered by ``current``."""
    guild_id = interaction.guild_id
    shot = getattr(interaction.namespace, "shot", None)
    if guild_id is None or not shot:
        return []
    try:
        async with bot_of(interaction).db.session() as session:
            found = await resolve_shot(session, guild_id, str(shot))
            record = await shot_record(session, guild_id, found.id or 0)
    except UserFacingError:
        return []
    wanted = current.strip().casefold()
    cast = record.characters if record is not None else []
    return [
        app_commands.Choice(name=c.name[:100], value=str(c.id))
        for c in cast
        if wanted in c.name.casefold()
    ][:25]


# ---------------------------------------------------------------------- confirmation


def confirm_view(
    shot_id: int, asset_id: int, character_id: int, provider: str, member_id: int, locale: str
) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in ("go", "no"):
        view.add_item(ConfirmPerformButton(shot_id, asset_id, character_id, provider, member_id,
                                           action, locale))  # fmt: skip
    view.stop()  # the DynamicItem answers clicks; nothing to keep in memory
    return view


class ConfirmPerformButton(
    SafeDynamicItem[discord.ui.Button[Any]],
    template=id_template(
        "perf",
        r"(?P<shot>[0-9]+)",
        r"(?P<asset>[0-9]+)",
        r"(?P<character>[0-9]+)",
        r"(?P<provider>[a-z0-9_-]+)",
        r"(?P<member>[0-9]+)",
        r"(?P<action>go|no)",
    ),
):
    """Confirm (go) or cancel (no) a performance above the confirmation threshold. The stored
    acting video is already in the media store; only the job waits for the answer."""

    def __init__(
        self,
        shot_id: int,
        asset_id: int,
        character_id: int,
        provider: str,
        member_id: int,
        action: str,
        locale: str = "en",
    ) -> None:
        super().__init__(
            confirm_button(
                action,
                locale,
                custom_id("perf", shot_id, asset_id, character_id, provider, member_id, action),
            )
        )
        self.shot_id, self.asset_id, self.character_id = shot_id, asset_id, character_id
        self.provider, self.member_id, self.action = provider, member_id, action

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ConfirmPerformButton:
        return cls(
            int(match["shot"]), int(match["asset"]), int(match["character"]), match["provider"],
            int(match["member"]), match["action"],
        )  # fmt: skip

    async def interaction_check(self, interaction: Interaction, /) -> bool:
        return only_the_asker(interaction, self.member_id)

    async def callback(self, interaction: Interaction) -> None:
        async def run(say: Say, request_key: str | None) -> None:
            await enqueue_and_report(
                interaction, shot_id=self.shot_id, asset_id=self.asset_id,
                character=str(self.character_id) if self.character_id else "",
                provider=self.provider, confirm=True, say=say, request_key=request_key,
            )  # fmt: skip

        await answer_prompt(interaction, self.action, run)


PROVIDER_CHOICES = [
    app_commands.Choice(name=locale_str(en, key=f"choice.perform.{value}"), value=value)
    for value, en, _fr in PROVIDERS
]
