"""Calls made on install or import that the walk stopped following (ADR 0096).

The flow walk follows a user function called on install or import into its body three calls
deep (:data:`flowtypes.MAX_CALL_DEPTH`) and 400 times a file (:data:`functions.MAX_APPLIES`),
so that a large package is read in bounded time. Past either bound the call was dropped: its
body was walked only as code that runs when someone calls it, so ``f0()`` on import,
reaching ``f3()`` that sends the host's secrets, was allowed. One wrapper more than the bound
hid any chain.

Now the function the walk did not enter is noted with what it was handed and the moment it
runs. After the module's own statements it is walked from there, with its own three calls
of depth, as the call would have run it. What that walk finds is weighed at that moment only
when its own data says whose act it is (:func:`pinned`), and at most held: past the bounds
the walk is less sure which branch runs, so a person reads it. Each function is resumed once
per moment, and at most :data:`MAX_RESUMED` per file, so the bound on work stays: one more
walk of a body. A call past that is not read (ADR 0097: holding it held sympy).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from airlock.imports.packages import flowtypes
from airlock.imports.packages.sinks import DECODED, DROPPED, ENV, FILE, HIDDEN, HOSTINFO, SECRET

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Trace, Val, When

MAX_RESUMED = 64  # functions resumed per file, past the walk's bounds

Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True, slots=True)
class Stopped:
    """A call on install or import the walk did not enter, with what it needs to resume."""

    func: Function
    args: list[Val]
    env: dict[str, Val]
    when: When
    trace: Trace  # whose events these are: this module's, or a module followed into
    module: str


def note(
    interp: Interpreter,
    func: ast.Lambda | Function,
    args: list[Val],
    env: dict[str, Val],
    when: When,
) -> None:
    """Keep ``func``, which the walk does not enter now, to walk it after the module."""
    if isinstance(func, ast.Lambda):
        return  # a lambda's body is one expression its caller's walk has in hand
    # By what it was given too (ADR 0184): ``f0('true')`` first kept only that call, and a
    # later ``f0(CMD)`` past the depth was never walked.
    key = (id(func), when, tuple(flowtypes.keyed(a) for a in args))
    # Past the bound a call is not read and not held: holding there held sympy, whose
    # modules resume more than 64 functions on import (ADR 0097, left open).
    if key in interp.stopped_keys or len(interp.stopped_keys) >= MAX_RESUMED:
        return
    interp.stopped_keys.add(key)
    interp.stopped.append(Stopped(func, args, dict(env), when, interp.trace, interp.module))


def pinned(kind: str, labels: frozenset[str], text: str) -> bool:
    """Whether an event of a resumed walk keeps the moment of the call that reached it. Past
    the bounds every arm of every branch is walked with what the call handed down, so what a
    library's deep helpers could do on import (matplotlib's rc file read through a helper
    that also opens URLs) reads as done: such an event is weighed as code that runs when
    called, as before. It keeps its moment when its own data says whose act it is: a decoded
    or dropped payload, a credential sent, or host data sent to an address written in the
    code."""
    from airlock.imports.packages.chains import LITERAL_URL  # noqa: PLC0415 -- chains imports flow

    if labels & {DECODED, HIDDEN, DROPPED}:
        return True  # a payload decoded, hidden or downloaded and written
    if kind == "network" and SECRET in labels:
        return True  # a credential sent
    # the host's data sent to an address the code names
    return kind == "network" and bool(labels & {ENV, HOSTINFO, FILE} and LITERAL_URL.search(text))


def resume(interp: Interpreter) -> None:
    """Walk the functions :func:`note` kept, each from a fresh depth, in the trace and module
    they were called from; what they call past the bounds is kept and walked in turn."""
    while interp.stopped:
        stopped = interp.stopped.pop(0)
        saved = (interp.trace, interp.module, interp.depth)
        interp.trace, interp.module, interp.depth = stopped.trace, stopped.module, 0
        interp.resuming += 1
        try:
            # Past the per-file budget the body is still walked; what it calls is noted in
            # turn, so each function costs one walk per moment at most.
            interp.enter(stopped.func, stopped.args, stopped.env, stopped.when)
        finally:
            interp.trace, interp.module, interp.depth = saved
            interp.resuming -= 1
