"""The features together: names that do not collide, server-only commands, role checks in code.

Every feature extension is loaded into one DailiesBot that never connects (no login, no
setup_hook: extensions are loaded directly, as tests/bot/test_translations.py does). French
localisations are that file's job and are not repeated here.
"""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import tempfile
from collections import deque
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from bot.client import FEATURES, DailiesBot
from bot.config import Settings
from storage.db import Database
from tests.meta._source import ROOT, parse

# Top-level commands that may be used in DMs or group DMs, with the reason. None today: every
# command reads or writes a server's production.
DM_ALLOWED: dict[str, str] = {}

# Groups whose commands change canon (series, character, location), money (budget) or
# premieres, plus /setup (roles, channels, budget defaults). Any command in them needs a
# role check in code (invariant 7) unless it is listed in READ_ONLY.
PRIVILEGED_GROUPS = {"setup", "series", "character", "location", "budget", "premiere"}
# Commands elsewhere that spend money, lock takes or cancel paid work.
PRIVILEGED_COMMANDS = {
    "shot queue",  # reserves budget for generation
    "job cancel",  # releases another member's hold: owner or showrunner
    "job retry",  # spends again: owner or showrunner
    "dailies open",
    "dailies close",  # locks the winning take into the cut
    "dailies settings",
}
READ_ONLY: dict[str, str] = {
    "series show": "reads the style bible",
    "character show": "reads a character card",
    "character list": "reads the cast",
    "location show": "reads a location card",
    "location list": "reads the locations",
    "budget show": "reads the budget and the member's quota",
    "premiere list": "reads the schedule",
}
# Functions that check a member's role against the server's settings (bot/checks.py).
ROLE_CHECKS = {
    "ensure_showrunner",
    "ensure_crew",
    "ensure_manage_server",
    "is_showrunner",
    "is_crew",
}
CHECK_DECORATORS = ("showrunner_only.", "crew_only.", "manage_server_only.")


@dataclass
class Loaded:
    """What the features registered, as plain data (the bot is closed by then)."""

    owner: dict[str, str] = field(default_factory=dict)  # qualified name -> feature
    overridden: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    top_level: dict[str, tuple[bool, Any]] = field(default_factory=dict)  # guild_only, contexts
    decorator_checks: dict[str, list[str]] = field(default_factory=dict)
    callbacks: dict[str, tuple[str, str]] = field(default_factory=dict)  # module, qualname


def _leaves(bot: DailiesBot) -> dict[str, int]:
    """Every command's qualified name (with its type) -> the id of its callback."""
    found: dict[str, int] = {}
    for kind in discord.AppCommandType:
        for command in bot.tree.get_commands(type=kind):
            walk = command.walk_commands() if isinstance(command, app_commands.Group) else []
            for leaf in [command, *walk]:
                if not isinstance(leaf, app_commands.Group):
                    callback = getattr(leaf, "callback", None)
                    found[f"{kind.name}:{leaf.qualified_name}"] = id(callback)
    return found


async def _load(data_dir: Path) -> Loaded:
    loaded = Loaded()
    db = Database(f"sqlite:///{data_dir / 'dailies.db'}")
    bot = DailiesBot(Settings(data_dir=data_dir), db=db, media=None)
    try:
        before = _leaves(bot)
        for name in FEATURES:
            if importlib.util.find_spec(name) is None:
                continue
            try:
                await bot.load_extension(name)
            except Exception as exc:  # a collision surfaces here as CommandAlreadyRegistered
                loaded.failed[name] = f"{type(exc).__name__}: {exc}"
                continue
            after = _leaves(bot)
            for key, callback in after.items():
                if key not in before:
                    loaded.owner[key] = name
                elif before[key] != callback:  # group.add_command(..., override=True)
                    loaded.overridden.append(f"{name} replaced {key} of {loaded.owner[key]}")
            before = after
        for kind in discord.AppCommandType:
            for command in bot.tree.get_commands(type=kind):
                contexts = getattr(command, "allowed_contexts", None)
                loaded.top_level[command.name] = (bool(command.guild_only), contexts)
        for leaf in bot.tree.walk_commands():
            if isinstance(leaf, app_commands.Command):
                checks = [c.__qualname__ for c in leaf.checks]
                loaded.decorator_checks[leaf.qualified_name] = checks
                function = leaf.callback
                loaded.callbacks[leaf.qualified_name] = (function.__module__, function.__qualname__)
    finally:
        await bot.close()
        await db.dispose()  # handed in, so the bot does not own it
    return loaded


@cache
def features() -> Loaded:
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(_load(Path(tmp)))


def test_every_feature_loads() -> None:
    """All features in bot.client.FEATURES load side by side (a collision would fail here)."""
    loaded = features()
    assert not loaded.failed, loaded.failed
    assert len({feature for feature in loaded.owner.values()}) >= 10


def test_no_two_features_define_the_same_command() -> None:
    """A top-level name (or a subcommand added to another feature's group) has one owner."""
    loaded = features()
    assert not loaded.overridden, "\n".join(loaded.overridden)
    by_feature: dict[str, set[str]] = {}
    for key, feature in loaded.owner.items():
        by_feature.setdefault(key.split(" ")[0], set()).add(feature)
    shared = {name: owners for name, owners in by_feature.items() if len(owners) > 1}
    # /episode is shared on purpose: commands.cuts adds cut, recap and export to it.
    assert shared == {"chat_input:episode": {"commands.episodes", "commands.cuts"}}, shared


def test_every_command_is_for_servers_only() -> None:
    """Each top-level command is guild_only (or listed as allowed in DMs, with a reason)."""
    loaded = features()
    assert loaded.top_level
    open_to_dms = []
    for name, (guild_only, contexts) in sorted(loaded.top_level.items()):
        server_only = guild_only or (
            contexts is not None
            and contexts.guild
            and not contexts.dm_channel
            and not contexts.private_channel
        )
        if not server_only and name not in DM_ALLOWED:
            open_to_dms.append(name)
    assert not open_to_dms, f"usable in DMs (add app_commands.guild_only()): {open_to_dms}"


@cache
def _functions_of(package: str) -> dict[str, list[ast.AST]]:
    """Every function and method in a feature package, by simple name."""
    index: dict[str, list[ast.AST]] = {}
    base = ROOT.joinpath(*package.split("."))
    for path in sorted(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]:
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                index.setdefault(node.name, []).append(node)
    return index


def _callback_def(module: str, qualname: str) -> ast.AST:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    tree = parse(Path(spec.origin))
    *classes, function = qualname.split(".")
    scope: list[ast.stmt] = tree.body
    for name in classes:
        cls = next(n for n in scope if isinstance(n, ast.ClassDef) and n.name == name)
        scope = cls.body
    return next(
        n
        for n in scope
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == function
    )


def _called_names(node: ast.AST) -> set[str]:
    names: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            if isinstance(sub.func, ast.Name):
                names.add(sub.func.id)
            elif isinstance(sub.func, ast.Attribute):
                names.add(sub.func.attr)
    return names


def reaches_role_check(module: str, qualname: str, depth: int = 4) -> bool:
    """The callback calls a role check, directly or through helpers of its own feature."""
    package = ".".join(module.split(".")[:2])
    index = _functions_of(package)
    seen: set[int] = set()
    todo = deque([(_callback_def(module, qualname), 0)])
    while todo:
        node, level = todo.popleft()
        if id(node) in seen or level > depth:
            continue
        seen.add(id(node))
        called = _called_names(node)
        if called & ROLE_CHECKS:
            return True
        for name in called:
            todo.extend((found, level + 1) for found in index.get(name, []))
    return False


def test_privileged_commands_check_roles_in_code() -> None:
    """Commands that change canon, money or premieres check the member's role at run time."""
    loaded = features()
    privileged = [
        name
        for name in loaded.callbacks
        if name.split(" ")[0] in PRIVILEGED_GROUPS or name in PRIVILEGED_COMMANDS
    ]
    assert {"budget set", "premiere schedule", "character edit", "setup"} <= set(privileged)
    unchecked = []
    for name in sorted(privileged):
        if name in READ_ONLY:
            continue
        decorated = any(c.startswith(CHECK_DECORATORS) for c in loaded.decorator_checks[name])
        if not (decorated or reaches_role_check(*loaded.callbacks[name])):
            unchecked.append(f"/{name} ({'.'.join(loaded.callbacks[name])})")
    assert not unchecked, "privileged commands without a role check:\n" + "\n".join(unchecked)
    stale = sorted(set(READ_ONLY) - set(privileged))
    assert not stale, f"READ_ONLY names no longer exist: {stale}"


def test_role_check_finder_is_not_blind() -> None:
    """The static finder sees a direct call and a call through a helper, and a miss."""
    assert reaches_role_check("commands.characters._cog", "CharactersCog.retire")
    assert reaches_role_check("commands.characters._cog", "CharactersCog.lock")  # via _set_lock
    assert not reaches_role_check("commands.characters._cog", "CharactersCog.show")
