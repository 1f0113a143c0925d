"""Calls through a wrapper that hands its arguments on unchanged (issue 16; ADR 0149):
``_run = lambda *a, **k: os.system(*a, **k)`` and ``def run(*a): return os.system(*a)``.

The flow pass bound ``*args`` and ``**kwargs`` to what the extra arguments carried (their
labels, ADR 0071) and dropped their values, so a command or address written at the call
(``_run('curl ... | sh')``, ``_open(URL, data=creds)``) reached the sink through the
wrapper as an unknown value and was not read. Two readings close that:

* :func:`forwarder`: a function whose whole body is one call handing on ``*a``/``**k``
  and nothing else *is* that call's callee, so ``_run(c)`` is read as ``os.system(c)``
  written at the same place (the caller's arguments and keywords, folded as usual);
* :func:`packed_arguments`: in any other function, ``*args`` keeps the extra arguments'
  folded values as the tuple Python builds (a list constant), which ``f(*args)`` then
  hands on as a written-out list does (``os.system(*['...'])``).

Pure and bounded: at most ``MAX_FORWARDED`` arguments are kept, each already folded (and
bounded) by the pass; a forwarder is unwrapped within the pass's call depth, as applying it
would be. What it does not do: keep a value that does not fold (a sink handed through
``*args``), fill ``**kwargs`` of a function that does more than hand them on, or unwrap a
forwarder that adds, drops or reorders arguments (``lambda *a: os.system(' '.join(a))``:
that one is applied as before).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages.flowtypes import Val
from airlock.imports.packages.fold import MAX_WRITTEN

if TYPE_CHECKING:
    from airlock.imports.packages.prefilter import HitLines

    Func = ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef

# Extra arguments kept as values; past it only what they carried. At 16, a command's words
# handed on before 17 empty ones were not read (ADR 0188).
MAX_FORWARDED = MAX_WRITTEN


def packed_arguments(extra: list[Val]) -> Val:
    """The value ``*args`` is bound to for these extra arguments: their folded values as
    a list when every one folds, and always what they carried."""
    labels = frozenset().union(*(a.labels for a in extra))
    values = [a.const for a in extra]
    if len(values) <= MAX_FORWARDED and all(v is not None for v in values):
        return Val(const=values, labels=labels)
    return Val(labels=labels)


def forwarder(func: Func) -> ast.Call | None:
    """The call ``func`` stands for when its whole body hands ``*a``/``**k`` on to it
    unchanged (``lambda *a, **k: g(*a, **k)``, ``def f(*a): return g(*a)``), else None.
    A coroutine function or a decorated one is not the call it holds."""
    spec = func.args
    if spec.posonlyargs or spec.args or spec.kwonlyargs or not (spec.vararg or spec.kwarg):
        return None
    if isinstance(func, ast.Lambda):
        body: ast.expr | None = func.body
    elif isinstance(func, ast.AsyncFunctionDef) or func.decorator_list:
        return None
    else:
        stmts = func.body[1:] if ast.get_docstring(func, clean=False) is not None else func.body
        only = stmts[0] if len(stmts) == 1 else None
        body = only.value if isinstance(only, ast.Return | ast.Expr) else None
    return body if isinstance(body, ast.Call) and _hands_on(body, spec) else None


def _hands_on(call: ast.Call, spec: ast.arguments) -> bool:
    """``call`` is given exactly ``*vararg`` and ``**kwarg``, as they came."""
    passed = [_name(a) for a in call.args]
    kept = [_name(k.value) for k in call.keywords if k.arg is None]
    return (
        passed == ([f"*{spec.vararg.arg}"] if spec.vararg else [])
        and len(kept) == len(call.keywords)
        and kept == ([spec.kwarg.arg] if spec.kwarg else [])
    )


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Starred) and isinstance(node.value, ast.Name):
        return f"*{node.value.id}"
    return node.id if isinstance(node, ast.Name) else ""


def through(at: ast.Call, inner: ast.Call, func: Func) -> ast.Call:
    """``inner``'s callee called with ``at``'s arguments (its keywords when ``func`` takes
    ``**k``), placed at ``at``."""
    keywords = list(at.keywords) if func.args.kwarg else []
    call = ast.Call(func=inner.func, args=list(at.args), keywords=keywords)
    return ast.copy_location(call, at)


def acting_wrapper(func: Func | None, hits: HitLines) -> bool:
    """A lambda, or a function that only hands its arguments on, whose lines name a sink:
    a function calling it by its name is walked as one naming the sink is
    (``_get = lambda *a, **k: requests.get(*a, **k)`` bound before the imports, then
    ``def execute(): r = _get(URL) ...``)."""
    if func is None or not (isinstance(func, ast.Lambda) or forwarder(func) is not None):
        return False
    return hits.acts(func.lineno, func.end_lineno or func.lineno)
