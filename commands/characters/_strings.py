"""Every sentence of /character, in English and French."""

from __future__ import annotations

from bot.i18n import register_strings

VOICES = [f"{lang}-{sex}{n}" for lang in ("en", "fr") for sex in ("f", "m") for n in (1, 2, 3, 4)]
_WHO = {"en": {"f": "woman", "m": "man"}, "fr": {"f": "femme", "m": "homme"}}
_LANG = {"en": {"en": "English", "fr": "French"}, "fr": {"en": "Anglais", "fr": "Français"}}


def _voice_names(ui: str) -> dict[str, str]:
    return {
        f"choice.voice.{v}": f"{_LANG[ui][v[:2]]}, {_WHO[ui][v[3]]} {v[4]} ({v})" for v in VOICES
    }


_OPTIONS_EN = {
    "name": ("name", "The character's name"),
    "appearance": ("appearance", "Face, build, hair: what never changes on screen"),
    "wardrobe": ("wardrobe", "What they usually wear"),
    "age": ("age", "How old they are or look"),
    "personality": ("personality", "How they behave and speak"),
    "never_change": ("never_change", "Details every take must keep (scar, tattoo, glasses)"),
    "voice": ("voice", "The local voice for dialogue"),
    "image1": ("image1", "A reference image (PNG, JPEG or WebP)"),
    "image2": ("image2", "Another reference image"),
    "image3": ("image3", "Another reference image"),
    "image4": ("image4", "Another reference image"),
}
_OPTIONS_FR = {
    "name": ("nom", "Le nom du personnage"),
    "appearance": ("apparence", "Visage, silhouette, cheveux : ce qui ne change jamais à l'écran"),
    "wardrobe": ("costume", "Ce qu'il ou elle porte d'habitude"),
    "age": ("âge", "L'âge réel ou apparent"),
    "personality": ("personnalité", "Sa manière d'être et de parler"),
    "never_change": ("intouchable", "Les détails que chaque prise doit garder (cicatrice, "
                     "tatouage, lunettes)"),
    "voice": ("voix", "La voix locale pour les dialogues"),
    "image1": ("image1", "Une image de référence (PNG, JPEG ou WebP)"),
    "image2": ("image2", "Une autre image de référence"),
    "image3": ("image3", "Une autre image de référence"),
    "image4": ("image4", "Une autre image de référence"),
}  # fmt: skip
_PICK = {
    "en": ("character", "The character (pick from the list)"),
    "fr": ("personnage", "Le personnage (à choisir dans la liste)"),
}


def _options(lang: str) -> dict[str, str]:
    table = _OPTIONS_EN if lang == "en" else _OPTIONS_FR
    strings: dict[str, str] = {}
    for command in ("create", "edit"):
        for option, (name, description) in table.items():
            strings[f"cmd.character.{command}.{option}.name"] = name
            strings[f"cmd.character.{command}.{option}.description"] = description
    name, description = _PICK[lang]
    for command in ("edit", "show", "retire", "lock", "unlock"):
        strings[f"cmd.character.{command}.character.name"] = name
        strings[f"cmd.character.{command}.character.description"] = description
    return strings


register_strings(
    en={
        **_voice_names("en"),
        **_options("en"),
        "cmd.character.edit.name.description": "A new name",
        "cmd.character.name": "character",
        "cmd.character.description": "The cast: canon, reference images, voices",
        "cmd.character.create.name": "create",
        "cmd.character.create.description": "Add a character to the active series",
        "cmd.character.edit.name": "edit",
        "cmd.character.edit.description": "Change a character's canon (no options: opens a form)",
        "cmd.character.show.name": "show",
        "cmd.character.show.description": "Show a character card",
        "cmd.character.show.history.name": "history",
        "cmd.character.show.history.description": "List every change: who, what, when",
        "cmd.character.list.name": "list",
        "cmd.character.list.description": "The cast of the active series",
        "cmd.character.list.retired.name": "retired",
        "cmd.character.list.retired.description": "Include retired characters",
        "cmd.character.retire.name": "retire",
        "cmd.character.retire.description": "Retire a character (showrunner)",
        "cmd.character.lock.name": "lock",
        "cmd.character.lock.description": "Lock a character's canon (showrunner)",
        "cmd.character.unlock.name": "unlock",
        "cmd.character.unlock.description": "Unlock a character's canon (showrunner)",
        "character.created": "**{name}** joined the cast.",
        "character.updated": "**{name}** updated: {fields}.",
        "character.unchanged": "Nothing changed for **{name}**.",
        "character.exists": "There is already a character called **{name}** in this series.",
        "character.not_found": "No character called **{name}** in this series. Start typing "
        "and pick one from the list, or see `/character list`.",
        "character.locked": "**{name}**'s canon is locked: only the showrunner can change it.",
        "character.now_locked": "**{name}**'s canon is locked. Only the showrunner can change "
        "it now.",
        "character.now_unlocked": "**{name}**'s canon is unlocked.",
        "character.retired": "**{name}** is retired: kept in the history and credits, no longer "
        "offered for new shots.",
        "character.posted": "Done: **{name}**'s card is posted in this channel.",
        "character.none": "No characters yet. Add one with `/character create`.",
        "character.cast_title": "Cast of {series}",
        "character.history_title": "History of {name}",
        "character.history_line": "v{version} · {when} · {who}: {fields}",
        "character.modal_title": "Canon of {name}",
        "character.button.history": "History",
        "character.button.edit": "Edit canon",
        "character.tag.locked": "locked",
        "character.tag.retired": "retired",
        "character.field.name": "Name",
        "character.field.appearance": "Appearance",
        "character.field.wardrobe": "Wardrobe",
        "character.field.age": "Age",
        "character.field.personality": "Personality",
        "character.field.never_change": "Never change",
        "character.field.voice": "Voice",
        "character.field.locked": "Lock",
        "character.field.retired": "Retired",
        "character.field.references": "Reference images",
        "character.field.created": "Created",
        "character.footer": "version {version} · {series}",
    },
    fr={
        **_voice_names("fr"),
        **_options("fr"),
        "cmd.character.edit.name.description": "Un nouveau nom",
        "cmd.character.name": "personnage",
        "cmd.character.description": "La distribution : canon, images de référence, voix",
        "cmd.character.create.name": "créer",
        "cmd.character.create.description": "Ajouter un personnage à la série active",
        "cmd.character.edit.name": "modifier",
        "cmd.character.edit.description": "Changer le canon d'un personnage (sans option : un "
        "formulaire)",
        "cmd.character.show.name": "voir",
        "cmd.character.show.description": "Afficher la fiche d'un personnage",
        "cmd.character.show.history.name": "historique",
        "cmd.character.show.history.description": "Toutes les modifications : qui, quoi, quand",
        "cmd.character.list.name": "liste",
        "cmd.character.list.description": "La distribution de la série active",
        "cmd.character.list.retired.name": "retraités",
        "cmd.character.list.retired.description": "Inclure les personnages retirés",
        "cmd.character.retire.name": "retirer",
        "cmd.character.retire.description": "Retirer un personnage (showrunner)",
        "cmd.character.lock.name": "verrouiller",
        "cmd.character.lock.description": "Verrouiller le canon d'un personnage (showrunner)",
        "cmd.character.unlock.name": "déverrouiller",
        "cmd.character.unlock.description": "Déverrouiller le canon d'un personnage (showrunner)",
        "character.created": "**{name}** rejoint la distribution.",
        "character.updated": "**{name}** mis à jour : {fields}.",
        "character.unchanged": "Rien n'a changé pour **{name}**.",
        "character.exists": "Il existe déjà un personnage nommé **{name}** dans cette série.",
        "character.not_found": "Aucun personnage nommé **{name}** dans cette série. Commencez à "
        "taper et choisissez dans la liste, ou voyez `/personnage liste`.",
        "character.locked": "Le canon de **{name}** est verrouillé : seul le showrunner peut le "
        "modifier.",
        "character.now_locked": "Le canon de **{name}** est verrouillé. Seul le showrunner peut "
        "désormais le modifier.",
        "character.now_unlocked": "Le canon de **{name}** est déverrouillé.",
        "character.retired": "**{name}** est retiré : gardé dans l'historique et le générique, "
        "plus proposé pour les nouveaux plans.",
        "character.posted": "C'est fait : la fiche de **{name}** est publiée dans ce salon.",
        "character.none": "Pas encore de personnages. Ajoutez-en un avec `/personnage créer`.",
        "character.cast_title": "Distribution de {series}",
        "character.history_title": "Historique de {name}",
        "character.history_line": "v{version} · {when} · {who} : {fields}",
        "character.modal_title": "Canon de {name}",
        "character.button.history": "Historique",
        "character.button.edit": "Modifier le canon",
        "character.tag.locked": "verrouillé",
        "character.tag.retired": "retiré",
        "character.field.name": "Nom",
        "character.field.appearance": "Apparence",
        "character.field.wardrobe": "Costume",
        "character.field.age": "Âge",
        "character.field.personality": "Personnalité",
        "character.field.never_change": "Intouchable",
        "character.field.voice": "Voix",
        "character.field.locked": "Verrou",
        "character.field.retired": "Retrait",
        "character.field.references": "Images de référence",
        "character.field.created": "Création",
        "character.footer": "version {version} · {series}",
    },
)
