"""Behaviour over tokens: fold, resolve and trace one Python file's AST (issue 16).

Pure and static: nothing is imported, built or run. A small abstract interpreter walks the
statements in order and, for every expression, computes a :class:`Val`: the constant it folds
to (string building with ``chr``/``join``/slices/``%``, ``bytes.fromhex``, base64/zlib/rot13
decode chains, ``X.__str__()`` of builtins), the object it refers to (imports, ``getattr``,
``__import__``, ``importlib.import_module``, ``globals()[...]``, lambdas and aliases), and the
labels of the data it carries (secret, host information, decoded, remote). Calls to
sinks are recorded as :class:`Event` values with the moment they run: on install (``setup.py``
module level, functions it calls, install-command classes), on import (module level), or later
(inside a function). :mod:`airlock.imports.packages.chains` scores the events.

Given the archive's other modules (:class:`local.LocalModules`), a call made on install or
import into one of them is followed there (:func:`trace_across`; ADR 0029).

This module is the interpreter's state and its entry points (:func:`trace`,
:func:`trace_across`). Its methods live in the modules whose job they are, bound on
:class:`Interpreter` (ADR 0112): :mod:`flowtypes` (the values, events and bounds every part
shares), :mod:`statements`, :mod:`expressions`, :mod:`calls`, :mod:`sinkevents` (a sink's
call made into an event) and :mod:`functions` (the module's own functions applied). Parts
with a job of their own sit beside them (ADR 0082):
:mod:`across` (calls followed into the archive's other modules), :mod:`comprehend`
(comprehensions), :mod:`replaced` (builtins, library functions and import hooks replaced),
:mod:`writes` (what a call writes into, dropped files), :mod:`piped` (a started network
tool's stdin), :mod:`sinkcall` (what one sink call says beyond its kind), :mod:`pathshape`
(what a path that does not fold still says) and :mod:`implicit` (calls nobody writes).

What it deliberately does not do: follow calls across files that run later, model loops or
branches (both arms are walked), run anything, or fold values past ``MAX_FOLD`` characters.
"""

from __future__ import annotations

import ast
import functools
import re

from airlock.imports.packages import (
    applied,
    calls,
    deeper,
    expressions,
    flowtypes,
    forwarded,
    functions,
    hostile,
    sinkevents,
    statements,
    writes,
)
from airlock.imports.packages.astwalk import own_nodes
from airlock.imports.packages.flowtypes import (
    HANDED_CREDENTIAL,
    MAX_STEPS,
    UNKNOWN,
    OverBudget,
    Trace,
    Val,
    When,
    credential_name,
)
from airlock.imports.packages.fold import small
from airlock.imports.packages.handed import arguments, defaults
from airlock.imports.packages.implicit import HOOK_ATTRS, hands_on_call
from airlock.imports.packages.local import LocalModules, MethodIndex
from airlock.imports.packages.prefilter import HitLines, may_act
from airlock.imports.packages.runfile import dotted
from airlock.imports.packages.sinks import HIDDEN, kind_of


class Interpreter:
    """Walk one module; see the module docstring. Use :func:`trace`."""

    tree: ast.Module | None = None  # the module :meth:`run_module` walks (ADR 0140)

    def __init__(  # noqa: PLR0915 -- one statement per piece of the walk's state
        self,
        install_time: bool,
        helper: bool = False,
        source: str | None = None,
        max_steps: int = MAX_STEPS,
        *,
        package: LocalModules | None = None,
        module: str = "",
        script: bool = False,
        hits: HitLines | None = None,
    ) -> None:
        self.install_time = install_time
        # Names each compound statement binds, read once per walk (:mod:`eitherway`).
        self.bound_names: dict[ast.stmt, tuple[str, ...]] = {}
        # A file nothing imports or runs (a developer's script in an sdist): its module
        # level runs only when a person runs it, like a ``__main__`` block.
        self.script = script
        # Other modules of the same archive: a call made on install or import into one of
        # them is followed there (issue 16: chains across files). Only with a package are
        # calls followed, and then functions that run later are not walked on their own.
        self.package = package
        self.module = module  # this module's dotted name, for relative imports
        self.foreign: dict[str, Trace] = {}  # member path -> events of functions followed
        self.stars: list[str] = []  # modules this one star-imports from its own package
        # Libraries it star-imports (``from os import *``): a bare name may be theirs.
        self.library_stars: list[str] = []
        # ``from __future__ import annotations``: annotations stay text and never run.
        self.lazy_annotations = False
        self.aliases: re.Pattern[str] | None = None
        self.helper = helper  # a module setup.py imports: its functions run during install
        self.trace = Trace()
        self.depth = 0
        self.applied = 0
        self.hits: HitLines | None = None
        if not (source is None or install_time):  # ``hits`` is falsy for a text naming none
            self.hits = hits if hits is not None else HitLines(source)
        self.steps = max_steps
        self.memo: dict[tuple[object, ...], Val | None] = {}
        self.classes: dict[str, ast.ClassDef] = {}  # classes this module defines, by name
        # ``self.x = v`` in a local class's methods run on install or import, by (``C()``, x).
        self.attrs: dict[tuple[str, str], Val] = {}
        self.pending: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, When]] = []
        # A function defined inside another, by id: the names its enclosing function bound
        # (its imports, its values), which its body reads as a closure does (ADR 0167).
        self.closures: dict[int, dict[str, Val]] = {}
        # Copies of a nested function, one per call that made it (:func:`applied.closed`).
        self.copies: dict[tuple[int, int], ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef] = {}
        # Calls on install or import past the walk's depth or budget, walked after the module
        # (:mod:`deeper`), and which (function, moment) were kept.
        self.stopped: list[deeper.Stopped] = []
        self.stopped_keys: set[tuple[int, When, tuple[Val, ...]]] = set()
        self.resuming = 0
        # Functions that write downloaded or decoded data to the path one of their parameters
        # names, by id, the parameters by their index in :func:`handed.parameters`: the
        # caller's argument (positional, keyword or default) is then a dropped file (issue 16).
        self.fills: dict[int, set[int]] = {}
        # Labels a function's call put into its parameters' objects, by id of the function
        # and index of the parameter; the names each function binds (:mod:`mutated`).
        self.grown: dict[int, dict[int, frozenset[str]]] = {}
        self.scopes: dict[int, tuple[ast.AST, frozenset[str]]] = {}
        # Secret labels written into a file, by its path's text; archives made for writing,
        # by id of their value: the value, where it writes, the buffer's name (:mod:`stashed`).
        self.stashed: dict[str, frozenset[str]] = {}
        self.archives: dict[int, tuple[Val, str, str]] = {}
        # Runs no dropped path matched yet: (trace, event index, text, arguments).
        self.unmatched: list[tuple[Trace, int, str, list[ast.expr]]] = []
        self.pipes: dict[str, str] = {}  # started network tools: ``piped.PIPED`` ref -> command
        # Comprehensions being read: (their own names, the names around them). A ``:=``
        # inside one binds in the first enclosing scope that is not one (PEP 572).
        self.comprehensions: list[tuple[dict[str, Val], dict[str, Val]]] = []
        # Paths a credential file was copied to: a stealer copies a browser's locked
        # ``Login Data`` before opening the copy with sqlite3 (ADR 0076).
        self.secret_copies: set[str] = set()
        # :meth:`hands_on` by id of the constructor, :func:`across.acts_abroad` by minus its id.
        self.handing: dict[int, bool] = {}
        self.reads: dict[int, applied.Reads] = {}  # :func:`applied.state`'s cache
        # Classes of other modules of the archive made here, by qualified name: their module.
        self.homes: dict[str, str] = {}
        self.lines: dict[str, list[bytes]] = {}  # their modules' lines (:func:`across.acts_abroad`)
        # The module's own names: a function declaring ``global x`` binds x there (ADR 0041).
        self.globals: dict[str, Val] | None = None
        # Names imported from the archive's other modules read as the constants those bind
        # (:meth:`joined`), only while an ``exec`` argument is read again.
        self.resolving = False
        self.tables: dict[str, dict[object, Val]] = {}  # dispatch tables by name (ADR 0048)
        # Implementations ``register``ed on a single-dispatch function, by its id (ADR 0073).
        self.dispatched: dict[int, list[ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        self.source = source  # the module's text: ``open(__file__).read()`` (ADR 0073)
        self.log_host = ""  # where a network log handler made here sends records (ADR 0073)
        # Folded text and lists a local class's body binds, by (class, name); the factories
        # its fields name, by class (:mod:`classdata`, ADR 0071).
        self.constants: dict[tuple[str, str], Val] = {}
        self.factories: dict[str, list[Val]] = {}
        # Descriptors a local class's body binds (``x = D()``, ``property(f)``), by (class,
        # name) (:mod:`protocol`).
        self.descriptors: dict[tuple[str, str], Val] = {}
        self.within: list[str] = []  # local classes whose methods are being evaluated
        # Functions of other modules met round a recursion ring, by id: their module.
        self.ring_homes: dict[int, str] = {}
        self.endless = 0  # loops being walked that never end nor wait (:mod:`hostile`)
        # Functions made for ``partial(f, a)`` and ``methodcaller``, by id of the call.
        self.made: dict[int, ast.Lambda] = {}
        # Calls of a table's entries made for ``H[k]()`` (:mod:`tables`), by id of the call.
        self.synthetic: dict[int, ast.Call] = {}
        # Methods kept in names (``w = f.write``), by name: the value bound, the object, the
        # method, what the object's first name held (:mod:`plainattr`, ADR 0126).
        self.bound_methods: dict[str, tuple[Val, ast.expr, str, Val | None]] = {}
        self.climbs = 0  # bases of other modules' classes being looked up, nested
        # :meth:`body_of` by id of the function: shared by the archive's walks when given.
        self.bodies: dict[
            int, tuple[ast.AST, tuple[str, ...], tuple[ast.expr, ...], tuple[ast.expr, ...]]
        ] = package.bodies if package is not None else {}
        # :meth:`methods` by id of the class, likewise.
        self.class_methods: dict[int, tuple[ast.ClassDef, MethodIndex]] = (
            package.class_methods if package is not None else {}
        )

    def run_module(self, tree: ast.Module) -> None:
        when = When.INSTALL if self.install_time else When.LATER if self.script else When.IMPORT
        env: dict[str, Val] = {}
        doc = ast.get_docstring(tree, clean=False)
        if doc and small(doc):  # ``exec(__doc__)``: code kept as the module's docstring
            env["__doc__"] = Val(const=doc)
        self.globals = env
        self.tree = tree
        self.block(tree.body, env, when)
        deeper.resume(self)
        self.aliases = _aliases(env, self.hits)
        seen: set[int] = set()
        while self.pending:
            func, fwhen = self.pending.pop()
            fwhen = When.INSTALL if self.helper else fwhen
            if self.package is not None and fwhen is When.LATER:
                continue  # following calls across files: the file's own pass walks these
            if id(func) in seen or not self.may_act(func):
                continue
            seen.add(id(func))
            local = dict(self.closures.get(id(func), env))
            for arg in func.args.args + func.args.kwonlyargs:
                # A credential the caller hands in (ADR 0086): only a bot channel the code
                # names weighs it (:func:`chains._network`); anywhere else it is unknown.
                local[arg.arg] = HANDED_CREDENTIAL if credential_name(arg.arg) else UNKNOWN
            if func.args.defaults or func.args.kw_defaults:
                defaults(self, func, local, env)  # ``def f(c, run=os.system)`` (ADR 0048)
            self.block(func.body, local, fwhen)
        deeper.resume(self)  # what a hook run on import called past the bounds
        writes.late_drops(self)

    def hands_on(self, func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """Whether a constructor naming no sink hands work on: it registers a hook the
        interpreter calls (``atexit.register(self.flush)``) or makes an instance of a local
        class (``self.c = Client()``), whose code may act (ADR 0041). Cached per function."""
        known = self.handing.get(id(func))
        if known is None:
            known = any(
                (isinstance(n, ast.Call) and hands_on_call(dotted(n.func), self.classes))
                or (isinstance(n, ast.Attribute) and dotted(n) in HOOK_ATTRS)
                for n in own_nodes(func)
            )
            self.handing[id(func)] = known
        return known

    def chains_up(self, cls: str) -> bool:
        """Whether local class ``cls`` derives from local classes one of whose constructors
        may act: its own constructor's ``super().__init__()`` runs theirs (ADR 0071)."""
        seen = {cls}
        base = self.trace.class_bases.get(cls, "").split(",")[0]
        while base in self.classes and base not in seen and len(seen) < flowtypes.MAX_BASES:
            seen.add(base)
            found = self.methods(self.classes[base], ("__init__",))
            if found and (self.may_act(found[0]) or self.hands_on(found[0])):
                return True
            base = self.trace.class_bases.get(base, "").split(",")[0]
        return False

    def may_act(self, func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """Whether a function walked on its own could make a chain (see :func:`trace`)."""
        if self.hits is None:
            return True
        first = min([func.lineno, *(d.lineno for d in func.decorator_list)])
        last = func.end_lineno or 1 << 30
        # A sink imported or bound under another name (``from os import system as run``,
        # ``run = getattr(os, 'sys' + 'tem')``) is called by that name (issue 16).
        return self.hits.acts(first, last) or (
            self.aliases is not None and self.hits.search(self.aliases, first, last)
        )

    def block(self, body: list[ast.stmt], env: dict[str, Val], when: When) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.While, ast.For)) and hostile.unbounded(stmt):
                # ``while True: Thread(target=spin).start()`` (probe 17)
                self.flooded(hostile.floods(stmt), stmt.lineno, when)
                self.endless += 1  # ``while True: os.fork()`` (ADR 0085)
                try:
                    self.stmt(stmt, env, when)
                finally:
                    self.endless -= 1
            else:
                self.stmt(stmt, env, when)

    # The walk's other parts, each in the module whose job it is (ADR 0112).
    stmt = statements.stmt
    definition_time = statements.definition_time
    annotation = statements.annotation
    special = statements.special
    keyed = statements.keyed
    named = statements.named
    on_class = statements.on_class
    getter = statements.getter
    library_name = statements.library_name
    decorate = statements.decorate
    class_hooks = statements.class_hooks
    enum = statements.enum
    bind = statements.bind
    expr = expressions.expr
    binop = expressions.binop
    subscript = expressions.subscript
    literal_dict = expressions.literal_dict
    map_const = expressions.map_const
    partial = expressions.partial
    call = calls.call
    instance = calls.instance
    arguments = arguments
    imported = calls.imported
    command_text = calls.command_text
    exec_text = calls.exec_text
    nested = calls.nested
    exec_head = calls.exec_head
    namespace = calls.namespace
    evaluated = calls.evaluated
    sink = sinkevents.sink
    runs_now = functions.runs_now
    run_hook = functions.run_hook
    flooded = functions.flooded
    partner = functions.partner
    lookup = functions.lookup
    method = functions.method
    apply = functions.apply
    methods = functions.methods
    body_of = functions.body_of
    enter = functions.enter
    apply_body = functions.apply_body


# Steps of one cross-file walk from a module with calls on import; the archive's own bound is
# ``local.MAX_ARCHIVE_STEPS``. Spending either holds (ADR 0096): four times the earlier 100,000
# reads transformers' ``__init__`` whole, the one popular package that spent it.
MAX_ACROSS_STEPS = 400_000


@functools.lru_cache(maxsize=65_536)
def _names_sink(name: str) -> bool:
    """``may_act(name, paths=False)``, remembered: every module's names are asked (the same
    imports, module after module)."""
    return may_act(name, paths=False)


def _aliases(env: dict[str, Val], hits: HitLines | None) -> re.Pattern[str] | None:
    """Names bound to a sink under a name of their own (``import urllib.request as r``,
    ``run = getattr(os, 'sys' + 'tem')``, ``_run = lambda *a: os.system(*a)``, ADR 0149):
    a function calling them is walked."""
    names = sorted(
        name
        for name, value in env.items()
        if (
            value.ref
            and value.ref != name
            and not _names_sink(name)
            and (kind_of(value.ref) or _names_sink(value.ref) or HIDDEN in value.labels)
        )
        or (hits is not None and forwarded.acting_wrapper(value.func, hits))
    )
    if not names:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names[:200]) + r")\b")


def trace(
    tree: ast.Module,
    *,
    install_time: bool,
    helper: bool = False,
    source: str | None = None,
    max_steps: int = MAX_STEPS,
    package: LocalModules | None = None,
    module: str = "",
    script: bool = False,
    hits: HitLines | None = None,
) -> Trace:
    """Sink events and recovered strings for one parsed module.

    ``helper`` marks a module that ``setup.py`` imports: its functions are taken to run
    during install (issue 16: a dropper moved out of setup.py into ``pre_install.py``).
    ``source``: the module's text; when given, a function that runs later (not on install) and
    whose text names no sink (:class:`prefilter.HitLines`) is not walked on its own: it cannot
    make a chain. ``hits``: ``HitLines(source)`` when the caller made it (its scans are not
    repeated). ``max_steps`` bounds the expressions evaluated; past it the walk stops and
    ``Trace.budget_spent`` is set, which the scorer turns into a hold (fail closed).
    """
    interp = Interpreter(
        install_time or helper,
        helper,
        source,
        max_steps,
        package=package,
        module=module,
        script=script and not (install_time or helper),
        hits=hits,
    )
    try:
        interp.run_module(tree)
    except OverBudget:
        interp.trace.budget_spent = True
    return interp.trace


def trace_across(
    tree: ast.Module,
    *,
    install_time: bool,
    package: LocalModules,
    module: str,
    max_steps: int = MAX_ACROSS_STEPS,
) -> tuple[Trace, dict[str, Trace]]:
    """The events of ``tree`` run on install or import with calls into the archive's other
    modules followed: its own trace and, per member path, the followed functions' events.
    Functions that run later are not walked (the file's own pass does). A spent budget,
    the walk's or the archive's, holds (``Trace.across_spent``): the calls past it were not
    read (ADR 0096: one imported function of 20,000 statements, called first, hid the sender
    called after it)."""
    budget = min(max_steps, package.steps_left)
    interp = Interpreter(install_time, False, None, budget, package=package, module=module)
    if budget > 0:
        try:
            interp.run_module(tree)
        except OverBudget:
            interp.trace.across_spent = True
    else:
        interp.trace.across_spent = True
    package.steps_left -= budget - max(interp.steps, 0)
    return interp.trace, interp.foreign
