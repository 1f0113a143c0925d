"""Routes to a sink that ADR 0051 follows (issue 16), beside :mod:`handed`'s (ADR 0048).

An author who has read :mod:`flow` and :mod:`handed` hands the sink *back* instead of on:
``T.get('run')`` (also of ``dict(run=os.system)``), ``next(iter([os.system]))`` (or
``filter(None, [...])``), ``operator.methodcaller('system', c)(os)``,
``operator.attrgetter``, a ``for`` over a list of sinks (``functools.reduce`` over one is
:mod:`overitems`'s),
``setattr(o, 'x', os.system)`` (or ``o.__setattr__``); starts a ``threading.Thread``
subclass whose ``run`` acts;
sends through an ``asyncio`` stream writer; writes a start-up file through a path object
(``Path('~/.bashrc').expanduser().open('a')``); gives a dropper helper its path by keyword
or default; or puts the method in a base class two modules away. The functions here are
called by :class:`flow.Interpreter` (and :func:`handed.hand_on`) at those places and turn
each into what it stands for, so the scorer sees the same events as for a direct call.

Pure and bounded like :mod:`handed`: lists are read to ``MAX_HANDED`` written-out items,
one lambda is made per call site, base lookups nest ``functions.MAX_CLIMBS`` deep. What it does
not do: ``o.__dict__[k]``, ``dict([(k, sink)])``,
``type(f).__call__``, an unbound ``Thread.start(t)``, a protocol's transport, a
list that is not written out (read from a file or decoded).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages import (
    across,
    astwalk,
    flowtypes,
    handed,
    hostile,
    pathreads,
    pathshape,
    picked,
    writes,
)
from airlock.imports.packages.runfile import dotted
from airlock.imports.packages.sinks import SSH_EXEC

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val, When
    from airlock.imports.packages.handed import Func

STREAMS = "asyncio.open_connection()"
# Classes whose ``start()`` runs the instance's ``run()`` at once, in another thread or process.
THREAD_CLASSES = {
    "threading.Thread", "multiprocessing.Process", "multiprocessing.context.Process",
}  # fmt: skip


def returned(  # noqa: PLR0911, PLR0917 -- the parts of one call, one case a branch
    interp: Interpreter,
    node: ast.Call,
    ref: str,
    args: list[Val],
    env: dict[str, Val],
    when: When,
) -> Val | None:
    """Calls that hand back (or store) a sink for a later call (ADR 0051):
    ``asyncio.open_connection`` (a network event, and a writer), ``wait_for(aw)``,
    ``next(iter([os.system]))``, ``operator.methodcaller('system', c)`` (a callable that
    calls ``o.system(c)``) and ``setattr(o, 'x', os.system)`` (``o.x`` is the sink)."""
    if ref in handed.STREAM_MAKERS:
        opened = interp.sink(
            node, flowtypes.Val(ref="asyncio.open_connection"), args, {}, env, when
        )
        return flowtypes.Val(ref=STREAMS, labels=opened.labels)
    if ref == "asyncio.wait_for":
        return args[0] if args and args[0].ref == STREAMS else None
    if ref.endswith(handed.SETATTR):
        return _set_attribute(interp, node, ref, args, env, when)
    if ref == "setattr" and len(args) == len(("o", "name", "value")):
        name = args[1].const
        if isinstance(name, str) and args[0].ref and handed.runs(interp, args[2]):
            handed.keep_attribute(interp, args[0].ref, name, args[2])
        return None  # builtins replaced are :meth:`flow.Interpreter.runs_now`'s
    if ref == "next" and node.args:
        inner = node.args[0]
        if isinstance(inner, ast.Call) and len(inner.args) in {1, 2} and not inner.keywords:
            # ``iter([...])``, or ``filter(None, [...])``: a sink is truthy, so it is kept.
            items = inner.args[-1]
            if isinstance(items, (ast.List, ast.Tuple)) and items.elts:
                first = items.elts[0]
                found = interp.expr(first, env, when) if isinstance(first, handed.PURE) else None
                return found if found is not None and handed.runs(interp, found) else None
        return None
    if ref in handed.GETTERS and args and isinstance(args[0].const, str):
        name = args[0].const
        if not all(part.isidentifier() for part in name.split(".")):
            return None
        this: ast.expr = ast.Name(id="_getter_self", ctx=ast.Load())
        got_attr = this
        for part in name.split(".")[:8]:
            got_attr = ast.Attribute(value=got_attr, attr=part, ctx=ast.Load())
        body: ast.expr = got_attr
        if ref == handed.METHODCALLER:
            keywords = [k for k in node.keywords if k.arg is not None]
            body = ast.Call(func=got_attr, args=node.args[1:], keywords=keywords)
        return flowtypes.Val(func=made(interp, node, ["_getter_self"], body))
    return None


def looped(
    interp: Interpreter,
    target: ast.expr,
    items: ast.List | ast.Tuple,
    env: dict[str, Val],
    when: When,
) -> None:
    """``for k, f in [('r', os.system)]: T[k] = f`` and ``for f in [os.system]: f(c)``: the
    loop's names bound to the written-out item that names a sink or a function (ADR 0051),
    the one :func:`handed.in_turn` reads first (ADR 0187: ``for f in [h, os.system]``
    bound ``h``, the first); the loop body is still walked once."""
    names = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
    if handed.unread_callables(items.elts):
        interp.trace.past(f"a loop over more than {handed.MAX_TABLE_READ} items")
    bound: list[list[Val]] = []
    running: list[Val] = []  # each bound item's value that runs first (``('r', os.system)``)
    for item in items.elts[: handed.MAX_TABLE_READ]:
        parts = item.elts if isinstance(item, (ast.Tuple, ast.List)) else [item]
        if len(parts) != len(names) or not all(isinstance(p, handed.PURE) for p in parts):
            continue
        vals = [interp.expr(p, env, flowtypes.When.LATER) for p in parts]
        runner = next((v for v in vals if handed.runs(interp, v)), None)
        if runner is not None:
            bound.append(vals)
            running.append(runner)
    first = handed.in_turn(interp, running)
    if first:
        for name, value in zip(names, bound[first[0]], strict=True):
            if isinstance(name, ast.Name):
                env[name.id] = value


def made(
    interp: Interpreter, at: ast.Call, params: list[str], body: ast.expr, rest: str = ""
) -> ast.Lambda:
    """``lambda <params>, *<rest>: <body>``, placed at ``at`` and made once per call site, so
    that the interpreter's memo of applied functions keeps working (ADR 0051)."""
    known = interp.made.get(id(at))
    if known is not None:
        return known
    spec = ast.arguments(
        posonlyargs=[], args=[ast.arg(arg=p) for p in params],
        vararg=ast.arg(arg=rest) if rest else None, kwonlyargs=[], kw_defaults=[], kwarg=None,
        defaults=[],
    )  # fmt: skip
    made = ast.Lambda(args=spec, body=body)
    ast.copy_location(made, at)
    ast.copy_location(body, at)
    ast.fix_missing_locations(made)
    interp.made[id(at)] = made
    return made


def started(interp: Interpreter, owner: str, env: dict[str, Val], when: When) -> None:
    """``T().start()`` on install or import, ``T`` a local class deriving (through local
    bases) from ``threading.Thread`` or ``multiprocessing.Process``: ``start`` runs ``T.run``
    now, in another thread (ADR 0051: a stealer class started at import)."""
    seen: set[str] = set()
    todo = [owner]
    while todo and len(seen) < 8:  # the base chain, bounded like flow's
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        bases = interp.trace.class_bases.get(name, "").split(",")
        if any(b in THREAD_CLASSES for b in bases):
            # ``run`` unless overridden calls the ``target`` handed to the base's __init__.
            found = interp.lookup(owner, "run")
            run = "run" if found is not None else _target(interp, owner)
            if found is not None and hostile.class_bomb(found, owner):
                # ``run`` starting two more of its class, or more without end (ADR 0110).
                base = next(b for b in bases if b in THREAD_CLASSES)
                event = flowtypes.Event(
                    hostile.FORK_LOOP, base, found.lineno, when, "", frozenset()
                )
                interp.trace.events.append(event)
            if run:
                interp.method(owner, run, [flowtypes.Val(ref=f"{owner}()")], env, when)
            return
        todo += [b for b in bases if b in interp.classes]


def _target(interp: Interpreter, owner: str) -> str:
    """``super().__init__(target=self.work)`` in the class's ``__init__``: ``work``."""
    init = interp.lookup(owner, "__init__")
    for node in astwalk.own_nodes(init) if init is not None else []:
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            value = keyword.value
            if (
                keyword.arg == "target"
                and isinstance(value, ast.Attribute)
                and isinstance(value.value, ast.Name)
                and value.value.id == "self"
            ):
                return value.attr
    return ""


def streams(target: ast.Tuple | ast.List, value: Val, env: dict[str, Val]) -> bool:
    """``reader, writer = await asyncio.open_connection(h, p)``: the reader's data is
    downloaded, and the writer is named by its class so ``writer.write(x)`` is traffic."""
    if value.ref == SSH_EXEC and target.elts and isinstance(target.elts[0], ast.Name):
        # ``stdin, out, err = ssh.exec_command(c)``: what is written to stdin is sent to the
        # other host (ADR 0093); what comes out is the other host's.
        env[target.elts[0].id] = flowtypes.Val(ref="paramiko.Channel")
        for name in target.elts[1:]:
            if isinstance(name, ast.Name):
                env[name.id] = flowtypes.Val(labels=value.labels)
        return True
    if value.ref != STREAMS or len(target.elts) != len(("reader", "writer")):
        return False
    reader, writer = target.elts
    if isinstance(reader, ast.Name):
        env[reader.id] = flowtypes.Val(ref="asyncio.StreamReader", labels=value.labels)
    if isinstance(writer, ast.Name):
        env[writer.id] = flowtypes.Val(ref="asyncio.StreamWriter")
    return True


def _set_attribute(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    node: ast.Call,
    ref: str,
    args: list[Val],
    env: dict[str, Val],
    when: When,
) -> Val | None:
    """``o.__setattr__('x', v)`` and ``object.__setattr__(o, 'x', v)``, read as the
    ``setattr(o, 'x', v)`` they are."""
    owner = ref.removesuffix(handed.SETATTR)
    if not owner:
        return None
    if owner == "object" or len(args) != len(("name", "value")):
        return returned(interp, node, "setattr", args, env, when)
    return returned(interp, node, "setattr", [flowtypes.Val(ref=owner), *args], env, when)


def got(
    interp: Interpreter, node: ast.Call, base: ast.expr, env: dict[str, Val], when: When
) -> Val | None:
    """``T.get('run')`` of a dispatch table or of a dict literal holding a sink: the entry,
    as ``T['run']`` reads it (ADR 0051); None otherwise, the call then read as before. Only
    written-out keys and values are read here, so nothing is evaluated twice."""
    key_node = node.args[0]
    if not isinstance(key_node, handed.PURE):
        return None
    base = handed.as_dict(base)
    if isinstance(base, ast.Dict):
        if not any(isinstance(v, handed.PURE[:2]) for v in base.values):
            return None
        key = handed._key(interp.expr(key_node, env, flowtypes.When.LATER).const)
        found = handed._element(interp, base, key, env, when)
    elif isinstance(base, ast.Name) and base.id in interp.tables:
        key = handed._key(interp.expr(key_node, env, flowtypes.When.LATER).const)
        found = interp.tables[base.id].get(key) if key is not None else None
    else:
        return None
    return found if found is not None and handed.runs(interp, found) else None


def filled(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    func: Func,
    node: ast.Call,
    args: list[Val],
    kwargs: dict[str | None, Val],
    env: dict[str, Val],
    *,
    skip: int = 0,
) -> None:
    """``save(url, path=p)`` of a function that writes what it downloaded or decoded to a
    parameter's path (:attr:`flow.Interpreter.fills`): the caller's argument for it, given
    by position, by keyword or left to its default, is a dropped file (ADR 0051). ``skip``:
    parameters the call does not write out (a method's ``self``), ``args`` holding them."""
    params = handed.parameters(func)
    positional = len(func.args.posonlyargs) + len(func.args.args)
    first_star = next(
        (i for i, a in enumerate(node.args) if isinstance(a, ast.Starred)), len(node.args)
    )
    given = {param.arg: default for param, default in handed._defaults_of(func)}
    for index in interp.fills.get(id(func), ()):
        if index >= len(params):
            continue
        name = params[index].arg
        at = index - skip  # the argument's place in the call as written
        if 0 <= at < len(node.args) and index < positional:
            if at < first_star:
                writes.dropped_to(interp, node.args[at], env, pathshape.arg_text(args[index]))
        elif name in kwargs:
            value = next(k.value for k in node.keywords if k.arg == name)
            writes.dropped_to(interp, value, env, pathshape.arg_text(kwargs[name]))
        elif (unpacked := _unpacked_keyword(node, name)) is not None:
            found = interp.expr(unpacked, env, flowtypes.When.LATER)
            writes.dropped_to(interp, unpacked, env, pathshape.arg_text(found))
        elif isinstance(given.get(name), handed.PURE):
            default = given[name]
            found = interp.expr(default, env, flowtypes.When.LATER)
            writes.dropped_to(interp, default, env, pathshape.arg_text(found))


def _unpacked_keyword(node: ast.Call, name: str) -> ast.expr | None:
    """The written-out value ``**{'path': p}`` (or ``**dict(path=p)``) gives the parameter
    ``name``, or None."""
    for keyword in node.keywords:
        table = handed.as_dict(keyword.value) if keyword.arg is None else None
        if not isinstance(table, ast.Dict):
            continue
        for key, value in zip(table.keys, table.values, strict=True):
            if isinstance(key, ast.Constant) and key.value == name:
                return value if isinstance(value, handed.PURE) else None
    return None


def path_method(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    node: ast.Call,
    path: Val,
    args: list[Val],
    kwargs: dict[str | None, Val],
    when: When,
) -> Val | None:
    """``Path(p).expanduser()``, ``.resolve()``, ``.absolute()``: the same path's text;
    ``.joinpath('a', 'b')``: the text below it; ``.open('a')``: ``open(text, 'a')`` (ADR
    0051). None for other methods."""
    read = pathreads.read(interp, node, path, when)  # ``.kube/config`` (ADR 0119)
    if read is not None:
        return read
    attr = node.func.attr if isinstance(node.func, ast.Attribute) else ""
    if attr == "open":
        opened = ast.Call(func=node.func, args=[ast.Constant(path.shape), *node.args], keywords=[])
        opened.keywords = node.keywords
        ast.copy_location(opened, node)
        given = [flowtypes.Val(const=path.shape, labels=path.labels), *args]
        return interp.sink(opened, flowtypes.Val(ref="open"), given, kwargs, {}, when)
    if attr in picked.PATH_GLOBS:
        return picked.path_glob(interp, node, path, args, when)
    if attr == "joinpath":
        if not all(isinstance(a.const, str) or a.shape for a in args):
            return flowtypes.Val(labels=path.labels)
        text = "/".join(pathshape.shape_of(a) for a in [path, *args])[: pathshape.MAX_SHAPE]
        return flowtypes.Val(labels=path.labels, shape=text)
    return path if attr in pathshape.PATH_METHODS else None


def climb(interp: Interpreter, cls: str, name: str, args: list[Val], when: When) -> Val | None:
    """Method ``name`` looked up on the first base of ``cls``, a class of another module of
    the archive, named as that module binds it (``from ._b import Base``): a base two
    modules away from the class made here (ADR 0051). None when it names none."""
    home, node = interp.homes.get(cls), interp.classes.get(cls)
    if home is None or node is None or not node.bases:
        return None
    head, dot, rest = dotted(node.bases[0]).partition(".")
    bound = across.module_env(interp, home).get(head) if head else None
    if bound is None or not bound.ref:
        return None
    base = f"{bound.ref}{dot}{rest}"
    if base in interp.classes:
        return interp.method(base, name, args, {}, when)
    saved = interp.module
    interp.module = home  # the base is named as ``home`` imports it
    try:
        return handed.inherited(interp, base, name, args, {}, when)
    finally:
        interp.module = saved
