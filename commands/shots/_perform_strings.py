"""English and French for /shot perform: the command, its answers and its refusals."""

from __future__ import annotations

import bot.cards  # noqa: F401  (money, states and reasons the replies use)
import commands.shots._queue_strings  # noqa: F401  (queue.refused.*, the confirm buttons)
from bot.i18n import register_strings

# (value, English, French) for the provider option; the values are provider names.
PROVIDERS = (
    ("local-performance", "local stand-in (free)", "doublure locale (gratuit)"),
    ("runway", "Runway Act-Two", "Runway Act-Two"),
)

register_strings(
    en={
        "cmd.shot.perform.name": "perform",
        "cmd.shot.perform.description": "Act a shot yourself: your video drives the character",
        "cmd.shot.perform.shot.name": "shot",
        "cmd.shot.perform.shot.description": "The shot (code like 1.2.3, or pick one)",
        "cmd.shot.perform.video.name": "video",
        "cmd.shot.perform.video.description": "Your acting video (MP4, MOV or WebM, as long as "
        "the shot, 30 s at most)",
        "cmd.shot.perform.character.name": "character",
        "cmd.shot.perform.character.description": "Which of the shot's characters you play "
        "(default: the locked take, else the first)",
        "cmd.shot.perform.provider.name": "provider",
        "cmd.shot.perform.provider.description": "Who transfers the performance (default: the "
        "free local stand-in)",
        **{f"choice.perform.{value}": en for value, en, _fr in PROVIDERS},
        "perform.label": "STAND-IN · acted by {member}",
        "perform.source.locked_take": "your acting drives the locked take {label}; the cut will "
        "show the result instead",
        "perform.source.picture": "your acting drives {character}'s reference picture; the "
        "result is take {label}, up for the dailies vote",
        "perform.enqueued": "Performance queued for shot {code} on {provider} ({seconds}, "
        "estimate {estimate}): {source}. The card below follows it.",
        "perform.stand_in": "This is the free local stand-in: your video as an inset over the "
        "character, with your sound. For the real transfer, a showrunner sets up Runway.",
        "perform.confirm": "This performance costs about **{estimate}** ({seconds} of acting on "
        "{provider}) for shot {code}, above this server's confirmation threshold ({threshold}). "
        "Queue it?",
        "perform.missing_key": "{provider} is not set up on this bot: its API key is missing. The "
        "bot's host sets `DAILIES_PROVIDERS__{env}__API_KEY` and restarts the bot; `dailies "
        "doctor` checks it. Meanwhile `local-performance` makes a free stand-in.",
        "perform.no_provider": "No performance transfer is set up on this bot. The bot's host "
        "sets `DAILIES_PROVIDERS__RUNWAY__API_KEY` (Runway Act-Two) and restarts the bot.",
        "perform.not_a_performer": "{provider} cannot transfer a performance (these can: {able}).",
        "perform.too_short": "Your video lasts {seconds}; {provider} needs at least {min} of "
        "acting. Record a little more.",
        "perform.no_character": "This shot has no character to perform yet. Add one with /shot "
        "edit.",
        "perform.not_in_shot": "{character} is not in this shot. Pick one of its characters.",
        "perform.no_picture": "{character} has no reference picture to drive. Add one with "
        "/character edit, or lock a take of this shot first.",
        "perform.no_store": "Your video cannot be saved right now: the media store is not set "
        "up. Nothing was queued.",
    },
    fr={
        "cmd.shot.perform.name": "jouer",
        "cmd.shot.perform.description": "Jouez un plan vous-même : votre vidéo anime le personnage",
        "cmd.shot.perform.shot.name": "plan",
        "cmd.shot.perform.shot.description": "Le plan (code comme 1.2.3, ou choisissez)",
        "cmd.shot.perform.video.name": "vidéo",
        "cmd.shot.perform.video.description": "Votre vidéo de jeu (MP4, MOV ou WebM, de la durée "
        "du plan, 30 s au plus)",
        "cmd.shot.perform.character.name": "personnage",
        "cmd.shot.perform.character.description": "Quel personnage du plan vous jouez (par "
        "défaut : la prise verrouillée, sinon le premier)",
        "cmd.shot.perform.provider.name": "générateur",
        "cmd.shot.perform.provider.description": "Qui transfère le jeu (par défaut : la "
        "doublure locale gratuite)",
        **{f"choice.perform.{value}": fr for value, _en, fr in PROVIDERS},
        "perform.label": "DOUBLURE · jouée par {member}",
        "perform.source.locked_take": "votre jeu anime la prise verrouillée {label} ; le montage "
        "montrera le résultat à sa place",
        "perform.source.picture": "votre jeu anime l'image de référence de {character} ; le "
        "résultat est la prise {label}, soumise au vote des rushes",
        "perform.enqueued": "Jeu en file pour le plan {code} sur {provider} ({seconds}, "
        "estimation {estimate}) : {source}. La carte ci-dessous le suit.",
        "perform.stand_in": "C'est la doublure locale gratuite : votre vidéo en incrustation sur "
        "le personnage, avec votre son. Pour le vrai transfert, un showrunner configure Runway.",
        "perform.confirm": "Ce jeu coûte environ **{estimate}** ({seconds} de jeu sur "
        "{provider}) pour le plan {code}, au-dessus du seuil de confirmation du serveur "
        "({threshold}). On lance ?",
        "perform.missing_key": "{provider} n'est pas configuré sur ce bot : sa clé d'API manque. "
        "L'hébergeur du bot définit `DAILIES_PROVIDERS__{env}__API_KEY` et redémarre le bot ; "
        "`dailies doctor` le vérifie. En attendant, `local-performance` fait une doublure "
        "gratuite.",
        "perform.no_provider": "Aucun transfert de jeu n'est configuré sur ce bot. L'hébergeur "
        "du bot définit `DAILIES_PROVIDERS__RUNWAY__API_KEY` (Runway Act-Two) et redémarre le "
        "bot.",
        "perform.not_a_performer": "{provider} ne sait pas transférer un jeu (ceux-ci le "
        "savent : {able}).",
        "perform.too_short": "Votre vidéo dure {seconds} ; {provider} demande au moins {min} de "
        "jeu. Enregistrez-en un peu plus.",
        "perform.no_character": "Ce plan n'a pas encore de personnage à jouer. Ajoutez-en un "
        "avec /shot edit.",
        "perform.not_in_shot": "{character} n'est pas dans ce plan. Choisissez un de ses "
        "personnages.",
        "perform.no_picture": "{character} n'a pas d'image de référence à animer. Ajoutez-en "
        "une avec /character edit, ou verrouillez d'abord une prise de ce plan.",
        "perform.no_store": "Impossible d'enregistrer votre vidéo : le stockage des médias n'est "
        "pas configuré. Rien n'a été lancé.",
    },
)
