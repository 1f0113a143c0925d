"""Acts against the host itself rather than its data: a fork bomb and a container started
to escape to the host (ADR 0085).

* **A fork bomb**: a process made in a loop that never ends (``while True: os.fork()``,
  ``multiprocessing.Process(...).start()``, ``subprocess.Popen(...)`` with no wait) on install
  or import takes the machine down. No package forks without bound when it is imported; a
  server's worker loop that waits for its children (``os.waitpid``, ``.join()``, ``.wait()``)
  or leaves the loop (``break``, ``return``, ``raise``) is not one.
* **A container escape**: a container started through the Docker daemon with the host's
  root folder mounted, privileged, in the host's process namespace or with ``SYS_ADMIN``
  (the docker SDK's ``containers.run``, ``docker run`` in a command, the daemon's socket
  itself) is root on the host, past every file permission the enclave relies on.

Pure helpers over syntax trees and text; :mod:`flow` records the events and :mod:`chains`
scores them. What they do not do: follow a loop bounded by a counter that never changes, or
a container whose options do not fold.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable
from typing import Any

from airlock.imports.packages.astwalk import children
from airlock.imports.packages.fold import text_of
from airlock.imports.packages.grammar import called_name
from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.selfqueued import local_items, queued

# Calls that make a process (the constructor of a process object counts: it is made to run).
FORKS = frozenset({
    "os.fork", "os.forkpty", "pty.fork", "multiprocessing.Process",
    "multiprocessing.context.Process", "subprocess.Popen", "os.posix_spawn", "os.posix_spawnp",
    # ADR 0110: a process pool whose workers are not daemons (they may make pools of their
    # own). ``multiprocessing.Pool``'s workers are daemons and cannot: its recursion fails.
    "concurrent.futures.ProcessPoolExecutor", "concurrent.futures.process.ProcessPoolExecutor",
})  # fmt: skip
# Calls that wait for a child or stop the loop: a worker pool, not a bomb.
WAITS = frozenset({"wait", "waitpid", "wait3", "wait4", "join", "communicate", "run", "call"})
FORK_LOOP = "fork-loop"
MAX_LOOP_NODES = 2000
MAX_RING = 8  # functions of a recursion ring proved endless (:func:`self_forking`)
# A container started with a way out to the host: the root (or the daemon's socket, or a
# system folder) mounted, privileged, the host's process namespace, SYS_ADMIN.
ESCAPE_OPTIONS = LazyPattern(
    r"--privileged|(?:-v|--volume|--mount)[= ](?:type=bind,\s*)?(?:source=|src=)?"
    r"/(?:var/run/docker\.sock|etc|root|home)?(?::|,|\s|$)|--pid[= ]host|--cap-add[= ]"
    r"(?:SYS_ADMIN|ALL)|\bnsenter\b.*--target\s+1\b|"
    # A pod's spec in ``kubectl run --overrides``: privileged, the host's processes or disk.
    r"\"privileged\"\s*:\s*true|\"host(?:PID|Network|IPC)\"\s*:\s*true|\"hostPath\"",
    re.IGNORECASE,
)
CONTAINER_RUN = LazyPattern(
    r"\b(?:(?:docker|podman|nerdctl)(?:\.exe)?\s+(?:container\s+)?(?:run|create)|"
    r"kubectl\s+(?:run|apply|create))\b",
    re.IGNORECASE,
)
DOCKER_SOCKET = LazyPattern(r"docker\.sock|/var/run/docker|%2Fvar%2Frun%2Fdocker", re.IGNORECASE)
# The docker SDK: ``client.containers.run(...)`` and the low-level ``APIClient``'s calls.
SDK_RUNS = frozenset({"run", "create"})
SDK_LOW = frozenset({"create_container", "create_host_config"})
ROOT_MOUNTS = frozenset({"/", "/etc", "/root", "/home", "/var/run/docker.sock"})


def unbounded(node: ast.While | ast.For) -> bool:
    """Whether the loop never ends by itself and does not wait for what it starts: its test
    is a true constant or it runs over an endless iterator (``iter(int, 1)``,
    ``itertools.count()``), and nothing in it breaks, returns, raises or waits."""
    if isinstance(node, ast.While):
        if not _always_true(node.test):
            return False
    elif not _endless(node.iter):
        return False
    todo: list[ast.AST] = list(node.body)
    seen = 0
    while todo and seen < MAX_LOOP_NODES:
        part = todo.pop()
        seen += 1
        if isinstance(part, (ast.Break, ast.Return, ast.Raise)):
            return False
        if isinstance(part, ast.Call) and called_name(part) in WAITS:
            return False
        if isinstance(part, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue  # its own body does not end this loop
        todo.extend(children(part))
    return seen < MAX_LOOP_NODES


def _always_true(test: ast.expr) -> bool:
    """Whether a loop's test is true whatever runs: a true constant, or ``not``, ``and``,
    ``or`` and comparisons of constants (``while not 0:``, ``while 1 == 1:``, probe 17)."""
    value = _constant(test, 0)
    return value is not _UNKNOWN and bool(value)


_UNKNOWN = object()
COMPARED: dict[type[ast.cmpop], Callable[[Any, Any], object]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
}  # fmt: skip


def _constant(node: ast.expr, depth: int) -> object:
    """The value of an expression of constants only, or :data:`_UNKNOWN`."""
    if isinstance(node, ast.Constant) or depth > MAX_TEST_DEPTH:
        return node.value if isinstance(node, ast.Constant) else _UNKNOWN
    parts: list[ast.expr] = []
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        parts = [node.operand]
    elif isinstance(node, ast.BoolOp):
        parts = node.values
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in COMPARED:
        parts = [node.left, node.comparators[0]]
    values = [_constant(p, depth + 1) for p in parts]
    if not values or any(v is _UNKNOWN for v in values):
        return _UNKNOWN
    if isinstance(node, ast.UnaryOp):
        return not values[0]
    if isinstance(node, ast.BoolOp):
        return all(values) if isinstance(node.op, ast.And) else any(values)
    try:
        return COMPARED[type(node.ops[0])](*values)  # type: ignore[attr-defined]
    except TypeError:
        return _UNKNOWN


MAX_TEST_DEPTH = 8  # nesting of a loop's constant test read


Function = ast.FunctionDef | ast.AsyncFunctionDef
# The function a name is bound to, seen from the body of the function that names it.
Partner = Callable[[str, Function], Function | None]


def self_forking(func: Function, partner: Partner = lambda _name, _within: None) -> bool:
    """Whether the function is a fork bomb by recursion (ADR 0093): it makes a process and,
    in a statement of its body that always runs, calls itself or hands itself to a process
    as its target (``def f(): os.fork(); f()``, ``Process(target=f).start()``), and nothing
    in it returns, raises or waits. A recursive walk that forks has a case that stops it.

    ``partner`` names the other functions: the call back may go through them (``def a():
    os.fork(); b()`` with ``def b(): a()``, ADR 0098; a longer ring, ADR 0103; a class's
    methods or another module's functions, probe 17), when each of them always calls the
    next and never returns, raises or waits."""
    known = _SELF_FORKING.get(id(func))
    if known is not None and known[0] is func:
        return known[1]
    if len(_SELF_FORKING) >= MAX_REMEMBERED:
        _SELF_FORKING.clear()
    found = _forks_itself(func, partner)
    _SELF_FORKING[id(func)] = (func, found)
    return found


def _forks_itself(func: Function, partner: Partner) -> bool:
    calls = _unending_calls(func)
    if calls is None:
        return False
    made = {called_name(c) for c in calls}
    if made & FORK_NAMES:
        return any(_comes_back(func, name, partner) for name in set(_always_named(func)))
    if made & (THREAD_NAMES | POOLS) or any(queued(c)[1] for c in calls):
        # A thread shares its process: one that starts one other and ends is a loop, not a
        # bomb. Two ways back into the ring per run (``Thread(target=g).start(); g()``, or
        # two threads of ``g``) double the threads each round (probe 17).
        back = [name for name in _always_named(func) if _comes_back(func, name, partner)]
        return len(back) >= 2
    return False


def lambda_def(lam: ast.Lambda, is_self: Callable[[str], bool]) -> ast.FunctionDef | None:
    """The ``def`` a lambda that makes a process or a thread stands for, when it calls
    itself by a name (``is_self``), for :func:`self_forking` (ADR 0110): ``f = lambda:
    (os.fork(), f())`` is ``def f(): os.fork(); f()``, each item of a tuple, list or set a
    statement. None for a lambda that makes none, or names nothing bound to itself."""
    known = _LAMBDAS.get(id(lam))
    if known is None or known[0] is not lam:
        if len(_LAMBDAS) >= MAX_REMEMBERED:
            _LAMBDAS.clear()
        known = (lam, _lambda_calls(lam), {})
        _LAMBDAS[id(lam)] = known
    _, called, made = known
    own = next((name for name in called if is_self(name)), "")
    if not own:
        return None
    if own not in made:
        body = lam.body
        parts = body.elts if isinstance(body, (ast.Tuple, ast.List, ast.Set)) else [body]
        func = ast.FunctionDef(
            name=own, args=lam.args, body=[ast.Expr(value=p) for p in parts],
            decorator_list=[], returns=None,
        )  # fmt: skip
        made[own] = ast.fix_missing_locations(ast.copy_location(func, lam))
    return made[own]


def _lambda_calls(lam: ast.Lambda) -> tuple[str, ...]:
    """The bare names a lambda's body calls or hands on, when it makes a process or a thread
    (else none: most lambdas are keys and callbacks)."""
    calls = [p for p in ast.walk(lam.body) if isinstance(p, ast.Call)][:MAX_LOOP_NODES]
    if not {called_name(c) for c in calls} & (FORK_NAMES | THREAD_NAMES):
        return ()
    names = [_dotted(n) for c in calls for n in (c.func, *c.args, *(k.value for k in c.keywords))]
    return tuple(dict.fromkeys(n for n in names if n and "." not in n))


def class_bomb(run: Function, owner: str) -> bool:
    """Whether a thread's or a process's ``run`` starts more of its own class without end
    (ADR 0110): two of them each run (``Grow().start(); Grow().start()``), or one in an
    endless loop that does nothing else (``while True: type(self)().start()``), and nothing
    in it returns, raises or waits. One started per run is a chain, not a bomb."""
    if _unending_calls(run) is None:
        return False
    made = 0
    for stmt in _always_run(run.body):
        if isinstance(stmt, (ast.While, ast.For)) and unbounded(stmt):
            looped = [p for p in ast.walk(stmt) if isinstance(p, ast.Call)][:MAX_LOOP_NODES]
            own = [c for c in looped if _makes_own(c, owner)]
            if own and all(_makes_own(c, owner) or called_name(c) in OWN_STARTS for c in looped):
                return True
        elif isinstance(stmt, (ast.Expr, ast.Assign)):
            made += sum(_makes_own(p, owner) for p in ast.walk(stmt) if isinstance(p, ast.Call))
    starts = any(isinstance(p, ast.Call) and called_name(p) == "start" for p in ast.walk(run))
    return made >= 2 and starts


# What a loop starting its own class calls besides making one: ``type(self)``, ``start``.
OWN_STARTS = frozenset({"start", "type", "setDaemon", "setName"})


def _makes_own(call: ast.Call, owner: str) -> bool:
    """``Owner(...)``, ``type(self)(...)``, ``self.__class__(...)``."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id == owner
    if isinstance(func, ast.Attribute):
        return func.attr == "__class__"
    return isinstance(func, ast.Call) and called_name(func) == "type"


def threads_only(func: Function) -> bool:
    """Whether the function starts threads and makes no process (its bomb, when it is one,
    has no fork for :mod:`flow` to mark)."""
    calls = _unending_calls(func) or []
    made = {called_name(c) for c in calls}
    pooled = made & (THREAD_NAMES | POOLS) or any(queued(c)[1] for c in calls)
    return bool(pooled) and not made & FORK_NAMES


def _comes_back(func: Function, first: str, partner: Partner) -> bool:
    """Whether the call of ``first`` from ``func`` comes back to it. The call back may go
    round a ring of the module's functions or of its class's methods (``a -> b -> c -> a``,
    ADR 0103; ``self.a -> self.b -> self.a``, probe 17), each of which always calls the
    next and never returns, raises or waits; at most MAX_RING of them are proved endless."""
    seen = {id(func)}
    todo = [(first, func)]
    while todo and len(seen) <= MAX_RING:
        name, within = todo.pop(0)
        if within is func and _itself(func, name):
            return True
        other = partner(name, within)
        if other is func:
            return True
        if other is None or id(other) in seen or _unending_calls(other) is None:
            continue
        seen.add(id(other))
        todo += [(named, other) for named in _always_named(other)]
    return False


def _itself(func: Function, name: str) -> bool:
    """``f`` in ``f``'s body, or ``self.f`` / ``cls.f`` in method ``f``'s."""
    owner, _, own = name.rpartition(".")
    return own == func.name and owner in ("", "self", "cls")


def _unending_calls(func: Function) -> list[ast.Call] | None:
    """The calls in the function's own body, or None when it returns, raises or waits (or is
    too large to read whole)."""
    calls: list[ast.Call] = []
    todo: list[ast.AST] = list(func.body)
    seen = 0
    while todo and seen < MAX_LOOP_NODES:
        part = todo.pop()
        seen += 1
        if isinstance(part, (ast.Return, ast.Raise)):
            return None
        if isinstance(part, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue  # its own body is not this function's
        if isinstance(part, ast.Call):
            if called_name(part) in WAITS:
                return None
            calls.append(part)
        todo.extend(children(part))
    return calls if seen < MAX_LOOP_NODES else None


def _always_named(func: Function) -> list[str]:
    """The names a statement of the body that always runs calls or hands to a call
    (``target=name``), once for each time: its own, and a ``with`` block's. A method of
    the same class or object is named ``self.name`` (``cls.name``, ``Class.name``)."""
    names: list[str] = []
    lists = local_items(func)  # ``items = [0, 0]; ex.map(grow, items)`` (ADR 0126)
    for stmt in _always_run(func.body):
        if not isinstance(stmt, (ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign)):
            continue
        for part in ast.walk(stmt):
            if isinstance(part, ast.Call):
                handed = [*part.args, *(k.value for k in part.keywords)]
                names += filter(None, map(_dotted, (part.func, *handed)))
                mapped, times = queued(part, lists)  # ``ex.map(grow, [0, 0])`` runs it twice
                names += [mapped] * (times - 1)
    return names


def _dotted(node: ast.expr) -> str:
    """``f`` for a name, ``self.f`` for an attribute of a name; empty otherwise."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return ""


def _always_run(body: list[ast.stmt]) -> list[ast.stmt]:
    """A body's statements that run whenever it does: its own, and a ``with`` block's."""
    out: list[ast.stmt] = []
    for stmt in body:
        out.append(stmt)
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            out += _always_run(stmt.body)
    return out


# Functions already asked of, by id (the entry holds the function, so its id is not
# reused while it is kept); cleared when full.
_SELF_FORKING: dict[int, tuple[ast.AST, bool]] = {}
# Lambdas already read, by id: the lambda, the names it calls when it makes a process or a
# thread, and the ``def`` it stands for under each name it is bound to.
_LAMBDAS: dict[int, tuple[ast.Lambda, tuple[str, ...], dict[str, ast.FunctionDef]]] = {}
MAX_REMEMBERED = 4096
# What the calls of :data:`FORKS` are called by.
FORK_NAMES = frozenset({
    "fork", "forkpty", "Process", "Popen", "posix_spawn", "posix_spawnp", "ProcessPoolExecutor",
})  # fmt: skip
# What starts a thread (``threading.Thread``, ``_thread.start_new_thread``).
THREAD_NAMES = frozenset({"Thread", "start_new_thread", "start_new"})
# What a loop that only starts threads may call besides: the thread's own setters.
THREAD_CALLS = THREAD_NAMES | {"start", "setDaemon", "setName"}
# An executor's call that queues a job for its threads or processes: a loop that does nothing
# but queue jobs without end floods the queue and the workers (ADR 0110).
QUEUES = frozenset({"submit"})
# A thread pool and its queue (ADR 0119): a function that queues itself twice each run
# (``ex.submit(grow); ex.submit(grow)``) doubles its jobs, as two threads of it double the
# threads; a pool made in each run (``with ThreadPoolExecutor() as ex``) waits for them.
POOLS = frozenset({"ThreadPoolExecutor"}) | QUEUES


def floods(loop: ast.While | ast.For) -> bool:
    """Whether an endless loop (:func:`unbounded`) does nothing but start threads
    (``while True: Thread(target=spin).start()``, probe 17). A server's loop that starts a
    thread for each connection first waits for one (``accept()``, ``queue.get()``): it
    calls something else, and is not this."""
    started = False
    todo: list[ast.AST] = [*loop.body]
    seen = 0
    while todo and seen < MAX_LOOP_NODES:
        part = todo.pop()
        seen += 1
        if isinstance(part, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(part, ast.Call):
            name = called_name(part)
            if name not in THREAD_CALLS | POOLS:
                return False
            started = started or name in THREAD_NAMES | POOLS
        todo.extend(children(part))
    return started and seen < MAX_LOOP_NODES


def _endless(iterated: ast.expr) -> bool:
    """``iter(f, sentinel)``, ``itertools.count()``, ``cycle(x)``, ``repeat(x)`` with no
    count: iterators that never run out."""
    if not isinstance(iterated, ast.Call):
        return False
    name, count = called_name(iterated), len(iterated.args) + len(iterated.keywords)
    return (name == "iter" and count == 2) or name in ENDLESS.get(count, ())


# Endless iterators by the number of arguments that leaves them endless.
ENDLESS = {0: frozenset({"count"}), 1: frozenset({"count", "cycle", "repeat"})}


def sdk_escape(node: ast.Call) -> str:
    """The host-escaping options of a docker SDK call (``client.containers.run(image,
    privileged=True, volumes={'/': ...})``), as ``docker run`` would spell them; else empty."""
    func = node.func
    if not isinstance(func, ast.Attribute):
        return ""
    sdk = func.attr in SDK_LOW or (
        func.attr in SDK_RUNS
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "containers"
    )
    if not sdk:
        return ""
    found = []
    for keyword in node.keywords:
        value = keyword.value
        if keyword.arg == "privileged" and isinstance(value, ast.Constant) and value.value:
            found.append("--privileged")
        elif keyword.arg in ("volumes", "binds", "mounts") and _mounts_root(value):
            found.append("-v /:/host")
        elif keyword.arg == "pid_mode" and _const(value) == "host":
            found.append("--pid=host")
        elif keyword.arg == "cap_add" and {"SYS_ADMIN", "ALL"} & set(_strings(value)):
            found.append("--cap-add=SYS_ADMIN")
    return ("docker run " + " ".join(found)) if found else ""


def _mounts_root(value: ast.expr) -> bool:
    """``{'/': {...}}``, ``['/:/host']``: the host's root or a system folder mounted."""
    for text in _strings(value):
        source = text.split(":", 1)[0].rstrip("/") or "/"
        if source in ROOT_MOUNTS:
            return True
    return False


def _strings(value: ast.expr) -> list[str]:
    nodes = [value]
    if isinstance(value, ast.Dict):
        nodes = [k for k in value.keys if k is not None]
    elif isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        nodes = list(value.elts)
    return [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _const(value: ast.expr) -> str:
    return text_of(value.value) if isinstance(value, ast.Constant) else ""


def escapes(text: str) -> bool:
    """Whether a command starts a container with a way out to the host."""
    return bool(CONTAINER_RUN.search(text) and ESCAPE_OPTIONS.search(text))
