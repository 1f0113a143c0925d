"""What a function's call leaves in the objects it shares with its caller (issue 16; ADR 0193).

A function walked with its arguments bound gets a copy of its caller's names, so what it
put into an object was lost when it returned: ``BUF.append(dict(os.environ))``,
``STATE['e'] = token`` or ``out.update(os.environ)`` fill a list, a dict or a parameter
that the caller (or a later function reading the module's name) then sends. In Python the
object is one and the same: a name the function reads but never binds is its module's (or
its enclosing scope's) name, and a parameter holds the caller's object.

:func:`carried_back` gives the caller's names the labels such a call added to them, and
keeps, per function, the labels added to each parameter (:attr:`flow.Interpreter.grown`);
:func:`into_arguments` gives them to a call's arguments that are plain names; a
comprehension's scope gives back what it put into its enclosing scope's names
(:func:`comprehension_back`). Only secret data's labels move (``sinks.SECRET_DATA``): a
decoded or hidden mark spread so would mark the code a library builds in a list (attrs'
generated ``__hash__``). Only labels
move: a folded value is never changed, so a command built in a function is still read only
where it is built. A name the function binds (assigned, imported, a loop's target, a
parameter rebound) is its own and carries nothing back.
"""

from __future__ import annotations

import ast
from collections.abc import Set
from typing import TYPE_CHECKING

from airlock.imports.packages import sharedstate
from airlock.imports.packages.astwalk import own_nodes
from airlock.imports.packages.handed import parameters
from airlock.imports.packages.sinks import SECRET_DATA

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val

Func = ast.FunctionDef | ast.AsyncFunctionDef


def bound_names(interp: Interpreter, func: Func) -> frozenset[str]:
    """The names ``func`` binds in its own scope (``global`` and ``nonlocal`` names are not
    its own), kept per archive by id as :meth:`flow.Interpreter.body_of` keeps its walk."""
    known = interp.scopes.get(id(func))
    if known is not None:
        return known[1]
    names: set[str] = set()
    shared: set[str] = set()
    for node in own_nodes(func):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).partition(".")[0] for a in node.names}
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            shared |= set(node.names)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
    found = frozenset(names - shared)
    interp.scopes[id(func)] = (func, found)
    return found


def carried_back(
    interp: Interpreter,
    func: Func,
    args: list[Val],
    env: dict[str, Val],
    local: dict[str, Val],
    *,
    own: bool = True,
) -> None:
    """After ``func``'s body ran with ``local`` (a copy of ``env`` with ``args`` bound): the
    labels it added to a name it shares with ``env`` are given to ``env``'s, and to the
    module's when ``env``'s is the module's own binding; those added to a parameter it does
    not rebind are kept for :func:`into_arguments`. Not ``own``: ``func`` is another module's
    of the archive, followed there, and ``env`` that module's names, which its importers
    read (:mod:`sharedstate`, ADR 0195)."""
    params = parameters(func)
    bound = bound_names(interp, func)
    given_back(interp, env, local, bound | {param.arg for param in params}, module_too=own)
    grown: dict[int, frozenset[str]] = {}
    for index, (param, given) in enumerate(zip(params, args, strict=False)):
        held = local.get(param.arg)
        if held is not None and param.arg not in bound:
            added = (held.labels - given.labels) & SECRET_DATA
            if added:
                grown[index] = added
    if grown:
        kept = interp.grown.setdefault(id(func), {})
        for index, added in grown.items():
            kept[index] = kept.get(index, frozenset()) | added


def given_back(
    interp: Interpreter,
    env: dict[str, Val],
    local: dict[str, Val],
    taken: Set[str],
    *,
    module_too: bool = True,
) -> None:
    """The labels a scope walked on ``local`` (a copy of ``env``) added to a name it did not
    bind (``taken``) given to ``env``'s, and to the module's when ``env``'s is the module's
    own binding (``module_too``: the walk is in the module's own code)."""
    module = interp.globals if module_too else None
    for name, before in list(env.items()):
        after = local.get(name)
        if name in taken or after is None:
            continue
        added = (after.labels - before.labels) & SECRET_DATA
        if not added:
            continue
        if module is not None and module is not env and module.get(name) is before:
            module[name] = before._replace(labels=before.labels | added)
        env[name] = before._replace(labels=before.labels | added)
        if before.ref and interp.package is not None:
            sharedstate.given(interp, before, added)  # another module's object (ADR 0195)


def comprehension_back(
    interp: Interpreter,
    node: ast.ListComp | ast.GeneratorExp | ast.SetComp | ast.DictComp,
    env: dict[str, Val],
    local: dict[str, Val],
) -> None:
    """``[d.update({k: v}) for k, v in os.environ.items()]``: a comprehension is a scope of
    its own, walked on a copy; what it put into a name of the enclosing scope is kept there
    (its loops' names are its own)."""
    own = {n.id for gen in node.generators for n in ast.walk(gen.target) if isinstance(n, ast.Name)}
    given_back(interp, env, local, own)


def into_arguments(
    interp: Interpreter, func: Func, node: ast.Call, env: dict[str, Val], skip: int = 0
) -> None:
    """``collect(d)`` of a function that fills its parameter: the caller's name ``d`` given
    by position now carries what the function put into it. ``skip``: parameters the call
    does not write out (a method's ``self``)."""
    for index, added in interp.grown.get(id(func), {}).items():
        at = index - skip
        if not 0 <= at < len(node.args):
            continue
        given = node.args[at]
        if isinstance(given, ast.Name) and given.id in env:
            held = env[given.id]
            env[given.id] = held._replace(labels=held.labels | added)
