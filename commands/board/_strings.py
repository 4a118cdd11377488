"""English and French for /board and the production board message."""

from __future__ import annotations

import commands.episodes._strings  # noqa: F401  (the script errors this feature raises)
from bot.i18n import register_strings

register_strings(
    en={
        "cmd.board.name": "board",
        "cmd.board.description": "Production boards that update themselves",
        "cmd.board.episode.name": "episode",
        "cmd.board.episode.description": "Post an episode's production board in this channel",
        "cmd.board.episode.episode.name": "episode",
        "cmd.board.episode.episode.description": "The episode (number or pick one)",
        "board.title": "Episode {number} · {title}",
        "board.summary": "{series} · {scenes} scenes · {shots} shots · {locked} locked · {runtime}",
        "board.empty": "No scenes yet. Add one with /scene add, or import a screenplay with "
        "/episode import.",
        "board.no_shots": "_No shots yet._",
        "board.scene_counts": "{shots} shots: {counts}",
        "board.more_shots": "… and {count} more shots (/shot list)",
        "board.more_scenes": "… and {count} more scenes (/shot list)",
        "board.legend": "📝 draft · ⏳ generating · 🗳️ in review · ✅ locked",
        "board.updated": "Updated {when}",
        "board.posted": "The board for episode {number} is posted in {channel}. It updates "
        "itself when scenes and shots change.",
        "board.no_channel": "I cannot post in this channel. Try a text channel.",
    },
    fr={
        "cmd.board.name": "tableau",
        "cmd.board.description": "Des tableaux de production qui se mettent à jour seuls",
        "cmd.board.episode.name": "épisode",
        "cmd.board.episode.description": "Publier le tableau de production d'un épisode ici",
        "cmd.board.episode.episode.name": "épisode",
        "cmd.board.episode.episode.description": "L'épisode (numéro ou suggestion)",
        "board.title": "Épisode {number} · {title}",
        "board.summary": "{series} · {scenes} scènes · {shots} plans · {locked} verrouillés · "
        "{runtime}",
        "board.empty": "Pas encore de scène. Ajoutez-en une avec /scene add, ou importez un "
        "scénario avec /episode import.",
        "board.no_shots": "_Pas encore de plan._",
        "board.scene_counts": "{shots} plans : {counts}",
        "board.more_shots": "… et {count} plans de plus (/shot list)",
        "board.more_scenes": "… et {count} scènes de plus (/shot list)",
        "board.legend": "📝 brouillon · ⏳ en génération · 🗳️ en vote · ✅ verrouillé",
        "board.updated": "Mis à jour {when}",
        "board.posted": "Le tableau de l'épisode {number} est publié dans {channel}. Il se met "
        "à jour seul quand les scènes et les plans changent.",
        "board.no_channel": "Je ne peux pas publier dans ce salon. Essayez un salon textuel.",
    },
)
