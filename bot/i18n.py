"""English and French: string catalogs per feature, the member's language, command localisations.

Each feature registers its strings once, in ``commands/<feature>/_strings.py``::

    register_strings(
        en={"character.created": "**{name}** joined the cast."},
        fr={"character.created": "**{name}** rejoint la distribution."},
    )

and replies with ``t("character.created", locale, name=name)``.

Slash command names and descriptions are localised by ``DailiesTranslator`` from the same
catalogs, keyed by convention (see ``command_key``) or by an explicit ``locale_str(..., key=...)``.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator, Mapping
from typing import Any, Literal, cast

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where
from discord.app_commands import TranslationContextTypes, locale_str

log = logging.getLogger(__name__)

Lang = Literal["en", "fr"]
LANGUAGES: tuple[Lang, ...] = ("en", "fr")

_catalog: dict[str, dict[str, str]] = {"en": {}, "fr": {}}
_owner: dict[str, str] = {}
_PLACEHOLDER = re.compile(r"\{(\w+)")
# Discord's rule for command and option names (lower case; letters of any script, digits, - _).
NAME_RULE = re.compile(r"^[-_\w]{1,32}$")


class CatalogError(Exception):
    """A catalog is inconsistent: raised at import so the bot never starts half-translated."""


def register_strings(
    *, en: Mapping[str, str], fr: Mapping[str, str], owner: str | None = None
) -> None:
    """Add a feature's strings. Both languages must have the same keys and placeholders.

    A key registered by two different modules is an error. The same module registering again
    (an extension reloaded, a second bot in the same test process) replaces its own strings.
    """
    owner = owner or sys._getframe(1).f_globals.get("__name__", "?")
    if set(en) != set(fr):
        only_en = sorted(set(en) - set(fr))
        only_fr = sorted(set(fr) - set(en))
        raise CatalogError(f"{owner}: keys only in en {only_en}, only in fr {only_fr}")
    for key in en:
        if _placeholders(en[key]) != _placeholders(fr[key]):
            raise CatalogError(f"{owner}: {key!r} has different placeholders in en and fr")
        previous = _owner.get(key)
        if previous is not None and previous != owner:
            raise CatalogError(f"{owner}: {key!r} is already registered by {previous}")
    for key in en:
        _owner[key] = owner
        _catalog["en"][key] = en[key]
        _catalog["fr"][key] = fr[key]


def _placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def has(key: str) -> bool:
    return key in _catalog["en"]


def all_keys() -> Iterator[str]:
    return iter(sorted(_catalog["en"]))


def lookup(key: str, locale: str) -> str | None:
    return _catalog.get(locale, _catalog["en"]).get(key)


def t(key: str, locale: str, /, **kwargs: Any) -> str:
    """The string ``key`` in ``locale`` ("en" or "fr"), formatted with ``kwargs``.

    An unknown key or a bad placeholder never breaks a reply: it is logged and the key (or the
    unformatted text) is returned, so the member still gets an answer.
    """
    lang = locale if locale in _catalog else "en"
    text = _catalog[lang].get(key)
    if text is None:
        log.error("missing string %r (%s)", key, lang)
        return key
    if not kwargs:
        return text
    try:
        return text.format(**kwargs)
    except (KeyError, IndexError, ValueError):
        log.exception("could not format string %r (%s) with %s", key, lang, sorted(kwargs))
        return text


def normalise(locale: str | discord.Locale | None) -> Lang | None:
    """ "fr", "en-US", "en-GB" -> "fr"/"en"; anything else (de, es-ES, None) -> None."""
    if locale is None:
        return None
    value = locale.value if isinstance(locale, discord.Locale) else str(locale)
    value = value.lower()
    if value == "fr" or value.startswith("fr-"):
        return "fr"
    if value == "en" or value.startswith("en-"):
        return "en"
    return None


def pick_locale(
    member_locale: str | discord.Locale | None,
    guild_default: str | None,
    fallback: str = "en",
) -> Lang:
    """The member's own language if we speak it, else the server's default from /setup, else
    ``fallback`` (``settings.default_locale``)."""
    return normalise(member_locale) or normalise(guild_default) or normalise(fallback) or "en"


# --------------------------------------------------------------------------- command localisation


def command_key(context: TranslationContextTypes, string: locale_str) -> str | None:
    """The catalog key for a command string.

    An explicit ``locale_str("...", key="...")`` wins. Otherwise, by convention:
    ``cmd.<qualified.name>.name`` / ``.description`` for commands and groups,
    ``cmd.<command.qualified.name>.<param>.name`` / ``.description`` for options,
    and ``choice.<value>`` for choices.
    """
    explicit = string.extras.get("key")
    if isinstance(explicit, str):
        return explicit
    where, data = context.location, cast(Any, context.data)
    if where in (Where.command_name, Where.group_name):
        return f"cmd.{_dotted(data.qualified_name)}.name"
    if where in (Where.command_description, Where.group_description):
        return f"cmd.{_dotted(data.qualified_name)}.description"
    if where in (Where.parameter_name, Where.parameter_description):
        suffix = "name" if where is Where.parameter_name else "description"
        return f"cmd.{_dotted(data.command.qualified_name)}.{data.name}.{suffix}"
    if where is Where.choice_name:
        return f"choice.{data.value}"
    return None


def _dotted(qualified_name: str) -> str:
    return qualified_name.replace(" ", ".")


class DailiesTranslator(app_commands.Translator):
    """Gives Discord the French name and description of every command, option and choice.

    English is the name in the code, so only French is answered; other locales fall back to it.
    A missing French string is logged (the test suite fails on it) and Discord shows English.
    """

    async def translate(
        self, string: locale_str, locale: discord.Locale, context: TranslationContextTypes
    ) -> str | None:
        if locale is not discord.Locale.french:
            return None
        key = command_key(context, string)
        if key is None:
            return None
        text = lookup(key, "fr")
        if text is None:
            log.warning("no French for %s (%r)", key, string.message)
        return text


# --------------------------------------------------------------------------- per interaction


async def locale_of(interaction: discord.Interaction[Any]) -> Lang:
    """The language to answer this member in (cached on the interaction).

    The member's Discord language if it is English or French, otherwise the server's default
    from /setup, otherwise ``settings.default_locale``.
    """
    cached = interaction.extras.get("locale")
    if cached in LANGUAGES:
        return cast(Lang, cached)
    chosen = normalise(interaction.locale)
    if chosen is None:
        chosen = pick_locale(None, await _guild_default(interaction), _fallback(interaction))
    interaction.extras["locale"] = chosen
    return chosen


async def guild_locale(client: discord.Client, guild_id: int | None) -> Lang:
    """The server's language, for messages that are not an answer to one member."""
    fallback = getattr(getattr(client, "settings", None), "default_locale", "en")
    db = getattr(client, "db", None)
    default: str | None = None
    if guild_id is not None and db is not None:
        from storage.guilds import get_locale

        default = await get_locale(db, guild_id)
    return pick_locale(None, default, fallback)


async def _guild_default(interaction: discord.Interaction[Any]) -> str | None:
    db = getattr(interaction.client, "db", None)
    if interaction.guild_id is None or db is None:
        return None
    from storage.guilds import get_locale

    try:
        return await get_locale(db, interaction.guild_id)
    except Exception:  # the language must never be why a reply fails
        log.exception("could not read the server language (guild %s)", interaction.guild_id)
        return None


def _fallback(interaction: discord.Interaction[Any]) -> str:
    settings = getattr(interaction.client, "settings", None)
    return str(getattr(settings, "default_locale", "en"))
