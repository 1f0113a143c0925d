"""The module's own functions and methods applied by the flow pass: looked up, entered
with their arguments, bounded in depth and count (issue 16; ADR 0112). Bound as
:class:`flow.Interpreter`'s methods; ``self`` is the interpreter.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeGuard, TypeVar

from airlock.imports.packages import (
    across,
    applied,
    deeper,
    flowtypes,
    forwarded,
    generated,
    hostile,
    mutated,
    reach,
    replaced,
    selfcalls,
    streamed,
)
from airlock.imports.packages.astwalk import own_nodes
from airlock.imports.packages.flowtypes import MAX_CALL_DEPTH, UNKNOWN, Event, Val, When
from airlock.imports.packages.handed import inherited, parameters, runs
from airlock.imports.packages.implicit import CALLBACKS, KEY_HOOKS, THREADS
from airlock.imports.packages.importhooks import REGISTRARS
from airlock.imports.packages.local import MethodIndex
from airlock.imports.packages.sinks import DROPPED, SECRET

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter

MAX_APPLIES = 400  # user-function evaluations per file


def runs_now(  # noqa: PLR0911, PLR0917 -- the parts of one call, one case a return
    self: Interpreter,
    node: ast.Call,
    ref: str,
    args: list[Val],
    kwargs: dict[str | None, Val],
    env: dict[str, Val],
    when: When,
) -> Val | None:
    """On install or import: a thread's target runs now; a call into another module of
    the archive is followed there. The call's value, or None when it is neither."""
    if ref in REGISTRARS and args:
        what = f"a finder or loader added to {REGISTRARS[ref]}"
        replaced.import_hook(self, args[-1], node.lineno, what, "", env, when)
        return None
    if ref == "setattr" and len(args) == len(("o", "name", "value")):
        replaced.set_attribute(self, node, args, env, when)
    if ref in THREADS:
        timer = args[1] if ref.endswith("Timer") and len(args) > 1 else None
        target = kwargs.get("target") or timer
        if target is not None:
            self.run_hook(target, env, when)
        return None
    if ref == "os.register_at_fork":  # every forked child (or parent) runs them
        for hook in kwargs.values():
            self.run_hook(hook, env, when)
        return None
    if ref == "codecs.CodecInfo" or ref in KEY_HOOKS:
        # A codec's functions run on every text read with its name: a ``# coding:``
        # line, ``b.decode(name)`` (ADR 0067); made inside a registered search function.
        # A keyboard hook's callback is handed every key pressed: what it sends is what
        # the user typed (ADR 0076).
        given = frozenset({SECRET}) if ref in KEY_HOOKS else frozenset()
        for hook in [*args, *kwargs.values()]:
            if hook.func is not None or "()." in hook.ref:  # ``on_press=self.on`` (ADR 0079)
                self.run_hook(hook, env, when, given=given)
        return None
    if ref in CALLBACKS and len(args) > CALLBACKS[ref]:
        # An exit hook, a trace or profile function, a signal handler: registered now,
        # it runs without anyone calling it (issue 16). An audit hook is handed what the
        # program does: files opened, commands, the bytes an HTTP request sends (ADR 0079).
        given = frozenset({SECRET}) if ref == "sys.addaudithook" else frozenset()
        self.run_hook(args[CALLBACKS[ref]], env, when, given=given)
        return None
    if not ref and self.stars and isinstance(node.func, ast.Name):
        ref = across.star(self, node.func.id)
    if self.package is not None and ref:
        return across.follow(self, ref, args, when, kwargs)
    return None


def run_hook(
    self: Interpreter,
    hook: Val,
    env: dict[str, Val],
    when: When,
    given: frozenset[str] = frozenset(),
) -> None:
    """Evaluate a function handed to the interpreter to call later (an exit, exception
    or fork hook, a thread's target): a function or lambda, or a bound method of a local
    class (``atexit.register(self.flush)``; ADR 0041), its ``self`` the instance.
    ``given``: the labels its parameters carry (:mod:`intercept`)."""
    param = Val(labels=given) if given else UNKNOWN
    if hook.func is not None:
        count = len(hook.func.args.args) + (1 if given else 0)  # and ``*a, **kw``
        self.apply(hook.func, [param] * count, env, when)
        return
    if self.package is not None and hook.ref and "()" not in hook.ref:
        # ``atexit.register(other.f)``: a function of another module of the archive.
        across.follow(self, hook.ref, [UNKNOWN] * 3, when)  # (ADR 0067)
        return
    owner, dot, name = hook.ref.partition("().")
    if dot and owner in self.classes and name.isidentifier():
        found = self.lookup(owner, name)
        if found is not None:
            rest = [param] * max(len(found.args.args) - (0 if given else 1), 0)
            self.method(owner, name, [Val(ref=f"{owner}()"), *rest], env, when)


def flooded(self: Interpreter, flood: bool, line: int, when: When) -> None:
    """Mark a thread bomb (:func:`hostile.floods`, :func:`hostile.threads_only`) on
    install or import, as a process made without end is marked."""
    if flood and when is not When.LATER:
        event = Event(hostile.FORK_LOOP, "threading.Thread", line, when, "", frozenset())
        self.trace.events.append(event)


def partner(
    self: Interpreter,
    env: dict[str, Val],
    name: str,
    within: ast.FunctionDef | ast.AsyncFunctionDef,
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The function a call's name in ``within``'s body is bound to, for
    :func:`hostile.self_forking`: a name in ``env``, a method of the class walked
    (``self.f``, ``cls.f``) or of a local class (``Class.f``), or a function of another
    module of the archive (``y.b`` after ``from . import y``; its own names are that
    module's, probe 17)."""
    module = self.ring_homes.get(id(within), self.module)
    if module != self.module:
        env = across.module_env(self, module)
    owner, dot, attr = name.partition(".")
    if not dot and _defined(env, name) is not None:
        return _defined(env, name)
    if owner in ("self", "cls") and dot:
        owner = self.within[-1] if self.within else ""
    if dot and owner in self.classes:
        return self.lookup(owner, attr)
    bound = env.get(owner)
    if bound is None or not bound.ref or self.package is None:
        return None
    found = across.local_function(self, bound.ref + dot + attr, module, 0)
    if found is None or isinstance(found[1], ast.ClassDef):
        return None
    if len(self.ring_homes) < MAX_RING_HOMES:
        self.ring_homes[id(found[1])] = found[0]
    return found[1]


def lookup(self: Interpreter, cls: str, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """Method ``name`` of local class ``cls`` or of its local bases."""
    seen: set[str] = set()
    while cls in self.classes and cls not in seen and len(seen) < flowtypes.MAX_BASES:
        seen.add(cls)
        found = self.methods(self.classes[cls], (name,))
        if found:
            return found[0]
        cls = self.trace.class_bases.get(cls, "").split(",")[0]
    return None


def method(  # noqa: PLR0917 -- bound as a method: self is not passed
    self: Interpreter,
    cls: str,
    name: str,
    args: list[Val],
    env: dict[str, Val],
    when: When,
    kwargs: dict[str | None, Val] | None = None,
) -> Val | None:
    """Evaluate method ``name`` of local class ``cls`` (or of its local bases) with
    ``self`` bound; None when neither defines it or it was not evaluated. ``kwargs`` are
    bound by name in the method its class defines (ADR 0177), not in a base's."""
    home = self.homes.get(cls)
    if home is not None and home != self.module:
        # A class of another module of the archive: its methods see that module's names
        # and their events are kept under its path (ADR 0041).
        return across.abroad(
            self, home, lambda env: self.method(cls, name, args, env, when, kwargs)
        )
    seen: set[str] = set()
    while cls in self.classes and cls not in seen:
        if len(seen) >= flowtypes.MAX_BASES:
            if when is not When.LATER:  # held, not dropped (ADR 0097)
                self.trace.past(
                    f"method {name!r} looked up past {flowtypes.MAX_BASES} base classes"
                )
            return None
        seen.add(cls)
        found = self.methods(self.classes[cls], (name,))
        quiet = found and name == "__init__" and not self.may_act(found[0])
        if (
            quiet
            and not self.hands_on(found[0])
            # ``K(os.system).go(CMD)``: what it is given may be kept and called (ADR 0185).
            and not any(runs(self, a) for a in [*args[1:], *(kwargs or {}).values()])
            and not self.chains_up(cls)
            and not selfcalls.acts(self, cls, found[0])  # ``self.persist()`` (ADR 0171)
        ):
            return None  # six makes a hundred small objects on import: none can act
        if found:
            self.within.append(cls)  # whose ``super()`` its body means (ADR 0071)
            given = self.arguments(found[0], args, kwargs, env, when) if kwargs else args
            try:
                return self.apply(found[0], given, env, when)
            finally:
                self.within.pop()
        above = self.trace.class_bases.get(cls, "").split(",")[0]
        if not above and cls in self.homes and self.climbs < MAX_CLIMBS:
            # A class of another module whose base is in a third one (ADR 0051).
            self.climbs += 1
            try:
                return reach.climb(self, cls, name, args, when)
            finally:
                self.climbs -= 1
        cls = above
    # A base class of another module of the archive (ADR 0048).
    return inherited(self, cls, name, args, env, when) if self.package else None


def apply(
    self: Interpreter,
    func: ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef,
    args: list[Val],
    env: dict[str, Val],
    when: When,
) -> Val | None:
    """Evaluate a user function or lambda with its arguments bound (bounded depth)."""
    if self.depth >= MAX_CALL_DEPTH or self.applied >= MAX_APPLIES:
        if when is not When.LATER:
            deeper.note(self, func, args, env, when)  # walked after the module (ADR 0096)
        return None
    if when is When.LATER and not any(a.const is not None or a.labels for a in args):
        return None  # nothing to carry in, and its body is analysed once on its own
    closure = self.closures.get(id(func))
    if closure is not None and closure is not env:
        # Returned by the function that defined it and called elsewhere: it reads the
        # names that call of the function bound (ADR 0185: ``mk()(CMD)``, ``mk`` returning
        # ``g`` that calls its ``f = os.system``; each call's ``g`` is its own copy).
        env = {**env, **closure}
    # What the arguments are, whole: keyed on their text and labels alone, ``run(print,
    # CMD)`` answered a later ``run(os.system, CMD)`` with no event (ADR 0184).
    # And what it reads of the scope it is called from and of its instance (ADR 0185).
    given = tuple(flowtypes.keyed(a) for a in args)
    key = (id(func), when, given, applied.key(self, func, args, env))
    if key in self.memo:
        return self.memo[key]
    result = self.apply_body(func, args, env, when)
    self.memo[key] = result
    return result


def methods(
    self: Interpreter, cls: ast.ClassDef | None, names: tuple[str, ...]
) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The functions ``cls``'s body defines under one of ``names``, in body order. Its
    methods are indexed by name once per archive (issue 16: a scan of the class body a
    call was a tenth of the cross-file pass of sqlalchemy's wheel); the entry holds
    ``cls``, so its id is not reused while it is kept."""
    if cls is None:
        return []
    known = self.class_methods.get(id(cls))
    if known is None:
        by_name: MethodIndex = {}
        for index, item in enumerate(cls.body):
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                by_name.setdefault(item.name, []).append((index, item))
            elif _lambda_method(item):
                # ``__init__ = lambda self: ...`` is a method as a ``def`` is (ADR 0067).
                target = item.targets[0]
                assert isinstance(target, ast.Name)
                by_name.setdefault(target.id, []).append((index, _as_def(target.id, item)))
        known = self.class_methods[id(cls)] = (cls, by_name)
    found = [pair for name in set(names) for pair in known[1].get(name, [])]
    return [item for _, item in sorted(found, key=lambda pair: pair[0])]


def body_of(
    self: Interpreter, func: ast.FunctionDef | ast.AsyncFunctionDef
) -> tuple[tuple[str, ...], tuple[ast.expr, ...], tuple[ast.expr, ...]]:
    """The names ``func`` declares ``global``, the values it returns, in the order of
    :func:`astwalk.own_nodes`, and its ``yield``s (:func:`generated.yields`), from one walk
    of its body, kept per archive (issue 16: a function applied again and again was walked
    twice each time, a fifth of the cross-file pass of sqlalchemy's wheel). The entry holds
    ``func``, so its id is not reused while it is kept."""
    known = self.bodies.get(id(func))
    if known is None:
        nodes = own_nodes(func)
        declared = tuple(name for n in nodes if isinstance(n, ast.Global) for name in n.names)
        returns = tuple(n.value for n in nodes if isinstance(n, ast.Return) and n.value)
        handed = tuple(generated.yields(nodes))
        known = self.bodies[id(func)] = (func, declared, returns, handed)
    return known[1], known[2], known[3]


def enter(
    self: Interpreter, func: deeper.Function, args: list[Val], env: dict[str, Val], when: When
) -> Val | None:
    """Walk ``func``'s body with ``args`` bound, whatever the depth and budget: a call
    :func:`deeper.note` kept (ADR 0096)."""
    return self.apply_body(func, args, env, when)


def apply_body(
    self: Interpreter,
    func: ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef,
    args: list[Val],
    env: dict[str, Val],
    when: When,
) -> Val | None:
    self.applied += 1
    local = dict(env)
    named = parameters(func)
    for param, arg in zip(named, args, strict=False):
        local[param.arg] = arg
    if len(args) > len(named) and (func.args.vararg or func.args.kwarg):
        # ``def send(self, req, *a, **kw)``: what the extra arguments carried (ADR 0071).
        extra = Val(labels=frozenset().union(*(a.labels for a in args[len(named) :])))
        if func.args.kwarg is not None:
            local[func.args.kwarg.arg] = extra
        if func.args.vararg is not None:  # ``lambda *a: os.system(*a)``: values kept
            local[func.args.vararg.arg] = forwarded.packed_arguments(args[len(named) :])
    self.depth += 1
    try:
        if isinstance(func, ast.Lambda):
            # ``f = lambda: (os.fork(), f())``: read as the ``def`` it stands for (ADR 0110).
            own = hostile.lambda_def(func, lambda name: local.get(name, UNKNOWN).func is func)
            return _watched(self, own, local, when, lambda: self.expr(func.body, local, when))
        # Run the body with the arguments bound: a function called on import or install
        # runs then, and its return value carries what its arguments carried.
        _watched(self, func, local, when, lambda: self.block(func.body, local, when))
        filled = {
            i
            for i, param in enumerate(parameters(func))
            if DROPPED in local.get(param.arg, UNKNOWN).labels
        }
        if filled:  # ``def save(path, data): open(path, 'wb').write(data)``
            self.fills.setdefault(id(func), set()).update(filled)
        declared, returns, handed = self.body_of(func)
        if self.globals is not None and when is not When.LATER and across.module_own(self):
            for name in declared:  # ``global _c; _c = Client()``
                if name in local:
                    self.globals[name] = local[name]
        if when is not When.LATER:
            # ``BUF.append(x)`` (ADR 0193), into another module's names too (ADR 0195)
            mutated.carried_back(self, func, args, env, local, own=across.module_own(self))
        values = [self.expr(r, local, When.LATER) for r in returns[:4]]
        streamed.yielded_files(self, func, local, values)  # a file's chunks (ADR 0119)
        labels = frozenset().union(*(v.labels for v in values))
        if handed:  # a generator's call hands out what it yields (ADR 0169)
            out = _handed_out(self, handed, local)
            return Val(labels=labels) if out is None else out._replace(labels=labels)
        return values[0] if len(values) == 1 else Val(labels=labels)
    finally:
        self.depth -= 1


def _handed_out(
    self: Interpreter, found: tuple[ast.expr, ...], local: dict[str, Val]
) -> Val | None:
    """What a generator's ``found`` yields hand out, read with its names as the walk left
    them (ADR 0169)."""
    handing = [n for n in found if isinstance(n, ast.Yield | ast.YieldFrom)]
    values = [self.expr(n.value, local, When.LATER) for n in handing if n.value is not None]
    return generated.handed_out(handing, values)


_T = TypeVar("_T")


def _watched(
    self: Interpreter,
    func: ast.FunctionDef | ast.AsyncFunctionDef | None,
    local: dict[str, Val],
    when: When,
    walk: Callable[[], _T],
) -> _T:
    """``walk()`` of ``func``'s body, marked endless while it runs when ``func`` is a fork
    bomb by recursion: ``def f(): os.fork(); f()`` (ADR 0093), or through a partner (``b():
    a()``, 0098); threads doubling round a recursion make no process to mark (probe 17)."""
    bomb = func is not None and hostile.self_forking(
        func, lambda name, by: self.partner(local, name, by)
    )
    if func is not None:
        self.flooded(bomb and hostile.threads_only(func), func.lineno, when)
    self.endless += bomb
    try:
        return walk()
    finally:
        self.endless -= bomb


# Bases of other modules' classes looked up, one inside another (ADR 0097: at 8, a sender's
# class nine bases up was allowed): against cycles and recursion. Past it a method is not
# followed: at a quarter of it (4) a hold there held pyasn1 and sqlalchemy, whose
# hierarchies span modules, so that hold is left open.
MAX_CLIMBS = 16


MAX_RING_HOMES = 256  # functions of other modules met round recursion rings, remembered


def _defined(env: dict[str, Val], name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The function a name is bound to in ``env``, if it is one defined in the code."""
    func = env.get(name, UNKNOWN).func
    return func if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _lambda_method(item: ast.stmt) -> TypeGuard[ast.Assign]:
    """``name = lambda ...`` in a class body."""
    return (
        isinstance(item, ast.Assign)
        and len(item.targets) == 1
        and isinstance(item.targets[0], ast.Name)
        and isinstance(item.value, ast.Lambda)
    )


def _as_def(name: str, item: ast.Assign) -> ast.FunctionDef:
    """The ``def`` a class body's ``name = lambda ...`` stands for (same lines)."""
    assert isinstance(item.value, ast.Lambda)
    func = ast.FunctionDef(
        name=name,
        args=item.value.args,
        body=[ast.Return(value=item.value.body)],
        decorator_list=[],
        returns=None,
    )
    return ast.fix_missing_locations(ast.copy_location(func, item))
