"""Every sentence of /location, in English and French."""

from __future__ import annotations

from bot.i18n import register_strings

_IMAGES = {
    "en": ("A reference image (PNG, JPEG or WebP)", "Another reference image"),
    "fr": ("Une image de référence (PNG, JPEG ou WebP)", "Une autre image de référence"),
}
_PICK = {
    "en": ("location", "The location (pick from the list)"),
    "fr": ("décor", "Le décor (à choisir dans la liste)"),
}
_TEXT = {
    "en": {"name": ("name", "The location's name"), "description": (
        "description", "What it looks like: light, materials, time of day")},
    "fr": {"name": ("nom", "Le nom du décor"), "description": (
        "description", "À quoi il ressemble : lumière, matières, moment de la journée")},
}  # fmt: skip


def _options(lang: str) -> dict[str, str]:
    strings: dict[str, str] = {}
    first, other = _IMAGES[lang]
    for command in ("create", "edit"):
        for n in (1, 2, 3, 4):
            strings[f"cmd.location.{command}.image{n}.name"] = f"image{n}"
            strings[f"cmd.location.{command}.image{n}.description"] = first if n == 1 else other
        for option, (name, description) in _TEXT[lang].items():
            strings[f"cmd.location.{command}.{option}.name"] = name
            strings[f"cmd.location.{command}.{option}.description"] = description
    for command in ("edit", "show"):
        name, description = _PICK[lang]
        strings[f"cmd.location.{command}.location.name"] = name
        strings[f"cmd.location.{command}.location.description"] = description
    return strings


register_strings(
    en={
        **_options("en"),
        "cmd.location.edit.name.description": "A new name",
        "cmd.location.name": "location",
        "cmd.location.description": "The places of the series",
        "cmd.location.create.name": "create",
        "cmd.location.create.description": "Add a location to the active series",
        "cmd.location.edit.name": "edit",
        "cmd.location.edit.description": "Change a location (no options: opens a form)",
        "cmd.location.show.name": "show",
        "cmd.location.show.description": "Show a location card",
        "cmd.location.list.name": "list",
        "cmd.location.list.description": "The locations of the active series",
        "location.created": "New location: **{name}**.",
        "location.updated": "**{name}** updated: {fields}.",
        "location.unchanged": "Nothing changed for **{name}**.",
        "location.exists": "There is already a location called **{name}** in this series.",
        "location.not_found": "No location called **{name}** in this series. Start typing and "
        "pick one from the list, or see `/location list`.",
        "location.posted": "Done: the card of **{name}** is posted in this channel.",
        "location.none": "No locations yet. Add one with `/location create`.",
        "location.list_title": "Locations of {series}",
        "location.modal_title": "Location: {name}",
        "location.field.name": "Name",
        "location.field.description": "Description",
        "location.field.references": "Reference images",
        "location.footer": "{series}",
    },
    fr={
        **_options("fr"),
        "cmd.location.edit.name.description": "Un nouveau nom",
        "cmd.location.name": "décor",
        "cmd.location.description": "Les lieux de la série",
        "cmd.location.create.name": "créer",
        "cmd.location.create.description": "Ajouter un décor à la série active",
        "cmd.location.edit.name": "modifier",
        "cmd.location.edit.description": "Modifier un décor (sans option : un formulaire)",
        "cmd.location.show.name": "voir",
        "cmd.location.show.description": "Afficher la fiche d'un décor",
        "cmd.location.list.name": "liste",
        "cmd.location.list.description": "Les décors de la série active",
        "location.created": "Nouveau décor : **{name}**.",
        "location.updated": "**{name}** mis à jour : {fields}.",
        "location.unchanged": "Rien n'a changé pour **{name}**.",
        "location.exists": "Il existe déjà un décor nommé **{name}** dans cette série.",
        "location.not_found": "Aucun décor nommé **{name}** dans cette série. Commencez à taper "
        "et choisissez dans la liste, ou voyez `/décor liste`.",
        "location.posted": "C'est fait : la fiche de **{name}** est publiée dans ce salon.",
        "location.none": "Pas encore de décors. Ajoutez-en un avec `/décor créer`.",
        "location.list_title": "Décors de {series}",
        "location.modal_title": "Décor : {name}",
        "location.field.name": "Nom",
        "location.field.description": "Description",
        "location.field.references": "Images de référence",
        "location.footer": "{series}",
    },
)
