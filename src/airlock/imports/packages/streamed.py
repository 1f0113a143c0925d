"""Data handed to a sender as an iterator (issue 16; ADR 0119). Pure.

A streaming call takes an iterator and sends each item: gRPC's client streams
(``stub.Upload(chunks())``, ``ch.stream_unary('/x.S/Up')(iter(lambda: f.read(n), b''))``),
``requests.post(url, data=gen())`` too. The items were read as nothing: a lambda handed to
``iter`` was not called, and a generator carried only what it ``return``\\s. Here
``iter(lambda: EXPR, sentinel)`` carries what ``EXPR`` carries, and a generator function
called with nothing to carry in (which :func:`functions.apply` skips when called later:
its body is read on its own, but what it yields was not handed back) is walked once for
what it yields (:func:`functions.body_of` reads ``yield`` as it reads ``return``).

``shutil.copyfileobj(src, dst)`` into a remote file opened for writing is that file's
``write`` of what ``src`` reads.

What it does not do: ``iter(functools.partial(f.read, n), b'')``, a generator's
``send``-driven values (:mod:`rebound`), an iterator class's ``__next__``.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages import remotes
from airlock.imports.packages.flowtypes import MAX_CALL_DEPTH, Val, When
from airlock.imports.packages.handed import parameters

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter

Function = ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef
# Generator functions already asked of, by id (the entry holds the function, so its id is
# not reused while it is kept); cleared when full.
_GENERATORS: dict[int, tuple[ast.AST, bool]] = {}
MAX_REMEMBERED = 4096
MAX_WALKED = 2000  # nodes of a function read to find a ``yield``


def iterated(
    interp: Interpreter, ref: str, args: list[Val], env: dict[str, Val], when: When
) -> Val | None:
    """``iter(lambda: f.read(n), b'')``: what each call of the lambda gives; None otherwise."""
    if ref != "iter" or len(args) != 2 or not isinstance(args[0].func, ast.Lambda):
        return None
    lam = args[0].func
    if lam.args.args or lam.args.vararg or lam.args.kwarg:
        return None  # ``iter`` calls it with nothing
    return Val(labels=interp.expr(lam.body, env, when).labels)


def copied_into(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    node: ast.Call,
    ref: str,
    args: list[Val],
    env: dict[str, Val],
    when: When,
) -> None:
    """``shutil.copyfileobj(src, dst)`` into a file opened by its URL: ``dst.write`` of what
    ``src`` reads, so a remote file's upload is judged as its writes are (ADR 0119)."""
    if ref == "shutil.copyfileobj" and len(args) >= 2 and args[1].ref in remotes.REMOTE_OPENS:
        interp.sink(node, Val(ref=f"{args[1].ref}.write"), args[:1], {}, env, when)


def yielded(interp: Interpreter, func: Function, env: dict[str, Val], when: When) -> Val | None:
    """What a generator function without parameters yields when called later, walked once
    (bounded as :func:`functions.apply` is); None for any other function."""
    from airlock.imports.packages.functions import MAX_APPLIES  # noqa: PLC0415 -- a cycle

    if when is not When.LATER or isinstance(func, ast.Lambda) or parameters(func):
        return None
    if not _generator(func) or interp.depth >= MAX_CALL_DEPTH or interp.applied >= MAX_APPLIES:
        return None
    key = (id(func), when, (("\0yielded", frozenset[str]()),))
    if key not in interp.memo:
        interp.memo[key] = interp.apply_body(func, [], env, when)
    return interp.memo[key]


def _generator(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    known = _GENERATORS.get(id(func))
    if known is not None and known[0] is func:
        return known[1]
    if len(_GENERATORS) >= MAX_REMEMBERED:
        _GENERATORS.clear()
    found = False
    for count, node in enumerate(ast.walk(func)):
        if count >= MAX_WALKED:
            break
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            found = True
            break
    _GENERATORS[id(func)] = (func, found)
    return found
