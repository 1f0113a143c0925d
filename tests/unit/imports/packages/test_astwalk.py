"""astwalk: the same nodes, in the same order, as ast.iter_child_nodes and ast.walk."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import airlock.imports.packages.flow as flow_module
from airlock.imports.packages.astwalk import children, walk

SNIPPETS = [
    "x = 1",
    "",
    "def f(a, *b, c=2, **d):\n    global g\n    return [i async for i in a if i]\n",
    "class C(B, metaclass=M):\n    @dec\n    def m(self): yield from (lambda: 1)()\n",
    "try:\n    pass\nexcept* E as e:\n    raise\nelse:\n    x\nfinally:\n    y\n",
    "match p:\n    case [1, *rest] | {'k': v} if v:\n        pass\n    case C(x=1): pass\n",
    "f'{a!r:>{w}}' + b'x'[1:2:3]\nwith a as (b, c), d: del e[0]\n",
]


@pytest.mark.parametrize("source", SNIPPETS)
def test_walk_is_ast_walk(source: str) -> None:
    tree = ast.parse(source)
    expected = list(ast.walk(tree))
    got = walk(tree)
    assert len(got) == len(expected)
    assert all(a is b for a, b in zip(got, expected, strict=True))


def test_children_are_iter_child_nodes_on_a_real_module() -> None:
    # A module of this project as a large, varied tree: every node, its own children.
    tree = ast.parse(Path(flow_module.__file__).read_text("utf-8"))
    for node in ast.walk(tree):
        expected = list(ast.iter_child_nodes(node))
        got = children(node)
        assert len(got) == len(expected)
        assert all(a is b for a, b in zip(got, expected, strict=True))


def test_missing_and_none_fields_are_skipped() -> None:
    node = ast.Return()  # ``value`` never set: iter_child_nodes skips it, so does children
    assert children(node) == list(ast.iter_child_nodes(node)) == []
    call = ast.Call(func=ast.Name("f"), args=[ast.Constant(1)], keywords=[])
    assert [type(n).__name__ for n in children(call)] == ["Name", "Constant"]
