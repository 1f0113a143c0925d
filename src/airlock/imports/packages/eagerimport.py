"""An import inside a class body, or in a function the module calls at its top level, runs
on every import as a top-level one does (issue 16; ADR 0162).

A look-alike import (``import reqeusts``, ``import sockets``) holds only at a module's top
level: an indented one was read as optional (inside ``try``, a platform ``if``, or a
function called when asked). Indented look-alikes are common in popular code and are no
trick there (``docket`` imported in a function, ``_winreg`` under ``if`` on Windows,
``jarray`` under Jython), so an indented import is not held for its indent. It is held when
it runs each time the module is imported all the same: directly in the body of a class
defined at the top level (a class body runs when defined), or directly in the body of a
function that a top-level statement calls (``def f(): import reqeusts`` then ``f()``).
An import under an ``if``, a ``try``, a loop or a ``with`` inside them, and a function
called only under a condition or from another function, are left as they were. Pure.
"""

from __future__ import annotations

import ast

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def eager_lines(tree: ast.Module) -> frozenset[int]:
    """The lines of the import statements that run whenever the module is imported, found
    in a top-level class's body or a top-level-called function's body."""
    called = _called_at_top(tree)
    lines: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef) or (
            isinstance(node, ast.FunctionDef) and node.name in called
        ):
            lines |= _direct(node.body)
    return frozenset(lines)


def _called_at_top(tree: ast.Module) -> frozenset[str]:
    """Names the module's top-level statements call unconditionally: ``f()``, ``x = f()``."""
    names: set[str] = set()
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Expr, ast.Assign)) else None
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            names.add(value.func.id)
    return frozenset(names)


def _direct(body: list[ast.stmt]) -> set[int]:
    """The import statements of ``body`` itself and of classes defined directly in it."""
    lines: set[int] = set()
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            lines.add(node.lineno)
        elif isinstance(node, ast.ClassDef):
            lines |= _direct(node.body)
    return lines
