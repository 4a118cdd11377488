"""/budget show (everyone) and /budget set (showrunner): the money side of generation.

Balances are sums over the ledger (storage/ledger.py): held = reserved and not yet settled or
released; spent = settled this month (guild) or today (member); left = budget - spent - held.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import cards
from bot.checks import bot_of, showrunner_only
from bot.host import registry_of
from bot.i18n import locale_of, t
from bot.tree import answer, answer_later
from commands.budget import _strings  # noqa: F401
from pipeline.providers.base import Capability, GenRequest
from pipeline.registry import ProviderRegistry
from storage import ledger
from storage.budget import set_budget
from storage.errors import InvalidInput
from storage.models import GuildSettings

Interaction = discord.Interaction[Any]
NO_MENTIONS = discord.AllowedMentions.none()
PRICE_SECONDS = 5.0


def _stamp(moment: Any) -> str:
    value = int(moment.timestamp())
    return f"<t:{value}:R> (<t:{value}:f>)"


def price_table(registry: ProviderRegistry, locale: str) -> str:
    """One line per provider: what a 5-second take (or one request) costs."""
    rows = []
    for name in sorted(registry):
        provider = registry[name]
        capability = next(iter(sorted(provider.capabilities, key=lambda c: c.value)), None)
        if Capability.TEXT_TO_VIDEO in provider.capabilities:
            capability = Capability.TEXT_TO_VIDEO
        if capability is None:
            continue
        try:
            cents = provider.price(
                GenRequest(capability=capability, prompt="", duration_s=PRICE_SECONDS)
            )
        except Exception:  # a provider that cannot price a blank request is still listed
            continue
        price = t("budget.price_free", locale) if cents == 0 else cards.money(cents, locale)
        rows.append(f"`{name}` {price}")
    return "\n".join(rows) or t("budget.no_paid", locale)


def _cents(dollars: float | None) -> int | None:
    return None if dollars is None else round(dollars * 100)


async def budget_embed(
    interaction: Interaction, settings: GuildSettings | None = None
) -> discord.Embed:
    guild_id = interaction.guild_id
    assert guild_id is not None
    locale = await locale_of(interaction)
    bot = bot_of(interaction)
    async with bot.db.session() as session:
        guild = await ledger.guild_balance(session, guild_id)
        member = await ledger.member_balance(session, guild_id, interaction.user.id)
        if settings is None:
            settings = await session.get(GuildSettings, guild_id) or GuildSettings(
                guild_id=guild_id
            )
    m = lambda cents: cards.money(cents, locale)  # noqa: E731
    embed = discord.Embed(title=t("budget.title", locale), colour=discord.Colour.gold())
    embed.add_field(
        name=t("budget.month", locale),
        value=t("budget.month_value", locale, budget=m(guild.budget_cents),
                spent=m(guild.spent_cents), held=m(guild.held_cents),
                left=m(max(0, guild.available_cents)), resets=_stamp(guild.resets_at)),
        inline=False,
    )  # fmt: skip
    if member.available_cents is None:
        mine = t("budget.member_uncapped", locale, spent=m(member.spent_cents),
                 held=m(member.held_cents))  # fmt: skip
    else:
        mine = t(
            "budget.member_value", locale, quota=m(member.quota_cents),
            spent=m(member.spent_cents), held=m(member.held_cents),
            left=m(max(0, member.available_cents)), resets=_stamp(member.resets_at),
        )  # fmt: skip
    embed.add_field(name=t("budget.member", locale), value=mine, inline=False)
    embed.add_field(
        name=t("budget.prices", locale), value=price_table(registry_of(bot), locale), inline=False
    )
    embed.set_footer(text=t("budget.threshold", locale, amount=m(settings.confirm_above_cents)))
    return embed


@app_commands.guild_only()
class BudgetCog(commands.GroupCog, group_name="budget"):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="show", extras=answer_later())
    async def show(self, interaction: Interaction) -> None:
        """Budget, spending, holds and your daily quota"""
        await answer(interaction, embed=await budget_embed(interaction), ephemeral=True)

    @app_commands.command(name="set")
    @app_commands.describe(
        monthly="Monthly budget in dollars (0: no paid generation)",
        daily_quota="Per-member daily quota in dollars (0: no cap)",
        confirm_above="Ask for confirmation above this many dollars per request",
    )
    @showrunner_only()
    async def set(
        self,
        interaction: Interaction,
        monthly: app_commands.Range[float, 0, 1_000_000] | None = None,
        daily_quota: app_commands.Range[float, 0, 1_000_000] | None = None,
        confirm_above: app_commands.Range[float, 0, 1_000_000] | None = None,
    ) -> None:
        """Set the monthly budget, daily quota and confirmation threshold"""
        assert interaction.guild_id is not None
        if monthly is None and daily_quota is None and confirm_above is None:
            raise InvalidInput("budget.nothing")
        settings = await set_budget(
            bot_of(interaction).db, interaction.guild_id,
            monthly_budget_cents=_cents(monthly), member_daily_quota_cents=_cents(daily_quota),
            confirm_above_cents=_cents(confirm_above),
        )  # fmt: skip
        locale = await locale_of(interaction)
        await interaction.response.send_message(
            t("budget.saved", locale),
            embed=await budget_embed(interaction, settings),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
