"""Restart-proof buttons of the /job feature: Retry on failure notices, and the showrunner's
"send again" confirmation for a job whose submit outcome is unknown (needs_review)."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot import cards
from bot.errors import send_ephemeral
from bot.i18n import locale_of, t
from bot.views import SafeDynamicItem, custom_id, id_template
from commands.jobs import _actions

Interaction = discord.Interaction[Any]
NO_MENTIONS = discord.AllowedMentions.none()


async def answer_retry(interaction: Interaction, job_id: int) -> None:
    """Retry, or ask the showrunner to accept a possible double charge first."""
    try:
        text = await _actions.retry(interaction, job_id)
    except _actions.NeedsResubmitConfirmation as pending:
        locale = await locale_of(interaction)
        job = pending.job
        await send_ephemeral(
            interaction,
            t("job.review_confirm", locale, id=job_id, provider=job.provider,
              estimate=cards.money(job.estimate_cents, locale)),
            view=resubmit_view(job_id, locale),
        )  # fmt: skip
        return
    await send_ephemeral(interaction, text)


class RetryJobButton(
    SafeDynamicItem[discord.ui.Button[Any]],
    template=id_template("job", r"(?P<id>[0-9]+)", "retry"),
):
    """The Retry button under a failure notice (bot/cards.py ``retry_view`` draws it)."""

    def __init__(self, job_id: int) -> None:
        super().__init__(
            discord.ui.Button(label="Retry", custom_id=custom_id("job", job_id, "retry"))
        )
        self.job_id = job_id

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RetryJobButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await answer_retry(interaction, self.job_id)


class CancelBatchButton(
    SafeDynamicItem[discord.ui.Button[Any]],
    template=id_template("batch", r"(?P<id>[0-9]+)", "cancel"),
):
    """The Cancel button on a status card (bot/cards.py ``card_view``): owner or showrunner."""

    def __init__(self, first_job_id: int) -> None:
        super().__init__(
            discord.ui.Button(label="Cancel", custom_id=custom_id("batch", first_job_id, "cancel"))
        )
        self.first_job_id = first_job_id

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CancelBatchButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = await _actions.cancel_batch(interaction, self.first_job_id)
        await send_ephemeral(interaction, text)


def resubmit_view(job_id: int, locale: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ResubmitJobButton(job_id, "resubmit", locale))
    view.add_item(ResubmitJobButton(job_id, "keep", locale))
    view.stop()
    return view


class ResubmitJobButton(
    SafeDynamicItem[discord.ui.Button[Any]],
    template=id_template("job", r"(?P<id>[0-9]+)", r"(?P<action>resubmit|keep)"),
):
    """Send a needs_review job again (showrunner only, checked again on click) or leave it."""

    def __init__(self, job_id: int, action: str, locale: str = "en") -> None:
        resubmit = action == "resubmit"
        super().__init__(
            discord.ui.Button(
                label=t("job.review_button" if resubmit else "queue.cancel_button", locale),
                style=discord.ButtonStyle.danger if resubmit else discord.ButtonStyle.secondary,
                custom_id=custom_id("job", job_id, action),
            )
        )
        self.job_id, self.action = job_id, action

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ResubmitJobButton:
        return cls(int(match["id"]), match["action"])

    async def callback(self, interaction: Interaction) -> None:
        locale = await locale_of(interaction)
        if self.action == "keep":
            await interaction.response.edit_message(
                content=t("job.review_kept", locale, id=self.job_id), view=None
            )
            return
        await interaction.response.defer()
        text = await _actions.retry(interaction, self.job_id, resubmit_unknown=True)
        await interaction.edit_original_response(content=text, view=None)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    RetryJobButton,
    ResubmitJobButton,
    CancelBatchButton,
)
