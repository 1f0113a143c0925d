"""Calls followed into the archive's other modules (issue 16; ADR 0029, 0041).

A call made on install or import into another module of the same archive (``from ._impl
import go; go()``, a class of another module made here, a name a ``from .x import *``
brought) runs that module's code then. :class:`flow.Interpreter` hands such a call here: the
definition is found through the archive's modules (re-exports followed up to
:data:`MAX_REEXPORT_HOPS` deep), the function is evaluated with that module's own top-level
names, and its events are kept under that module's path (``Interpreter.foreign``), so that a
chain split across files is one chain; an ``exec`` of names other modules bind to text is
read as the code they join to (ADR 0067). What the archive's modules bind and define is
computed once per archive (:class:`local.LocalModules` keeps it), and every walk spends from
one step budget.

Apart from :mod:`flow` because it is the interpreter's one way out of the module it walks,
with its own caches and bounds (``flowtypes.MAX_FOREIGN_STEPS``, ``flowtypes.MAX_HOMES``). What it
deliberately does not do: follow a call that runs later (the module's own pass reads it),
a module that names no sink and relays none, or a library outside the archive.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages import applied, flowtypes, handed, selfcalls, writtenrun
from airlock.imports.packages.local import WRITES, absolute
from airlock.imports.packages.prefilter import may_act
from airlock.imports.packages.sinks import kind_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val, When


def module_own(interp: Interpreter) -> bool:
    """Whether the walk is in this module's own code, not a function followed into
    another module of the archive (whose names are not this module's)."""
    return all(interp.trace is not t for t in interp.foreign.values())


def follow(
    interp: Interpreter,
    ref: str,
    args: list[Val],
    when: When,
    kwargs: dict[str | None, Val] | None = None,
) -> Val | None:
    """Evaluate a function of another module of this archive called on install or
    import; its events are kept under that module's path. None when ``ref`` is not one.

    ``kwargs`` are bound to the function's parameters by name (ADR 0177: ``go(c=cmd)`` was
    called with nothing). What the call hands on is carried there as it is named here
    (:func:`_carried`), and a module that names no sink is still followed when the call hands
    it something that runs (:func:`_hands_runner`): ``run(go, cmd)`` into ``def run(f, c):
    return f(c)``."""
    if interp.package is None or interp.package.steps_left <= 0:
        return None
    kw = {k: _carried(interp, v) for k, v in (kwargs or {}).items()}
    args = [_carried(interp, a) for a in args]
    found = local_function(interp, ref, interp.module, 0)
    if found is None and _hands_runner(interp, [*args, *kw.values()]):
        found = local_function(interp, ref, interp.module, 0, carrier=True)
    if found is None and interp.package.armed:
        # A module another has set a name of to something that runs (ADR 0185).
        carried = local_function(interp, ref, interp.module, 0, carrier=True)
        found = carried if carried is not None and carried[0] in interp.package.armed else None
    if found is None:
        if (ref, interp.module, 0) in interp.package.unreached:
            # Shipped, but past a bound of the reading: held, not read as a library's call
            # (ADR 0097: a sender padded past 1 MiB, or behind a 17th re-export).
            interp.trace.past(f"{ref!r}, called on install or import")
        return None
    module, func = found
    if isinstance(func, ast.ClassDef):
        return construct(interp, module, func, args, when, kw)
    # Once per function, moment and what its arguments carry, per archive: a large
    # package's hundred ``__init__.py`` files calling one helper alike are read once (issue
    # 16: bounded), and a second call handed other text is read for it (``ex('x = 1')``
    # then ``ex(PAYLOAD)`` was read as the first; ADR 0158).
    # And what the function reads of its module, which another may have set (ADR 0185).
    state = applied.key(interp, func, args, module_env(interp, module))
    key = (module, func.name, when.name, _given(args), _given_by_name(kw), state)
    done = interp.package.followed.get(key)
    if isinstance(done, flowtypes.Val):
        for path, text in interp.package.followed_wrote.get(key, {}).items():
            writtenrun.keep(interp, path, text)  # on disk after each call (ADR 0158)
        return done
    before = dict(interp.trace.written)

    def run(env: dict[str, Val]) -> Val | None:
        given = interp.arguments(func, args, kw, env, when) if kw else args
        return interp.apply(func, given, env, when)

    value = abroad(interp, module, run) or flowtypes.UNKNOWN
    interp.package.followed[key] = value
    wrote = {p: t for p, t in interp.trace.written.items() if before.get(p) != t}
    if wrote:
        interp.package.followed_wrote[key] = wrote
    return value


def _carried(interp: Interpreter, value: Val) -> Val:
    """``value`` as the module it is carried into names it (ADR 0177): a name imported
    relatively (``.zz.go``) made absolute against the module walked (read from a module one
    folder away, ``..zz.go`` named nothing the archive ships); a function the module walked
    defines at its top level named by its full name, so that where it is called it is
    followed back here and read with this module's names, not the carrier's."""
    package = interp.package
    if package is None:
        return value
    module = interp.module
    func = value.func
    if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        names = package.top_names(module)
        defined = names.defined.get(func.name) if names is not None else None
        if defined is not None and defined.lineno == func.lineno:
            return flowtypes.Val(ref=f"{module}.{func.name}", labels=value.labels)
        return value
    if not value.ref.startswith("."):
        return value
    return value._replace(ref=absolute(value.ref, module, package.is_package(module)))


def _hands_runner(interp: Interpreter, given: list[Val]) -> bool:
    """Whether a call hands on a sink, or a function or class of a module of the archive
    that names one (:func:`foreign_function`, :func:`foreign_class`); the caller's own
    function counts once :func:`_carried` has named it. A lambda does not: carried into
    another module it would be read with that module's names (ADR 0177's open list)."""
    return any(
        value.func is None
        and (kind_of(value.ref) or foreign_function(interp, value) or foreign_class(interp, value))
        for value in given
    )


def foreign_class(interp: Interpreter, value: Val) -> bool:
    """Whether ``value`` names a class another module of the archive defines (that module
    naming a sink or relaying: :func:`local_function`), seen from the module walked: handed
    to what calls it, it is made there (:func:`construct`; ADR 0177)."""
    if interp.package is None or value.func is not None or not value.ref or "()" in value.ref:
        return False
    found = local_function(interp, value.ref, interp.module, 0)
    return found is not None and isinstance(found[1], ast.ClassDef)


def foreign_function(interp: Interpreter, value: Val) -> bool:
    """Whether ``value`` names a function another module of the archive defines (and that
    module names a sink or relays: :func:`local_function`), seen from the module walked: a
    value handed on, not called by name (``map(go, [c])``, ``atexit.register(go, c)``,
    ``{'a': go}``), which the callers of :func:`follow` then call there (ADR 0174). Only
    in the cross-file pass; answered once per archive (:func:`local_function`)."""
    if interp.package is None or value.func is not None or not value.ref or "()" in value.ref:
        return False
    found = local_function(interp, value.ref, interp.module, 0)
    return found is not None and not isinstance(found[1], ast.ClassDef)


def _given_by_name(kwargs: dict[str | None, Val]) -> tuple[tuple[str, Val], ...]:
    """What a call's keyword arguments carry, as a key (:func:`_given`)."""
    return tuple(sorted((k or "**", flowtypes.keyed(v)) for k, v in kwargs.items()))


def _given(args: list[Val]) -> tuple[Val, ...]:
    """What a call's arguments carry, as a key: their text, names and labels (a folded
    list as its text)."""
    return tuple(flowtypes.keyed(a) for a in args)


def abroad(
    interp: Interpreter, module: str, run: Callable[[dict[str, Val]], Val | None]
) -> Val | None:
    """``run`` with ``module``'s names, its events kept under that module's path."""
    if interp.package is None:
        return None
    env = module_env(interp, module)
    if module in interp.package.partial:
        # Its top level past both budgets: the names its functions use may be unbound.
        interp.trace.past(f"the top level of {module!r}, past its budgets")
    path = interp.package.path(module)
    saved = (interp.trace, interp.module)
    foreign = interp.trace = interp.foreign.setdefault(path, flowtypes.Trace())
    before = dict(foreign.written)
    interp.module = module
    try:
        return run(env)
    finally:
        interp.trace, interp.module = saved
        # A file the function wrote is on disk when the caller goes on: a run of it there
        # runs its text (``helper.drop()`` then ``python /tmp/x.py``; ADR 0158).
        for written, text in foreign.written.items():
            if before.get(written) != text:
                writtenrun.keep(interp, written, text)


def construct(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    module: str,
    cls: ast.ClassDef,
    args: list[Val],
    when: When,
    kwargs: dict[str | None, Val] | None = None,
) -> Val:
    """An instance of a class another module of the archive defines, made on install or
    import: its ``__init__`` and ``__del__`` run then, and methods called on it later
    are that class's (``from ._b import T; T()``, ``make().go()``; ADR 0041)."""
    qualified = f"{module}.{cls.name}"
    if qualified not in interp.homes:
        if len(interp.homes) >= flowtypes.MAX_HOMES:
            if when is not flowtypes.When.LATER:
                # Made on install or import and not read: held (ADR 0097: 34 harmless
                # classes made first hid the sender's ``__init__``).
                interp.trace.past(f"class {qualified!r}, made on install or import")
            return flowtypes.UNKNOWN
        interp.homes[qualified] = module
        interp.classes[qualified] = cls
    instance = flowtypes.Val(ref=f"{qualified}()")
    if when is not flowtypes.When.LATER:
        for name, given in (("__init__", [instance, *args]), ("__del__", [instance])):
            found = interp.methods(cls, (name,))
            if found and (
                acts_abroad(interp, module, found[0])
                # Handed something that runs, which it may keep and call (ADR 0185).
                or (name == "__init__" and _hands_runner(interp, [*args, *(kwargs or {}).values()]))
                or selfcalls.acts(  # ``self.run()`` of an acting method (ADR 0171)
                    interp, qualified, found[0], lambda f: acts_abroad(interp, module, f)
                )
            ):
                interp.method(
                    qualified, name, given, {}, when, kwargs if name == "__init__" else None
                )
    return instance


def acts_abroad(
    interp: Interpreter, module: str, func: ast.FunctionDef | ast.AsyncFunctionDef
) -> bool:
    """Whether a method of another module's class could make a chain: its text names a
    sink (:func:`prefilter.may_act`) or it hands work on
    (:meth:`flow.Interpreter.hands_on`). Cached."""
    known = interp.handing.get(-id(func))
    if known is None:
        lines = interp.lines.get(module)
        if lines is None:
            source = interp.package.sources.get(module) if interp.package is not None else None
            lines = interp.lines[module] = source[1].split(b"\n") if source else []
        body = b"\n".join(lines[func.lineno - 1 : func.end_lineno])
        # A method that writes a file may write its caller's text to a path the caller
        # then runs (ADR 0158).
        known = (
            may_act(body.decode("utf-8", "replace"))
            or WRITES.search(body) is not None
            or interp.hands_on(func)
        )
        interp.handing[-id(func)] = known
    return known


# Re-exports followed from one module to the next (``from .b import f`` in ``a``, and so on).
# Two hid a third (ADR 0096: a chain of three re-exports to the sender was allowed); each hop
# is answered once per archive, so the bound is against cycles, not cost. A call through
# more is held (ADR 0097).
MAX_REEXPORT_HOPS = 16


def local_function(
    interp: Interpreter, ref: str, module: str, hops: int, *, carrier: bool = False
) -> tuple[str, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] | None:
    """The module and definition (a function or a class) ``ref`` (seen from ``module``)
    names, when the archive ships it and the module names a sink; names re-exported by
    ``from .x import f`` are followed (:data:`MAX_REEXPORT_HOPS` at most).

    Answered once per archive: what it reads (a module's tree, parsed or refused once
    per archive, and its text) does not change afterwards (issue 16: thousands of calls
    of one name in the cross-file pass).

    ``carrier``: the module need not name a sink, for a call that hands it something that
    runs (ADR 0177: a function that only calls what it is handed)."""
    if interp.package is None:
        return None
    key = (ref, module, hops)
    answers = interp.package.carriers if carrier else interp.package.definitions
    if key not in answers:
        answers[key] = _local_function(interp, ref, module, hops, carrier=carrier)
    return answers[key]


def _unreached(interp: Interpreter, key: tuple[str, str, int]) -> None:
    """Note that ``key``'s name stands for something of the archive past a bound."""
    if interp.package is not None:
        interp.package.unreached.add(key)


def _local_function(
    interp: Interpreter, ref: str, module: str, hops: int, *, carrier: bool
) -> tuple[str, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] | None:
    if interp.package is None:
        return None
    name = absolute(ref, module, interp.package.is_package(module))
    owner, _, attr = name.rpartition(".")
    # A module naming no sink is read to follow a re-export from a package, or a call
    # it makes into another module of the archive (issue 16: two hops).
    package = interp.package
    relays = bool(owner) and (
        carrier or package.acts(owner) or package.relays(owner) or package.writes(owner)
    )
    useful = relays or (owner and interp.package.is_package(owner))
    names = interp.package.top_names(owner) if useful else None
    if names is None:
        if useful and owner in interp.package.unread:
            _unreached(interp, (ref, module, hops))  # past the parse budget (ADR 0097)
        return None
    defined = names.defined.get(attr)
    if defined is not None:
        return (owner, defined) if relays else None
    imported = names.imported.get(attr)
    if imported is None:
        return None
    if hops >= MAX_REEXPORT_HOPS:
        _unreached(interp, (ref, module, hops))  # a 17th re-export (ADR 0097)
        return None
    found = local_function(interp, imported, owner, hops + 1, carrier=carrier)
    if found is None and (imported, owner, hops + 1) in interp.package.unreached:
        _unreached(interp, (ref, module, hops))
    return found


def set_global(interp: Interpreter, owner: str, name: str, value: Val) -> bool:
    """``zz.X = value`` (or ``setattr(zz, 'X', value)``) where ``owner`` names a module of
    the archive: its functions, followed later, read ``X`` as ``value`` (ADR 0185:
    ``zz.X = os.system; zz.run(CMD)`` was read with ``zz``'s own ``X``). Whether it did."""
    package = interp.package
    if package is None or not owner or not name.isidentifier():
        return False
    if owner.startswith("."):
        owner = absolute(owner, interp.module, package.is_package(interp.module))
    if owner not in package.sources or owner == interp.module:
        return False
    module_env(interp, owner)[name] = value
    if handed.runs(interp, value):
        package.armed.add(owner)  # followed now whatever its text names
    return True


def module_env(interp: Interpreter, module: str) -> dict[str, Val]:
    """Names a module binds at its top level (imports, functions, constants), computed
    once per archive by a walk whose events are dropped (its own pass reports them)."""
    if interp.package is None:
        return {}
    cached = interp.package.envs.get(module)
    if isinstance(cached, dict):
        return cached
    env: dict[str, Val] = {}
    tree = interp.package.parsed(module)
    if tree is not None:
        rest = _top_level(interp, module, tree.body, env)
        if rest:
            # The top level is longer than its budget: the imports, functions and classes
            # past it are still bound, so that a function called on import sees the names it
            # uses (ADR 0097: 25,000 assignments before ``import urllib`` hid the sender).
            # Past that too, a call into the module holds (:func:`follow`).
            cheap: list[ast.stmt] = [s for s in rest if isinstance(s, BINDS_NAMES)]
            if _top_level(interp, module, cheap, env):
                interp.package.partial.add(module)
        for stmt in tree.body:  # its classes by full name: ``C()`` there is followed
            if isinstance(stmt, ast.ClassDef) and env.get(stmt.name) == flowtypes.Val(
                ref=stmt.name
            ):
                env[stmt.name] = flowtypes.Val(ref=f"{module}.{stmt.name}")
    interp.package.envs[module] = env
    return env


BINDS_NAMES = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _top_level(
    interp: Interpreter, module: str, body: list[ast.stmt], env: dict[str, Val]
) -> list[ast.stmt]:
    """Walk ``body`` (a module's top level) into ``env`` within
    :data:`flowtypes.MAX_FOREIGN_STEPS`; the statements it did not finish, from the one where
    the budget ran out."""
    assert interp.package is not None
    quiet = type(interp)(False, max_steps=flowtypes.MAX_FOREIGN_STEPS, module=module)
    rest: list[ast.stmt] = []
    for index, stmt in enumerate(body):
        try:
            quiet.block([stmt], env, flowtypes.When.LATER)
        except flowtypes.OverBudget:
            rest = body[index:]
            break
    interp.package.steps_left -= flowtypes.MAX_FOREIGN_STEPS - max(quiet.steps, 0)
    return rest


def star(interp: Interpreter, called: str) -> str:
    """The ref of ``called`` when a ``from .x import *`` of this module brought it (x
    shipped and naming a sink), else ""."""
    if interp.package is None or called.startswith("_"):
        return ""
    for ref in interp.stars:
        name = absolute(ref, interp.module, interp.package.is_package(interp.module))
        tree = interp.package.parsed(name) if interp.package.acts(name) else None
        if tree is None and name in interp.package.unread:
            # It may define ``called``, and was not read: held (ADR 0097).
            interp.trace.past(f"{called!r}, called on install or import, from {name!r}")
        for stmt in tree.body if tree is not None else []:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and (stmt.name == called):
                return f"{name}.{called}"
    return ""


def joined(interp: Interpreter, node: ast.expr, env: dict[str, Val]) -> object:
    """What an ``exec`` argument folds to when the names it reads are constants other
    modules of the archive bind (``from .a import P1; from .b import P2; exec(P1 +
    P2)``): code split across files is read as the code it joins to (ADR 0067). Only
    for an ``exec`` whose argument did not fold, in the cross-file pass."""
    interp.resolving = True
    try:
        return interp.expr(node, env, flowtypes.When.LATER).const
    finally:
        interp.resolving = False


def constant_of(interp: Interpreter, ref: str) -> Val | None:
    """The text or bytes another module of the archive binds to ``ref`` at its top
    level, or None."""
    if interp.package is None:
        return None
    name = absolute(ref, interp.module, interp.package.is_package(interp.module))
    owner, _, attr = name.rpartition(".")
    if owner not in interp.package.sources or owner == interp.module:
        return None
    found = module_env(interp, owner).get(attr)
    if found is None or not isinstance(found.const, (str, bytes)):
        return None
    return flowtypes.Val(const=found.const, labels=found.labels)
