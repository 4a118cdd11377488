"""/queue (the visible queue, like Midjourney's /info) and /job status | cancel | retry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import cards
from bot.checks import bot_of
from bot.errors import send_ephemeral
from bot.i18n import locale_of, t
from commands.jobs import _actions
from commands.jobs._describe import describe_job
from commands.jobs._views import DYNAMIC_ITEMS, answer_retry
from commands.shots._queue import ConfirmQueueButton
from storage import queue as job_queue
from storage.models import Job, JobStatus
from storage.types import utcnow

Interaction = discord.Interaction[Any]
NO_MENTIONS = discord.AllowedMentions.none()
WAITING = (JobStatus.QUEUED, JobStatus.RETRY_WAIT)
IN_QUEUE = (*WAITING, JobStatus.SUBMITTING, JobStatus.RUNNING, JobStatus.FETCHING,
            JobStatus.NEEDS_REVIEW)  # fmt: skip
ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (*DYNAMIC_ITEMS, ConfirmQueueButton)


def _elapsed(job: Job, now: datetime, locale: str) -> str:
    end = job.finished_at or now
    return cards.duration((end - job.created_at).total_seconds(), locale)


def _row(job: Job, what: str, locale: str, now: datetime, position: int | None) -> str:
    parts = [
        f"`#{job.id}` {cards.ICONS[job.status]} {cards.status_word(job, locale)}",
        what,
        job.provider,
        _elapsed(job, now, locale),
    ]
    if position is not None:
        parts.append(t("queue.list.position", locale, position=position))
    return " · ".join(parts)


async def _whats(interaction: Interaction, jobs: list[Job], locale: str) -> dict[int, str]:
    """What each job makes, by job id (one shot lookup per shot, one episode per render)."""
    assert interaction.guild_id is not None
    db = bot_of(interaction).db
    codes: dict[int | None, str] = {}
    return {
        job.id or 0: await describe_job(db, interaction.guild_id, job, locale, codes)
        for job in {job.id: job for job in jobs}.values()
    }


class QueueCog(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*ITEMS)

    @app_commands.command(name="queue")
    @app_commands.guild_only()
    async def queue(self, interaction: Interaction) -> None:
        """Takes being generated in this server, and yours"""
        guild_id = interaction.guild_id
        assert guild_id is not None
        locale = await locale_of(interaction)
        db = bot_of(interaction).db
        async with db.session() as session:
            active = await job_queue.list_jobs(session, guild_id, statuses=IN_QUEUE, limit=200)
            mine = await job_queue.list_jobs(
                session, guild_id, member_id=interaction.user.id, limit=8
            )
        active.reverse()  # oldest first: that is the order they run in
        waiting = [j.id for j in active if j.status in WAITING]
        whats = await _whats(interaction, active[:15] + mine, locale)
        now = utcnow()
        embed = discord.Embed(title=t("queue.list.title", locale), colour=discord.Colour.blurple())
        rows = [
            _row(j, whats[j.id or 0], locale, now,
                 waiting.index(j.id) + 1 if j.id in waiting else None)
            for j in active[:15]
        ]  # fmt: skip
        embed.add_field(
            name=t("queue.list.server", locale, count=len(active)),
            value="\n".join(rows) or t("queue.list.empty", locale),
            inline=False,
        )
        mine_rows = [_row(j, whats[j.id or 0], locale, now, None) for j in mine]
        embed.add_field(
            name=t("queue.list.mine", locale),
            value="\n".join(mine_rows) or t("queue.list.none_mine", locale),
            inline=False,
        )
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS
        )


@app_commands.guild_only()
class JobCog(commands.GroupCog, group_name="job"):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="status")
    @app_commands.describe(id="The job number (on its card, or in /queue)")
    async def status(self, interaction: Interaction, id: app_commands.Range[int, 1]) -> None:
        """Where a job is, what it cost, why it failed"""
        job = await _actions.load_job(interaction, id)
        locale = await locale_of(interaction)
        assert interaction.guild_id is not None
        what = await describe_job(bot_of(interaction).db, interaction.guild_id, job, locale)
        embed = discord.Embed(
            title=t("job.status.title", locale, id=id, what=what), colour=discord.Colour.blurple()
        )
        state = f"{cards.ICONS[job.status]} {cards.status_word(job, locale)}"
        embed.add_field(name=t("job.status.state", locale), value=state)
        embed.add_field(name=t("job.status.provider", locale), value=job.provider)
        embed.add_field(name=t("job.status.requested_by", locale), value=f"<@{job.requested_by}>")
        embed.add_field(name=t("job.status.elapsed", locale), value=_elapsed(job, utcnow(), locale))
        cost = t("card.cost_value", locale, spent=cards.money(job.actual_cents or 0, locale),
                 estimate=cards.money(job.estimate_cents, locale))  # fmt: skip
        embed.add_field(name=t("job.status.cost", locale), value=cost)
        embed.add_field(name=t("job.status.attempts", locale), value=str(job.attempts))
        if job.last_error and job.status in (JobStatus.FAILED, JobStatus.NEEDS_REVIEW,
                                             JobStatus.RETRY_WAIT):  # fmt: skip
            embed.add_field(
                name=t("job.status.why", locale),
                value=cards.reason_text(cards.job_reason(job), locale),
                inline=False,
            )
        if job.status == JobStatus.NEEDS_REVIEW:
            embed.description = t("job.status.review_help", locale, id=id)
        if job.card_channel_id and job.card_message_id:
            link = (f"https://discord.com/channels/{interaction.guild_id}/"
                    f"{job.card_channel_id}/{job.card_message_id}")  # fmt: skip
            embed.add_field(name=t("job.status.card", locale), value=link, inline=False)
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="cancel")
    @app_commands.describe(id="The job number (on its card, or in /queue)")
    async def cancel(self, interaction: Interaction, id: app_commands.Range[int, 1]) -> None:
        """Stop a job and release its budget hold"""
        await interaction.response.defer(ephemeral=True, thinking=True)
        await send_ephemeral(interaction, await _actions.cancel(interaction, id))

    @app_commands.command(name="retry")
    @app_commands.describe(id="The job number (on its card, or in /queue)")
    async def retry(self, interaction: Interaction, id: app_commands.Range[int, 1]) -> None:
        """Try a failed job again (under the budget rules)"""
        await interaction.response.defer(ephemeral=True, thinking=True)
        await answer_retry(interaction, id)
