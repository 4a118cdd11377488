"""Every string key written in the code exists in the catalogs (a typo would show a raw key)."""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from pathlib import Path

from bot import i18n
from bot.client import FEATURES

ROOT = Path(__file__).resolve().parents[2]
TOP_PACKAGES = {"bot", "commands", "storage", "pipeline"}
# t("key", ...), and the domain errors' first argument: NotFound("key", ...), refuse(...).
LITERAL_KEY = re.compile(
    r"""(?:\bt|NotFound|NotAllowed|AlreadyExists|InvalidInput|UserFacingError|MissingRole)"""
    r"""\(\s*["']([a-z][a-z0-9_]*(?:\.[a-z0-9_-]+)+)["']"""
)


def _load_every_catalog() -> None:
    importlib.import_module("bot.errors")
    features = set(FEATURES) | {
        f"commands.{p.parent.name}" for p in (ROOT / "commands").glob("*/_cog.py")
    }
    for name in sorted(features):
        if importlib.util.find_spec(f"{name}._cog") is not None:
            importlib.import_module(f"{name}._cog")


def _loaded_sources() -> list[Path]:
    """Our modules that the loaded features import (a storage module no feature uses yet is
    checked once its feature is wired in)."""
    paths = []
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if not file:
            continue
        path = Path(file).resolve()
        if path.is_relative_to(ROOT) and path.parts[len(ROOT.parts)] in TOP_PACKAGES:
            paths.append(path)
    return sorted(p for p in set(paths) if "sandbox" not in p.parts)


def test_every_literal_key_is_registered() -> None:
    """Keys passed to t() or raised with a domain error exist in English and French."""
    _load_every_catalog()
    missing: list[str] = []
    for path in _loaded_sources():
        for key in LITERAL_KEY.findall(path.read_text(encoding="utf-8")):
            if not i18n.has(key):
                missing.append(f"{path.relative_to(ROOT)}: {key}")
    assert not missing, "\n".join(missing)
