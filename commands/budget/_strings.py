"""English and French for /budget."""

from __future__ import annotations

from bot.i18n import register_strings

register_strings(
    en={
        "cmd.budget.name": "budget",
        "cmd.budget.description": "What this server may spend on generators",
        "cmd.budget.show.name": "show",
        "cmd.budget.show.description": "Budget, spending, holds and your daily quota",
        "cmd.budget.set.name": "set",
        "cmd.budget.set.description": "Set the monthly budget, daily quota and confirmation "
        "threshold",
        "cmd.budget.set.monthly.name": "monthly",
        "cmd.budget.set.monthly.description": "Monthly budget in dollars (0: no paid generation)",
        "cmd.budget.set.daily_quota.name": "daily_quota",
        "cmd.budget.set.daily_quota.description": "Per-member daily quota in dollars (0: no cap)",
        "cmd.budget.set.confirm_above.name": "confirm_above",
        "cmd.budget.set.confirm_above.description": "Ask for confirmation above this many "
        "dollars per request",
        "budget.title": "Generation budget",
        "budget.month": "This month",
        "budget.month_value": "Budget {budget} · spent {spent} · held {held} · **left {left}**"
        "\nResets {resets}",
        "budget.member": "You today",
        "budget.member_value": "Quota {quota} · spent {spent} · held {held} · **left {left}**"
        "\nResets {resets}",
        "budget.member_uncapped": "No per-member quota · spent {spent} · held {held}",
        "budget.threshold": "Confirmation above {amount} per request",
        "budget.prices": "Prices (per 5 s take)",
        "budget.price_free": "free",
        "budget.no_paid": "No paid generator is configured on this bot.",
        "budget.saved": "Saved.",
        "budget.nothing": "Give at least one value to change.",
        "budget.bad_amount": "That amount is out of range ({field}).",
    },
    fr={
        "cmd.budget.name": "budget",
        "cmd.budget.description": "Ce que ce serveur peut dépenser en générateurs",
        "cmd.budget.show.name": "voir",
        "cmd.budget.show.description": "Budget, dépenses, réserves et votre quota du jour",
        "cmd.budget.set.name": "régler",
        "cmd.budget.set.description": "Régler le budget mensuel, le quota du jour et le seuil de "
        "confirmation",
        "cmd.budget.set.monthly.name": "mensuel",
        "cmd.budget.set.monthly.description": "Budget mensuel en dollars (0 : aucune génération "
        "payante)",
        "cmd.budget.set.daily_quota.name": "quota_du_jour",
        "cmd.budget.set.daily_quota.description": "Quota par membre et par jour en dollars "
        "(0 : sans limite)",
        "cmd.budget.set.confirm_above.name": "confirmer_au_dela",
        "cmd.budget.set.confirm_above.description": "Demander confirmation au-delà de ce "
        "montant en dollars par demande",
        "budget.title": "Budget de génération",
        "budget.month": "Ce mois-ci",
        "budget.month_value": "Budget {budget} · dépensé {spent} · réservé {held} · "
        "**reste {left}**\nRepart {resets}",
        "budget.member": "Vous aujourd'hui",
        "budget.member_value": "Quota {quota} · dépensé {spent} · réservé {held} · "
        "**reste {left}**\nRepart {resets}",
        "budget.member_uncapped": "Pas de quota par membre · dépensé {spent} · réservé {held}",
        "budget.threshold": "Confirmation au-delà de {amount} par demande",
        "budget.prices": "Tarifs (par prise de 5 s)",
        "budget.price_free": "gratuit",
        "budget.no_paid": "Aucun générateur payant n'est configuré sur ce bot.",
        "budget.saved": "Enregistré.",
        "budget.nothing": "Donnez au moins une valeur à changer.",
        "budget.bad_amount": "Ce montant est hors limites ({field}).",
    },
)
