"""Tests about the tests (STYLE.md example 11): mocks have a spec, skips say why, asserts can fail.

Idea from ghostty-org/discord-bot tests/meta/test_mocks.py, extended to skips and dead asserts.
The checks read tests/ as syntax; the negative cases below prove each checker catches its case.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from tests.meta._source import parse, python_files, rel

MOCKS = {"Mock", "MagicMock", "AsyncMock", "NonCallableMock", "NonCallableMagicMock"}
SPEC_KEYWORDS = {"spec", "spec_set", "wraps"}  # a wrapped real object is as strict as a spec


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _dotted(node: ast.expr) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # unparse of odd nodes; the name is all we want
        return ""


def specless_mocks(tree: ast.AST) -> Iterator[int]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _callee(node) in MOCKS:
            # Mock(spec) takes the spec as its first positional argument.
            if node.args or any(k.arg in SPEC_KEYWORDS for k in node.keywords):
                continue
            yield node.lineno


def _has_reason(node: ast.Call, positional: int) -> bool:
    """A non-empty reason: ``reason=...`` or the positional slot that holds it."""
    values = [k.value for k in node.keywords if k.arg in {"reason", "msg"}]
    if len(node.args) > positional:
        values.append(node.args[positional])
    for value in values:
        if isinstance(value, ast.Constant) and not (isinstance(value.value, str) and value.value):
            continue  # "" or None is no reason
        return True
    return False


def silent_skips(tree: ast.AST) -> Iterator[int]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name.endswith(("pytest.skip", "mark.skip", "mark.xfail", "pytest.xfail")):
                if not _has_reason(node, 0):
                    yield node.lineno
            elif name.endswith("mark.skipif") and not _has_reason(node, 99):
                yield node.lineno  # skipif's positional args are conditions; reason= is required
        elif isinstance(node, ast.Attribute) and node.attr in {"skip", "xfail"}:
            # Bare decorator `@pytest.mark.skip` (no call at all).
            up = getattr(node, "parent", None)
            is_called = isinstance(up, ast.Call) and up.func is node
            if not is_called and _dotted(node).endswith(("mark.skip", "mark.xfail")):
                yield node.lineno


def _always_true(test: ast.expr) -> bool:
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.Tuple):
        return bool(test.elts)  # `assert (x, "message")`: a non-empty tuple is always true
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return isinstance(test.operand, ast.Constant) and not test.operand.value
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return any(_always_true(v) for v in test.values)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, right = ast.dump(test.left), ast.dump(test.comparators[0])
        same = left == right and not isinstance(test.left, ast.Call)
        return same and isinstance(test.ops[0], ast.Eq | ast.Is | ast.LtE | ast.GtE)
    return False


def dead_asserts(tree: ast.AST) -> Iterator[int]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and _always_true(node.test):
            yield node.lineno


def _scan(checker: Callable[[ast.AST], Iterator[int]]) -> list[str]:
    found: list[str] = []
    for path in python_files("tests"):
        for line in checker(parse(path)):
            found.append(f"{rel(path)}:{line}")
    return found


def test_no_mock_without_a_spec() -> None:
    """A spec-less Mock accepts any call, so a renamed method goes unnoticed: spec it."""
    found = _scan(specless_mocks)
    assert not found, "Mock()/MagicMock()/AsyncMock() without spec or spec_set:\n" + "\n".join(
        found
    )


def test_every_skip_says_why() -> None:
    """pytest.skip, mark.skip, skipif and xfail carry a reason string."""
    found = _scan(silent_skips)
    assert not found, "skips without a reason:\n" + "\n".join(found)


def test_no_assertion_that_cannot_fail() -> None:
    """`assert True`, `assert (x, 'msg')`, `assert x == x`: a test that cannot fail is a bug."""
    found = _scan(dead_asserts)
    assert not found, "assertions that cannot fail:\n" + "\n".join(found)


BAD = """
import pytest
from unittest import mock
from unittest.mock import AsyncMock, MagicMock, Mock

a = Mock()
b = mock.MagicMock(return_value=1)
c = AsyncMock(spec=object)
d = MagicMock(spec_set=dict)
e = Mock(dict)

@pytest.mark.skip
def t1(): ...

@pytest.mark.skip(reason="")
def t2(): ...

@pytest.mark.skip(reason="flaky network")
def t3(): ...

@pytest.mark.skipif(True)
def t4(): ...

def t5():
    pytest.skip()
    pytest.skip("no GPU here")
    assert True
    assert (1 == 2, "message")
    assert x == x
    assert f() == f()
    assert not False
    assert y or 1
    assert y
"""


def test_checkers_catch_what_they_claim() -> None:
    """Each checker flags its bad lines, and only those (so a green run means something)."""
    tree = parse_text(BAD)
    assert list(specless_mocks(tree)) == [6, 7]
    assert sorted(silent_skips(tree)) == [12, 15, 21, 25]
    assert list(dead_asserts(tree)) == [27, 28, 29, 31, 32]


def parse_text(source: str) -> ast.Module:
    tree = ast.parse(source)
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child.parent = node  # type: ignore[attr-defined]
    return tree
