"""A Ray task's arguments, sent to its cluster (issue 16; ADR 0119). Pure.

ADR 0110 reads ``ray.put(x)`` as ``x`` sent to the cluster ``ray.init`` joined, another
host's when its address is written in the code. A task's arguments go the same way:
``@ray.remote def keep(b): ...`` then ``keep.remote(open(W, 'rb').read())`` ships the
bytes to whichever worker runs it. Such a call is a send named :data:`TASK` (under
``ray``, so :mod:`hostsent` reads it as sent over the cluster's connection), judged by
what it carries only, as ``ray.put`` is.

An actor's method (``Store.remote().put.remote(x)``) is read so when the module defines
an actor class: its handle is not followed. Options set per call (``f.options(num_cpus=1)
.remote(x)``, ADR 0122) are the same task, and so is a task bound to a name first
(``k = ray.remote(f)``, ``t = f.options(...)``; :func:`made`). A task handed through a
parameter or taken from a list by a loop keeps its function, so it was read already; one
taken from a table (``TASKS['keep'].remote(x)``) is read since ADR 0126, its ``.remote``
named as ``ray.remote(f)``'s (:func:`remote_of`). What it does not do: a task handed
through another module.
"""

from __future__ import annotations

import ast

from airlock.imports.packages.flowtypes import Val
from airlock.imports.packages.runfile import dotted

TASK = "ray.task"  # a remote function's call: its arguments go to the cluster
REMOTE = "remote"
OPTIONS = "options"  # ``f.options(...)``: the same task with resources set per call
MAX_OPTIONS = 4  # ``.options(...)`` calls chained before ``.remote`` unwrapped


def task(
    node: ast.Call, env: dict[str, Val], callee: Val, classes: dict[str, ast.ClassDef]
) -> bool:
    """Whether ``node`` calls a remote function: ``f.remote(...)`` of a ``def`` decorated
    ``@ray.remote`` (or ``@ray.remote(num_gpus=1)``, ``@remote``), ``ray.remote(f)
    .remote(...)``, or ``actor.method.remote(...)`` in a module whose ``classes`` hold an
    actor class (one decorated so)."""
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr != REMOTE:
        return False
    unwrapped = optioned(func)
    if callee.ref.startswith("ray.remote") or unwrapped is None:
        return True  # ``ray.remote(f).remote(x)``, ``ray.remote(f).options(...).remote(x)``
    func = unwrapped
    if isinstance(func.value, ast.Attribute) and node.args:
        # ``store.put.remote(x)``: a method of an actor, whose handle is not followed.
        return any(_remote(d) for cls in classes.values() for d in cls.decorator_list)
    if not isinstance(func.value, ast.Name):
        return False
    bound = env.get(func.value.id)
    defined = bound.func if bound is not None else None
    if not isinstance(defined, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    return any(_remote(d) for d in defined.decorator_list)


def made(node: ast.Call, callee: Val, env: dict[str, Val]) -> Val | None:
    """What ``ray.remote(f)`` and ``f.options(...)`` give, kept so that a name bound to it
    is still a task (ADR 0122): a value named ``ray.remote`` (its ``.remote`` is a task's
    call), or the remote function itself. None for other calls, and for
    ``ray.remote(num_gpus=1)``, a decorator made of options."""
    if callee.ref == "ray.remote":
        return Val(ref=callee.ref) if len(node.args) == 1 and not node.keywords else None
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr == OPTIONS):
        return None
    base = (optioned(func) or func).value  # ``f.options(a).options(b)``: ``f``'s
    bound = env.get(base.id) if isinstance(base, ast.Name) else None
    if bound is None:
        return None
    defined = bound.func
    if bound.ref == "ray.remote" or (
        isinstance(defined, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and any(_remote(d) for d in defined.decorator_list)
    ):
        return bound
    return None


def remote_of(base: Val, attr: str) -> Val | None:
    """``.remote`` of a value that holds a ``def`` decorated ``@ray.remote`` (an entry of a
    table, ``TASKS['keep']``): named as ``ray.remote(f).remote``, so that :func:`task` reads
    its call as the task's (ADR 0126). None for any other attribute or value."""
    defined = base.func
    if attr != REMOTE or not isinstance(defined, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    return (
        Val(ref=f"ray.remote.{REMOTE}") if any(_remote(d) for d in defined.decorator_list) else None
    )


def optioned(func: ast.Attribute) -> ast.Attribute | None:
    """``f.remote`` for ``f.options(num_cpus=1).remote`` (ADR 0122): a task's options set
    per call (resources, a name, retries) are still that task, sent to the same cluster.
    None when the options are set on ``ray.remote(f)`` itself, a task whatever ``f`` is."""
    base = func.value
    for _ in range(MAX_OPTIONS):
        if not (
            isinstance(base, ast.Call)
            and isinstance(base.func, ast.Attribute)
            and base.func.attr == OPTIONS
        ):
            break
        base = base.func.value
    if base is func.value:
        return func
    if isinstance(base, ast.Call) and _remote(base.func):
        return None
    return ast.Attribute(value=base, attr=REMOTE, ctx=ast.Load())


def _remote(decorator: ast.expr) -> bool:
    """``@ray.remote``, ``@remote``, ``@ray.remote(num_gpus=1)``."""
    named = dotted(decorator.func if isinstance(decorator, ast.Call) else decorator)
    return named in ("ray.remote", REMOTE)
