"""What /job cancel and /job retry do, shared with the Retry buttons on failure notices.

Every path reloads the job from storage by (guild, id), checks "owner or showrunner" in code
(invariant 7), calls the pipeline's public API, and wakes the relay so the card follows.
"""

from __future__ import annotations

import contextlib
from typing import Any

import discord

import commands.jobs._strings  # noqa: F401
from bot import cards
from bot.checks import MissingRole, bot_of, is_showrunner
from bot.host import registry_of, relay_of
from bot.i18n import guild_locale, locale_of, t
from commands.shots._queue import refusal_error
from pipeline.enqueue import JobNotFound, cancel_job, get_job, retry_job
from storage.errors import NotAllowed, NotFound
from storage.guilds import get_settings
from storage.ledger import BudgetRefusal
from storage.models import Job, JobStatus

Interaction = discord.Interaction[Any]


async def load_job(interaction: Interaction, job_id: int) -> Job:
    assert interaction.guild_id is not None
    try:
        return await get_job(bot_of(interaction).db, interaction.guild_id, job_id)
    except JobNotFound:
        raise NotFound("job.not_found", id=job_id) from None


async def owner_or_showrunner(interaction: Interaction, job: Job) -> bool:
    """True for a showrunner; the owner passes too; anyone else is refused."""
    assert interaction.guild_id is not None
    settings = await get_settings(bot_of(interaction).db, interaction.guild_id)
    if is_showrunner(interaction, settings):
        return True
    if job.requested_by != interaction.user.id:
        raise NotAllowed("job.not_owner", id=job.id)
    return False


async def redraw_card(interaction: Interaction, job: Job) -> None:
    """Edit the job's status card now (the relay would too, a moment later)."""
    assert interaction.guild_id is not None
    bot = bot_of(interaction)
    batch = await cards.load_batch_of_job(bot.db, interaction.guild_id, job)
    relay = relay_of(bot)
    if relay is not None:
        relay.wake()
    if batch is None or batch.card is None:
        return
    locale = await guild_locale(bot, interaction.guild_id)
    channel = bot.get_partial_messageable(batch.card[0], guild_id=interaction.guild_id)
    with contextlib.suppress(discord.HTTPException):  # the relay retries on its own
        await channel.get_partial_message(batch.card[1]).edit(
            embed=cards.card_embed(batch, locale), view=cards.card_view(batch, locale)
        )


async def cancel(interaction: Interaction, job_id: int) -> str:
    job = await load_job(interaction, job_id)
    await owner_or_showrunner(interaction, job)
    locale = await locale_of(interaction)
    if job.status in cards.ENDED and job.status != JobStatus.NEEDS_REVIEW:
        state = t(f"job.state.{job.status.value}", locale)
        return t("job.cancel_ended", locale, id=job_id, state=state)
    bot = bot_of(interaction)
    assert interaction.guild_id is not None
    held = job.estimate_cents
    done = await cancel_job(bot.db, interaction.guild_id, job_id, registry=registry_of(bot))
    await redraw_card(interaction, done)
    if done.status != JobStatus.CANCELLED:  # it ended on its own meanwhile
        state = t(f"job.state.{done.status.value}", locale)
        return t("job.cancel_ended", locale, id=job_id, state=state)
    return t("job.cancelled", locale, id=job_id, amount=cards.money(held, locale))


async def retry(interaction: Interaction, job_id: int, *, resubmit_unknown: bool = False) -> str:
    """Queue a failed job again; a needs_review one only for a showrunner who confirmed."""
    job = await load_job(interaction, job_id)
    showrunner = await owner_or_showrunner(interaction, job)
    locale = await locale_of(interaction)
    if job.status == JobStatus.NEEDS_REVIEW and not showrunner:
        assert interaction.guild_id is not None
        settings = await get_settings(bot_of(interaction).db, interaction.guild_id)
        raise MissingRole("showrunner", settings.showrunner_role_id)
    if job.status not in (JobStatus.FAILED, JobStatus.NEEDS_REVIEW):
        state = t(f"job.state.{job.status.value}", locale)
        return t("job.retry_not_failed", locale, id=job_id, state=state)
    if job.status == JobStatus.NEEDS_REVIEW and not resubmit_unknown:
        raise NeedsResubmitConfirmation(job)
    bot = bot_of(interaction)
    assert interaction.guild_id is not None
    result = await retry_job(
        bot.db, interaction.guild_id, job_id, member_id=interaction.user.id,
        resubmit_unknown=resubmit_unknown, allow_over_quota=showrunner,
    )  # fmt: skip
    if isinstance(result, BudgetRefusal):
        raise refusal_error(result, locale)
    await redraw_card(interaction, result)
    if result.status != JobStatus.QUEUED:
        state = t(f"job.state.{result.status.value}", locale)
        return t("job.retry_not_failed", locale, id=job_id, state=state)
    return t("job.retried", locale, id=job_id, estimate=cards.money(job.estimate_cents, locale))


async def cancel_batch(interaction: Interaction, first_job_id: int) -> str:
    """The card's Cancel button: every job of the request that has not ended."""
    first = await load_job(interaction, first_job_id)
    await owner_or_showrunner(interaction, first)
    assert interaction.guild_id is not None
    bot = bot_of(interaction)
    locale = await locale_of(interaction)
    batch = await cards.load_batch_of_job(bot.db, interaction.guild_id, first)
    count = released = 0
    for job in batch.jobs if batch is not None else []:
        if job.id is None or job.status in cards.ENDED:
            continue
        done = await cancel_job(bot.db, interaction.guild_id, job.id, registry=registry_of(bot))
        if done.status == JobStatus.CANCELLED:
            count += 1
            released += job.estimate_cents
    await redraw_card(interaction, first)
    return t("job.batch_cancelled", locale, count=count, amount=cards.money(released, locale))


class NeedsResubmitConfirmation(Exception):
    """A needs_review job: the showrunner must accept the risk of paying twice first."""

    def __init__(self, job: Job) -> None:
        super().__init__(f"job {job.id} needs a confirmed resubmit")
        self.job = job
