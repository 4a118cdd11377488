"""/dailies open | close | status, native poll votes, and the wiring of the dailies feature."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot.checks import bot_of, showrunner_only
from bot.i18n import locale_of, t
from bot.views import route_orphan_form
from commands.dailies import _actions, _ballot, _closing, _poll, _post
from commands.dailies._views import FORMS, TakeActionButton, VetoButton, VoteButton
from commands.episodes._pick import shot_choices
from storage import votes
from storage.errors import NotAllowed, NotFound, UserFacingError
from storage.guilds import get_settings
from storage.models import VoteMode
from storage.script_lookup import resolve_shot, shot_detail
from storage.types import utcnow

log = logging.getLogger(__name__)
Interaction = discord.Interaction[Any]
NO_MENTIONS = discord.AllowedMentions.none()
ITEMS = (VoteButton, TakeActionButton, VetoButton)


@app_commands.guild_only()
class DailiesCog(commands.GroupCog, group_name="dailies"):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self._unhook: Callable[[], None] = lambda: None
        self._poll_locks: dict[tuple[int, int], asyncio.Lock] = {}
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*ITEMS)
        self._unhook = _post.hook_relay(self.bot)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*ITEMS)
        self._unhook()
        await _ballot.cancel_refreshes()

    @commands.Cog.listener()
    async def on_interaction(self, interaction: Interaction) -> None:
        await route_orphan_form(interaction, FORMS)

    # ------------------------------------------------------------------ commands

    @app_commands.command(name="open", description="Post a shot's takes for the vote now")
    @app_commands.describe(shot="The shot", hours="Hours until the vote closes (this shot only)")
    @app_commands.autocomplete(shot=shot_choices)
    @showrunner_only()
    async def open_(
        self,
        interaction: Interaction,
        shot: str,
        hours: app_commands.Range[int, 1, 768] | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot, guild_id = bot_of(interaction), interaction.guild_id or 0
        locale = await locale_of(interaction)
        async with bot.db.session() as session:
            found = await resolve_shot(session, guild_id, shot)
            review = await votes.review_of_shot(session, guild_id, found.id or 0)
            detail = await shot_detail(session, guild_id, found.id or 0)
        if review is not None and review.closed_at is None and review.message_id is not None:
            if hours is None:
                raise NotAllowed("dailies.already_open", code=detail.code)
            when = utcnow() + _hours(hours)
            async with bot.db.session() as session:
                await votes.set_deadline(session, guild_id, review.id or 0, when)
            await _post.schedule_deadline(
                bot, guild_id, review.model_copy(update={"deadline_at": when})
            )
            _ballot.refresh_soon(bot, guild_id, review.id or 0)
            await interaction.followup.send(
                t("dailies.deadline_moved", locale, code=detail.code,
                  when=f"<t:{int(when.timestamp())}:R>"), ephemeral=True,
            )  # fmt: skip
            return
        settings = await get_settings(bot.db, guild_id)
        if settings.dailies_channel_id is None:
            raise NotAllowed("dailies.no_channel")
        done = await _post.queue_dailies(bot, guild_id, found.id or 0, force=True, hours=hours)
        if done == "nothing":
            raise NotFound("dailies.no_takes", code=detail.code)
        await interaction.followup.send(
            t(
                "dailies.opening",
                locale,
                code=detail.code,
                channel=f"<#{settings.dailies_channel_id}>",
            ),
            ephemeral=True,
        )

    @app_commands.command(name="close", description="Close a shot's vote now")
    @app_commands.describe(shot="The shot")
    @app_commands.autocomplete(shot=shot_choices)
    @showrunner_only()
    async def close(self, interaction: Interaction, shot: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot, guild_id = bot_of(interaction), interaction.guild_id or 0
        async with bot.db.session() as session:
            found = await resolve_shot(session, guild_id, shot)
            review = await votes.review_of_shot(session, guild_id, found.id or 0)
        if review is None or review.closed_at is not None:
            raise NotFound("dailies.nothing_open")
        closing = await _closing.decide(bot, guild_id, review.id or 0, by=interaction.user.id)
        locale = await locale_of(interaction)
        if closing is None:
            await interaction.followup.send(t("dailies.asked_showrunner", locale), ephemeral=True)
            return
        label = closing.winner.label if closing.winner else "?"
        await interaction.followup.send(
            t("dailies.closed_ack", locale, label=label), ephemeral=True
        )

    @app_commands.command(name="status", description="What waits for votes, deadlines, quorum")
    async def status(self, interaction: Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot, guild_id = bot_of(interaction), interaction.guild_id or 0
        locale = await locale_of(interaction)
        lines = []
        async with bot.db.session() as session:
            for review in await votes.open_reviews(session, guild_id):
                detail = await shot_detail(session, guild_id, review.shot_id)
                counts = await votes.tally(session, guild_id, review)
                mine = await votes.vote_of(session, guild_id, review.shot_id, interaction.user.id)
                deadline = (
                    f"<t:{int(review.deadline_at.timestamp())}:R>" if review.deadline_at else "—"
                )
                where = f"<#{review.thread_id}>" if review.thread_id else "—"
                label = next((c.label for c in counts.counts if c.take_id == mine), None)
                lines.append(
                    t("dailies.status_line", locale, code=detail.code, where=where,
                      voters=counts.voters, quorum=counts.quorum, deadline=deadline,
                      mine=label or t("dailies.status_not_voted", locale))
                )  # fmt: skip
        text = "\n".join(lines) if lines else t("dailies.status_none", locale)
        await interaction.followup.send(text[:2000], ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="settings", description="How this server votes on takes")
    @app_commands.describe(
        mode="Buttons (default) or a native Discord poll",
        live_counts="Show counts while the vote is open",
        hours="Default hours until a vote closes",
        quorum="Voters needed before a vote can close on its own",
        voter_role="Only members with this role may vote",
        anyone_votes="Remove the voter role restriction",
        min_account_days="Minimum account age in days (0: none)",
        weight_role="A role whose votes weigh more (with weight)",
        weight="That role's vote weight (1 removes it)",
    )
    @app_commands.choices(
        mode=[
            app_commands.Choice(name=locale_str("buttons", key="choice.dailies.buttons"),
                                value="buttons"),
            app_commands.Choice(name=locale_str("poll", key="choice.dailies.poll"), value="poll"),
        ]
    )  # fmt: skip
    @showrunner_only()
    async def settings(
        self,
        interaction: Interaction,
        mode: str | None = None,
        live_counts: bool | None = None,
        hours: app_commands.Range[int, 1, 768] | None = None,
        quorum: app_commands.Range[int, 0, 10000] | None = None,
        voter_role: discord.Role | None = None,
        anyone_votes: bool | None = None,
        min_account_days: app_commands.Range[int, 0, 3650] | None = None,
        weight_role: discord.Role | None = None,
        weight: app_commands.Range[float, 0.0, 100.0] | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot, guild_id = bot_of(interaction), interaction.guild_id or 0
        weights = {str(weight_role.id): weight} if weight_role and weight is not None else None
        role_id = 0 if anyone_votes else (voter_role.id if voter_role else None)
        saved = await votes.set_vote_settings(
            bot.db, guild_id, vote_mode=VoteMode(mode) if mode else None,
            vote_live_counts=live_counts, vote_hours=hours, vote_quorum=quorum,
            voter_role_id=role_id, vote_min_account_age_days=min_account_days,
            vote_role_weights=weights,
        )  # fmt: skip
        _actions.forget_settings(bot, guild_id)
        locale = await locale_of(interaction)
        shown = ", ".join(f"<@&{r}> ×{w:g}" for r, w in saved.vote_role_weights.items()) or "—"
        await interaction.followup.send(
            t("dailies.settings_saved", locale, mode=saved.vote_mode.value,
              live=t("dailies.yes" if saved.vote_live_counts else "dailies.no", locale),
              hours=saved.vote_hours, quorum=saved.vote_quorum,
              role=f"<@&{saved.voter_role_id}>" if saved.voter_role_id else "—",
              days=saved.vote_min_account_age_days, weights=shown),
            ephemeral=True, allowed_mentions=NO_MENTIONS,
        )  # fmt: skip

    # ------------------------------------------------------------------ native polls

    @commands.Cog.listener()
    async def on_raw_poll_vote_add(self, payload: discord.RawPollVoteActionEvent) -> None:
        await self._poll_vote(payload, add=True)

    @commands.Cog.listener()
    async def on_raw_poll_vote_remove(self, payload: discord.RawPollVoteActionEvent) -> None:
        await self._poll_vote(payload, add=False)

    async def _poll_vote(self, payload: discord.RawPollVoteActionEvent, *, add: bool) -> None:
        """A poll answer is a take (named by the answer's text). Votes from members
        who may not vote are not counted (a poll cannot refuse them; they are logged)."""
        if payload.guild_id is None:
            return
        # One member's poll events in the order Discord sent them: each event is its own task,
        # and a "remove" overtaking its "add" would leave a vote the member took back.
        key = (payload.message_id, payload.user_id)
        lock = self._poll_locks.setdefault(key, asyncio.Lock())
        async with lock:
            await self._apply_poll_vote(payload, payload.guild_id, add=add)
        if not lock.locked() and not lock._waiters:
            self._poll_locks.pop(key, None)

    async def _apply_poll_vote(
        self, payload: discord.RawPollVoteActionEvent, guild_id: int, *, add: bool
    ) -> None:
        bot: Any = self.bot
        async with bot.db.session() as session:
            review = await votes.review_by_message(session, guild_id, payload.message_id)
            if review is None or review.mode != VoteMode.POLL:
                return
        take_id = await _poll.take_of_answer(bot, guild_id, review, payload.answer_id)
        if take_id is None:
            return
        try:
            if not add:
                await votes.withdraw_vote(
                    bot.db, guild_id, review.id or 0, payload.user_id, take_id
                )
                return
            weight = await _poll.poll_voter_weight(bot, guild_id, payload.user_id)
            await votes.cast_vote(bot.db, guild_id, review.id or 0, take_id, payload.user_id,
                                  weight=weight)  # fmt: skip
        except UserFacingError as refused:
            log.info("poll vote of %s on review %s not counted: %s", payload.user_id, review.id,
                     refused.key)  # fmt: skip


def _hours(hours: float) -> timedelta:
    return timedelta(hours=hours)
