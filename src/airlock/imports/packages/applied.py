"""What a user function's result depends on besides its arguments, as a key for the walk's
memo of applied functions (:func:`functions.apply`; issue 16, ADR 0185).

Pure but for the per-interpreter cache of what each function reads. A function reads the
names of the scope it is called from that it neither takes nor binds (``X`` in ``def run(c):
return X(c)``), and a method reads the attributes of its first parameter (``self.f``) that the
walk recorded for the instance (``Interpreter.attrs``). Keyed on its arguments alone, a call
made after ``X = os.system``, or on an instance whose ``f`` became ``os.system``, was answered
by the walk of the same call made before, with ``print``: no event.
"""

from __future__ import annotations

import ast
import copy
from typing import TYPE_CHECKING

from airlock.imports.packages import flowtypes, handed

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val

Func = ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef
# (the function, kept so its body's id is not reused; free names read; attributes of its
# first parameter read)
Reads = tuple[Func, tuple[str, ...], tuple[str, ...]]


def reads(func: Func) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names ``func`` reads without binding them, and the attributes it reads on its
    first parameter. A superset is safe (the key only splits more); nested functions'
    reads count, as a closure reads the same scope."""
    params = handed.parameters(func)
    bound = {p.arg for p in params}
    bound |= {a.arg for a in (func.args.vararg, func.args.kwarg) if a is not None}
    loaded: set[str] = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):  # a nested function's or lambda's parameter
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
    first = params[0].arg if params else ""
    attributes = {
        node.attr
        for node in ast.walk(func)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == first
    }
    return tuple(sorted(loaded - bound)), tuple(sorted(attributes))


def state(
    known: dict[int, Reads],
    func: Func,
    args: list[Val],
    env: dict[str, Val],
    attrs: dict[tuple[str, str], Val],
) -> tuple[object, ...]:
    """What ``func`` called with ``args`` from ``env`` reads beyond its arguments: the
    values of its free names in ``env`` and of its first argument's recorded attributes."""
    # By its body, which the copies :func:`closed` makes share with the function.
    found = known.get(id(func.body))
    if found is None:
        found = known[id(func.body)] = (func, *reads(func))
    _, names, attributes = found
    scope = tuple(flowtypes.keyed(env[n]) if n in env else None for n in names)
    owner = args[0].ref if args else ""
    if not (owner and attributes):
        return scope
    kept = (attrs.get((owner, a)) for a in attributes)
    return (*scope, *(None if v is None else flowtypes.keyed(v) for v in kept))


def key(interp: Interpreter, func: Func, args: list[Val], env: dict[str, Val]) -> object:
    """The memo key's part beyond the function, the moment and the arguments."""
    return state(interp.reads, func, args, env, interp.attrs)


def closed(interp: Interpreter, func: Func, env: dict[str, Val]) -> Func:
    """``func`` (a ``def`` or a ``lambda`` the walk reaches) as the value it makes in
    ``env``: itself at a module's top level; inside a function, one shallow copy per call
    of that function, whose closure is that call's names. Each closure is then a function
    of its own to the memo and to the closure table: ``a = mk(go); mk(print); a(CMD)`` read
    ``a`` with the names of the last call of ``mk`` (ADR 0185)."""
    if env is interp.globals:
        return func
    interp.closures[id(func)] = env  # the walk of the function on its own (ADR 0167)
    key = (id(func), id(env))
    made = interp.copies.get(key)
    if made is None:
        made = copy.copy(func)
        interp.copies[key] = made
        interp.closures[id(made)] = env  # kept alive here, so ids are not reused
    return made
