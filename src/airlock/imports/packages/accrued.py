"""A string or a list built item by item in a ``for`` over a folded sequence folds (issue 16;
ADR 0164).

``s = ''`` / ``for c in CODES: s += chr(c)`` / ``exec(s)`` is how obfuscated droppers have
spelt a payload since the first PyPI malware: the same text as ``''.join(map(chr, CODES))``,
which folds, written as a loop. The flow pass walks a loop's body once with its name
unknown, so ``s`` went unknown and the exec was a plain dynamic one: allowed. Here, when a
loop over a folded sequence (of at most :data:`fold.MAX_ITEMS` items) has a body made only
of accumulations into names that fold before it,

* ``acc += E``, ``acc = acc + E`` (a string, bytes or a list), or
* ``acc.append(E)`` (a list),

with names bound for each item on the way (``k = c ^ 5``) and ``pass`` left out,

each ``E`` pure (:data:`PURE_CALLS`, :data:`PURE_METHODS`, operators, subscripts, no name of
an accumulator) and folding for every item, the accumulators are bound to what the loop
builds. The body is still walked once as before (its effects are read there); this only
gives the names their folded values after it, and only when reading each item leaves half
of the module's step budget (:func:`affordable`). Any other loop is left as it was. Pure.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages.flowtypes import Val, When
from airlock.imports.packages.fold import MAX_FOLD, MAX_ITEMS

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter

# Calls an accumulated item may make: they compute a value and run nothing of the package's.
PURE_CALLS = frozenset({"chr", "ord", "int", "str", "hex", "bytes", "abs", "len"})
PURE_METHODS = frozenset({"decode", "encode", "strip", "lower", "upper", "replace", "join"})
# Statements of a loop body read as accumulations (``pass`` not counted); a longer body made
# only of them holds (:func:`past_bound`). At 8, nine names accumulated (eight of them
# padding) left the command built in the ninth unread (ADR 0188).
MAX_BODY = 64
_PURE_NODES = (
    ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop, ast.Load,
    ast.Subscript, ast.Slice, ast.Tuple, ast.List, ast.Attribute, ast.Call,
)  # fmt: skip


Step = tuple[str, str, ast.expr]  # a name, ``add``/``append``/:data:`TEMPORARY`, the item
TEMPORARY = "temporary"  # ``k = c ^ 5``: a name each item binds anew, read by what follows


def planned(
    node: ast.For | ast.AsyncFor, seq: Val, env: dict[str, Val]
) -> tuple[list[Step], dict[str, Val]] | None:
    """Before the loop's body is walked: its accumulations and the values they start from,
    when the loop is one this module folds (module docstring); None otherwise."""
    if (
        node.orelse
        or not isinstance(node, ast.For)
        or not isinstance(node.target, ast.Name)
        or not isinstance(seq.const, (list, str, bytes))
        or not 0 < len(seq.const) <= MAX_ITEMS
    ):
        return None
    steps = _steps(node)
    if steps is None:
        return None
    names = {step[0] for step in steps if step[1] != TEMPORARY}
    if (
        len(steps) > MAX_BODY
        or not names
        or not all(_pure(step[2], names) for step in steps)
        or {step[0] for step in steps if step[1] == TEMPORARY} & names
    ):
        return None
    starts: dict[str, Val] = {}
    for name in names:
        start = env.get(name)
        if start is None or not isinstance(start.const, (str, bytes, list)):
            return None
        starts[name] = start
    return steps, starts


def _steps(node: ast.For) -> list[Step] | None:
    """The accumulations of a loop's body, ``pass`` and docstrings left out; None when a
    statement is none (read in one pass over the body, which the walk reads anyway)."""
    steps: list[Step] = []
    for stmt in node.body:
        if isinstance(stmt, ast.Pass) or (
            isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        ):
            continue  # ``pass``, a docstring: nothing is built
        step = _accrual(stmt) or _temporary(stmt)
        if step is None:
            return None
        steps.append(step)
    return steps


def past_bound(node: ast.For | ast.AsyncFor, seq: Val) -> bool:
    """Whether a loop over a folded sequence that :func:`planned` did not fold is made only of
    accumulations, more than :data:`MAX_BODY` of them: padding that would leave what it
    builds unread holds (ADR 0188). Read only for a body longer than the bound."""
    if len(node.body) <= MAX_BODY or not isinstance(node, ast.For):
        return False
    if not isinstance(seq.const, (list, str, bytes)) or not seq.const:
        return False
    steps = _steps(node)
    return steps is not None and len(steps) > MAX_BODY


def folded(
    interp: Interpreter,
    node: ast.For | ast.AsyncFor,
    seq: Val,
    plan: tuple[list[Step], dict[str, Val]],
    env: dict[str, Val],
) -> None:
    """After the body is walked: bind the accumulators to what the loop builds from their
    :func:`planned` start, when every item folds; leave ``env`` as it is otherwise."""
    steps, starts = plan
    if not isinstance(node.target, ast.Name) or not isinstance(seq.const, (list, str, bytes)):
        return
    if not affordable(interp, len(seq.const), [expr for _, _, expr in steps]):
        return
    parts: dict[str, list[object]] = {name: [] for name in starts}
    local = dict(env)
    for item in seq.const:
        local[node.target.id] = Val(const=item)
        for name, kind, expr in steps:
            value = interp.expr(expr, local, When.LATER).const
            if value is None:
                return
            if kind == TEMPORARY:
                local[name] = Val(const=value)  # ``k = c ^ 5`` read by what follows
            else:
                parts[name].append(value)
    built: dict[str, object] = {}
    for name, start in starts.items():
        kind = next(k for n, k, _ in steps if n == name and k != TEMPORARY)
        value = _built(start.const, kind, parts[name])
        if value is None:
            return
        built[name] = value
    for name, value in built.items():
        env[name] = Val(const=value, labels=starts[name].labels | seq.labels)


def affordable(interp: Interpreter, items: int, exprs: list[ast.expr]) -> bool:
    """Whether reading ``exprs`` once per item leaves at least half of the module's step
    budget: a fold never spends the budget the rest of the walk needs (past it the module
    holds, :data:`flowtypes.MAX_STEPS`); a larger loop is left unknown, as before."""
    cost = items * sum(sum(1 for _ in ast.walk(e)) for e in exprs)
    return cost <= interp.steps // 2


def _accrual(stmt: ast.stmt) -> tuple[str, str, ast.expr] | None:
    """``acc += E``, ``acc = acc + E`` (``add``) or ``acc.append(E)`` (``append``): the
    name, the kind and ``E``; None for any other statement."""
    if (
        isinstance(stmt, ast.AugAssign)
        and isinstance(stmt.op, ast.Add)
        and isinstance(stmt.target, ast.Name)
    ):
        return stmt.target.id, "add", stmt.value
    if (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
        and isinstance(stmt.value, ast.BinOp)
        and isinstance(stmt.value.op, ast.Add)
        and isinstance(stmt.value.left, ast.Name)
        and stmt.value.left.id == stmt.targets[0].id
    ):
        return stmt.targets[0].id, "add", stmt.value.right
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        method = call.func
        if (
            isinstance(method, ast.Attribute)
            and method.attr == "append"
            and isinstance(method.value, ast.Name)
            and len(call.args) == 1
            and not call.keywords
        ):
            return method.value.id, "append", call.args[0]
    return None


def _temporary(stmt: ast.stmt) -> Step | None:
    """``k = E`` binding one name: a value computed for each item (``k = c ^ KEY``)."""
    if (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
    ):
        return stmt.targets[0].id, TEMPORARY, stmt.value
    return None


def _pure(expr: ast.expr, accumulators: set[str]) -> bool:
    """Whether ``expr`` only computes (no call but :data:`PURE_CALLS`/
    :data:`PURE_METHODS`) and reads no accumulator."""
    for sub in ast.walk(expr):
        if not isinstance(sub, _PURE_NODES):
            return False
        if isinstance(sub, ast.Name) and sub.id in accumulators:
            return False
        if isinstance(sub, ast.Call):
            func = sub.func
            if sub.keywords or not (
                (isinstance(func, ast.Name) and func.id in PURE_CALLS)
                or (isinstance(func, ast.Attribute) and func.attr in PURE_METHODS)
            ):
                return False
    return True


def _built(start: object, kind: str, parts: list[object]) -> object:
    """What ``start`` becomes with ``parts`` added (``add``) or appended; None when the
    types do not add up or the text grows past :data:`fold.MAX_FOLD`."""
    if kind == "append":
        return [*start, *parts] if isinstance(start, list) and len(parts) <= MAX_ITEMS else None
    if isinstance(start, str) and all(isinstance(p, str) for p in parts):
        text = start + "".join(p for p in parts if isinstance(p, str))
        return text if len(text) <= MAX_FOLD else None
    if isinstance(start, bytes) and all(isinstance(p, bytes) for p in parts):
        data = start + b"".join(p for p in parts if isinstance(p, bytes))
        return data if len(data) <= MAX_FOLD else None
    if isinstance(start, list) and all(isinstance(p, list) for p in parts):
        out = [*start, *(x for p in parts if isinstance(p, list) for x in p)]
        return out if len(out) <= MAX_ITEMS else None
    return None
