"""Discord's field limits on embeds, component details, autocomplete choices and command syncs.

Every function raises ``form_error`` (400 / 50035 with the field path) the way Discord does, so a
bot that builds a 101-character custom id, a 300-character embed title, an upper-case command name
or a French localisation with a space finds out in a test rather than in production.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.sandbox.errors import form_error

VALID_LOCALES = {loc.value for loc in discord.Locale}
# Chat-input names: 1-32 word characters or dashes, lower case where the script has case.
_COMMAND_NAME = re.compile(r"^[-_'\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$")
MAX_OPTIONS = 25
MAX_CHOICES = 25
MAX_COMMAND_CHARS = 4000
MAX_GLOBAL_CHAT_COMMANDS = 100
MAX_CONTEXT_COMMANDS = 5


def _too_long(path: str, value: Any, limit: int, *, minimum: int = 0) -> None:
    text = "" if value is None else str(value)
    if not minimum <= len(text) <= limit:
        raise form_error(
            path, "BASE_TYPE_BAD_LENGTH", f"Must be between {minimum} and {limit} in length."
        )


# -- embeds --------------------------------------------------------------------------------------


def check_embeds(embeds: list[Any]) -> None:
    total = 0
    for n, e in enumerate(embeds):
        if not isinstance(e, dict):
            raise form_error(f"embeds.{n}", "DICT_TYPE_CONVERT", "Only dictionaries may be used.")
        p = f"embeds.{n}"
        parts = [
            (f"{p}.title", e.get("title"), 256),
            (f"{p}.description", e.get("description"), 4096),
            (f"{p}.footer.text", (e.get("footer") or {}).get("text"), 2048),
            (f"{p}.author.name", (e.get("author") or {}).get("name"), 256),
        ]
        fields = e.get("fields") or []
        if len(fields) > 25:
            raise form_error(
                f"{p}.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
            )
        for k, f in enumerate(fields):
            parts.append((f"{p}.fields.{k}.name", f.get("name"), 256))
            parts.append((f"{p}.fields.{k}.value", f.get("value"), 1024))
        for path, value, limit in parts:
            _too_long(path, value, limit)
            total += len(str(value or ""))
    if total > 6000:
        raise form_error(
            "embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
        )


# -- components ----------------------------------------------------------------------------------


def check_component_details(nodes: list[dict[str, Any]], *, where: str = "components") -> None:
    """Per-component limits over an already flattened list (message or modal)."""
    seen: set[str] = set()
    for n, c in enumerate(nodes):
        p = f"{where}.{n}"
        ctype = c.get("type")
        cid = c.get("custom_id")
        if cid is not None:
            _too_long(f"{p}.custom_id", cid, 100, minimum=1)
            if cid in seen:
                raise form_error(
                    f"{p}.custom_id",
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    "Component custom id cannot be duplicated",
                )
            seen.add(cid)
        if ctype == 2:
            _too_long(f"{p}.label", c.get("label"), 80)
            style = int(c.get("style") or 1)
            if style == 5 and (not c.get("url") or cid is not None):
                raise form_error(f"{p}.url", "BUTTON_COMPONENT_URL_REQUIRED", "A link needs a url.")
            if style in (1, 2, 3, 4) and cid is None:
                raise form_error(
                    f"{p}.custom_id",
                    "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED",
                    "A custom id is required",
                )
        elif ctype in (3, 5, 6, 7, 8):
            _too_long(f"{p}.placeholder", c.get("placeholder"), 150)
            lo, hi = int(c.get("min_values", 1)), int(c.get("max_values", 1))
            if not (0 <= lo <= 25 and 1 <= hi <= 25 and lo <= hi):
                raise form_error(f"{p}.max_values", "NUMBER_TYPE_MAX", "min/max values 0..25.")
            if ctype == 3:
                options = c.get("options") or []
                if not 1 <= len(options) <= 25:
                    raise form_error(
                        f"{p}.options",
                        "BASE_TYPE_BAD_LENGTH",
                        "Must be between 1 and 25 in length.",
                    )
                for k, o in enumerate(options):
                    _too_long(f"{p}.options.{k}.label", o.get("label"), 100, minimum=1)
                    _too_long(f"{p}.options.{k}.value", o.get("value"), 100, minimum=1)
                    _too_long(f"{p}.options.{k}.description", o.get("description"), 100)
        elif ctype == 4:
            _too_long(f"{p}.label", c.get("label"), 45)
            _too_long(f"{p}.placeholder", c.get("placeholder"), 100)
            _too_long(f"{p}.value", c.get("value"), 4000)
        elif ctype == 18:
            _too_long(f"{p}.label", c.get("label"), 45, minimum=1)
            _too_long(f"{p}.description", c.get("description"), 100)


def flatten(nodes: list[Any]) -> list[dict[str, Any]]:
    """Every component, nested ones included (rows, containers, sections, labels)."""
    out: list[dict[str, Any]] = []
    for node in nodes:
        if not isinstance(node, dict):
            continue
        out.append(node)
        out.extend(flatten(node.get("components") or []))
        for key in ("accessory", "component"):
            if isinstance(node.get(key), dict):
                out.extend(flatten([node[key]]))
    return out


# -- autocomplete --------------------------------------------------------------------------------


def check_choices(choices: list[Any], where: str = "data.choices") -> None:
    if len(choices) > MAX_CHOICES:
        raise form_error(where, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for n, ch in enumerate(choices):
        _too_long(f"{where}.{n}.name", ch.get("name"), 100, minimum=1)
        if isinstance(ch.get("value"), str):
            _too_long(f"{where}.{n}.value", ch["value"], 100)
        for loc in ch.get("name_localizations") or {}:
            if loc not in VALID_LOCALES:
                raise form_error(f"{where}.{n}.name_localizations", "INVALID_LOCALE", loc)


# -- command sync --------------------------------------------------------------------------------


def _check_name(path: str, name: Any, *, chat_input: bool) -> None:
    text = str(name or "")
    if chat_input:
        if not _COMMAND_NAME.match(text) or text != text.lower():
            raise form_error(
                path,
                "APPLICATION_COMMAND_INVALID_NAME",
                f"Command name is invalid: {text!r} (1-32 lower-case letters, digits, - or _)",
            )
    else:
        _too_long(path, text, 32, minimum=1)


def _check_localized(path: str, data: dict[str, Any], *, chat_input: bool) -> None:
    for loc, value in (data.get("name_localizations") or {}).items():
        if loc not in VALID_LOCALES:
            raise form_error(
                f"{path}.name_localizations", "INVALID_LOCALE", f"Invalid locale {loc}"
            )
        _check_name(f"{path}.name_localizations.{loc}", value, chat_input=chat_input)
    for loc, value in (data.get("description_localizations") or {}).items():
        if loc not in VALID_LOCALES:
            raise form_error(
                f"{path}.description_localizations", "INVALID_LOCALE", f"Invalid locale {loc}"
            )
        _too_long(f"{path}.description_localizations.{loc}", value, 100, minimum=1)


def _option_chars(opt: dict[str, Any]) -> int:
    total = len(str(opt.get("name") or "")) + len(str(opt.get("description") or ""))
    for ch in opt.get("choices") or []:
        total += len(str(ch.get("name") or "")) + len(str(ch.get("value") or ""))
    return total + sum(_option_chars(o) for o in opt.get("options") or [])


def _check_options(path: str, options: list[Any], depth: int) -> None:
    if len(options) > MAX_OPTIONS:
        raise form_error(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    names: set[str] = set()
    seen_optional = False
    kinds = {int(o.get("type") or 0) for o in options}
    if kinds & {1, 2} and kinds - {1, 2}:
        raise form_error(
            path, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Cannot mix subcommands and options"
        )
    for n, o in enumerate(options):
        p = f"{path}.{n}"
        otype = int(o.get("type") or 0)
        if not 1 <= otype <= 11:
            raise form_error(
                f"{p}.type", "BASE_TYPE_CHOICES", f"Value must be one of 1-11, not {otype}"
            )
        _check_name(f"{p}.name", o.get("name"), chat_input=True)
        _too_long(f"{p}.description", o.get("description"), 100, minimum=1)
        _check_localized(p, o, chat_input=True)
        if o["name"] in names:
            raise form_error(
                f"{p}.name", "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Duplicate name"
            )
        names.add(o["name"])
        if otype in (1, 2):
            if (otype == 2 and depth > 0) or (otype == 1 and depth > 1):
                raise form_error(p, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Nesting too deep")
            sub = o.get("options") or []
            if otype == 2 and any(int(s.get("type") or 0) != 1 for s in sub):
                raise form_error(
                    f"{p}.options",
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Groups hold subcommands",
                )
            _check_options(f"{p}.options", sub, depth + 1)
            continue
        if o.get("required"):
            if seen_optional:
                raise form_error(
                    f"{p}.required",
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True
        choices = o.get("choices") or []
        if choices and o.get("autocomplete"):
            raise form_error(
                f"{p}.autocomplete", "AUTOCOMPLETE_AND_CHOICES", "Autocomplete cannot have choices"
            )
        check_choices(choices, f"{p}.choices")


def check_command(path: str, data: dict[str, Any]) -> None:
    ctype = int(data.get("type") or 1)
    chat_input = ctype == 1
    _check_name(f"{path}.name", data.get("name"), chat_input=chat_input)
    if chat_input:
        _too_long(f"{path}.description", data.get("description"), 100, minimum=1)
    elif data.get("description"):
        raise form_error(f"{path}.description", "BASE_TYPE_MAX_LENGTH", "Must be empty.")
    _check_localized(path, data, chat_input=chat_input)
    options = data.get("options") or []
    if options and not chat_input:
        raise form_error(f"{path}.options", "BASE_TYPE_MAX_LENGTH", "Only chat input has options.")
    _check_options(f"{path}.options", options, 0)
    chars = len(str(data.get("name") or "")) + len(str(data.get("description") or ""))
    chars += sum(_option_chars(o) for o in options)
    if chars > MAX_COMMAND_CHARS:
        raise form_error(
            path, "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (4000)"
        )


def check_command_list(items: list[dict[str, Any]]) -> None:
    counts: dict[int, int] = {}
    seen: set[tuple[int, str]] = set()
    for n, data in enumerate(items):
        if not isinstance(data, dict):
            raise form_error(str(n), "DICT_TYPE_CONVERT", "Only dictionaries may be used.")
        check_command(str(n), data)
        key = (int(data.get("type") or 1), str(data["name"]))
        if key in seen:
            raise form_error(
                f"{n}.name",
                "APPLICATION_COMMAND_ALREADY_EXISTS",
                "Application command names must be unique",
            )
        seen.add(key)
        counts[key[0]] = counts.get(key[0], 0) + 1
    if counts.get(1, 0) > MAX_GLOBAL_CHAT_COMMANDS:
        raise form_error("_", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer chat-input commands.")
    if counts.get(2, 0) > MAX_CONTEXT_COMMANDS or counts.get(3, 0) > MAX_CONTEXT_COMMANDS:
        raise form_error("_", "BASE_TYPE_MAX_LENGTH", "At most 5 user and 5 message commands.")
