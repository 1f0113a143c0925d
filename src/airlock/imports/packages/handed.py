"""Sinks handed on as values, or called under another name (issue 16, ADR 0048).

An author who has read :mod:`flow` stops calling ``os.system(cmd)`` and hands the sink to
something that calls it: ``functools.partial(os.system, cmd)()``, ``map(exec, [code])``, a
thread, a timer, an executor, a finaliser, a scheduler or an exit hook given the sink and
its arguments; or binds it under a name the walk did not follow: unpacking
(``r, = (exec,)``), a default argument, a keyword, a dispatch table
(``{'a': os.system}['a'](c)``), a class attribute, ``type('K', (), {'r': exec})``,
``vars(builtins)['exec']``. The functions here are called by :class:`flow.Interpreter` at
those places and turn each into the call it stands for, so the scorer sees the same event
as for a direct call; a user function handed on with arguments is evaluated with them.

The routes ADR 0051 adds (sinks handed back, thread subclasses, streams, path objects) are
in :mod:`reach`; ``partial`` of a user function with its arguments is here. Calls that run a
function over items (``map``, ``reduce``, key functions) are :mod:`overitems`'s (ADR 0177).

Pure and bounded like :mod:`flow`: a handed element list is read to ``MAX_HANDED`` items, a
dispatch table to ``MAX_TABLE`` entries; values read again are names and attributes (no
calls, so nothing is counted twice). What it does not do: follow a sink kept in a container
built at run time (:mod:`reach` binds loops over written-out lists only), or a method
inherited from a class outside the archive.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple, TypeGuard

from airlock.imports.packages import (
    across,
    flowtypes,
    hostile,
    implicit,
    listtext,
    paddedrun,
    partlist,
    pathshape,
    prefilter,
    reach,
)
from airlock.imports.packages.importhooks import BUILTIN_MODULES
from airlock.imports.packages.revshell import reverse_shell
from airlock.imports.packages.runfile import dotted
from airlock.imports.packages.sinks import CONNECTIONS, HIDDEN, SECRET_DATA, kind_of

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val, When

    Func = ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef

MAX_HANDED = 8  # items of ``map(sink, [...])`` read as separate calls
MAX_TABLE = 64  # entries that run kept per dispatch table
MAX_TABLES = 256  # dispatch tables kept per file
# Entries of one written-out dict or list read for those that run: the rest of a longer one
# is read only for whether a value might run (ADR 0187).
MAX_TABLE_READ = 4096


class Hander(NamedTuple):
    """Where a call that runs a function finds the function and its arguments."""

    fn_at: int  # position of the function (-1: keyword only)
    fn_kw: str = ""  # its keyword
    rest_from: int = -1  # arguments after it are the function's (``partial(f, a, b)``)
    pack_at: int = -1  # position of the packed argument tuple (``Timer(t, f, [a])``)
    pack_kw: str = ""  # its keyword (``args=``)
    later: bool = False  # the function runs when the result is called, not now
    kw_kw: str = ""  # keyword of the packed keyword arguments (``kwargs={'c': c}``)
    paired: bool = False  # the value, called on one item, calls the function on two


THREAD = Hander(1, "target", pack_at=3, pack_kw="args", kw_kw="kwargs")
# Handers whose function :meth:`flow.Interpreter.runs_now` runs (threads, exit hooks).
HOOKED = frozenset({
    "threading.Thread", "threading.Timer", "multiprocessing.Process", "weakref.finalize",
    "atexit.register",
})  # fmt: skip
SUBMIT = Hander(0, rest_from=1)
APPLY = Hander(0, "func", pack_at=1, pack_kw="args", kw_kw="kwds")
TIMED = Hander(0, "stmt")  # ``timeit.timeit(f)`` calls ``f()`` (ADR 0177)
HANDERS: dict[str, Hander] = {
    "functools.partial": Hander(0, "func", rest_from=1, later=True),
    "threading.Timer": Hander(1, "function", pack_at=2, pack_kw="args", kw_kw="kwargs"),
    "threading.Thread": THREAD,
    "multiprocessing.Process": THREAD,
    "multiprocessing.context.Process": THREAD,
    "weakref.finalize": Hander(1, rest_from=2),
    "atexit.register": Hander(0, rest_from=1),
    "_thread.start_new_thread": Hander(0, pack_at=1),
    "thread.start_new_thread": Hander(0, pack_at=1),
    "sched.scheduler.enter": Hander(2, "action", pack_at=3, pack_kw="argument"),
    "sched.scheduler.enterabs": Hander(2, "action", pack_at=3, pack_kw="argument"),
    "concurrent.futures.ThreadPoolExecutor.submit": SUBMIT,
    "concurrent.futures.ProcessPoolExecutor.submit": SUBMIT,
    "multiprocessing.Pool.apply": APPLY,
    "multiprocessing.Pool.apply_async": APPLY,
    "multiprocessing.pool.ThreadPool.apply": APPLY,
    "multiprocessing.pool.ThreadPool.apply_async": APPLY,
    # ``sorted(xs, key=cmp_to_key(f))`` calls ``f`` on pairs of items (ADR 0181).
    "functools.cmp_to_key": Hander(0, "mycmp", later=True, paired=True),
    "timeit.timeit": TIMED,
    "timeit.repeat": TIMED,
    "operator.call": SUBMIT,
    "asyncio.to_thread": SUBMIT,
    "asyncio.AbstractEventLoop.call_soon": SUBMIT,
    "asyncio.AbstractEventLoop.call_soon_threadsafe": SUBMIT,
    "asyncio.AbstractEventLoop.call_later": Hander(1, rest_from=2),
    "asyncio.AbstractEventLoop.call_at": Hander(1, rest_from=2),
    "asyncio.AbstractEventLoop.run_in_executor": Hander(1, rest_from=2),
    # Run when the stack is closed (``with ExitStack() as s`` ends, or ``s.close()``).
    "contextlib.ExitStack.callback": SUBMIT,  # ADR 0071
    "contextlib.AsyncExitStack.callback": SUBMIT,
    "contextlib.AsyncExitStack.push_async_callback": SUBMIT,
}
# Objects whose methods run what they are given: an instance is named by its class, so
# ``ex.submit`` of ``ex = ThreadPoolExecutor()`` is found in HANDERS.
RUNNERS = {
    "concurrent.futures.ThreadPoolExecutor": "", "concurrent.futures.ProcessPoolExecutor": "",
    "sched.scheduler": "", "multiprocessing.Pool": "", "multiprocessing.pool.ThreadPool": "",
    "code.InteractiveInterpreter": "", "code.InteractiveConsole": "", "cffi.FFI": "",  # ADR 0063
    "contextlib.ExitStack": "", "contextlib.AsyncExitStack": "",  # ADR 0071
    "asyncio.new_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.get_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.get_running_loop": "asyncio.AbstractEventLoop",
}  # fmt: skip
# Connection objects (:data:`sinks.CONNECTIONS`): the constructor is a network event (its
# host) and stays one; the instance is named by its class so that what is sent through it
# is one too.
SOCKET_MAKERS = {"socket.create_connection", "socket.socketpair", "socket.fromfd"}
# ``reader, writer = await asyncio.open_connection(h, p)``: a network event (its host), and a
# writer whose ``write`` is traffic (ADR 0051); ``wait_for`` hands its awaitable back.
STREAM_MAKERS = {"asyncio.open_connection", "asyncio.open_unix_connection"}
# Calls that hand back a callable reading (and calling) an attribute of what it is given:
# ``methodcaller('system', c)(os)`` is ``os.system(c)`` (ADR 0051).
METHODCALLER = "operator.methodcaller"
REDUCE = "functools.reduce"
GETTERS = {METHODCALLER, "operator.attrgetter"}
# Every name a call of ``hand_on`` is asked about: a set lookup is all a call pays otherwise.
HOME = "pathlib.Path.home"
WATCHED = frozenset(
    {*HANDERS, *RUNNERS, *CONNECTIONS, *SOCKET_MAKERS, "type", "vars", HOME}
    | {*STREAM_MAKERS, *GETTERS, "asyncio.wait_for", "next", "setattr"}
)
# ``o.__setattr__('x', v)`` and ``object.__setattr__(o, 'x', v)`` are ``setattr(o, 'x', v)``.
SETATTR = ".__setattr__"
MAX_GROWN = 4096  # items of a folded list grown in place
PURE = (ast.Name, ast.Attribute, ast.Constant, ast.Lambda)  # read again without side effects
# The parameter of the key :func:`hand_on` makes of ``cmp_to_key(f)``: not a name of Python's.
PAIRED_ITEM = "cmp_to_key item"
# What a partial is called with, after what it bound (ADR 0185).
PARTIAL_REST = "partial rest"


def builds_dict(node: ast.expr) -> TypeGuard[ast.Call]:
    """``dict(...)``, by name: cheap enough for the walk's hot paths to ask first."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict"


def as_dict(node: ast.expr) -> ast.expr:
    """``dict(run=os.system)`` read as the literal ``{'run': os.system}`` it builds, so a
    table written with keywords is a table (ADR 0051's next try); any other node as it is.
    A shadowed ``dict`` read this way only makes more of the code a table, never less."""
    if (
        builds_dict(node)
        and not node.args
        and node.keywords
        and all(k.arg is not None for k in node.keywords)
    ):
        keys: list[ast.expr | None] = [ast.Constant(k.arg) for k in node.keywords]
        return ast.Dict(keys=keys, values=[k.value for k in node.keywords])
    return node


def acts(value: Val) -> bool:
    """A value that runs something when called: a local function or a name of a sink."""
    return value.func is not None or bool(kind_of(value.ref))


def runs(interp: Interpreter, value: Val) -> bool:
    """:func:`acts`, or, in the cross-file pass, a function of another module of the archive
    (:func:`across.foreign_function`): handed on, it runs there as a local one runs here
    (ADR 0174: ``map(go, [c])`` of ``from .zz import go`` was not followed)."""
    return acts(value) or across.foreign_function(interp, value)


# Attributes kept per module walk (``Interpreter.attrs``), by every keeper: ``self.x = v``,
# ``setattr``, a made module's or a ``SimpleNamespace``'s, a class's body (ADR 0185: 4,096;
# ADR 0187: four keepers stopped at 256, silently).
MAX_ATTRS = 4096


def keep_attribute(interp: Interpreter, owner: str, name: str, value: Val) -> None:
    """``owner.name`` is ``value`` for later reads, within :data:`MAX_ATTRS`. Past it, a
    value that runs is not kept, so a later call of it would call nothing: the walk holds
    (ADR 0187: 300 harmless attributes set first, then ``setattr(m, 'run', os.system)``,
    and ``m.run(CMD)`` was allowed)."""
    if len(interp.attrs) < MAX_ATTRS or (owner, name) in interp.attrs:
        interp.attrs[owner, name] = value
    elif runs(interp, value):
        interp.trace.past(f"{name!r} of {owner}, past {MAX_ATTRS} attributes")


def keep_table(interp: Interpreter, name: str, entries: dict[object, Val]) -> None:
    """``name`` is a dispatch table of ``entries`` for later look-ups (``interp.tables``),
    within :data:`MAX_TABLES` tables; of a table longer than :data:`MAX_TABLE`, the entries
    that run are kept, as many as that, ranked as :func:`in_turn` ranks them (a sink's name
    first). A name bound to a table none of whose entries runs is no table. A sink's name
    not kept past a bound holds the walk: a call through the table would call nothing
    (ADR 0187: 300 harmless tables written first, or 100 harmless entries before ``'r':
    os.system``, and ``T['r'](CMD)`` was allowed). A function not kept does not hold: its
    body is walked on its own, and large tables of validators or callbacks are common."""
    running = {key: value for key, value in entries.items() if runs(interp, value)}
    if not running:
        interp.tables.pop(name, None)
        return
    ranked = sorted(running, key=lambda key: rank(interp, running[key]))
    if len(interp.tables) >= MAX_TABLES and name not in interp.tables:
        dropped = ranked
    else:
        dropped = ranked[MAX_TABLE:] if len(entries) > MAX_TABLE else []
        interp.tables[name] = (
            entries if len(entries) <= MAX_TABLE else {k: running[k] for k in ranked[:MAX_TABLE]}
        )
    if any(rank(interp, running[key]) == 0 for key in dropped):
        interp.trace.past(f"dispatch table {name!r}, past {MAX_TABLES} tables of {MAX_TABLE}")


def unread_callables(values: Sequence[ast.expr | None]) -> bool:
    """Whether values of a written-out table past :data:`MAX_TABLE_READ` might run: a name,
    an attribute or a lambda left unread (ADR 0187)."""
    return any(
        isinstance(v, (ast.Name, ast.Attribute, ast.Lambda)) for v in values[MAX_TABLE_READ:]
    )


def in_turn(interp: Interpreter, values: Sequence[Val]) -> list[int]:
    """Indexes of the ``values`` a walk reading some of them in turn reads: those that run,
    at most :data:`MAX_HANDED`, a sink's name first, then a function whose text names one,
    then the rest in order. A sink's name left unread past the bound holds the walk (ADR
    0187: nine harmless functions written before ``os.system`` in a dispatch table called by
    a key that does not fold, or in a list looped over, and the sink was never read); a
    function left unread does not (its body is walked on its own)."""
    ranked = sorted(
        (i for i, value in enumerate(values) if runs(interp, value)),
        key=lambda i: rank(interp, values[i]),
    )
    if len(ranked) > MAX_HANDED and rank(interp, values[ranked[MAX_HANDED]]) == 0:
        interp.trace.past(f"{len(ranked)} values that run, past {MAX_HANDED} read in turn")
    return ranked[:MAX_HANDED]


def items_in_turn(interp: Interpreter, columns: Sequence[Sequence[Val]]) -> list[int]:
    """Indexes of the items a call made once per item (``map(go, cmds)``, ``map(go, xs,
    cmds)``: ``columns``, one per iterable) reads, in their order: all of a few; of more than
    :data:`MAX_HANDED`, an item the same as one before is read once, and those where an item
    runs or its text may act (:func:`_acts_here`) first. One such left unread holds (ADR
    0188: ten strings before the command, and the eight read were the padding's); data does
    not."""
    count = len(columns[0]) if columns else 0
    if count <= MAX_HANDED:
        return list(range(count))
    seen: dict[object, bool] = {}
    acting: list[int] = []
    rest: list[int] = []
    known: set[tuple[object, ...]] = set()
    for i in range(count):
        row = [c[i] if i < len(c) else None for c in columns]
        same = tuple(_text_key(v) for v in row)
        if None not in same:
            if same in known:
                continue
            known.add(same)
        acts = any(v is not None and _acts_here(interp, v, seen) for v in row)
        (acting if acts else rest).append(i)
    if len(acting) > MAX_HANDED:
        interp.trace.past(f"{len(acting)} items that may act, past {MAX_HANDED} read in turn")
    return sorted([*acting, *rest][:MAX_HANDED])


def first_in_order(
    interp: Interpreter, nodes: list[ast.expr], vals: list[Val]
) -> tuple[list[ast.expr], list[Val]]:
    """The items a running value's fold (``reduce``) reads: the first :data:`MAX_HANDED`,
    in order. One past them that runs or may act holds (ADR 0188: ten strings before the
    command, and the fold never reached it)."""
    seen: dict[object, bool] = {}
    if any(_acts_here(interp, v, seen) for v in vals[MAX_HANDED:]):
        interp.trace.past(f"an item that may act, past the {MAX_HANDED} a fold reads")
    return nodes[:MAX_HANDED], vals[:MAX_HANDED]


def _text_key(value: Val | None) -> object:
    """What an item is, for reading the same item once: its folded text (a string, a list
    of strings as a tuple); None when it is anything else."""
    const = None if value is None or value.func is not None else value.const
    if isinstance(const, (str, bytes)):
        return const
    if isinstance(const, list) and all(isinstance(c, str) for c in const):
        return tuple(const)
    return None


def _acts_here(interp: Interpreter, value: Val, seen: dict[object, bool]) -> bool:
    """Whether an item runs, or its text may act (:func:`_text_may_act`)."""
    return runs(interp, value) or _text_may_act(value, seen)


def _text_may_act(value: Val, seen: dict[object, bool]) -> bool:
    """Whether a value's text (a string, a list's strings, joined) names a sink or is a
    download run by a shell or a reverse shell; each text read once (``seen``)."""
    const = value.const
    if isinstance(const, list) and all(isinstance(c, str) for c in const):
        const = " ".join(const)
    if not isinstance(const, str) or not const:
        return False
    if const not in seen:
        seen[const] = (
            prefilter.may_act(const)
            or bool(paddedrun.PIPED_DOWNLOAD.search(const))
            or reverse_shell(const)
        )
    return seen[const]


def rank(interp: Interpreter, value: Val) -> int:
    """0: names a sink; 1: a function that may make a chain (a lambda, or one whose text
    names a sink); 2: any other that runs."""
    if kind_of(value.ref):
        return 0
    func = value.func
    if isinstance(func, ast.Lambda) or (func is not None and interp.may_act(func)):
        return 1
    return 2


def calls_into(interp: Interpreter, value: Val) -> bool:
    """:func:`runs`, or a class, this module's or another's of the archive: handed to what
    calls it, its ``__init__`` runs with what it is handed (ADR 0177: ``map(K, [c])``,
    ``partial(K, c)()``). Asked only where the value is called at once, not where it is kept."""
    return (
        runs(interp, value)
        or (value.func is None and value.ref in interp.classes)
        or across.foreign_class(interp, value)
    )


def run_handed(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    fn: Val,
    vals: list[Val],
    kw: dict[str | None, Val],
    env: dict[str, Val],
    when: When,
) -> Val | None:
    """Call ``fn`` (one :func:`calls_into` finds, not a sink) with ``vals`` and ``kw``: a
    local function applied here, a local class made here, a function or class of another
    module of the archive followed there on install or import, as a call of it by name is
    (:func:`across.follow`). Its value, when known."""
    if fn.func is not None:
        return interp.apply(fn.func, arguments(interp, fn.func, vals, kw, env, when), env, when)
    if fn.ref in interp.classes:
        given = [*vals, *kw.values()]
        return interp.instance(
            fn.ref, vals, kw, env, when, frozenset().union(*(v.labels for v in given))
        )
    if when is not flowtypes.When.LATER:
        return across.follow(interp, fn.ref, vals, when, kw)
    return None


def hand_on(  # noqa: PLR0911, PLR0912, PLR0917 -- the parts of one call, one case a return
    interp: Interpreter,
    node: ast.Call,
    ref: str,
    args: list[Val],
    kwargs: dict[str | None, Val],
    env: dict[str, Val],
    when: When,
) -> Val | None:
    """The value of a call in :data:`WATCHED` when it hands a sink or a function on (its
    events recorded), or None to let :meth:`flow.Interpreter.call` go on as before."""
    labels = frozenset().union(*(a.labels for a in [*args, *kwargs.values()]))
    if ref in RUNNERS:
        if interp.endless and ref in hostile.FORKS:
            # A process pool made without end (its recursion, ADR 0110), as ``os.fork`` is.
            interp.trace.events.append(
                flowtypes.Event(hostile.FORK_LOOP, ref, node.lineno, when, "", labels)
            )
        return flowtypes.Val(ref=RUNNERS[ref] or ref, labels=labels)
    if ref == HOME:  # ``Path.home() / '.bashrc'`` reads as ``~/.bashrc``
        return flowtypes.Val(labels=labels, shape="~")
    if ref in CONNECTIONS or ref in SOCKET_MAKERS:
        made = interp.sink(node, flowtypes.Val(ref=ref), args, kwargs, env, when)
        named = ref if ref in CONNECTIONS else "socket.socket"
        return flowtypes.Val(ref=named, labels=made.labels)
    if ref == "type":
        return _new_class(interp, node, env, when)
    if ref == "vars":
        if args and args[0].ref in BUILTIN_MODULES:
            return flowtypes.Val(ref="builtins.__dict__", labels=frozenset({HIDDEN}))
        if args and args[0].ref and not args[0].ref.endswith("()"):
            # ``vars(os)['system']`` (ADR 0063); ``vars(ns)`` of a namespace made of the
            # environment carries it (ADR 0193).
            labels = args[0].labels & SECRET_DATA
            return flowtypes.Val(ref=f"{args[0].ref}.__dict__", labels=labels)
        return None
    if ref not in HANDERS:
        return reach.returned(interp, node, ref, args, env, when)
    spec = HANDERS[ref]
    fn = args[spec.fn_at] if 0 <= spec.fn_at < len(args) else kwargs.get(spec.fn_kw or None)
    if fn is not None and spec.paired:
        return _paired(interp, node, spec, fn, labels)
    if fn is not None and spec.later and len(node.args) + len(node.keywords) == 1:
        # ``partial(f)`` binds nothing: calling it is calling ``f`` (ADR 0149), a sink, a
        # local function or a class alike (``partial(Fernet)(key).decrypt(blob)``).
        if acts(fn) and fn.func is None:
            call_sink(interp, node, _fn_node(node, spec), fn, [], [], {}, env, when)
        return fn
    if fn is None or not calls_into(interp, fn):
        return None
    nodes, vals, kw = _handed_arguments(interp, node, spec, args, kwargs, env, when)
    if not names_sink(fn):  # a function, this module's or another's of the archive (ADR 0174)
        if spec.later and (nodes or kw):  # ``partial(go, cmd)()`` runs ``go(cmd)`` (ADR 0051)
            # What the partial is called with follows the bound arguments (ADR 0185:
            # ``partial(run, os.system)(cmd)`` was ``run(os.system)``).
            keywords = [k for k in node.keywords if k.arg is not None and k.arg != spec.fn_kw]
            # Called where it is reached (``calls._partial_call``) the call's own arguments are
            # added; applied by what it is handed to, they arrive as ``*rest`` (not after a
            # keyword: the walk binds a starred argument as one positional).
            given = ast.Starred(value=ast.Name(id=PARTIAL_REST, ctx=ast.Load()), ctx=ast.Load())
            rest = [] if keywords else [given]
            bound = ast.Call(func=_fn_node(node, spec), args=[*nodes, *rest], keywords=keywords)
            later = reach.made(interp, node, [], bound, rest=PARTIAL_REST)
            return flowtypes.Val(func=later, labels=labels)
        if spec.later:
            return flowtypes.Val(func=fn.func, labels=labels) if fn.func is not None else fn
        if not vals and not kw and ref in HOOKED:
            return None  # the interpreter's own hook runs it (``Thread(target=f)``)
        # ``ThreadPoolExecutor().submit(f)``, ``operator.call(f)``: nothing else runs it
        # (ADR 0067: with no arguments it was not run at all).
        run_handed(interp, fn, vals, kw, env, when)
        return flowtypes.Val(labels=labels)
    fn_node = _fn_node(node, spec)
    call_sink(interp, node, fn_node, fn, nodes, vals, kw, env, when)
    return flowtypes.Val(labels=labels)


def _paired(
    interp: Interpreter, node: ast.Call, spec: Hander, fn: Val, labels: frozenset[str]
) -> Val | None:
    """``cmp_to_key(f)``: a key that calls ``f`` on two items, made as ``lambda x: f(x, x)``
    so that each item reaches either side (ADR 0181); None when ``f`` runs nothing or is
    not read again without side effects."""
    fn_node = _fn_node(node, spec)
    if not isinstance(fn_node, PURE) or not calls_into(interp, fn):
        return None
    item = ast.Name(id=PAIRED_ITEM, ctx=ast.Load())
    bound = ast.Call(func=fn_node, args=[item, item], keywords=[])
    return flowtypes.Val(func=reach.made(interp, node, [PAIRED_ITEM], bound), labels=labels)


def names_sink(fn: Val) -> bool:
    """A name of a sink, not a function (:func:`acts` without one)."""
    return fn.func is None and bool(kind_of(fn.ref))


def _fn_node(node: ast.Call, spec: Hander) -> ast.expr:
    if 0 <= spec.fn_at < len(node.args):
        return node.args[spec.fn_at]
    return next((k.value for k in node.keywords if k.arg == spec.fn_kw), node.func)


def _handed_arguments(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    node: ast.Call,
    spec: Hander,
    args: list[Val],
    kwargs: dict[str | None, Val],
    env: dict[str, Val],
    when: When,
) -> tuple[list[ast.expr], list[Val], dict[str | None, Val]]:
    """The argument nodes and values the handed function will be called with."""
    if spec.rest_from >= 0:
        kw: dict[str | None, Val] = {
            k: v for k, v in kwargs.items() if k is not None and k != spec.fn_kw
        }
        return node.args[spec.rest_from :], args[spec.rest_from :], kw
    packed: ast.expr | None = None
    if 0 <= spec.pack_at < len(node.args):
        packed = node.args[spec.pack_at]
    elif spec.pack_kw:
        packed = next((k.value for k in node.keywords if k.arg == spec.pack_kw), None)
    nodes, vals, _ = ([], [], {}) if packed is None else elements(interp, packed, env, when)
    return nodes, vals, _packed_keywords(interp, node, spec, env, when)


def _packed_keywords(
    interp: Interpreter, node: ast.Call, spec: Hander, env: dict[str, Val], when: When
) -> dict[str | None, Val]:
    """``Thread(target=f, kwargs={'c': cmd})``: the written-out keyword arguments the
    function is called with (ADR 0177), their values read as :func:`elements` reads items."""
    packed = next((k.value for k in node.keywords if spec.kw_kw and k.arg == spec.kw_kw), None)
    packed = as_dict(packed) if packed is not None else None
    if not isinstance(packed, ast.Dict) or len(packed.keys) > MAX_HANDED:
        return {}
    out: dict[str | None, Val] = {}
    for key, value in zip(packed.keys, packed.values, strict=True):
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            out[key.value] = (
                interp.expr(value, env, when)
                if isinstance(value, PURE)
                else _read(interp, value, env)
            )
    return out


def picked_items(
    interp: Interpreter, packed: ast.expr, env: dict[str, Val], when: When
) -> tuple[list[ast.expr], list[Val]] | None:
    """Of a written-out list longer than :data:`MAX_HANDED`, the items a call over them
    reads in turn (:func:`in_turn`: those that run, a sink first), for a call made once per
    item; None for a shorter one, or one with no item that runs (ADR 0187: ``map(lambda f:
    f(CMD), [h, ..., os.system])`` read none of a tenth item's)."""
    if not isinstance(packed, (ast.Tuple, ast.List)) or len(packed.elts) <= MAX_HANDED:
        return None
    if unread_callables(packed.elts):
        interp.trace.past(f"items past {MAX_TABLE_READ} handed in turn")
    nodes = [e for e in packed.elts[:MAX_TABLE_READ] if isinstance(e, PURE)]
    vals = [interp.expr(e, env, when) for e in nodes]
    chosen = in_turn(interp, vals)
    return ([nodes[i] for i in chosen], [vals[i] for i in chosen]) if chosen else None


def elements(
    interp: Interpreter,
    packed: ast.expr,
    env: dict[str, Val],
    when: When,
) -> tuple[list[ast.expr], list[Val], dict[str | None, Val]]:
    """The elements of a packed argument list, :data:`MAX_TABLE_READ` at most (ADR 0188: at
    8, ``Thread(target=g, args=[...])`` of nine strings and the command handed ``g`` eight of
    them, and the command was never read): its nodes when it is written out (read again only
    when they are pure), else the items it folds to, else one unknown carrying its labels."""
    if isinstance(packed, (ast.Tuple, ast.List)) and len(packed.elts) <= MAX_TABLE_READ:
        elts = [e for e in packed.elts if not isinstance(e, ast.Starred)]
        vals = [
            interp.expr(e, env, when) if isinstance(e, PURE) else _read(interp, e, env)
            for e in elts
        ]
        return elts, vals, {}
    whole = interp.expr(packed, env, flowtypes.When.LATER) if isinstance(packed, PURE) else None
    if whole is not None and isinstance(whole.const, list):
        items = whole.const[:MAX_TABLE_READ]
        return (
            [ast.Constant(None)] * len(items),
            [flowtypes.Val(const=i, labels=whole.labels) for i in items],
            {},
        )
    labels = whole.labels if whole is not None else frozenset()
    return [packed], [flowtypes.Val(labels=labels)], {}


def _read(interp: Interpreter, node: ast.expr, env: dict[str, Val]) -> Val:
    """An element that is not a plain name: evaluated as code that runs later, so that any
    call in it is not recorded a second time at this moment... its folding is the same."""
    saved = interp.trace.events, interp.trace.recovered
    interp.trace.events, interp.trace.recovered = [], []
    try:
        return interp.expr(node, env, flowtypes.When.LATER)
    finally:
        interp.trace.events, interp.trace.recovered = saved


def call_sink(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    at: ast.Call,
    fn_node: ast.expr,
    fn: Val,
    nodes: list[ast.expr],
    vals: list[Val],
    kw: dict[str | None, Val],
    env: dict[str, Val],
    when: When,
) -> None:
    """Record the sink ``fn`` called with ``vals`` as if written ``fn(*vals, **kw)``."""
    keywords = [ast.keyword(arg=k, value=ast.Constant(None)) for k in kw if k is not None]
    call = ast.Call(func=fn_node, args=list(nodes), keywords=keywords)
    ast.copy_location(call, at)
    interp.sink(call, fn, vals, kw, env, when)


def arguments(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    func: Func,
    args: list[Val],
    kwargs: dict[str | None, Val],
    env: dict[str, Val],
    when: When,
) -> list[Val]:
    """The values of ``func``'s parameters (:func:`parameters`) for a call: positional
    arguments, then keywords by name, then defaults that are names
    (``def f(c, run=os.system)``). Unchanged when the call gives no keyword and the function
    has no default."""
    spec = func.args
    if not kwargs and not spec.defaults and not any(spec.kw_defaults):
        return args
    params = parameters(func)
    positional = len(spec.posonlyargs) + len(spec.args)
    given = {param.arg: default for param, default in _defaults_of(func)}
    if spec.kwarg is not None:  # ``def f(**kw): kw['run'](c)`` with ``f(run=os.system)``
        extra: dict[object, Val] = {k: v for k, v in kwargs.items() if k and runs(interp, v)}
        if extra:
            keep_table(interp, spec.kwarg.arg, extra)
    out: list[Val] = []
    for i, param in enumerate(params):
        if i < positional and i < len(args):
            out.append(args[i])
        elif param.arg in kwargs:
            out.append(kwargs[param.arg])
        elif param.arg in given and isinstance(given[param.arg], PURE):
            out.append(interp.expr(given[param.arg], env, when))
        else:
            out.append(flowtypes.UNKNOWN)
    return out


def parameters(func: Func) -> list[ast.arg]:
    """A function's named parameters in the order :func:`arguments` gives their values."""
    spec = func.args
    if not spec.posonlyargs and not spec.kwonlyargs:
        return spec.args
    return [*spec.posonlyargs, *spec.args, *spec.kwonlyargs]


def _defaults_of(func: Func) -> list[tuple[ast.arg, ast.expr]]:
    """Each parameter that has a default, with it: positional ones from the right (the
    defaults belong to the last of them), then keyword-only ones that have one."""
    spec = func.args
    pairs = list(zip(reversed(spec.posonlyargs + spec.args), reversed(spec.defaults), strict=False))
    pairs += [(p, d) for p, d in zip(spec.kwonlyargs, spec.kw_defaults, strict=True) if d]
    return pairs


def defaults(interp: Interpreter, func: Func, local: dict[str, Val], env: dict[str, Val]) -> None:
    """Bind a function walked on its own to the defaults that name something
    (``def f(c, run=os.system)``): the body calls the sink under the parameter's name."""
    for param, default in _defaults_of(func):
        if isinstance(default, (ast.Name, ast.Attribute)):
            value = interp.expr(default, env, flowtypes.When.LATER)
            if acts(value):
                local[param.arg] = value


def unpacked(interp: Interpreter, node: ast.Assign, env: dict[str, Val], when: When) -> None:
    """``r, = (exec,)`` and ``a, b = x, os.system``: names bound element by element (the
    walk binds a tuple target to folded constants only); a dict literal assigned to a name
    is kept as a dispatch table when an entry names a sink or a function."""
    value = node.value
    table = as_dict(value)
    for target in node.targets:
        if isinstance(target, ast.Name) and isinstance(table, ast.Dict):
            _table(interp, target.id, table, env, when)
        if isinstance(target, ast.Subscript) and isinstance(value, PURE[:2]):
            _set_entry(interp, target, value, env, when)
        if not (
            isinstance(target, (ast.Tuple, ast.List))
            and isinstance(value, (ast.Tuple, ast.List))
            and len(target.elts) == len(value.elts)
        ):
            continue
        for name, element in zip(target.elts, value.elts, strict=True):
            if isinstance(name, ast.Name) and isinstance(element, (ast.Name, ast.Attribute)):
                found = interp.expr(element, env, when)
                if runs(interp, found):
                    env[name.id] = found


def _key(value: object) -> object:
    """A folded key made hashable (a tuple key folds to a list)."""
    if isinstance(value, list):
        return tuple(_key(v) for v in value)
    return value if isinstance(value, (str, bytes, int, float, tuple)) else None


def _table(
    interp: Interpreter, name: str, table: ast.Dict, env: dict[str, Val], when: When
) -> None:
    if unread_callables(table.values):
        interp.trace.past(f"dispatch table {name!r}, past {MAX_TABLE_READ} entries")
    entries: dict[object, Val] = {}
    read = zip(table.keys[:MAX_TABLE_READ], table.values[:MAX_TABLE_READ], strict=True)
    for key, value in read:
        if key is None or not (
            isinstance(value, (ast.Name, ast.Attribute, ast.Lambda)) or _method_made(value)
        ):
            continue
        folded = _key(interp.expr(key, env, flowtypes.When.LATER).const)
        found = interp.expr(value, env, when)
        if folded is not None and (found.ref or found.func is not None):
            entries[folded] = found
    keep_table(interp, name, entries)


def _method_made(node: ast.expr) -> bool:
    """``staticmethod(f)``, ``classmethod(f)`` of a name: no side effect, ``f`` kept (ADR 0073)."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("staticmethod", "classmethod")
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Name)
    )


def _set_entry(
    interp: Interpreter, target: ast.Subscript, value: ast.expr, env: dict[str, Val], when: When
) -> None:
    """``T['r'] = os.system``: the table named ``T`` now holds the sink under ``'r'``."""
    if not isinstance(target.value, ast.Name):
        return
    found = interp.expr(value, env, when)
    key = (
        _key(interp.expr(target.slice, env, flowtypes.When.LATER).const)
        if runs(interp, found)
        else None
    )
    if key is None:
        return
    name = target.value.id
    keep_table(interp, name, {**interp.tables.get(name, {}), key: found})


def entry(  # noqa: PLR0911 -- one return per kind of table
    interp: Interpreter, node: ast.Subscript, env: dict[str, Val], when: When
) -> Val | None:
    """``{'a': os.system}['a']``, ``T['run']`` of a dispatch table, ``builtins.__dict__
    ['exec']``: the entry, or None to let the walk read the subscript as before."""
    base = node.value
    if isinstance(base, ast.Attribute):  # ``builtins.__dict__[...]``
        owner = interp.expr(base.value, env, when).ref
        key = interp.expr(node.slice, env, when).const
        if owner in BUILTIN_MODULES and isinstance(key, str):
            return flowtypes.Val(ref=key, labels=frozenset({HIDDEN}))
        return None
    if isinstance(node.slice, ast.Slice):
        return None
    base = as_dict(base)
    if isinstance(base, (ast.List, ast.Tuple, ast.Dict)):  # ``[os.system][0]``, ``{...}[k]``
        whole = interp.expr(base, env, when)
        index = interp.expr(node.slice, env, when)
        found = _element(interp, base, _key(index.const), env, when)
        if found is not None:
            return found
        if isinstance(whole.const, list) and isinstance(index.const, int):
            items = whole.const
            inside = -len(items) <= index.const < len(items)
            return (
                flowtypes.Val(const=items[index.const], labels=whole.labels)
                if inside
                else flowtypes.UNKNOWN
            )
        return flowtypes.Val(labels=whole.labels | index.labels)
    if isinstance(base, ast.Name) and base.id in interp.tables:
        key = _key(interp.expr(node.slice, env, when).const)
        return interp.tables[base.id].get(key) if key is not None else None
    return None


def _element(
    interp: Interpreter,
    base: ast.List | ast.Tuple | ast.Dict,
    key: object,
    env: dict[str, Val],
    when: When,
) -> Val | None:
    """The written-out element of a literal a folded key selects, when it is pure."""
    if key is None:
        return None
    if isinstance(base, ast.Dict):
        for k, v in zip(base.keys, base.values, strict=True):
            folded = None if k is None else interp.expr(k, env, flowtypes.When.LATER).const
            if isinstance(v, PURE) and folded is not None and _key(folded) == key:
                return interp.expr(v, env, when)
        return None
    if isinstance(key, int) and -len(base.elts) <= key < len(base.elts):
        element = base.elts[key]
        return interp.expr(element, env, when) if isinstance(element, PURE) else None
    return None


def class_attributes(interp: Interpreter, node: ast.ClassDef, env: dict[str, Val]) -> None:
    """``class K: run = exec``: ``K.run`` and ``K().run`` are the sink (kept like an
    instance's attributes, :attr:`flow.Interpreter.attrs`)."""
    for item in node.body:
        # ``r: object = os.system`` and ``r = staticmethod(os.system)`` too (ADR 0080).
        if isinstance(item, ast.Assign):
            value, targets = item.value, item.targets
        elif isinstance(item, ast.AnnAssign) and item.value is not None:
            value, targets = item.value, [item.target]
        else:
            continue
        if (
            isinstance(value, ast.Call)
            and value.args
            and dotted(value.func) in implicit.TRANSPARENT
        ):
            value = value.args[0]
        if not isinstance(value, PURE[:2]):
            continue
        found = interp.expr(value, env, flowtypes.When.LATER)
        if not runs(interp, found):
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                keep_attribute(interp, node.name, target.id, found)
                keep_attribute(interp, f"{node.name}()", target.id, found)


def _new_class(interp: Interpreter, node: ast.Call, env: dict[str, Val], when: When) -> Val | None:
    """``type('K', (), {'r': exec})``: a class whose attribute ``r`` is the sink."""
    if len(node.args) != 3 or not isinstance(node.args[2], ast.Dict):
        return None
    name = f"type@{node.lineno}"
    for key, value in zip(node.args[2].keys, node.args[2].values, strict=True):
        if key is None or not isinstance(value, (ast.Name, ast.Attribute, ast.Lambda)):
            continue
        attr = interp.expr(key, env, flowtypes.When.LATER).const
        found = interp.expr(value, env, when)
        if isinstance(attr, str) and runs(interp, found):
            keep_attribute(interp, name, attr, found)
            keep_attribute(interp, f"{name}()", attr, found)
    return flowtypes.Val(ref=name)


def inherited(  # noqa: PLR0917 -- the parts of one method call
    interp: Interpreter, base: str, name: str, args: list[Val], env: dict[str, Val], when: When
) -> Val | None:
    """Method ``name`` of ``base``, a class of another module of the archive that a local
    class derives from (``from ._base import Base; class K(Base)``): evaluated there, as a
    class of that module made here (ADR 0041). None when ``base`` is not one."""
    del env  # the method sees its own module's names
    if interp.package is None or not base or base in interp.classes:
        return None
    found = across.local_function(interp, base, interp.module, 0)
    if found is None or not isinstance(found[1], ast.ClassDef):
        return None
    module, cls = found[0], found[1]
    qualified = f"{module}.{cls.name}"
    if qualified not in interp.homes:
        if len(interp.homes) >= flowtypes.MAX_HOMES:
            return None
        interp.homes[qualified] = module
        interp.classes[qualified] = cls
    return interp.method(qualified, name, args, {}, when)


def home_path(left: Val, right: Val) -> Val | None:
    """``Path.home() / '.bashrc'``: the path's text, as ``os.path.join`` leaves it."""
    if not (left.shape or isinstance(left.const, str)) or not isinstance(right.const, str):
        return None
    text = (pathshape.shape_of(left) + "/" + right.const)[: pathshape.MAX_SHAPE]
    return flowtypes.Val(labels=left.labels | right.labels, shape=text)


def grown(env: dict[str, Val], name: str, method: str, given: list[Val]) -> None:
    """``parts.append('curl')`` on a folded list: the list now holds the item, or no longer
    folds when the item does not (it was read as the list it started as)."""
    held = env.get(name)
    consts = [g.const for g in given]
    at_end = method in {"append", "extend"} and len(consts) == 1
    if held is not None and held.const is None and (held.words or held.items):
        # A list kept only by its words grows them (ADR 0153), and its items (ADR 0162).
        words = partlist.grown(None, held.words, consts[0]) if held.words and at_end else ""
        env[name] = held._replace(
            words=words or held.words, items=listtext.grown(held, method, given)
        )
    if held is None or not isinstance(held.const, list):
        return
    items: list[object] | None = None
    if method == "append" and len(consts) == 1 and consts[0] is not None:
        items = [*held.const, consts[0]]
    elif method == "extend" and len(consts) == 1 and isinstance(consts[0], (list, str)):
        items = [*held.const, *consts[0]]
    elif method == "insert" and len(consts) == len(("at", "item")):
        at, item = consts
        if isinstance(at, int) and item is not None:
            items = list(held.const)
            items.insert(at, item)
    if items is not None and len(items) > MAX_GROWN:
        items = None
    # Grown at its end by what does not fold: the known items keep their text (ADR 0153).
    words = partlist.grown(held.const, "", consts[0]) if items is None and at_end else ""
    listed = listtext.grown(held, method, given) if items is None else ()
    env[name] = held._replace(const=items, words=words, items=listed)
