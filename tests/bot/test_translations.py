"""Every slash command, option and choice of every feature has a French name and description."""

from __future__ import annotations

import importlib.util
import re
from typing import Any

import discord
import pytest

from bot import i18n
from bot.client import FEATURES, DailiesBot
from bot.config import Settings
from bot.i18n import DailiesTranslator
from storage.db import Database

# Discord's rule for localised names: lower case letters of any script, digits, - and _.
NAME = re.compile(r"^[-_\w]{1,32}$")


@pytest.fixture
async def payloads(tmp_path: Any) -> list[dict[str, Any]]:
    """The command payloads the bot would sync, with localisations, for every loaded feature."""
    db = Database(f"sqlite:///{tmp_path / 'dailies.db'}")
    bot = DailiesBot(Settings(data_dir=tmp_path), db=db, media=None)
    try:
        for name in FEATURES:
            if importlib.util.find_spec(name) is not None:
                await bot.load_extension(name)
        translator = DailiesTranslator()
        return [
            await command.get_translated_payload(bot.tree, translator)
            for command in bot.tree.get_commands()
        ]
    finally:
        await bot.close()


def _walk(payload: dict[str, Any], path: str) -> list[tuple[str, dict[str, Any]]]:
    found = [(path, payload)]
    for option in payload.get("options", []):
        found.extend(_walk(option, f"{path} {option['name']}"))
    return found


def test_every_command_option_and_choice_speaks_french(payloads: list[dict[str, Any]]) -> None:
    """A French Discord client sees French names and descriptions everywhere."""
    missing: list[str] = []
    for payload in payloads:
        for path, item in _walk(payload, payload["name"]):
            fr_name = (item.get("name_localizations") or {}).get("fr")
            fr_description = (item.get("description_localizations") or {}).get("fr")
            if not fr_name or not NAME.match(fr_name) or fr_name != fr_name.lower():
                missing.append(f"{path}: French name {fr_name!r}")
            if not fr_description or len(fr_description) > 100:
                missing.append(f"{path}: French description {fr_description!r}")
            for choice in item.get("choices", []):
                if not (choice.get("name_localizations") or {}).get("fr"):
                    missing.append(f"{path}: choice {choice['value']!r} has no French name")
    assert not missing, "\n".join(missing)


def test_french_option_names_are_unique_per_command(payloads: list[dict[str, Any]]) -> None:
    """Two options of one command never share a French name (Discord would refuse the sync)."""
    for payload in payloads:
        for path, item in _walk(payload, payload["name"]):
            names = [
                (o.get("name_localizations") or {}).get("fr", o["name"])
                for o in item.get("options", [])
            ]
            assert len(names) == len(set(names)), f"{path}: {names}"


def test_loaded_catalogs_have_both_languages(payloads: list[dict[str, Any]]) -> None:
    """Every string any loaded feature registered exists in English and French."""
    keys = list(i18n.all_keys())
    assert len(keys) > 100
    for key in keys:
        assert i18n.lookup(key, "en") and i18n.lookup(key, "fr"), key


def test_english_clients_see_the_code_names(payloads: list[dict[str, Any]]) -> None:
    """The translator answers only French; English clients see the names written in code."""
    character = next(p for p in payloads if p["name"] == "character")
    assert character["name_localizations"] == {"fr": "personnage"}
    assert discord.Locale.american_english.value not in character["description_localizations"]
