"""Our source tree as parsed syntax: module names, imports, parent links. Nothing is imported.

The meta tests read code, never run it, so they stay fast and cannot be fooled by import-time
side effects. Paths are relative to the repository root so failures read as ``file:line``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "commands", "storage", "pipeline")
OURS = (*PACKAGES, "tests")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str) -> bool:
    """``name`` is a module or package of ours (so ``from pkg import name`` imports a module)."""
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def python_files(*tops: str) -> list[Path]:
    return sorted(p for top in tops for p in (ROOT / top).rglob("*.py"))


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@cache
def parse(path: Path) -> ast.Module:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child.parent = node  # type: ignore[attr-defined]
    return tree


def parent(node: ast.AST) -> ast.AST | None:
    return getattr(node, "parent", None)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def under_type_checking(node: ast.AST) -> bool:
    """Inside the body of ``if TYPE_CHECKING:`` (never executed at run time)."""
    child, up = node, parent(node)
    while up is not None:
        if isinstance(up, ast.If) and _is_type_checking(up.test) and child in up.body:
            return True
        child, up = up, parent(up)
    return False


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    target: str  # the module imported, resolved to a submodule where ``from pkg import mod``
    type_only: bool

    @property
    def where(self) -> str:
        return f"{rel(self.path)}:{self.line}"


def _resolve_relative(path: Path, node: ast.ImportFrom) -> str:
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    if node.level > 1:
        package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, node.module] if node.module else package)


@cache
def _imports(path: Path) -> tuple[Import, ...]:
    return tuple(_walk_imports(path))


def imports(path: Path) -> tuple[Import, ...]:
    return _imports(path)


def _walk_imports(path: Path) -> Iterator[Import]:
    """Every import in the file, at any depth (lazy imports run too), with its target module."""
    for node in ast.walk(parse(path)):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        type_only = under_type_checking(node)
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, alias.name, type_only)
        else:
            base = _resolve_relative(path, node) if node.level else (node.module or "")
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                ours = base.split(".")[0] in OURS
                target = sub if ours and alias.name != "*" and is_module(sub) else base
                yield Import(path, node.lineno, target, type_only)


def top(name: str) -> str:
    return name.split(".")[0]


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")
