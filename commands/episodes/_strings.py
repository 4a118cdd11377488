"""English and French for /episode, and for the script errors that storage/script*.py raise."""

from __future__ import annotations

from bot.i18n import register_strings

# Errors raised by storage/script.py, script_lookup.py, script_import.py and screenplay.py. They
# live here because /episode, /scene, /shot and /board all meet them; the other features import
# this module so the sentences exist whichever loads first.
ERRORS_EN = {
    "script.bad_choice": "`{value}` is not a valid {field}. Pick one of the suggestions.",
    "script.character_not_found": "One of those characters is not in this server's bible.",
    "script.dialogue_format": "I could not read this dialogue line: `{line}`. Write one line "
    "per speaker, like `MARA: Up here.`",
    "script.episode_bad_number": "Episode numbers start at 1.",
    "script.episode_exists": "Episode {number} already exists. Pick another number, or leave "
    "it empty to take the next one.",
    "script.episode_full": "This episode already has {max} scenes, the most it can hold.",
    "script.episode_not_found": "I could not find episode `{value}` in this server. Pick one "
    "from the suggestions, or type its number (`3`).",
    "script.import.binary": "That file is not a text screenplay. Export it as Fountain "
    "(`.fountain`, plain text) and try again.",
    "script.import.empty": "That screenplay is empty: nothing to import.",
    "script.import.no_headings": "I found no scene heading (a line starting with `INT.` or "
    "`EXT.`), so I cannot tell where scenes begin. Nothing was imported.",
    "script.import.too_big": "That screenplay is {size_kb} KB; the limit is {max_kb} KB. "
    "Split it into episodes and import them one by one.",
    "script.import.too_many_scenes": "That screenplay has more than {max} scenes. Split it "
    "into episodes and import them one by one.",
    "script.import.too_many_shots": "That screenplay would make {count} shots; the limit is "
    "{max} per import. Split it into episodes.",
    "script.location_not_found": "I could not find the location `{value}` in the bible. Pick "
    "one from the suggestions.",
    "script.many_series": "This server has several series and none is active. A showrunner "
    "can choose one with /setup.",
    "script.no_series": "There is no series yet. Create one with /series create first.",
    "script.scene_full": "This scene already has {max} shots, the most it can hold.",
    "script.scene_not_found": "I could not find scene `{value}` in this server. Pick one from "
    "the suggestions, or type its code (`1.2`).",
    "script.shot_bad_duration": "A shot lasts between {min} and {max} seconds.",
    "script.shot_locked": "This shot is locked: its take is canon. Ask a showrunner to unlock "
    "it first.",
    "script.shot_not_found": "I could not find shot `{value}` in this server. Pick one from "
    "the suggestions, or type its code (`1.2.3`).",
    "script.shot_too_many_lines": "A shot holds at most {max} dialogue lines. Split it.",
    "script.text_empty": "The {field} cannot be empty.",
    "script.text_mention": "Mentions (@everyone, @here, roles or members) are not allowed in "
    "the {field}. Write names instead.",
    "script.text_too_long": "The {field} is {length} characters long; keep it under {max}.",
    "script.unknown_characters": "Not in this server's bible: {names}. Add them with "
    "/character create, or pick names from the suggestions.",
}
ERRORS_FR = {
    "script.bad_choice": "`{value}` n'est pas une valeur valide pour {field}. Choisissez "
    "parmi les suggestions.",
    "script.character_not_found": "L'un de ces personnages n'est pas dans la bible de ce serveur.",
    "script.dialogue_format": "Je n'ai pas pu lire cette réplique : `{line}`. Écrivez une "
    "ligne par personnage, comme `MARA : Je suis là-haut.`",
    "script.episode_bad_number": "Les numéros d'épisode commencent à 1.",
    "script.episode_exists": "L'épisode {number} existe déjà. Choisissez un autre numéro, ou "
    "laissez-le vide pour prendre le suivant.",
    "script.episode_full": "Cet épisode a déjà {max} scènes, le maximum.",
    "script.episode_not_found": "Je n'ai pas trouvé l'épisode `{value}` sur ce serveur. "
    "Choisissez-le dans les suggestions, ou tapez son numéro (`3`).",
    "script.import.binary": "Ce fichier n'est pas un scénario texte. Exportez-le en Fountain "
    "(`.fountain`, texte brut) et réessayez.",
    "script.import.empty": "Ce scénario est vide : rien à importer.",
    "script.import.no_headings": "Je n'ai trouvé aucun en-tête de scène (une ligne qui "
    "commence par `INT.` ou `EXT.`), je ne sais donc pas où commencent les scènes. Rien n'a "
    "été importé.",
    "script.import.too_big": "Ce scénario fait {size_kb} Ko ; la limite est de {max_kb} Ko. "
    "Découpez-le en épisodes et importez-les un par un.",
    "script.import.too_many_scenes": "Ce scénario a plus de {max} scènes. Découpez-le en "
    "épisodes et importez-les un par un.",
    "script.import.too_many_shots": "Ce scénario donnerait {count} plans ; la limite est de "
    "{max} par import. Découpez-le en épisodes.",
    "script.location_not_found": "Je n'ai pas trouvé le lieu `{value}` dans la bible. "
    "Choisissez-le dans les suggestions.",
    "script.many_series": "Ce serveur a plusieurs séries et aucune n'est active. Un "
    "showrunner peut en choisir une avec /setup.",
    "script.no_series": "Il n'y a pas encore de série. Créez-en une d'abord avec /series create.",
    "script.scene_full": "Cette scène a déjà {max} plans, le maximum.",
    "script.scene_not_found": "Je n'ai pas trouvé la scène `{value}` sur ce serveur. "
    "Choisissez-la dans les suggestions, ou tapez son code (`1.2`).",
    "script.shot_bad_duration": "Un plan dure entre {min} et {max} secondes.",
    "script.shot_locked": "Ce plan est verrouillé : sa prise fait partie du canon. Demandez "
    "d'abord à un showrunner de le déverrouiller.",
    "script.shot_not_found": "Je n'ai pas trouvé le plan `{value}` sur ce serveur. "
    "Choisissez-le dans les suggestions, ou tapez son code (`1.2.3`).",
    "script.shot_too_many_lines": "Un plan contient au plus {max} répliques. Découpez-le.",
    "script.text_empty": "Le champ {field} ne peut pas être vide.",
    "script.text_mention": "Les mentions (@everyone, @here, rôles ou membres) ne sont pas "
    "permises dans le champ {field}. Écrivez les noms.",
    "script.text_too_long": "Le champ {field} fait {length} caractères ; restez sous {max}.",
    "script.unknown_characters": "Absents de la bible de ce serveur : {names}. Ajoutez-les "
    "avec /character create, ou choisissez des noms dans les suggestions.",
}

register_strings(
    en={
        **ERRORS_EN,
        "cmd.episode.name": "episode",
        "cmd.episode.description": "Write the episodes of the series",
        "cmd.episode.create.name": "create",
        "cmd.episode.create.description": "Start a new episode",
        "cmd.episode.create.title.name": "title",
        "cmd.episode.create.title.description": "The episode's title",
        "cmd.episode.create.number.name": "number",
        "cmd.episode.create.number.description": "Its number (default: the next one)",
        "cmd.episode.create.synopsis.name": "synopsis",
        "cmd.episode.create.synopsis.description": "What happens, in a few lines",
        "cmd.episode.show.name": "show",
        "cmd.episode.show.description": "Show an episode's scenes and shots",
        "cmd.episode.show.episode.name": "episode",
        "cmd.episode.show.episode.description": "The episode (number or pick one)",
        "cmd.episode.list.name": "list",
        "cmd.episode.list.description": "List the series' episodes",
        "cmd.episode.import.name": "import",
        "cmd.episode.import.description": "Make an episode from a Fountain screenplay",
        "cmd.episode.import.screenplay.name": "screenplay",
        "cmd.episode.import.screenplay.description": "A .fountain file (plain text)",
        "cmd.episode.import.number.name": "number",
        "cmd.episode.import.number.description": "Its number (default: the next one)",
        "cmd.episode.import.title.name": "title",
        "cmd.episode.import.title.description": "Its title (default: the screenplay's)",
        "episode.created": "Episode **{number} · {title}** is open. Add scenes with /scene add.",
        "episode.list.header": "**{series}**: {count} episodes",
        "episode.list.row": "**{number}** · {title}: {scenes} scenes, {shots} shots "
        "({locked} locked)",
        "episode.list.empty": "No episodes yet. Start one with /episode create.",
        "episode.imported": "Imported **{title}** as episode {number}: {scenes} scenes, "
        "{shots} shots, {lines} dialogue lines.",
        "episode.imported.locations": "New locations: {names}.",
        "episode.imported.unknown": "Not in the bible (kept as names on their lines): {names}.",
    },
    fr={
        **ERRORS_FR,
        "cmd.episode.name": "épisode",
        "cmd.episode.description": "Écrire les épisodes de la série",
        "cmd.episode.create.name": "créer",
        "cmd.episode.create.description": "Commencer un nouvel épisode",
        "cmd.episode.create.title.name": "titre",
        "cmd.episode.create.title.description": "Le titre de l'épisode",
        "cmd.episode.create.number.name": "numéro",
        "cmd.episode.create.number.description": "Son numéro (par défaut : le suivant)",
        "cmd.episode.create.synopsis.name": "synopsis",
        "cmd.episode.create.synopsis.description": "Ce qui s'y passe, en quelques lignes",
        "cmd.episode.show.name": "voir",
        "cmd.episode.show.description": "Voir les scènes et les plans d'un épisode",
        "cmd.episode.show.episode.name": "épisode",
        "cmd.episode.show.episode.description": "L'épisode (numéro ou suggestion)",
        "cmd.episode.list.name": "liste",
        "cmd.episode.list.description": "Lister les épisodes de la série",
        "cmd.episode.import.name": "importer",
        "cmd.episode.import.description": "Créer un épisode depuis un scénario Fountain",
        "cmd.episode.import.screenplay.name": "scénario",
        "cmd.episode.import.screenplay.description": "Un fichier .fountain (texte brut)",
        "cmd.episode.import.number.name": "numéro",
        "cmd.episode.import.number.description": "Son numéro (par défaut : le suivant)",
        "cmd.episode.import.title.name": "titre",
        "cmd.episode.import.title.description": "Son titre (par défaut : celui du scénario)",
        "episode.created": "L'épisode **{number} · {title}** est ouvert. Ajoutez des scènes "
        "avec /scene add.",
        "episode.list.header": "**{series}** : {count} épisodes",
        "episode.list.row": "**{number}** · {title} : {scenes} scènes, {shots} plans "
        "({locked} verrouillés)",
        "episode.list.empty": "Pas encore d'épisode. Commencez-en un avec /episode create.",
        "episode.imported": "**{title}** importé comme épisode {number} : {scenes} scènes, "
        "{shots} plans, {lines} répliques.",
        "episode.imported.locations": "Nouveaux lieux : {names}.",
        "episode.imported.unknown": "Absents de la bible (gardés comme noms sur leurs "
        "répliques) : {names}.",
    },
)
