"""Code built node by node with :mod:`ast` constructors, with nobody writing it as text
(ADR 0071).

``exec(compile(ast.Module([ast.Expr(ast.Call(ast.Attribute(ast.Name('os', ...), 'system',
...), [ast.Constant('id')], []))], []), ...))`` runs ``os.system('id')`` though no text of
it is anywhere for the walk to read: like ``exec`` of decoded text, it is obfuscated exec.
A node whose parts are all written here (literals, other nodes built here, contexts like
``ast.Load()``) is marked decoded; a node that wraps code from elsewhere
(``ast.Expression(node)`` of a parsed tree, a test helper evaluating the node it was
given) is not, and compiling it stays dynamic exec as before.

Pure. What it deliberately does not do: fold the tree back into text (the code it spells is
not read, only marked).
"""

from __future__ import annotations

import ast
import functools
from typing import TYPE_CHECKING

from airlock.imports.packages import flowtypes
from airlock.imports.packages.sinks import DECODED

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val

MAX_DEPTH = 16  # nesting of list literals and calls looked into


def _ast_class(ref: str) -> type | None:
    """The :mod:`ast` class ``ref`` (``ast.Call``) names, or None."""
    made = getattr(ast, ref[4:], None) if ref.startswith("ast.") else None
    return made if isinstance(made, type) else None


@functools.lru_cache(maxsize=1024)
def node_maker(ref: str) -> bool:
    """``ast.Call``, ``ast.Module``: a constructor of a node of code (not ``ast.parse``, not
    a context like ``ast.Load``, which carries no code)."""
    made = _ast_class(ref)
    return made is not None and issubclass(made, (ast.stmt, ast.expr, ast.mod))


@functools.lru_cache(maxsize=1024)
def _part_maker(ref: str) -> bool:
    """A node constructor or any other :mod:`ast` class (contexts, operators, ``arg``)."""
    made = _ast_class(ref)
    return made is not None and issubclass(made, ast.AST)


def built_here(interp: Interpreter, node: ast.Call, env: dict[str, Val]) -> bool:
    """Whether every argument of the node constructor ``node`` is written here."""
    parts = [*node.args, *(k.value for k in node.keywords)]
    return all(_written(interp, p, env, 0) for p in parts)


def _written(interp: Interpreter, part: ast.expr, env: dict[str, Val], depth: int) -> bool:
    if depth > MAX_DEPTH:
        return False
    if isinstance(part, ast.Constant):
        return True
    if isinstance(part, (ast.List, ast.Tuple)):
        return all(_written(interp, e, env, depth + 1) for e in part.elts)
    if isinstance(part, ast.Call):
        return _part_maker(interp.expr(part.func, env, flowtypes.When.LATER).ref)
    if isinstance(part, ast.Name):
        # A node built here, or a name or number kept in a variable (``ast.Name(n)``); not
        # text (``ast.parse(src).body`` folds to its source, which the walk reads).
        found = env.get(part.id, flowtypes.UNKNOWN)
        const = found.const
        return (
            DECODED in found.labels
            or (isinstance(const, str) and const.isidentifier())
            or type(const) is int
        )
    return False
