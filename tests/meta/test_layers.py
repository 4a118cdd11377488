"""Who may import whom (shared/DESIGN.md), checked on the syntax tree; nothing is imported.

Each rule lists every offending ``file:line``. Known exceptions live in the allow-lists below,
each with the reason it is tolerated; a new violation, or a stale allow-list entry, fails.
docs/architecture.md explains the rules and mirrors these lists.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from pathlib import Path

from tests.meta._scoping import guild_tables
from tests.meta._source import (
    PACKAGES,
    ROOT,
    Import,
    imports,
    parse,
    python_files,
    rel,
    top,
    within,
)

# What commands/ may take from pipeline/: the facades a slash command needs to queue work and
# to parse or describe it. The worker, executor, adapters, media and cut internals stay private.
PIPELINE_PUBLIC = (
    "pipeline.enqueue",  # enqueue_takes / finishing / voice lines (re-exports pipeline.control)
    "pipeline.finishing",  # a locked take's chain: voices, dialogue track, lip-sync
    "pipeline.perform",  # /shot perform: a member's acting video drives a character
    "pipeline.control",  # cancel, retry, list and look up jobs
    "pipeline.jobs",  # JobKind and the job vocabulary
    "pipeline.prompts",  # the package facade: PromptTooLong, ShotNotFound, compile for /shot prompt
    "pipeline.registry",  # provider names and prices for /budget and /shot queue
    "pipeline.providers.base",  # Capability, GenRequest: the provider contract's types
    "pipeline.cut",  # the package facade (check_cut, CutRequest...), not pipeline.cut.render
    "pipeline.dailies",  # prepare_dailies: the comparison video and thumbnails for a post
    "pipeline.premiere",  # parse_when / zones / runtime estimate and the cover image
)

# The bot's toolbox: what a feature may use from bot/. Never the client, the CLI, the host's
# worker wiring or the sandbox. bot.client only under TYPE_CHECKING (annotations).
BOT_TOOLBOX = (
    "bot.i18n",  # t(), locale_of, register_strings
    "bot.errors",  # SafeModal / SafeLayoutView / SafeDynamicItem, send_ephemeral
    "bot.checks",  # showrunner_only / crew_only / ensure_* (invariant 7)
    "bot.views",  # custom_id / id_template / OwnedView / route_orphan_form
    "bot.attachments",  # read_images / store_images: the upload gate for Discord attachments
    "bot.cards",  # job status cards rendered from storage
    "bot.host",  # registry_of(bot) / relay_of(bot): accessors, not the worker
    "bot.relay",  # the outbox relay's plug-in API: Renderer, NothingToSay, store_card
    "bot.config",  # Settings (read through bot.settings)
    "bot.tree",  # answer_later() / answer(): acknowledge first, then queue the work
)

# (file, imported module) -> why it is tolerated today. Keyed without line numbers so that
# edits elsewhere in the file do not break the test; remove an entry when the code is fixed.
ALLOWED: dict[tuple[str, str], str] = {
    # Annotation-only imports of the client at run time. Harmless today (bot.client is loaded
    # before any extension), but it ties each feature to the client module; the fix is moving
    # the import under `if TYPE_CHECKING:` (all four modules use `from __future__ import
    # annotations`, and DailiesBot appears only in `setup(bot: ...)` / `__init__(bot: ...)`).
    ("commands/settings/__init__.py", "bot.client"): "annotation only; move under TYPE_CHECKING",
    ("commands/settings/_cog.py", "bot.client"): "annotation only; move under TYPE_CHECKING",
    ("commands/series/__init__.py", "bot.client"): "annotation only; move under TYPE_CHECKING",
    ("commands/series/_cog.py", "bot.client"): "annotation only; move under TYPE_CHECKING",
    ("commands/characters/__init__.py", "bot.client"): "annotation only; move under TYPE_CHECKING",
    ("commands/characters/_cog.py", "bot.client"): "annotation only; move under TYPE_CHECKING",
    ("commands/locations/__init__.py", "bot.client"): "annotation only; move under TYPE_CHECKING",
    ("commands/locations/_cog.py", "bot.client"): "annotation only; move under TYPE_CHECKING",
    # bot/premieres.py is the premiere *firing* code (post the cut, start/end the Discord event)
    # and imports commands.premieres._announce/_event; the cog imports it back. A feature's
    # Discord code living in bot/ makes a cycle bot.premieres <-> commands.premieres. Fix: move
    # it to commands/premieres/_firing.py and let the cog's cog_load call resume_premieres.
    ("commands/premieres/_cog.py", "bot.premieres"): "feature code in bot/; see above",
}

# Cross-feature imports of another feature's private (_underscore) module. A feature's
# package __init__ is its public face; reaching into _cog/_views couples load order and names.
CROSS_FEATURE_ALLOWED: dict[tuple[str, str], str] = {
    # The episode/shot pickers (autocomplete) are shared by five features. Fix: promote to a
    # shared commands/_pick.py (or bot toolbox) and import that.
    ("commands/board/_cog.py", "commands.episodes._pick"): "shared picker; promote it",
    ("commands/cuts/_cog.py", "commands.episodes._pick"): "shared picker; promote it",
    ("commands/dailies/_cog.py", "commands.episodes._pick"): "shared picker; promote it",
    ("commands/premieres/_cog.py", "commands.episodes._pick"): "shared picker; promote it",
    ("commands/shots/_cog.py", "commands.episodes._pick"): "shared picker; promote it",
    # The board view and its status icons are drawn by /episode and /shot too.
    ("commands/episodes/_cog.py", "commands.board._views"): "board view shown by /episode",
    ("commands/shots/_cog.py", "commands.board._views"): "status icons shared",
    ("commands/shots/_views.py", "commands.board._views"): "status icons shared",
    ("commands/dailies/_closing.py", "commands.board._cog"): "refresh_board_for_shot; export it",
    # /job retry re-uses /shot queue's refusal wording and its confirm button.
    ("commands/jobs/_actions.py", "commands.shots._queue"): "refusal_error shared with /shot",
    ("commands/jobs/_cog.py", "commands.shots._queue"): "ConfirmQueueButton registered by /job",
    # String catalogues registered by a feature that prints another feature's sentences.
    ("commands/board/_strings.py", "commands.episodes._strings"): "catalogue dependency",
    ("commands/shots/_strings.py", "commands.episodes._strings"): "catalogue dependency",
    ("commands/jobs/_strings.py", "commands.shots._queue_strings"): "catalogue dependency",
}

Rule = Callable[[Import], str | None]


def _ours(name: str) -> bool:
    return top(name) in (*PACKAGES, "tests")


def storage_rule(imp: Import) -> str | None:
    if _ours(imp.target) and not within(imp.target, "storage"):
        return f"storage/ imports {imp.target} (storage imports nothing of ours)"
    if within(imp.target, "discord"):
        return "storage/ imports discord"
    return None


def pipeline_rule(imp: Import) -> str | None:
    if within(imp.target, "discord"):
        return f"pipeline/ imports {imp.target} (the pipeline speaks through the outbox)"
    if _ours(imp.target) and not (
        within(imp.target, "storage")
        or within(imp.target, "pipeline")
        or imp.target == "bot.config"
    ):
        return f"pipeline/ imports {imp.target} (only storage, pipeline and bot.config)"
    return None


def commands_rule(imp: Import) -> str | None:
    name = imp.target
    if not _ours(name) or within(name, "storage") or within(name, "commands"):
        return None
    if within(name, "pipeline"):
        return None if name in PIPELINE_PUBLIC else f"commands/ imports pipeline internal {name}"
    if name == "bot.client":
        return None if imp.type_only else "commands/ imports bot.client at run time"
    if within(name, "bot"):
        return None if name in BOT_TOOLBOX else f"commands/ imports {name} (not in the toolbox)"
    return None


def sandbox_rule(imp: Import) -> str | None:
    if _ours(imp.target) and not within(imp.target, "bot.sandbox"):
        return f"bot/sandbox/ imports {imp.target} (the fake Discord knows nothing of ours)"
    return None


def no_tests_rule(imp: Import) -> str | None:
    return f"production code imports {imp.target}" if within(imp.target, "tests") else None


def cross_feature_rule(imp: Import) -> str | None:
    """A feature uses another feature through its package, not its _private modules."""
    mine = rel(imp.path).split("/")[1]
    parts = imp.target.split(".")
    if parts[0] != "commands" or len(parts) < 3 or parts[1] == mine:
        return None
    if parts[2].startswith("_"):
        return f"reaches into another feature's private module {imp.target}"
    return None


def _violations(
    tops: Iterable[str], rule: Rule, allowed: dict[tuple[str, str], str]
) -> tuple[list[str], set[tuple[str, str]]]:
    found: list[str] = []
    used: set[tuple[str, str]] = set()
    for path in python_files(*tops):
        for imp in imports(path):
            problem = rule(imp)
            if problem is None:
                continue
            key = (rel(imp.path), imp.target)
            if key in allowed:
                used.add(key)
            else:
                found.append(f"{imp.where}: {problem}")
    return found, used


def _check(tops: Iterable[str], rule: Rule, allowed: dict[tuple[str, str], str]) -> None:
    found, used = _violations(tops, rule, allowed)
    assert not found, "new layering violations:\n" + "\n".join(found)
    prefixes = tuple(f"{t}/" for t in tops)
    stale = [k for k in allowed if k[0].startswith(prefixes) and k not in used]
    assert not stale, f"allow-list entries that no longer match (remove them): {stale}"


def test_storage_imports_nothing_of_ours() -> None:
    """storage/ is the bottom layer: only storage.* and third-party libraries."""
    _check(["storage"], storage_rule, ALLOWED)


def test_pipeline_imports_storage_and_settings_only_never_discord() -> None:
    """pipeline/ runs in workers without a gateway: storage, itself, bot.config's Settings."""
    _check(["pipeline"], pipeline_rule, ALLOWED)


def test_commands_use_storage_pipeline_api_and_bot_toolbox() -> None:
    """commands/ reach the pipeline through its public API and bot/ through its toolbox."""
    _check(["commands"], commands_rule, ALLOWED)


def test_features_use_each_other_through_their_packages() -> None:
    """A feature imports another feature's package, not its _private modules."""
    _check(["commands"], cross_feature_rule, CROSS_FEATURE_ALLOWED)


def test_sandbox_is_standalone() -> None:
    """bot/sandbox/ is a local Discord: it must not know about storage, pipeline or commands."""
    _check(["bot/sandbox"], sandbox_rule, {})


def test_production_code_never_imports_tests() -> None:
    """Nothing shipped (bot, commands, storage, pipeline) depends on the test tree."""
    _check(PACKAGES, no_tests_rule, {})


# ------------------------------------------------------------------ SQL and ffmpeg

SQL_NAMES = {"select", "text", "update", "delete", "insert"}
SQL_MODULES = ("sqlalchemy", "sqlmodel")
# Files outside storage/ that build SQL, and why.
SQL_ALLOWED: dict[str, str] = {
    # The scheduler host's Postgres advisory lock (only one process runs scheduled jobs) uses
    # `text("SELECT pg_try_advisory_lock(:k)")` on APScheduler's sync engine. Fix: a tiny
    # storage/locks.py (try_advisory_lock(conn, key) / advisory_unlock) called from here.
    "bot/scheduler.py": "advisory lock SQL; move to storage/locks.py",
    # The demo hook lists a guild's shots with select(Shot).where(Shot.guild_id == ...).
    # Fix: storage.script_lookup already lists shots; call it.
    "commands/dailies/demo.py": "demo shot listing; use storage.script_lookup",
    # session.get(GuildSettings, guild_id) to show the budget; keyed by the guild, so scoped.
    # Fix: storage.guilds.get_settings (or storage.budget) already reads it.
    "commands/budget/_cog.py": "GuildSettings by guild id; use storage.guilds.get_settings",
    # _show_flags: session.get(Take, take_id) after votes.flag_take/second_flag checked the
    # take against the guild (take_in_review). Scoped, but a storage bypass: a later caller
    # without that check would cross guilds. Fix: a storage.votes/reviews helper by guild.
}


def _sql_uses(path: Path) -> list[str]:
    found: list[str] = []
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.ImportFrom) and top(node.module or "") in SQL_MODULES:
            names = sorted({a.name for a in node.names} & SQL_NAMES)
            if names:
                found.append(f"{rel(path)}:{node.lineno}: imports {', '.join(names)}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"exec", "execute"}
            and node.args
        ):
            found.append(f"{rel(path)}:{node.lineno}: .{node.func.attr}(...) runs a statement")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in guild_tables()
        ):
            found.append(f"{rel(path)}:{node.lineno}: session.get({node.args[0].id}, ...) by id")
    return found


def test_sql_lives_in_storage() -> None:
    """select/text/update/delete, session.exec and session.get(Model, id) only in storage/."""
    new: list[str] = []
    used: set[str] = set()
    for path in python_files("bot", "commands", "pipeline"):
        uses = _sql_uses(path)
        if uses and rel(path) in SQL_ALLOWED:
            used.add(rel(path))
        else:
            new.extend(uses)
    assert not new, "SQL outside storage/:\n" + "\n".join(new)
    assert used == set(SQL_ALLOWED), f"stale SQL allow-list: {set(SQL_ALLOWED) - used}"


FFMPEG_MODULES = {"ffmpeg", "imageio_ffmpeg", "subprocess", "av"}
FFMPEG_ALLOWED: dict[str, str] = {
    # `dailies doctor` reports where ffmpeg comes from; it runs nothing. It re-implements
    # pipeline.media.ffmpeg's lookup ($DAILIES_FFMPEG, PATH, wheel). Fix: call
    # pipeline.media.ffmpeg.ffmpeg_exe() / ffmpeg_version() so the two can never disagree.
    "bot/cli.py": "doctor locates the binary; should reuse pipeline.media.ffmpeg",
    # The upload gate (invariant 6) opens an upload with PyAV and one pinned demuxer to read
    # its headers before anything decodes it. It belongs with the other upload checks, which
    # bot/attachments.py and commands call; nothing is decoded or re-encoded here.
    "storage/uploads/_av.py": "upload gate reads container headers with a pinned demuxer",
}


def _media_uses(path: Path) -> list[str]:
    found: list[str] = []
    for imp in imports(path):
        if top(imp.target) in FFMPEG_MODULES:
            found.append(f"{imp.where}: imports {imp.target}")
    for node in ast.walk(parse(path)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr.startswith("create_subprocess_")
        ):
            found.append(f"{rel(path)}:{node.lineno}: {node.func.attr}")
    return found


def test_ffmpeg_and_subprocesses_live_in_pipeline() -> None:
    """Only pipeline/ runs ffmpeg (or any subprocess); bot, commands and storage never do."""
    new: list[str] = []
    used: set[str] = set()
    for path in python_files("bot", "commands", "storage"):
        uses = _media_uses(path)
        if uses and rel(path) in FFMPEG_ALLOWED:
            used.add(rel(path))
        else:
            new.extend(uses)
    assert not new, "ffmpeg or subprocesses outside pipeline/:\n" + "\n".join(new)
    assert used == set(FFMPEG_ALLOWED), f"stale ffmpeg allow-list: {set(FFMPEG_ALLOWED) - used}"


# ------------------------------------------------------------------ size

MAX_LINES = 500  # HELPERS.md: a module does one job, < 500 lines
LONG_ALLOWED: dict[str, str] = {
    # Every table in one file by decision (HELPERS.md: "storage/models.py (every table)").
    "storage/models.py": "all tables in one place, by design",
}


def test_modules_stay_readable_in_one_sitting() -> None:
    """No module of ours passes 500 lines (migrations excepted), unless listed with a reason."""
    long = {
        rel(p): n
        for p in python_files(*PACKAGES)
        if "versions" not in p.parts
        and (n := len(p.read_text(encoding="utf-8").splitlines())) >= MAX_LINES
    }
    new = [f"{path}: {n} lines" for path, n in sorted(long.items()) if path not in LONG_ALLOWED]
    assert not new, "modules past 500 lines (split them):\n" + "\n".join(new)
    stale = sorted(set(LONG_ALLOWED) - set(long))
    assert not stale, f"allow-list entries now short enough (remove them): {stale}"


def test_settings_module_stays_light() -> None:
    """bot/config.py is the one piece of bot/ the pipeline imports: no discord, nothing of ours."""
    found = [
        f"{imp.where}: imports {imp.target}"
        for imp in imports(ROOT / "bot" / "config.py")
        if _ours(imp.target) or within(imp.target, "discord")
    ]
    assert not found, "\n".join(found)


def test_rules_catch_their_cases() -> None:
    """Each rule flags a made-up offender and lets the matching legal import through."""

    def imp(path: str, target: str, type_only: bool = False) -> Import:
        return Import(ROOT / path, 1, target, type_only)

    assert storage_rule(imp("storage/x.py", "pipeline.jobs"))
    assert storage_rule(imp("storage/x.py", "discord.ui"))
    assert storage_rule(imp("storage/x.py", "storage.models")) is None
    assert pipeline_rule(imp("pipeline/x.py", "discord"))
    assert pipeline_rule(imp("pipeline/x.py", "bot.relay"))
    assert pipeline_rule(imp("pipeline/x.py", "bot.config")) is None
    assert commands_rule(imp("commands/x/_cog.py", "pipeline.worker"))
    assert commands_rule(imp("commands/x/_cog.py", "bot.client"))
    assert commands_rule(imp("commands/x/_cog.py", "bot.client", type_only=True)) is None
    assert commands_rule(imp("commands/x/_cog.py", "bot.cli"))
    assert commands_rule(imp("commands/x/_cog.py", "pipeline.enqueue")) is None
    assert cross_feature_rule(imp("commands/x/_cog.py", "commands.y._views"))
    assert cross_feature_rule(imp("commands/x/_cog.py", "commands.x._views")) is None
    assert cross_feature_rule(imp("commands/x/_cog.py", "commands.y")) is None
    assert sandbox_rule(imp("bot/sandbox/x.py", "storage.db"))
    assert no_tests_rule(imp("bot/x.py", "tests.helpers"))
