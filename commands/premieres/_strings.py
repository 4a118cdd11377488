"""Every sentence of /premiere and of the premiere posts, en and fr."""

from __future__ import annotations

from bot.i18n import register_strings

_WHEN_EN = '"2026-12-01 20:00", "20:00", "tomorrow 21:30"'
_WHEN_FR = "« 2026-12-01 20:00 », « 20h », « demain 21h30 »"

register_strings(
    en={
        "cmd.premiere.name": "premiere",
        "cmd.premiere.description": "Schedule an episode's premiere in the server",
        "cmd.premiere.schedule.name": "schedule",
        "cmd.premiere.schedule.description": "Premiere an episode at a set time",
        "cmd.premiere.schedule.episode.name": "episode",
        "cmd.premiere.schedule.episode.description": "The episode (number or pick one)",
        "cmd.premiere.schedule.when.name": "when",
        "cmd.premiere.schedule.when.description": _WHEN_EN,
        "cmd.premiere.schedule.timezone.name": "timezone",
        "cmd.premiere.schedule.timezone.description": "Your time zone, e.g. Europe/Paris",
        "cmd.premiere.schedule.weekly.name": "weekly",
        "cmd.premiere.schedule.weekly.description": "Then the next episode every week at the "
        "same time",
        "cmd.premiere.list.name": "list",
        "cmd.premiere.list.description": "The premieres to come",
        "cmd.premiere.cancel.name": "cancel",
        "cmd.premiere.cancel.description": "Call off a premiere (its Discord event too)",
        "cmd.premiere.cancel.premiere.name": "premiere",
        "cmd.premiere.cancel.premiere.description": "The premiere to call off",
        "cmd.premiere.move.name": "move",
        "cmd.premiere.move.description": "Move a premiere to another time (its Discord event too)",
        "cmd.premiere.move.premiere.name": "premiere",
        "cmd.premiere.move.premiere.description": "The premiere to move",
        "cmd.premiere.move.when.name": "when",
        "cmd.premiere.move.when.description": _WHEN_EN,
        "cmd.premiere.move.timezone.name": "timezone",
        "cmd.premiere.move.timezone.description": "Time zone (default: the premiere's)",
        "premiere.word.episode": "Episode",
        "premiere.event.description": "The premiere, live in #{channel}.",
        "premiere.announce": "🎬 **Episode {number}: {title}** premieres here {when}.\n"
        "Press **Notify me** to be pinged when it starts.",
        "premiere.announce.weekly": "Then a new episode every week at the same time.",
        "premiere.notify.button": "🔔 Notify me",
        "premiere.notify.on": "You will be pinged at premieres (role **{role}**). Press again "
        "to stop.",
        "premiere.notify.off": "No more premiere pings for you.",
        "premiere.notify.no_role": "I cannot hand out the premiere role here: a server admin "
        "needs to give me Manage Roles.",
        "premiere.now": "🎬 **Episode {number}: {title}** premieres now!",
        "premiere.late": "⏰ Premiering late: the bot was offline.",
        "premiere.recap": "📼 Previously on… (catch up before episode {number})",
        "premiere.episode": "🍿 **Episode {number}: {title}**",
        "premiere.thread": "Episode {number}: {title} (discussion)",
        "premiere.thread.opening": "What did you think of episode {number}? Spoilers welcome "
        "in here.",
        "premiere.why.waiting": "shots {codes} have no locked take yet",
        "premiere.why.rendering": "the episode is not rendered yet",
        "premiere.postponed": "⏳ The premiere of episode {number} is postponed to {when}: {why}.",
        "premiere.missed": "{who} The premiere of episode {number} did not happen: {why}. "
        "Schedule it again with `/premiere schedule`.",
        "premiere.missed.offline": "the bot was offline past the {minutes}-minute grace window",
        "premiere.missed.not_ready": "it was never ready in time",
        "premiere.missed.cannot_post": "I could not post in the premieres channel",
        "premiere.missed.no_channel": "the server has no premieres channel",
        "premiere.status.scheduled": "scheduled",
        "premiere.status.postponed": "postponed",
        "premiere.status.firing": "starting",
        "premiere.status.premiered": "premiered",
        "premiere.status.cancelled": "cancelled",
        "premiere.status.missed": "missed",
        "premiere.bad_zone": "I don't know the time zone `{zone}`. Pick one from the list "
        "(e.g. Europe/Paris, America/New_York, UTC).",
        "premiere.bad_time.unreadable": "I can't read `{when}` as a time. Try "
        '"2026-12-01 20:00", "20:00" or "tomorrow 21:30".',
        "premiere.bad_time.past": "`{when}` ({zone}) has already passed. Pick a time to come.",
        "premiere.bad_time.gap": "`{when}` does not exist in {zone}: the clocks skip it that "
        "night. Pick another time.",
        "premiere.no_channel": "This server has no premieres channel yet. A server manager sets "
        "one with `/setup premieres:`.",
        "premiere.cannot_post": "I can't premiere in {channel}: I am missing {missing}. Give me "
        "those permissions there, then try again.",
        "premiere.cannot_post.refused": "the right to post there (Discord refused)",
        "premiere.nothing_locked": "Episode {number} has no locked shot: there is nothing to "
        "premiere yet. Lock takes in the dailies first.",
        "premiere.already_scheduled": "Episode {number} already has a premiere. Use "
        "`/premiere move` to change its time.",
        "premiere.already_firing": "That premiere is starting right now; it can no longer be "
        "changed.",
        "premiere.not_found": "No premiere to come matches `{value}`. See `/premiere list`.",
        "premiere.choice": "Episode {number}: {title} · {when} {zone}",
        "premiere.scheduled": "Episode {number}: **{title}** premieres {when} in {channel}.",
        "premiere.scheduled.event": "A Discord event is up for members to mark Interested.",
        "premiere.scheduled.no_event": "No Discord event: give me Manage Events to add one "
        "next time.",
        "premiere.list.empty": "No premiere is scheduled. A showrunner schedules one with "
        "`/premiere schedule`.",
        "premiere.list.title": "**Premieres to come**",
        "premiere.list.line": "• Episode {number}: {title}: {when} ({zone}), {status}",
        "premiere.list.weekly": "weekly",
        "premiere.cancelled": "The premiere of episode {number} is called off.",
        "premiere.cancelled.public": "The premiere of episode {number} is called off.",
        "premiere.moved": "The premiere of episode {number} moves to {when}.",
        "premiere.moved.public": "📅 The premiere of episode {number} moves to {when}.",
    },
    fr={
        "cmd.premiere.name": "première",
        "cmd.premiere.description": "Programmer la première d'un épisode sur le serveur",
        "cmd.premiere.schedule.name": "programmer",
        "cmd.premiere.schedule.description": "Diffuser un épisode à une heure fixée",
        "cmd.premiere.schedule.episode.name": "épisode",
        "cmd.premiere.schedule.episode.description": "L'épisode (numéro ou choix dans la liste)",
        "cmd.premiere.schedule.when.name": "quand",
        "cmd.premiere.schedule.when.description": _WHEN_FR,
        "cmd.premiere.schedule.timezone.name": "fuseau",
        "cmd.premiere.schedule.timezone.description": "Votre fuseau horaire, ex. Europe/Paris",
        "cmd.premiere.schedule.weekly.name": "hebdo",
        "cmd.premiere.schedule.weekly.description": "Puis l'épisode suivant chaque semaine à la "
        "même heure",
        "cmd.premiere.list.name": "liste",
        "cmd.premiere.list.description": "Les premières à venir",
        "cmd.premiere.cancel.name": "annuler",
        "cmd.premiere.cancel.description": "Annuler une première (et son événement Discord)",
        "cmd.premiere.cancel.premiere.name": "première",
        "cmd.premiere.cancel.premiere.description": "La première à annuler",
        "cmd.premiere.move.name": "déplacer",
        "cmd.premiere.move.description": "Déplacer une première (et son événement Discord)",
        "cmd.premiere.move.premiere.name": "première",
        "cmd.premiere.move.premiere.description": "La première à déplacer",
        "cmd.premiere.move.when.name": "quand",
        "cmd.premiere.move.when.description": _WHEN_FR,
        "cmd.premiere.move.timezone.name": "fuseau",
        "cmd.premiere.move.timezone.description": "Fuseau horaire (par défaut : celui de la "
        "première)",
        "premiere.word.episode": "Épisode",
        "premiere.event.description": "La première, en direct dans #{channel}.",
        "premiere.announce": "🎬 **Épisode {number} : {title}** sort ici {when}.\n"
        "Appuyez sur **Me prévenir** pour être notifié au lancement.",
        "premiere.announce.weekly": "Puis un nouvel épisode chaque semaine à la même heure.",
        "premiere.notify.button": "🔔 Me prévenir",
        "premiere.notify.on": "Vous serez notifié des premières (rôle **{role}**). Appuyez de "
        "nouveau pour arrêter.",
        "premiere.notify.off": "Plus de notifications de première pour vous.",
        "premiere.notify.no_role": "Je ne peux pas attribuer le rôle des premières ici : un "
        "administrateur doit me donner « Gérer les rôles ».",
        "premiere.now": "🎬 **Épisode {number} : {title}**, c'est parti !",
        "premiere.late": "⏰ Première en retard : le bot était hors ligne.",
        "premiere.recap": "📼 Précédemment… (pour se remettre à jour avant l'épisode {number})",
        "premiere.episode": "🍿 **Épisode {number} : {title}**",
        "premiere.thread": "Épisode {number} : {title} (discussion)",
        "premiere.thread.opening": "Qu'avez-vous pensé de l'épisode {number} ? Les divulgâchages "
        "sont permis ici.",
        "premiere.why.waiting": "les plans {codes} n'ont pas encore de prise verrouillée",
        "premiere.why.rendering": "l'épisode n'est pas encore rendu",
        "premiere.postponed": "⏳ La première de l'épisode {number} est reportée à {when} : {why}.",
        "premiere.missed": "{who} La première de l'épisode {number} n'a pas eu lieu : {why}. "
        "Reprogrammez-la avec `/première programmer`.",
        "premiere.missed.offline": "le bot était hors ligne au-delà du délai de grâce de "
        "{minutes} minutes",
        "premiere.missed.not_ready": "elle n'a jamais été prête à temps",
        "premiere.missed.cannot_post": "je n'ai pas pu publier dans le salon des premières",
        "premiere.missed.no_channel": "le serveur n'a pas de salon des premières",
        "premiere.status.scheduled": "programmée",
        "premiere.status.postponed": "reportée",
        "premiere.status.firing": "en cours de lancement",
        "premiere.status.premiered": "diffusée",
        "premiere.status.cancelled": "annulée",
        "premiere.status.missed": "manquée",
        "premiere.bad_zone": "Je ne connais pas le fuseau horaire `{zone}`. Choisissez-en un "
        "dans la liste (ex. Europe/Paris, America/Montreal, UTC).",
        "premiere.bad_time.unreadable": "Je ne sais pas lire `{when}` comme une heure. Essayez "
        "« 2026-12-01 20:00 », « 20h » ou « demain 21h30 ».",
        "premiere.bad_time.past": "`{when}` ({zone}) est déjà passé. Choisissez une heure à venir.",
        "premiere.bad_time.gap": "`{when}` n'existe pas dans le fuseau {zone} : on avance les "
        "horloges cette nuit-là. Choisissez une autre heure.",
        "premiere.no_channel": "Ce serveur n'a pas encore de salon des premières. Un gérant du "
        "serveur le choisit avec `/setup premières:`.",
        "premiere.cannot_post": "Je ne peux pas diffuser dans {channel} : il me manque {missing}. "
        "Donnez-moi ces permissions dans ce salon, puis réessayez.",
        "premiere.cannot_post.refused": "le droit d'y publier (Discord a refusé)",
        "premiere.nothing_locked": "L'épisode {number} n'a aucun plan verrouillé : rien à "
        "diffuser pour l'instant. Verrouillez des prises dans les rushes d'abord.",
        "premiere.already_scheduled": "L'épisode {number} a déjà une première. Utilisez "
        "`/première déplacer` pour changer l'heure.",
        "premiere.already_firing": "Cette première est en train de démarrer : on ne peut plus "
        "la modifier.",
        "premiere.not_found": "Aucune première à venir ne correspond à `{value}`. Voir "
        "`/première liste`.",
        "premiere.choice": "Épisode {number} : {title} · {when} {zone}",
        "premiere.scheduled": "Épisode {number} : **{title}** sort {when} dans {channel}.",
        "premiere.scheduled.event": "Un événement Discord est en ligne pour que les membres "
        "se disent intéressés.",
        "premiere.scheduled.no_event": "Pas d'événement Discord : donnez-moi « Gérer les "
        "événements » pour en créer un la prochaine fois.",
        "premiere.list.empty": "Aucune première n'est programmée. Un showrunner en programme "
        "une avec `/première programmer`.",
        "premiere.list.title": "**Premières à venir**",
        "premiere.list.line": "• Épisode {number} : {title} : {when} ({zone}), {status}",
        "premiere.list.weekly": "hebdomadaire",
        "premiere.cancelled": "La première de l'épisode {number} est annulée.",
        "premiere.cancelled.public": "La première de l'épisode {number} est annulée.",
        "premiere.moved": "La première de l'épisode {number} est déplacée à {when}.",
        "premiere.moved.public": "📅 La première de l'épisode {number} est déplacée à {when}.",
    },
)
