"""Every sentence of /episode cut | recap | export and of the render status card, en and fr."""

from __future__ import annotations

from bot.i18n import register_strings

register_strings(
    en={
        "cmd.episode.cut.name": "cut",
        "cmd.episode.cut.description": "Render the episode from its locked takes",
        "cmd.episode.cut.episode.name": "episode",
        "cmd.episode.cut.episode.description": "The episode (number or pick one)",
        "cmd.episode.cut.final.name": "final",
        "cmd.episode.cut.final.description": "The finished cut: refuses while a shot is unlocked",
        "cmd.episode.cut.crossfade.name": "crossfade",
        "cmd.episode.cut.crossfade.description": "Crossfade between the shots of each scene",
        "cmd.episode.cut.fade_scenes.name": "fade_scenes",
        "cmd.episode.cut.fade_scenes.description": "Crossfade only these scenes (their numbers, "
        "e.g. 1,3)",
        "cut.refused.no_scene": "This episode has no scene `{value}`. Give scene numbers, "
        "e.g. `1,3`.",
        "cmd.episode.cut.burn_subtitles.name": "burn_subtitles",
        "cmd.episode.cut.burn_subtitles.description": "Burn the dialogue into the picture",
        "cmd.episode.cut.music.name": "music",
        "cmd.episode.cut.music.description": "A music bed (showrunner; WAV, MP3, OGG, M4A)",
        "cmd.episode.recap.name": "recap",
        "cmd.episode.recap.description": 'Render "Previously on…" for this episode',
        "cmd.episode.recap.episode.name": "episode",
        "cmd.episode.recap.episode.description": "The new episode the recap leads into",
        "cmd.episode.recap.seconds.name": "seconds",
        "cmd.episode.recap.seconds.description": "Target length, 30 to 120 s (default 60)",
        "cmd.episode.export.name": "export",
        "cmd.episode.export.description": "The cut as a timeline (OTIO, EDL, FCP XML)",
        "cmd.episode.export.episode.name": "episode",
        "cmd.episode.export.episode.description": "The episode (number or pick one)",
        "cut.refused.nothing_locked": "Episode {number} has no locked shot yet: there is nothing "
        "to cut. Lock a take in the dailies first.",
        "cut.refused.not_locked": "A final cut needs every shot locked. Still waiting: {codes}. "
        "Leave `final` off for a preview with slates in their place.",
        "cut.refused.no_recap": "Episode {number} is the first: there is nothing to recap.",
        "cut.refused.busy": "Episode {number} is already being rendered; follow its card.",
        "cut.started": "Rendering started (job #{id}); follow the card in this channel. "
        "`/job cancel id:{id}` stops it.",
        "cut.card.queued": "🎬 {what}: queued, waiting for the renderer (one render at a time).",
        "cut.card.running": "🎬 {what}: rendering… {percent} %\n`{bar}`",
        "cut.card.ready": "✅ {what}: ready ({duration}).",
        "cut.card.failed": "❌ {what}: the render failed ({reason}). Nothing was posted.",
        "cut.what.episode": "Episode {number} «{title}»",
        "cut.what.recap": "Recap before episode {number}",
        "cut.posted.episode": "🎞️ **Episode {number}: {title}** ({duration}, {size}).",
        "cut.posted.recap": "🎞️ **Previously on…** before episode {number} ({duration}, {size}).",
        "cut.posted.waiting": "Preview: {count} shot(s) still waiting, shown as slates: {codes}.",
        "cut.posted.subtitles": "Subtitles: {languages} (each line in the language it was "
        "written in; no translation offline).",
        "cut.posted.final": "Final cut; the full-quality master is kept in the media store.",
        "cut.export.done": "Timeline for episode {number}: {files}. Media paths point at the "
        "media store on the bot's machine.",
        "cut.export.missing": "Not written: {formats}.",
    },
    fr={
        "cmd.episode.cut.name": "montage",
        "cmd.episode.cut.description": "Monter l'épisode à partir de ses prises verrouillées",
        "cmd.episode.cut.episode.name": "épisode",
        "cmd.episode.cut.episode.description": "L'épisode (numéro ou choix)",
        "cmd.episode.cut.final.name": "final",
        "cmd.episode.cut.final.description": "Le montage final : refusé si un plan n'est pas "
        "verrouillé",
        "cmd.episode.cut.crossfade.name": "fondu",
        "cmd.episode.cut.crossfade.description": "Fondu enchaîné entre les plans de chaque scène",
        "cmd.episode.cut.fade_scenes.name": "fondu_scènes",
        "cmd.episode.cut.fade_scenes.description": "Fondu seulement dans ces scènes (leurs "
        "numéros, p. ex. 1,3)",
        "cut.refused.no_scene": "Cet épisode n'a pas de scène `{value}`. Donnez des numéros de "
        "scène, p. ex. `1,3`.",
        "cmd.episode.cut.burn_subtitles.name": "incruster_sous-titres",
        "cmd.episode.cut.burn_subtitles.description": "Incruster les dialogues dans l'image",
        "cmd.episode.cut.music.name": "musique",
        "cmd.episode.cut.music.description": "Une musique de fond (showrunner ; WAV, MP3, OGG, "
        "M4A)",
        "cmd.episode.recap.name": "résumé",
        "cmd.episode.recap.description": "Monter « Précédemment… » pour cet épisode",
        "cmd.episode.recap.episode.name": "épisode",
        "cmd.episode.recap.episode.description": "Le nouvel épisode qui suit le résumé",
        "cmd.episode.recap.seconds.name": "secondes",
        "cmd.episode.recap.seconds.description": "Durée visée, de 30 à 120 s (60 par défaut)",
        "cmd.episode.export.name": "exporter",
        "cmd.episode.export.description": "Le montage en timeline (OTIO, EDL, FCP XML)",
        "cmd.episode.export.episode.name": "épisode",
        "cmd.episode.export.episode.description": "L'épisode (numéro ou choix)",
        "cut.refused.nothing_locked": "L'épisode {number} n'a encore aucun plan verrouillé : "
        "rien à monter. Verrouillez d'abord une prise dans les rushes.",
        "cut.refused.not_locked": "Un montage final demande que tous les plans soient "
        "verrouillés. En attente : {codes}. Sans `final`, vous aurez un aperçu avec des claps "
        "à leur place.",
        "cut.refused.no_recap": "L'épisode {number} est le premier : il n'y a rien à résumer.",
        "cut.refused.busy": "L'épisode {number} est déjà en cours de rendu ; suivez sa carte.",
        "cut.started": "Rendu lancé (tâche n°{id})\u202f; suivez la carte dans ce salon. "
        "`/tâche annuler id:{id}` l'arrête.",
        "cut.card.queued": "🎬 {what}\u202f: en file, en attente du rendu (un rendu à la fois).",
        "cut.card.running": "🎬 {what}\u202f: rendu en cours… {percent}\u202f%\n`{bar}`",
        "cut.card.ready": "✅ {what} : prêt ({duration}).",
        "cut.card.failed": "❌ {what} : le rendu a échoué ({reason}). Rien n'a été publié.",
        "cut.what.episode": "Épisode {number} «\u202f{title}\u202f»",
        "cut.what.recap": "Résumé avant l'épisode {number}",
        "cut.posted.episode": "🎞️ **Épisode {number}\u202f: {title}** ({duration}, {size}).",
        "cut.posted.recap": "🎞️ **Précédemment…** avant l'épisode {number} ({duration}, {size}).",
        "cut.posted.waiting": "Aperçu : {count} plan(s) encore en attente, remplacés par des "
        "claps : {codes}.",
        "cut.posted.subtitles": "Sous-titres : {languages} (chaque réplique dans sa langue "
        "d'écriture ; pas de traduction hors ligne).",
        "cut.posted.final": "Montage final ; le master en pleine qualité reste dans la "
        "médiathèque.",
        "cut.export.done": "Timeline de l'épisode {number} : {files}. Les chemins des médias "
        "pointent vers la médiathèque de la machine du bot.",
        "cut.export.missing": "Non écrits : {formats}.",
    },
)
