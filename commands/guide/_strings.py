"""Every sentence of /help, in English and French. Command names are filled in by the cog in the
member's language (a French client shows /plan, /épisode...), so they are placeholders here."""

from __future__ import annotations

from bot.i18n import register_strings

register_strings(
    en={
        "cmd.help.name": "help",
        "cmd.help.description": "What Dailies does, and what to do next in this server",
        "help.title": "Dailies: make a series together",
        "help.intro": "Write a show bible, break episodes into shots, let the generators make "
        "takes, vote on them in dailies, and premiere the cut. Every step is a slash command; "
        "long work shows a card that updates itself.",
        "help.next": "Next step here",
        "help.next.setup": "A member with Manage Server runs {setup} (channels, roles, language).",
        "help.next.series": "Create the show with {series}, then its cast with {character} and "
        "its places with {location}.",
        "help.next.episode": "Write the first episode: {import_} (a Fountain screenplay) or "
        "{create}, then {board}.",
        "help.next.generate": "Make takes with {queue_takes}; {queue} shows what is being made.",
        "help.steps": "The production",
        "help.step.bible": "**Bible**",
        "help.step.script": "**Script**",
        "help.step.takes": "**Takes**",
        "help.step.dailies": "**Dailies** · vote with the buttons under each shot's takes",
        "help.step.cut": "**Cut and premiere**",
        "help.you": "You",
        "help.you.showrunner": "Showrunner: you set the budget, lock canon, break ties and "
        "schedule premieres, and you can do everything the crew does.",
        "help.you.crew": "Crew: you write the bible and the script, queue takes (within your "
        "daily quota), act shots yourself and vote.",
        "help.you.member": "Member: you vote on takes in dailies and watch the premieres. Ask "
        "a showrunner for the crew role to write and generate.",
        "help.language": "Dailies answers in your Discord language (English or French).",
    },
    fr={
        "cmd.help.name": "aide",
        "cmd.help.description": "Ce que fait Dailies, et la prochaine étape sur ce serveur",
        "help.title": "Dailies\u202f: faire une série ensemble",
        "help.intro": "Écrivez une bible, découpez les épisodes en plans, laissez les "
        "générateurs faire des prises, votez dans les rushes, et présentez le montage en "
        "avant-première. Chaque étape est une commande\u202f; les longs travaux affichent une "
        "carte qui se met à jour.",
        "help.next": "Prochaine étape ici",
        "help.next.setup": "Un membre qui peut gérer le serveur lance {setup} (salons, rôles, "
        "langue).",
        "help.next.series": "Créez la série avec {series}, puis ses personnages avec "
        "{character} et ses décors avec {location}.",
        "help.next.episode": "Écrivez le premier épisode\u202f: {import_} (un scénario "
        "Fountain) ou {create}, puis {board}.",
        "help.next.generate": "Faites des prises avec {queue_takes}\u202f; {queue} montre ce "
        "qui est en cours.",
        "help.steps": "La production",
        "help.step.bible": "**Bible**",
        "help.step.script": "**Scénario**",
        "help.step.takes": "**Prises**",
        "help.step.dailies": "**Rushes** · votez avec les boutons sous les prises de chaque plan",
        "help.step.cut": "**Montage et avant-première**",
        "help.you": "Vous",
        "help.you.showrunner": "Showrunner\u202f: vous fixez le budget, verrouillez le canon, "
        "départagez les votes et programmez les avant-premières, et vous pouvez tout ce que "
        "fait l'équipe.",
        "help.you.crew": "Équipe\u202f: vous écrivez la bible et le scénario, lancez des prises "
        "(dans votre quota du jour), jouez des plans vous-même et votez.",
        "help.you.member": "Membre\u202f: vous votez sur les prises dans les rushes et regardez "
        "les avant-premières. Demandez le rôle d'équipe à un showrunner pour écrire et générer.",
        "help.language": "Dailies vous répond dans la langue de votre Discord (anglais ou "
        "français).",
    },
)
