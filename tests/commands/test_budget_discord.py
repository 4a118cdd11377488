"""/budget show (everyone) and /budget set (showrunner only), en and fr."""

from __future__ import annotations

from storage.guilds import get_settings
from tests.commands.generation_world import make_shot, paid, pause
from tests.helpers import Studio, message_text


async def test_only_a_showrunner_sets_the_budget(studio: Studio) -> None:
    refused = await studio.reply(studio.crew, "budget set", {"monthly": 25.0})
    assert refused.ephemeral and "Only the showrunner can do that" in refused.content
    assert (await get_settings(studio.db, studio.server.id)).monthly_budget_cents == 0
    saved = await studio.reply(
        studio.showrunner, "budget set", {"monthly": 25.0, "daily_quota": 2.5, "confirm_above": 1}
    )
    assert "Saved." in saved.content
    settings = await get_settings(studio.db, studio.server.id)
    assert (settings.monthly_budget_cents, settings.member_daily_quota_cents,
            settings.confirm_above_cents) == (2500, 250, 100)  # fmt: skip
    nothing = await studio.reply(studio.showrunner, "budget set")
    assert "Give at least one value" in nothing.content


async def test_show_counts_holds_and_spending_with_prices(studio: Studio) -> None:
    """A queued paid take is held (not yet spent) against the month and the member's day."""
    await pause(studio)
    await studio.reply(studio.showrunner, "budget set", {"monthly": 25.0, "daily_quota": 2.0})
    paid(studio, cents=60)
    code = await make_shot(studio)
    await studio.reply(studio.crew, "shot queue", {"shot": code, "takes": 1, "provider": "luma"})
    shown = message_text(await studio.reply(studio.crew, "budget show"))
    assert "Budget $25.00 · spent $0.00 · held $0.60 · **left $24.40**" in shown
    assert "Quota $2.00 · spent $0.00 · held $0.60 · **left $1.40**" in shown
    assert "`local-animatic` free" in shown and "`luma` $0.60" in shown
    assert "Confirmation above $1.00 per request" in shown
    other = message_text(await studio.reply(studio.member, "budget show"))
    assert "held $0.00 · **left $2.00**" in other  # the quota is each member's own


async def test_show_in_french(studio: Studio) -> None:
    await studio.reply(studio.showrunner, "budget set", {"monthly": 1234.5})
    shown = message_text(await studio.reply(studio.francophone, "budget show"))
    assert "Budget 1\u202f234,50 $ · dépensé 0,00 $" in shown
    assert "Pas de quota par membre" in shown and "gratuit" in shown
