"""English and French for /shot queue: the command, confirmation, refusals."""

from __future__ import annotations

import bot.cards  # noqa: F401  (money, states and reasons the replies use)
from bot.i18n import register_strings

register_strings(
    en={
        "cmd.shot.queue.name": "queue",
        "cmd.shot.queue.description": "Generate takes of a shot",
        "cmd.shot.queue.shot.name": "shot",
        "cmd.shot.queue.shot.description": "The shot (code like 1.2.3, or pick one)",
        "cmd.shot.queue.takes.name": "takes",
        "cmd.shot.queue.takes.description": "How many takes (1-4), each with its own seed",
        "cmd.shot.queue.provider.name": "provider",
        "cmd.shot.queue.provider.description": "Video generator (default: the shot's, else the "
        "free local animatic)",
        "queue.enqueued": "Queued {count} take(s) of shot {code} on {provider} (estimate "
        "{estimate}). The card below follows them.",
        "queue.confirm": "This costs about **{estimate}** for {count} take(s) of shot {code} on "
        "{provider}, above this server's confirmation threshold ({threshold}). Queue it?",
        "queue.confirm_button": "Confirm",
        "queue.cancel_button": "Cancel",
        "queue.not_queued": "Nothing was queued.",
        "queue.already_answered": "This request was already answered.",
        "queue.refused.guild": "The server's budget cannot cover this: {needed} needed, {left} "
        "left this month. It resets {resets}. A showrunner can raise it with /budget set.",
        "queue.refused.member": "Your daily quota cannot cover this: {needed} needed, {left} "
        "left today. It resets {resets}. A showrunner can queue it for you.",
        "queue.missing_key": "{provider} is not set up on this bot: its API key is missing. The "
        "bot's host sets `DAILIES_PROVIDERS__{env}__API_KEY` and restarts the bot; `dailies "
        "doctor` checks it. Meanwhile the free `local-animatic` works.",
        "queue.unknown_provider": "There is no generator called {provider} on this bot "
        "(available: {known}).",
        "queue.prompt_too_long": "This shot's prompt is too long for {provider} ({needed}/{max} "
        "characters). Shorten the action or a character's canon.",
        "queue.shot_not_found": "I could not find that shot in this server.",
    },
    fr={
        "cmd.shot.queue.name": "générer",
        "cmd.shot.queue.description": "Générer des prises d'un plan",
        "cmd.shot.queue.shot.name": "plan",
        "cmd.shot.queue.shot.description": "Le plan (code comme 1.2.3, ou choisissez)",
        "cmd.shot.queue.takes.name": "prises",
        "cmd.shot.queue.takes.description": "Combien de prises (1-4), chacune avec sa graine",
        "cmd.shot.queue.provider.name": "générateur",
        "cmd.shot.queue.provider.description": "Générateur vidéo (par défaut : celui du plan, "
        "sinon l'animatique locale gratuite)",
        "queue.enqueued": "{count} prise(s) du plan {code} en file sur {provider} (estimation "
        "{estimate}). La carte ci-dessous les suit.",
        "queue.confirm": "Cela coûte environ **{estimate}** pour {count} prise(s) du plan {code} "
        "sur {provider}, au-dessus du seuil de confirmation du serveur ({threshold}). On lance ?",
        "queue.confirm_button": "Confirmer",
        "queue.cancel_button": "Annuler",
        "queue.not_queued": "Rien n'a été lancé.",
        "queue.already_answered": "Cette demande a déjà reçu une réponse.",
        "queue.refused.guild": "Le budget du serveur ne suffit pas : {needed} nécessaires, "
        "{left} restants ce mois-ci. Il repart {resets}. Un showrunner peut l'augmenter avec "
        "/budget set.",
        "queue.refused.member": "Votre quota du jour ne suffit pas : {needed} nécessaires, "
        "{left} restants aujourd'hui. Il repart {resets}. Un showrunner peut lancer à votre place.",
        "queue.missing_key": "{provider} n'est pas configuré sur ce bot : sa clé d'API manque. "
        "L'hébergeur du bot définit `DAILIES_PROVIDERS__{env}__API_KEY` et redémarre le bot ; "
        "`dailies doctor` le vérifie. En attendant, `local-animatic` (gratuit) fonctionne.",
        "queue.unknown_provider": "Aucun générateur ne s'appelle {provider} sur ce bot "
        "(disponibles : {known}).",
        "queue.prompt_too_long": "La consigne de ce plan est trop longue pour {provider} "
        "({needed}/{max} caractères). Raccourcissez l'action ou le canon d'un personnage.",
        "queue.shot_not_found": "Je n'ai pas trouvé ce plan sur ce serveur.",
    },
)
