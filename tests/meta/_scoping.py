"""Finds the queries in storage/ that read guild-scoped tables, and whether each names a guild.

Split from the test so the review script and the test share one definition of "scoped".
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tests.meta._source import ROOT, parent, parse, python_files, rel

STATEMENTS = {"select", "update", "delete"}
FILTERS = {"where", "filter", "filter_by", "join", "outerjoin", "having", "values"}


@cache
def guild_tables() -> frozenset[str]:
    """Table classes in storage/models.py that have a guild_id column."""
    names: set[str] = set()
    for node in parse(ROOT / "storage" / "models.py").body:
        if not isinstance(node, ast.ClassDef):
            continue
        is_table = any(k.arg == "table" for k in node.keywords)
        has_guild = any(
            isinstance(s, ast.AnnAssign)
            and isinstance(s.target, ast.Name)
            and s.target.id == "guild_id"
            for s in node.body
        )
        if is_table and has_guild:
            names.add(node.name)
    return frozenset(names)


def _generic_models(node: ast.AST) -> set[str]:
    """Parameters typed ``type[...]`` (``get_row(session, model: type[Named], ...)``): a table
    chosen by the caller, treated as guild-scoped so generic helpers are checked too."""
    function = _function_of(node)
    if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        return set()
    params = [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]
    return {
        a.arg for a in params if a.annotation is not None and "type[" in ast.unparse(a.annotation)
    }


def _models_in(nodes: list[ast.expr], generic: frozenset[str] | set[str] = frozenset()) -> set[str]:
    tables = guild_tables() | generic
    found: set[str] = set()
    for arg in nodes:
        for sub in ast.walk(arg):
            if isinstance(sub, ast.Name) and sub.id in tables:
                found.add(sub.id)
    return found


def _mentions_guild(nodes: list[ast.expr]) -> bool:
    for arg in nodes:
        for sub in ast.walk(arg):
            if isinstance(sub, ast.Attribute | ast.Name) and "guild_id" in (
                sub.attr if isinstance(sub, ast.Attribute) else sub.id
            ):
                return True
            if isinstance(sub, ast.keyword) and sub.arg == "guild_id":
                return True
    return False


def _chain(call: ast.Call) -> tuple[ast.expr, list[ast.expr]]:
    """The whole ``select(...).a(...).b(...)`` chain above ``call``, and its filter arguments."""
    args: list[ast.expr] = []
    node: ast.expr = call
    while True:
        up = parent(node)
        if isinstance(up, ast.Attribute) and up.value is node:
            call_up = parent(up)
            if isinstance(call_up, ast.Call) and call_up.func is up:
                if up.attr in FILTERS:
                    args.extend(call_up.args)
                    args.extend(k.value for k in call_up.keywords)
                    if up.attr == "filter_by" and any(
                        k.arg == "guild_id" for k in call_up.keywords
                    ):
                        args.append(ast.Name(id="guild_id"))
                node = call_up
                continue
        return node, args


def _function_of(node: ast.AST) -> ast.AST | None:
    up = parent(node)
    while up is not None and not isinstance(up, ast.FunctionDef | ast.AsyncFunctionDef):
        up = parent(up)
    return up


def _later_filters(top: ast.expr) -> list[ast.expr]:
    """``stmt = select(X)`` then ``stmt = stmt.where(...)``: the filters added by name."""
    assign = parent(top)
    if not (isinstance(assign, ast.Assign) and isinstance(assign.targets[0], ast.Name)):
        return []
    name = assign.targets[0].id
    function = _function_of(assign)
    args: list[ast.expr] = []
    for node in ast.walk(function or parse(Path(ROOT / "storage" / "models.py"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == name
            and node.func.attr in FILTERS
        ):
            args.extend(node.args)
    return args


@dataclass(frozen=True)
class Query:
    file: str
    line: int
    function: str
    tables: tuple[str, ...]
    scoped: bool

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.file, self.function, ",".join(self.tables))


def _name_of(node: ast.AST) -> str:
    function = _function_of(node)
    return getattr(function, "name", "<module>")


def storage_files() -> list[Path]:
    return [p for p in python_files("storage") if "migrations" not in p.parts]


def queries() -> Iterator[Query]:
    for path in storage_files():
        for node in ast.walk(parse(path)):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in STATEMENTS:
                continue
            top, filters = _chain(node)
            # select(func.count()).select_from(Model): the table is named later in the chain.
            named = list(node.args)
            walker: ast.AST | None = node
            while walker is not top and walker is not None:
                walker = parent(walker)
                if (
                    isinstance(walker, ast.Call)
                    and isinstance(walker.func, ast.Attribute)
                    and walker.func.attr == "select_from"
                ):
                    named.extend(walker.args)
            tables = _models_in(named, _generic_models(node))
            if not tables:
                continue
            scoped = _mentions_guild(filters) or _mentions_guild(_later_filters(top))
            yield Query(rel(path), node.lineno, _name_of(node), tuple(sorted(tables)), scoped)


@dataclass(frozen=True)
class Lookup:
    file: str
    line: int
    function: str
    table: str
    checked: bool

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.file, self.function, self.table)


def lookups() -> Iterator[Lookup]:
    """``session.get(Model, id)`` on a guild table: the row's guild must be compared after."""
    for path in storage_files():
        for node in ast.walk(parse(path)):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and node.args
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id in guild_tables() | _generic_models(node)
            ):
                continue
            table = node.args[0].id
            key_arg = node.args[1] if len(node.args) > 1 else None
            # GuildSettings' primary key is the guild id itself.
            by_guild = key_arg is not None and _mentions_guild([key_arg])
            checked = by_guild or _compares_guild(node)
            yield Lookup(rel(path), node.lineno, _name_of(node), table, checked)


def _compares_guild(get_call: ast.Call) -> bool:
    """The function compares ``<row>.guild_id`` with something after fetching the row."""
    function = _function_of(get_call)
    target: str | None = None
    up = parent(get_call)
    while up is not None and not isinstance(up, ast.Assign | ast.AnnAssign | ast.NamedExpr):
        if isinstance(up, ast.stmt):
            break
        up = parent(up)
    if isinstance(up, ast.Assign) and isinstance(up.targets[0], ast.Name):
        target = up.targets[0].id
    elif isinstance(up, ast.AnnAssign | ast.NamedExpr) and isinstance(up.target, ast.Name):
        target = up.target.id
    if target is None or function is None:
        return False
    for node in ast.walk(function):
        if isinstance(node, ast.Compare):
            for side in [node.left, *node.comparators]:
                if (
                    isinstance(side, ast.Attribute)
                    and side.attr == "guild_id"
                    and isinstance(side.value, ast.Name)
                    and side.value.id == target
                ):
                    return True
    return False
