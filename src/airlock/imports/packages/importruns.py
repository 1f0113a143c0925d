"""What of a module runs when it is imported, read from its tree by names (issue 16, ADR 0132).

Its module level, less the bodies of its functions and the block under
``if __name__ == "__main__"``; then, again and again, the body of every function or class of
the module whose name that code uses (called, passed on, decorated with, read as an attribute
or named in a string: ``atexit.register(f)``, ``getattr(m, "f")``), every method of a class it
uses, and every module-level dunder function (``__getattr__`` runs when an importer reads a
missing name). Names, not values: a name used at all counts as called, so the answer errs
towards "runs". It does not follow calls into other modules; the caller asks each one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Statements whose span covers blocks judged apart: their parts are counted one by one.
COMPOUND = (
    *DEFS, ast.ClassDef, ast.If, ast.For, ast.AsyncFor, ast.While, ast.With,
    ast.AsyncWith, ast.Try, ast.Match,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ImportRun:
    """``lines``: lines of code that runs on import; ``names``: every name that code uses."""

    lines: frozenset[int]
    names: frozenset[str]


def import_run(tree: ast.Module) -> ImportRun:
    """What of ``tree`` runs when the module is imported (this module's docstring)."""
    defined: dict[str, list[ast.AST]] = {}
    for node in ast.walk(tree):
        if isinstance(node, (*DEFS, ast.ClassDef)):
            defined.setdefault(node.name, []).append(node)
    dunders = [
        n
        for n in tree.body
        if isinstance(n, DEFS) and n.name.startswith("__") and n.name.endswith("__")
    ]
    run: list[ast.AST] = []
    used: set[str] = set()
    frontier = [*_shallow(tree.body), *_bodies(dunders)]
    while frontier:
        run += frontier
        names = set(_names(frontier)) - used
        used |= names
        frontier = list(_bodies(d for name in names for d in defined.get(name, ())))
    lines: set[int] = set()
    for node in run:
        if isinstance(node, (ast.stmt, ast.expr)) and not isinstance(node, COMPOUND):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return ImportRun(frozenset(lines), frozenset(used))


def innermost_name(tree: ast.Module, line: int) -> str:
    """The name another module must use for ``line`` to run: the innermost function holding
    it, or its class when that function is a dunder method Python calls itself (``__init__``
    when the class is called); "" at module level."""
    holders = sorted(
        (
            node
            for node in ast.walk(tree)
            if isinstance(node, (*DEFS, ast.ClassDef))
            and node.lineno <= line <= (node.end_lineno or node.lineno)
        ),
        key=lambda node: node.lineno,
    )
    for node in reversed(holders):
        dunder = node.name.startswith("__") and node.name.endswith("__")
        if isinstance(node, ast.ClassDef) or not dunder:
            return node.name
    return ""


def enclosing_names(tree: ast.Module, line: int) -> frozenset[str]:
    """Names of the functions and classes whose bodies hold ``line``: what another module
    would have to use for that line to run."""
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, (*DEFS, ast.ClassDef))
        and node.lineno <= line <= (node.end_lineno or node.lineno)
    )


def _bodies(defs: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """What runs when each of ``defs`` is used: a function's body, a class's methods' bodies
    (its own body ran where it was defined)."""
    for node in defs:
        if isinstance(node, DEFS):
            yield from _shallow(node.body)
        elif isinstance(node, ast.ClassDef):
            yield from _bodies(n for n in node.body if isinstance(n, DEFS))


def _shallow(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """``nodes`` and what is under them, less the bodies of functions (their decorators and
    defaults run where they are defined) and ``__main__`` blocks. A lambda's body counts:
    one is written to be handed on and called (``atexit.register(lambda: ...)``)."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, DEFS):
            arguments = node.args
            stack += [*arguments.defaults, *(d for d in arguments.kw_defaults if d)]
            stack += node.decorator_list
            continue
        if isinstance(node, ast.If) and _main_guard(node.test):
            stack += node.orelse
            continue
        if _exports(node):
            continue  # ``__all__``'s strings name what a star import takes, and call nothing
        stack += ast.iter_child_nodes(node)


def _exports(node: ast.AST) -> bool:
    """``__all__ = [...]`` or ``__all__ += [...]``."""
    targets = (
        node.targets
        if isinstance(node, ast.Assign)
        else [node.target]
        if isinstance(node, (ast.AugAssign, ast.AnnAssign))
        else []
    )
    return any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)


def _main_guard(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` either way round: true only when the file is run."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, *test.comparators]
    named = any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
    return named and any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)


def _names(nodes: Iterable[ast.AST]) -> Iterator[str]:
    for node in nodes:
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            yield node.attr
        elif isinstance(node, ast.Constant) and str(node.value).isidentifier():
            yield str(node.value)
