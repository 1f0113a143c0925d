"""Names, functions and values bound with no assignment of them written (ADR 0073).

ADR 0071 ended with a list of what a patient adversary still had: a name bound by
``globals().update(run=os.system)`` (or ``setattr(sys.modules[__name__], ...)``,
``globals()['run'] = ...``, the builtins' dict), modules imported by ``map(__import__,
['os'])``, a function whose code is swapped (``g.__code__ = f.__code__``) or reached through
``__func__``, implementations registered on a ``functools.singledispatch`` function, a value
given to a generator by ``send``, a value carried in an exception's ``args``, and the module's
own text read back (``open(__file__).read()``) to execute its tail. Each is read here as what
it binds: the name, the module, the function, the value, the text; the walk then reads the
call that follows as it reads any other.

Pure and bounded like :mod:`flow`. What it deliberately does not do: follow names bound in
another module's namespace, run a generator past the values ``send`` gives it, or read a
source file other than the module's own.
"""

from __future__ import annotations

import ast
import functools
from typing import TYPE_CHECKING

from airlock.imports.packages import across, calls, flowtypes, handed, logsent, shadowed
from airlock.imports.packages.fold import small
from airlock.imports.packages.importhooks import BUILTIN_MODULES
from airlock.imports.packages.runfile import dotted
from airlock.imports.packages.sinks import HIDDEN, SECRET_DATA, kind_of

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val, When

EACH = "\0each:"  # a sequence of modules (``map(__import__, names)``), their names after it
READ_BACK = "\0read-back"  # a file this walk wrote known text to, opened to read
OWN_FILE = "\0own-file"  # ``open(__file__)``: the module's own text when read
SENT = "\0sent"  # what ``send`` gives a generator's ``yield`` (a name no code can spell)
GENERATOR = "\0generator"  # a generator made on install or import, its function kept
MAX_BOUND = 64  # arguments an exception is raised with, kept for its handler
# Implementations kept per single-dispatch function; one past them holds (ADR 0187: 20
# harmless ones registered first hid the 21st, which ran ``os.system``).
MAX_REGISTERED = 64
# Namespaces whose ``update`` and items bind names every later call by that name sees.
NAMESPACES = frozenset({"globals", "globals.__dict__", "__dict__", *BUILTIN_MODULES})
# ``builtins.__dict__`` reads as ``__dict__``: the builtins prefix is dropped
# (``flowtypes.canonical``).
NAMESPACES |= frozenset(f"{m}.__dict__" for m in BUILTIN_MODULES)
WRAPPERS = frozenset({"staticmethod", "classmethod", "types.FunctionType", "types.MethodType"})
SEQUENCES = frozenset({"list", "tuple", "iter", "sorted", "reversed"})
READS = frozenset({"read", "read_text"})
OPENERS = frozenset({"open", "io.open", "codecs.open", "pathlib.Path", "Path"})


def unwritten(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    node: ast.Call,
    callee: Val,
    args: list[Val],
    kwargs: dict[str | None, Val],
    env: dict[str, Val],
    when: When,
) -> Val | None:
    """Calls that bind a name, a function or a value with no assignment written: the
    call's value, or None to let the walk read it as before."""
    for reads in (_names, _functions, _objects):
        found = reads(interp, node, callee, args, kwargs, env, when)
        if found is not None:
            return found
    return None


def _names(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    node: ast.Call,
    callee: Val,
    args: list[Val],
    kwargs: dict[str | None, Val],
    env: dict[str, Val],
    when: When,
) -> Val | None:
    """Names bound in a namespace: this module's, the builtins', ``sys.modules``."""
    ref = callee.ref
    owner, _, method = ref.rpartition(".")
    if method == "update" and namespace_of(owner):
        updated(interp, node, kwargs, env, when)  # ``globals().update(run=f)``
        return flowtypes.UNKNOWN
    if ref == "sys.modules.update":
        shadowed.updated(interp, node, kwargs, env, when)  # ``sys.modules.update({...})``
    if ref == "setattr" and len(args) == 3 and namespace_of(args[0].ref):
        bind_name(interp, args[1].const, args[2], env)
    if ref == "setattr" and len(args) == 3 and isinstance(args[1].const, str):
        across.set_global(interp, args[0].ref, args[1].const, args[2])  # ``setattr(zz, 'X', f)``
    if ref == "setattr" and len(args) == 3 and args[0].ref.startswith(shadowed.MADE_MODULE):
        if isinstance(args[1].const, str):  # a module filled here
            handed.keep_attribute(interp, args[0].ref, args[1].const, args[2])
        return flowtypes.UNKNOWN
    if ref == "types.ModuleType" and when is not flowtypes.When.LATER:
        return flowtypes.Val(ref=f"{shadowed.MADE_MODULE}{node.lineno}:{node.col_offset}")
    if interp.log_host and logsent.is_log_call(node):
        logsent.logged(interp, node, args, kwargs, when)  # a record sent away
    if ref in logsent.CONFIGURERS:
        logsent.configured(interp, node, env, when)
    return None


def _functions(  # noqa: PLR0911, PLR0917 -- the parts of one call, one case a return
    interp: Interpreter,
    node: ast.Call,
    callee: Val,
    args: list[Val],
    kwargs: dict[str | None, Val],
    env: dict[str, Val],
    when: When,
) -> Val | None:
    """Functions reached through their code, a wrapper, a registry or a generator, and
    modules through ``map``."""
    ref = callee.ref
    owner, _, method = ref.rpartition(".")
    if ref in WRAPPERS and args and args[0].func is not None:
        if kind_of(ref):
            interp.sink(node, callee, args, kwargs, env, when)  # ``FunctionType``: exec
        return args[0]  # ``staticmethod(f)``, ``FunctionType(f.__code__, {})``
    if (
        ref in calls.EXEC_CODE
        and args
        and args[0].func is not None
        and when is not flowtypes.When.LATER
    ):
        interp.apply(args[0].func, [], env, when)  # ``exec(f.__code__)``
    if isinstance(node.func, ast.Attribute) and node.func.attr == "register":
        dispatcher = interp.expr(node.func.value, env, flowtypes.When.LATER)
        if dispatcher.func is not None:
            return registered(interp, dispatcher, args)  # ``singledispatch``
    if method in ("send", "asend") and owner == GENERATOR and args:
        if when is not flowtypes.When.LATER and isinstance(node.func, ast.Attribute):
            made = interp.expr(node.func.value, env, flowtypes.When.LATER)
            sent(interp, made, args[0], env, when)
        return flowtypes.UNKNOWN
    drawn = _drawn_from(interp, node, ref, args, env)
    if drawn is not None:
        return first_yield(interp, drawn, env)  # ``next(g())``, ``g.__next__()``
    if ref == "map" and len(args) == 2 and args[0].ref in calls.IMPORTERS:
        return modules(args[1].const)  # ``map(__import__, ['os'])``
    if args and args[0].ref.startswith(EACH):
        if ref in SEQUENCES:
            return args[0]
        if ref == "next":
            return module_at(args[0], 0)
    return None


def _drawn_from(
    interp: Interpreter, node: ast.Call, ref: str, args: list[Val], env: dict[str, Val]
) -> Val | None:
    """The generator ``next(g)`` draws from, or ``g.__next__()`` (ADR 0171)."""
    if ref == "next" and args and args[0].ref == GENERATOR:
        return args[0]
    if ref == f"{GENERATOR}.__next__" and isinstance(node.func, ast.Attribute):
        return interp.expr(node.func.value, env, flowtypes.When.LATER)
    return None


def _objects(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    node: ast.Call,
    callee: Val,
    args: list[Val],
    kwargs: dict[str | None, Val],
    env: dict[str, Val],
    when: When,
) -> Val | None:
    """The module's own file, and objects that keep or call what they are given."""
    ref = callee.ref
    owner, _, method = ref.rpartition(".")
    if own_file(node, ref):
        return flowtypes.Val(ref=OWN_FILE)  # ``open(__file__)``
    if owner == OWN_FILE and method in READS and interp.source is not None:
        return flowtypes.Val(const=interp.source) if small(interp.source) else None
    back = _read_back(interp, ref, args, kwargs)
    if back is not None:
        return back
    if owner.startswith(READ_BACK) and method in READS:
        # ``open('/tmp/q', 'w').write(CMD)`` then ``open('/tmp/q').read()`` (ADR 0171).
        written = list(interp.trace.written.values())
        at = int(owner.removeprefix(READ_BACK) or -1)
        return flowtypes.Val(const=written[at]) if 0 <= at < len(written) else None
    if (
        ref == "collections.defaultdict"
        and args
        and args[0].func
        and when is not flowtypes.When.LATER
    ):
        interp.run_hook(args[0], env, when)  # its factory runs on a missing key
    if ref == "types.SimpleNamespace" and kwargs:
        made = f"{ref}@{node.lineno}:{node.col_offset}"
        for key, value in kwargs.items():
            if key is not None:
                handed.keep_attribute(interp, made, key, value)  # ``SimpleNamespace(run=f).run``
        # ``SimpleNamespace(**os.environ)``: every attribute is one of the mapping's (0193).
        spread = kwargs[None].labels & SECRET_DATA if None in kwargs else frozenset()
        return flowtypes.Val(ref=made, labels=spread)
    return None


def namespace_of(ref: str) -> bool:
    """Whether ``ref`` is a namespace calls look names up in (this module's or the
    builtins')."""
    return ref in NAMESPACES


def bind_name(interp: Interpreter, name: object, value: Val, env: dict[str, Val]) -> None:
    """Bind ``name`` here and in the module's names (a later function sees it too)."""
    if not isinstance(name, str) or not name.isidentifier():
        return
    env[name] = value
    if interp.globals is not None and across.module_own(interp):
        interp.globals[name] = value


def updated(
    interp: Interpreter,
    node: ast.Call,
    kwargs: dict[str | None, Val],
    env: dict[str, Val],
    when: When,
) -> None:
    """``globals().update(run=os.system)``, ``vars(m).update({'run': f})``: each name is
    bound to its value, to :data:`handed.MAX_TABLE_READ` names (ADR 0187: the 65th was
    dropped, so 64 harmless names came first); a value that might run past them holds."""
    for keyword, value in list(kwargs.items())[: handed.MAX_TABLE_READ]:
        bind_name(interp, keyword, value, env)
    written = node.args[0] if node.args and isinstance(node.args[0], ast.Dict) else None
    keywords = [k.value for k in node.keywords]
    if handed.unread_callables(keywords) or (
        written is not None and handed.unread_callables(written.values)
    ):
        interp.trace.past(f"names bound by one update, past {handed.MAX_TABLE_READ}")
    if written is not None:
        pairs = zip(written.keys, written.values, strict=True)
        for key, item in list(pairs)[: handed.MAX_TABLE_READ]:
            if key is not None:
                name = interp.expr(key, env, flowtypes.When.LATER).const
                bind_name(interp, name, interp.expr(item, env, when), env)


def item_bound(interp: Interpreter, target: ast.Subscript, value: Val, env: dict[str, Val]) -> None:
    """``globals()['run'] = os.system``, ``builtins.__dict__['print'] = f``."""
    if isinstance(target.value, ast.Name):
        return  # a dict of this module, read by :meth:`flow.Interpreter.bind`
    if namespace_of(interp.expr(target.value, env, flowtypes.When.LATER).ref):
        bind_name(interp, interp.expr(target.slice, env, flowtypes.When.LATER).const, value, env)


@functools.lru_cache(maxsize=4096)
def generator(func: ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether ``func`` is a generator function (its body yields)."""
    if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(func))


def sent(interp: Interpreter, gen: Val, value: Val, env: dict[str, Val], when: When) -> None:
    """``g.send(v)`` of a generator made here: its body runs again with each ``yield``
    giving ``v`` (a command sent into a loop that runs what it is given)."""
    if gen.func is None or not isinstance(gen.func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return
    count = len(handed.parameters(gen.func))
    for key in [k for k in interp.memo if k[0] == id(gen.func)]:
        del interp.memo[key]  # its walk without a value sent is not this one
    interp.apply(gen.func, [flowtypes.UNKNOWN] * count, {**env, SENT: value}, when)


def registered(interp: Interpreter, dispatcher: Val, args: list[Val]) -> Val:
    """``f.register(int, g)`` / ``f.register(g)``: ``g`` runs when ``f`` is called; the
    decorator form ``@f.register(int)`` returns a registrar that records what it decorates."""
    func = next((a.func for a in args if a.func is not None), None)
    key = id(dispatcher.func)
    if func is None:
        return flowtypes.Val(ref=f"{REGISTRAR}{key}")
    _register(interp, interp.dispatched.setdefault(key, []), func)
    return args[-1]


REGISTRAR = "\0register:"  # ``f.register(int)``: decorating with it registers on ``f``


def decorated(interp: Interpreter, decorator: Val, target: Val) -> bool:
    """``@f.register(int)`` over ``def _(x)``: recorded as ``f``'s implementation."""
    if not decorator.ref.startswith(REGISTRAR) or target.func is None:
        return False
    kept = interp.dispatched.setdefault(int(decorator.ref[len(REGISTRAR) :]), [])
    _register(interp, kept, target.func)
    return True


def _register(
    interp: Interpreter,
    kept: list[ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef],
    func: ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef,
) -> None:
    """``func`` kept among a single-dispatch function's implementations; past
    :data:`MAX_REGISTERED`, a call of the function would not run it: held."""
    if len(kept) < MAX_REGISTERED:
        kept.append(func)
    else:
        interp.trace.past(f"an implementation registered past {MAX_REGISTERED}")


def modules(names: object) -> Val | None:
    """``map(__import__, ['os'])``: the modules the folded names import, as one value."""
    # Read to MAX_TABLE_READ names (ADR 0187: past 64, 64 harmless names before ``'os'``
    # made the call unread).
    if not isinstance(names, list) or not names or len(names) > handed.MAX_TABLE_READ:
        return None
    if not all(isinstance(n, str) and n for n in names):
        return None
    return flowtypes.Val(ref=EACH + ",".join(str(n) for n in names), labels=frozenset({HIDDEN}))


def module_at(each: Val, index: object) -> Val | None:
    """Item ``index`` of a sequence of modules (``[0]``, ``next``, unpacking)."""
    if not each.ref.startswith(EACH) or type(index) is not int:
        return None
    names = each.ref[len(EACH) :].split(",")
    if not -len(names) <= index < len(names):
        return None
    return flowtypes.Val(ref=names[index], labels=each.labels)


def each(seq: Val) -> list[Val]:
    """The modules of a sequence of modules, in order, each once (a loop's body is walked
    once per module)."""
    names = dict.fromkeys(seq.ref[len(EACH) :].split(","))
    return [flowtypes.Val(ref=name, labels=seq.labels) for name in names]


def imported_each(
    interp: Interpreter, elt: ast.expr, name: str, items: object, local: dict[str, Val]
) -> Val | None:
    """``[__import__(n) for n in ['os']]``: each item's value reached through an importer
    or ``getattr`` (a name, no constant), as a sequence of modules; None otherwise."""
    if not isinstance(items, list) or not 0 < len(items) <= handed.MAX_TABLE_READ:
        return None
    refs: list[str] = []
    for item in items:
        local[name] = flowtypes.Val(const=item)
        value = interp.expr(elt, local, flowtypes.When.LATER)
        if not value.ref or HIDDEN not in value.labels or "," in value.ref:
            return None
        refs.append(value.ref)
    return flowtypes.Val(ref=EACH + ",".join(refs), labels=frozenset({HIDDEN}))


def picked(interp: Interpreter, base_node: ast.expr, base: Val, key: Val) -> Val | None:
    """``list(map(__import__, ['os']))[0]``: the module; ``e.args[0]`` (or ``C.H['a']``) of
    a table kept under a dotted name: the entry."""
    if base.ref.startswith(EACH):
        return module_at(base, key.const)
    if interp.tables and isinstance(base_node, ast.Attribute):
        table = interp.tables.get(dotted(base_node))
        if table is not None and not isinstance(key.const, (list, dict)):
            return table.get(key.const, flowtypes.Val(labels=base.labels))
    return None


def _read_back(
    interp: Interpreter, ref: str, args: list[Val], kwargs: dict[str | None, Val]
) -> Val | None:
    """``open(P)`` for reading, of a path this walk wrote known text to: a file whose read
    is that text (ADR 0171); None for any other call."""
    if ref not in OPENERS or ref in ("pathlib.Path", "Path") or not args:
        return None
    path = args[0].const
    mode = args[1].const if len(args) > 1 else (kwargs["mode"].const if "mode" in kwargs else "r")
    if not (isinstance(path, str) and isinstance(mode, str) and set(mode) <= set("rbt")):
        return None
    written = list(interp.trace.written)
    return flowtypes.Val(ref=f"{READ_BACK}{written.index(path)}") if path in written else None


def own_file(node: ast.Call, ref: str) -> bool:
    """``open(__file__)``, ``Path(__file__)``: the module's own file."""
    first = node.args[0] if node.args else None
    return ref in OPENERS and isinstance(first, ast.Name) and first.id == "__file__"


def raised(
    interp: Interpreter, node: ast.Try, env: dict[str, Val]
) -> list[tuple[str, list[ast.expr]]]:
    """The exceptions the ``try`` body raises itself: (class, arguments) of each ``raise
    E(...)`` at its top level."""
    out: list[tuple[str, list[ast.expr]]] = []
    for stmt in node.body:
        exc = stmt.exc if isinstance(stmt, ast.Raise) else None
        if isinstance(exc, ast.Call):
            out.append((interp.expr(exc.func, env, flowtypes.When.LATER).ref, exc.args))
        elif exc is not None:
            out.append((interp.expr(exc, env, flowtypes.When.LATER).ref, []))
    return out


def caught(
    interp: Interpreter,
    handler: ast.ExceptHandler,
    thrown: list[tuple[str, list[ast.expr]]],
    env: dict[str, Val],
) -> None:
    """``except E as e``: ``e`` is the instance the body raised (a local class's, whose
    special methods then run when it is used) and ``e.args`` its arguments, by position."""
    if handler.name is None or not thrown:
        return
    cls, given = thrown[0]
    made = flowtypes.Val(ref=f"{cls}()" if cls in interp.classes else "")
    env[handler.name] = made
    values: dict[object, Val] = {
        i: interp.expr(a, env, flowtypes.When.LATER)
        for i, a in enumerate(given[:MAX_BOUND])
        if not isinstance(a, ast.Call)  # a call is walked where it is written
    }
    if values and len(interp.tables) < MAX_BOUND * 4:
        interp.tables[f"{handler.name}.args"] = values


def class_table(interp: Interpreter, cls: str, item: ast.stmt) -> None:
    """A dispatch table a class body binds (``H = {'a': staticmethod(a)}``) is also
    ``C.H``."""
    if isinstance(item, ast.Assign) and len(item.targets) == 1:
        target = item.targets[0]
        if isinstance(target, ast.Name) and target.id in interp.tables:
            interp.tables[f"{cls}.{target.id}"] = interp.tables[target.id]


def first_yield(interp: Interpreter, gen: Val, env: dict[str, Val]) -> Val | None:
    """``next(g())``: what the generator's first ``yield`` gives, read with the names in
    scope here (``yield os.system`` of a module-level name)."""
    if gen.func is None:
        return None
    for node in ast.walk(gen.func):
        if isinstance(node, ast.Yield) and node.value is not None:
            return interp.expr(node.value, env, flowtypes.When.LATER)
    return None
