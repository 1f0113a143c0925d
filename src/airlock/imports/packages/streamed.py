"""Data handed to a sender as an iterator (issue 16; ADR 0119). Pure.

A streaming call takes an iterator and sends each item: gRPC's client streams
(``stub.Upload(chunks())``, ``ch.stream_unary('/x.S/Up')(iter(lambda: f.read(n), b''))``),
``requests.post(url, data=gen())`` too. The items were read as nothing: a lambda handed to
``iter`` was not called, and a generator carried only what it ``return``\\s. Here
``iter(lambda: EXPR, sentinel)`` carries the file data ``EXPR`` carries, and a generator's call
carries a file's data when its ``yield``s hand one out (:func:`yielded_files`); one
called with nothing to carry in (which :func:`functions.apply` skips when called later:
its body is read on its own, but what it yields was not handed back) is walked once.

``shutil.copyfileobj(src, dst)`` into a remote file opened for writing is that file's
``write`` of what ``src`` reads; into a local one, its write of what ``src`` holds
(ADR 0191).

What it does not do: ``iter(functools.partial(f.read, n), b'')``, a generator's
``send``-driven values (:mod:`rebound`), an iterator class's ``__next__``.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages import remotes, writes, yieldsecrets
from airlock.imports.packages.astwalk import own_nodes
from airlock.imports.packages.flowtypes import MAX_CALL_DEPTH, Val, When
from airlock.imports.packages.handed import parameters
from airlock.imports.packages.sinks import FILE

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter

Function = ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef
# Generator functions already asked of, by id (the entry holds the function, so its id is
# not reused while it is kept); cleared when full.
_GENERATORS: dict[int, tuple[ast.AST, bool]] = {}
MAX_REMEMBERED = 4096
MAX_WALKED = 2000  # nodes of a function read to find a ``yield``
MAX_YIELDS = 4  # ``yield``s read per generator, as returns are (:func:`functions.apply_body`)
YIELDS = (ast.Yield, ast.YieldFrom)


def iterated(
    interp: Interpreter, ref: str, args: list[Val], env: dict[str, Val], when: When
) -> Val | None:
    """``iter(lambda: f.read(n), b'')``: what each call of the lambda gives; None otherwise."""
    if ref != "iter" or len(args) != 2 or not isinstance(args[0].func, ast.Lambda):
        return None
    lam = args[0].func
    if lam.args.args or lam.args.vararg or lam.args.kwarg:
        return None  # ``iter`` calls it with nothing
    return Val(labels=interp.expr(lam.body, env, when).labels & {FILE})  # as a yield's


def copied_into(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    node: ast.Call,
    ref: str,
    args: list[Val],
    env: dict[str, Val],
    when: When,
) -> None:
    """``shutil.copyfileobj(src, dst)`` into a file opened by its URL: ``dst.write`` of what
    ``src`` reads, so a remote file's upload is judged as its writes are (ADR 0119); into a
    file opened for writing, its write of what ``src`` holds (ADR 0191: a payload copied
    from ``io.StringIO(PAYLOAD)`` into the file the package then ran was no write)."""
    if ref != "shutil.copyfileobj" or len(args) < 2:
        return
    if args[1].ref in remotes.REMOTE_OPENS:
        interp.sink(node, Val(ref=f"{args[1].ref}.write"), args[:1], {}, env, when)
    elif args[1].handle and not args[1].ref:
        data = _stream_text(interp, node.args[0], env, when) or args[0]
        writes.written(interp, args[1], node, args[0].labels | data.labels, env, when, [data])


# Streams made of a text, which they then hold (``io.StringIO(PAYLOAD)``).
TEXT_STREAMS = frozenset({"io.StringIO", "io.BytesIO"})


def _stream_text(interp: Interpreter, src: ast.expr, env: dict[str, Val], when: When) -> Val | None:
    """The text a stream made in place of a text holds (``io.StringIO(PAYLOAD)``)."""
    if not (isinstance(src, ast.Call) and len(src.args) == 1 and not src.keywords):
        return None
    if interp.expr(src.func, env, when).ref not in TEXT_STREAMS:
        return None
    return interp.expr(src.args[0], env, when)


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


def yielded_files(
    interp: Interpreter,
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    local: dict[str, Val],
    values: list[Val],
) -> None:
    """Add to ``values`` (what a call of ``func`` gives) the file data its ``yield``s hand
    out, read with its names after its body ran, and the secrets they carry
    (:func:`yieldsecrets.carried`, ADR 0122). Not a place to read: a generator of settings
    (``yield os.environ['MATPLOTLIBRC']``) hands out a path, not data to send, and ADR 0076
    reads an environment value in a URL opened on import as sent."""
    if not _generator(func):
        return
    given = [n.value for n in own_nodes(func) if isinstance(n, YIELDS) and n.value is not None]
    carried = frozenset[str]().union(
        *(
            yieldsecrets.carried(v, interp.expr(v, local, When.LATER).labels)
            for v in given[:MAX_YIELDS]
        )
    )
    if carried:
        values.append(Val(labels=carried))


def _generator(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether ``func`` yields in one of its own statements (``yield b``, ``x = yield``),
    read statement by statement: walking every expression of every function applied was
    two per cent of vetting. A ``yield`` nested in a larger expression is not seen."""
    known = _GENERATORS.get(id(func))
    if known is not None and known[0] is func:
        return known[1]
    if len(_GENERATORS) >= MAX_REMEMBERED:
        _GENERATORS.clear()
    found = False
    todo: list[ast.AST] = list(func.body)
    seen = 0
    while todo and seen < MAX_WALKED and not found:
        node = todo.pop()
        seen += 1
        found = isinstance(getattr(node, "value", None), YIELDS)
        if not isinstance(node, NESTED_SCOPES):
            for field in BLOCKS:
                todo += getattr(node, field, ())
    _GENERATORS[id(func)] = (func, found)
    return found


# Statement fields holding blocks of statements, and the scopes a ``yield`` in is not ours.
BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")
NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
