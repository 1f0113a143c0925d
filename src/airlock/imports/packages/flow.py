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

This module is the walk itself; the parts with a job of their own sit beside it (ADR 0082):
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
import builtins
import functools
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple, TypeGuard

from airlock.imports.packages import (
    across,
    astbuilt,
    classdata,
    comprehend,
    deeper,
    foreign,
    hostile,
    intercept,
    keystream,
    logsent,
    picked,
    piped,
    protocol,
    reach,
    rebound,
    replaced,
    runkey,
    signin,
    sinkcall,
    tables,
    writes,
)
from airlock.imports.packages.astwalk import children
from airlock.imports.packages.fold import (
    CODECS_CALLS,
    DECODERS,
    DECOMPRESSORS,
    MAX_FOLD,
    MAX_ITEMS,
    SPELLINGS,
    STDLIB_STRINGS,
    WIDE_FORMAT,
    decimal,
    fold_call,
    intop,
    small,
    spelt,
    text_of,
)
from airlock.imports.packages.grammar import parse_module
from airlock.imports.packages.handed import (
    SETATTR,
    WATCHED,
    acts,
    arguments,
    builds_dict,
    class_attributes,
    defaults,
    entry,
    grown,
    hand_on,
    home_path,
    inherited,
    parameters,
    unpacked,
)
from airlock.imports.packages.implicit import (
    CALLBACKS,
    ENUM_BASES,
    ENUM_HOOKS,
    HOOK_ATTRS,
    IMPLICIT,
    KEY_HOOKS,
    MODULE_HOOKS,
    OPERATORS,
    PLAIN_ANNOTATIONS,
    PROPERTIES,
    THREADS,
    TRANSPARENT,
    hands_on_call,
)
from airlock.imports.packages.importhooks import (
    REGISTRARS,
)
from airlock.imports.packages.local import LocalModules, MethodIndex
from airlock.imports.packages.pathshape import (
    MAX_SHAPE,
    PATH_METHODS,
    PATH_READS,
    PATH_WRITES,
    PATHS_TABLE,
    SITE_KEYS,
    SKELETON,
    STARTUP_WRITES,
    arg_text,
    call_shape,
    hub_folder,
    persistent_shape,
    registry_path,
    runs_dropped,
    shape_of,
    skeleton,
    startup,
)
from airlock.imports.packages.prefilter import HitLines, may_act
from airlock.imports.packages.runfile import dotted
from airlock.imports.packages.sinks import (
    CLIENTS,
    CLIPBOARD_METHODS,
    CLIPBOARD_READS,
    DECODED,
    DNS,
    DROPPED,
    ENV,
    ENV_COMMANDS,
    FILE,
    GLOBBERS,
    HANDED,
    HIDDEN,
    HOST_COMMANDS,
    HOSTINFO,
    KEY_BYTE,
    MEDIA,
    MEDIA_FILE,
    METADATA_HOSTS,
    NETWORK_TOOL,
    PROCESS_MEMORY,
    REGISTRY_WRITERS,
    REMOTE,
    SECRET,
    SECRET_COMMANDS,
    SENDING_METHODS,
    SILENT,
    TOKEN_COMMANDS,
    TOLD,
    WEIGHT_LOADERS,
    WRITTEN_UPLOAD,
    decrypts,
    gives_client,
    install_command,
    kind_of,
    secret_path,
    source_labels,
    uploads_by_path,
)

MAX_CALL_DEPTH = 3
# Parts of a code object that decide what it runs (``code.replace(co_names=...)``).
CODE_REWRITES = frozenset({"co_code", "co_names", "co_consts", "co_varnames"})
MAX_APPLIES = 400  # user-function evaluations per file
# Expressions evaluated per module. Past it the module holds: work is bounded, and what was
# not read is not passed (issue 16). Generated modules of a million nodes reach it.
MAX_STEPS = 400_000


# What a look-up's or a glob's text is read from part by part (:meth:`Interpreter.partial`).
SPELT_PARTS = (ast.List, ast.Tuple, ast.BinOp, ast.JoinedStr)


class OverBudget(Exception):  # a signal inside the walk, never raised out of trace()
    """The module's step budget ran out."""


class When(Enum):
    INSTALL = "at install time"
    IMPORT = "on import"
    LATER = "when called"


# Values whose names say they are wallet keys (issue 16: keys sent from inside functions).
SECRET_NAMES = re.compile(
    r"mnemonic|private_?key|priv_?key|seed_?phrase|wallet_?key|keystore", re.I
)
SECRET_NAME = frozenset({SECRET})
# Parameters named as what a client is given to sign in with (aiocpa's ``token``, ADR 0086).
CREDENTIAL_NAMES = re.compile(r"token|api_?key|secret|passw(?:or)?d", re.I)
_BUILTINS = set(dir(builtins)) | {"__builtins__", "builtins"}


class Val(NamedTuple):  # immutable; a NamedTuple builds 2.5x faster than a frozen dataclass
    const: object = None  # folded str, bytes, int or list; None when unknown
    ref: str = ""  # dotted name of what this refers to ("os.system", "base64", "exec")
    labels: frozenset[str] = frozenset()
    func: ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef | None = None
    handle: str = ""  # an open file written to: its path as far as it folds ("" otherwise)
    path_var: str = ""  # an open file: the variable holding its path, when it is one
    shape: str = ""  # text of a value that does not fold: ``$APPDATA\\Startup`` (issue 16)


UNKNOWN = Val()
HANDED_CREDENTIAL = Val(labels=frozenset({HANDED}))


@dataclass(frozen=True, slots=True)
class Event:
    """One sink the flow pass saw reached: its kind, the call, the line and what flowed in."""

    kind: str  # exec | process | network | write | opaque-load | decode
    callee: str
    line: int
    when: When
    text: str  # folded arguments, for the scorer's patterns
    labels: frozenset[str]
    direct: bool = True  # False: inside a function that an eager call evaluated
    resumed: bool = False  # walked past the walk's bounds: at most held (ADR 0096)


@dataclass(slots=True)
class Trace:
    """What a file does: sink events and the strings recovered by folding."""

    events: list[Event] = field(default_factory=list)
    recovered: list[tuple[int, str, frozenset[str]]] = field(default_factory=list)
    class_bases: dict[str, str] = field(default_factory=dict)
    dropped: set[str] = field(default_factory=set)  # literal paths downloaded data went to
    # The same for paths that do not fold: the text of the expression (``os.path.join(d,
    # 'x.py')``), matched against the text of what is run.
    skeletons: set[str] = field(default_factory=set)
    budget_spent: bool = False  # MAX_STEPS ran out: the rest of the module was not read
    across_spent: bool = False  # the cross-file walk's budget ran out (ADR 0096)
    # What a size or count bound kept the walk from reading (a module larger than the
    # archive's parse budget called on import, a 17th re-export): held (ADR 0097).
    unread: str = ""
    # Import hooks evaluated at registration: (line, what, builtin replaced, first event,
    # end) over ``events`` (:mod:`importhooks`).
    hooks: list[tuple[int, str, str, int, int]] = field(default_factory=list)

    def past(self, what: str) -> None:
        """Note ``what`` was not read past a bound (the first such is kept): held."""
        self.unread = self.unread or what


@functools.lru_cache(maxsize=65_536)
def _secret_name(name: str) -> bool:
    """A variable named like a wallet key (cached: every name lookup asks)."""
    return SECRET_NAMES.search(name) is not None


@functools.lru_cache(maxsize=4096)
def _credential_name(name: str) -> bool:
    return CREDENTIAL_NAMES.search(name) is not None


def keyed(left: Val, right: Val) -> bool:
    """One side of a ``^`` is a number written in the code (or one byte of a key written
    in it, :data:`KEY_BYTE`), the other data that is not."""
    return any(
        ((type(key.const) is int and not key.labels) or KEY_BYTE in key.labels)
        and data.const is None
        for key, data in ((left, right), (right, left))
    )


def key_table(const: object) -> bool:
    """Bytes, or a list of small numbers, written in the code: what a repeating XOR key is."""
    if isinstance(const, bytes):
        return bool(const)
    return (
        isinstance(const, list)
        and bool(const)
        and all(type(c) is int and 0 <= c < 256 for c in const)
    )


def _canon(ref: str) -> str:
    for prefix in ("builtins.", "__builtins__.", "__builtin__."):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    if ".os." in ref and ref.startswith(REEXPORTED_OS):
        return ref[ref.index(".os.") + 1 :]  # ``shutil.os.system`` is ``os.system`` (ADR 0080)
    return ref


# Standard modules that import ``os`` under its own name: ``subprocess.os`` is ``os``.
REEXPORTED_OS = tuple(
    f"{m}.os." for m in ("subprocess", "shutil", "tempfile", "glob", "site", "sysconfig",
                         "platform", "logging", "pathlib", "posixpath", "ntpath", "zipfile")
)  # fmt: skip


class Interpreter:
    """Walk one module; see the module docstring. Use :func:`trace`."""

    def __init__(
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
        self.memo: dict[tuple[int, When, tuple[tuple[str, frozenset[str]], ...]], Val | None] = {}
        self.classes: dict[str, ast.ClassDef] = {}  # classes this module defines, by name
        # ``self.x = v`` in a local class's methods run on install or import, by (``C()``, x).
        self.attrs: dict[tuple[str, str], Val] = {}
        self.pending: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, When]] = []
        # Calls on install or import past the walk's depth or budget, walked after the module
        # (:mod:`deeper`), and which (function, moment) were kept.
        self.stopped: list[deeper.Stopped] = []
        self.stopped_keys: set[tuple[int, When]] = set()
        self.resuming = 0
        # Functions that write downloaded or decoded data to the path one of their parameters
        # names, by id, the parameters by their index in :func:`handed.parameters`: the
        # caller's argument (positional, keyword or default) is then a dropped file (issue 16).
        self.fills: dict[int, set[int]] = {}
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
        self.climbs = 0  # bases of other modules' classes being looked up, nested
        # :meth:`body_of` by id of the function: shared by the archive's walks when given.
        self.bodies: dict[int, tuple[ast.AST, tuple[str, ...], tuple[ast.expr, ...]]] = (
            package.bodies if package is not None else {}
        )
        # :meth:`methods` by id of the class, likewise.
        self.class_methods: dict[int, tuple[ast.ClassDef, MethodIndex]] = (
            package.class_methods if package is not None else {}
        )

    # --- statements -------------------------------------------------------------------
    def run_module(self, tree: ast.Module) -> None:
        when = When.INSTALL if self.install_time else When.LATER if self.script else When.IMPORT
        env: dict[str, Val] = {}
        doc = ast.get_docstring(tree, clean=False)
        if doc and small(doc):  # ``exec(__doc__)``: code kept as the module's docstring
            env["__doc__"] = Val(const=doc)
        self.globals = env
        self.block(tree.body, env, when)
        deeper.resume(self)
        self.aliases = _aliases(env)
        seen: set[int] = set()
        while self.pending:
            func, fwhen = self.pending.pop()
            fwhen = When.INSTALL if self.helper else fwhen
            if self.package is not None and fwhen is When.LATER:
                continue  # following calls across files: the file's own pass walks these
            if id(func) in seen or not self.may_act(func):
                continue
            seen.add(id(func))
            local = dict(env)
            for arg in func.args.args + func.args.kwonlyargs:
                # A credential the caller hands in (ADR 0086): only a bot channel the code
                # names weighs it (:func:`chains._network`); anywhere else it is unknown.
                local[arg.arg] = HANDED_CREDENTIAL if _credential_name(arg.arg) else UNKNOWN
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
                for n in _own_nodes(func)
            )
            self.handing[id(func)] = known
        return known

    def chains_up(self, cls: str) -> bool:
        """Whether local class ``cls`` derives from local classes one of whose constructors
        may act: its own constructor's ``super().__init__()`` runs theirs (ADR 0071)."""
        seen = {cls}
        base = self.trace.class_bases.get(cls, "").split(",")[0]
        while base in self.classes and base not in seen and len(seen) < MAX_BASES:
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

    # An AST dispatcher: one branch per statement kind reads better than a table here.
    def stmt(self, node: ast.stmt, env: dict[str, Val], when: When) -> None:  # noqa: PLR0912, PLR0915
        if isinstance(node, ast.Assign):
            value = self.expr(node.value, env, when)
            for target in node.targets:
                if when is not When.LATER and isinstance(target, (ast.Attribute, ast.Subscript)):
                    replaced.patched(self, target, value, env, when)
                    if self.classes:  # ``k.x = v``: its ``__setattr__`` (ADR 0071)
                        protocol.assigned(self, target, value, env, when)
                self.bind(target, value, env)
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Call):
                    writes.temp_file(self, target, node.value, env, when)
            if (
                isinstance(node.value, (ast.Tuple, ast.List, ast.Dict))
                or isinstance(node.targets[0], ast.Subscript)
                or builds_dict(node.value)
            ):
                unpacked(self, node, env, when)  # ``r, = (exec,)``, dispatch tables
                if isinstance(node.value, (ast.List, ast.Tuple)):
                    for target in node.targets:  # ``L = [lambda: ...]`` (ADR 0071)
                        if isinstance(target, ast.Name):
                            tables.listed(self, target.id, node.value, env)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            if isinstance(node, ast.AnnAssign) and node.simple:
                self.annotation(node.annotation, env, when)  # ``x: f() = 1`` runs f
            if node.value is not None:
                value = self.expr(node.value, env, when)
                if isinstance(node, ast.AugAssign):
                    old = self.expr(node.target, env, when)
                    value = self.binop(node.op, old, value)
                self.bind(node.target, value, env)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                env[name] = Val(ref=alias.name if alias.asname else name)
        elif isinstance(node, ast.ImportFrom):
            # A relative import keeps its dots (``.util.run``): it names this package's own
            # module, never a library of the same name; :func:`across.follow` resolves it.
            prefix = "." * node.level
            base = f"{prefix}{node.module}." if node.module else prefix
            for alias in node.names:
                if alias.name == "*":
                    if node.level == 0 and node.module and len(self.library_stars) < 8:
                        self.library_stars.append(node.module)
                    elif self.package is not None:  # read only when a name from it is called
                        self.stars.append(base.rstrip(".") or prefix)
                    continue
                if node.module == "__future__" and alias.name == "annotations":
                    self.lazy_annotations = True
                ref = f"{base}{alias.name}"
                env[alias.asname or alias.name] = Val(
                    STDLIB_STRINGS.get(ref), ref, shape=hub_folder(ref)
                )
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            env[node.name] = Val(func=node)
            self.definition_time(node.args, node.returns, env, when)
            for decorator in node.decorator_list:
                self.decorate(self.expr(decorator, env, when), Val(func=node), env, when)
            later: When = when if self.install_time and when is When.INSTALL else When.LATER
            later = later if when is When.INSTALL else When.LATER
            if node.name in MODULE_HOOKS and env is self.globals and when is When.IMPORT:
                # A module's ``__getattr__`` runs whenever an importer asks for a name the
                # module lacks (``from pkg import anything``), with nobody calling it: it is
                # read as running on import (ADR 0067).
                later = When.IMPORT
            self.pending.append((node, later))
        elif isinstance(node, ast.ClassDef):
            bases = [self.expr(b, env, when).ref for b in node.bases]
            self.trace.class_bases[node.name] = ",".join(bases)
            self.classes[node.name] = node
            self.class_hooks(node, bases, env, when)
            hook = self.install_time and any(install_command(b) for b in bases)
            # The body's own functions are names its later statements use (``H = {'a':
            # staticmethod(a)}``; ADR 0073).
            defined = {
                item.name: Val(func=item)
                for item in node.body
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
            }
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self.pending.append((item, When.INSTALL if hook else When.LATER))
                else:
                    self.stmt(item, {**env, **defined} if defined else dict(env), when)
                    rebound.class_table(self, node.name, item)  # ``C.H['a']`` (ADR 0073)
                    self.named(item, env, when)
                    protocol.remember(self, node.name, item, env)  # ``x = D()`` (ADR 0071)
            class_attributes(self, node, env)  # ``class K: run = exec`` (ADR 0048)
            classdata.remember(self, node, env)  # ``class K: cmds = ['id']`` (ADR 0071)
            env[node.name] = Val(ref=node.name)
            for decorator in node.decorator_list:
                self.decorate(self.expr(decorator, env, when), env[node.name], env, when)
        elif isinstance(node, ast.If):
            protocol.truth(self, self.expr(node.test, env, when), env, when)
            # setup.py's own ``__main__`` block runs on install: pip runs it as __main__.
            setup = self.install_time and not self.helper
            inner = When.LATER if _is_main_guard(node.test) and not setup else when
            self.block(node.body, env, inner)
            self.block(node.orelse, env, when)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            seq = self.expr(node.iter, env, when)
            self.special(seq, ("__iter__", "__aiter__"), [], env, when)
            protocol.iterated(self, seq, env, when)
            written = comprehend.written_out(
                node.iter, seq, node.target, at_top=env is self.globals
            )
            if written is not None and when is not When.LATER:
                # ``for c in ['id']: os.system(c)`` runs what the list spells (ADR 0063).
                for spelled in written:
                    self.bind(node.target, Val(const=spelled, labels=seq.labels), env)
                    self.block(node.body, env, when)
                self.block(node.orelse, env, when)
                return
            if self.tables and tables.looped(self, node, env, when):
                return  # ``for f in H.values(): f()`` (ADR 0071)
            if seq.ref.startswith(rebound.EACH) and when is not When.LATER:
                for module in rebound.each(seq):  # ``for m in map(__import__, n)`` (ADR 0073)
                    self.bind(node.target, module, env)
                    self.block(node.body, env, when)
                return
            if isinstance(node.body[0], ast.Assign) and tables.filled(self, node, seq, env):
                return  # ``for i in range(256): T[i] = i ^ K`` (ADR 0071)
            # ``for k in os.environ``: each name, and what it picks, is every variable (0098).
            self.bind(node.target, Val(labels=seq.labels | sinkcall.whole_environ(seq)), env)
            if isinstance(node.iter, (ast.List, ast.Tuple)):
                reach.looped(self, node.target, node.iter, env, when)  # ``for f in [os.system]``
            self.block(node.body, env, when)
            self.block(node.orelse, env, when)
        elif isinstance(node, ast.While):
            protocol.truth(self, self.expr(node.test, env, when), env, when)
            self.block(node.body, env, when)
            self.block(node.orelse, env, when)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for withitem in node.items:
                value = self.expr(withitem.context_expr, env, when)
                entered = self.special(value, ("__enter__", "__aenter__"), [], env, when)
                self.special(value, ("__exit__", "__aexit__"), [UNKNOWN] * 3, env, when)
                if withitem.optional_vars is not None:
                    self.bind(withitem.optional_vars, entered or value, env)
            self.block(node.body, env, when)
        elif isinstance(node, ast.Match):
            # Every case is walked, as both arms of an ``if`` are (its patterns bind nothing
            # the pass follows); without this, code under ``case _:`` was never read.
            subject = self.expr(node.subject, env, when)
            for case in node.cases:
                if isinstance(case.pattern, ast.MatchAs) and case.pattern.name:
                    env[case.pattern.name] = subject  # ``case c:`` binds it (ADR 0073)
                if case.guard is not None:
                    self.expr(case.guard, env, when)
                self.block(case.body, env, when)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self.block(node.body, env, when)  # type: ignore[attr-defined]
            thrown = rebound.raised(self, node, env)  # type: ignore[arg-type]
            for handler in node.handlers:  # type: ignore[attr-defined]
                rebound.caught(self, handler, thrown, env)  # ``e.args[0]`` (ADR 0073)
                self.block(handler.body, env, when)
            self.block(node.orelse, env, when)  # type: ignore[attr-defined]
            self.block(node.finalbody, env, when)  # type: ignore[attr-defined]
        elif isinstance(node, (ast.Expr, ast.Return)) and node.value is not None:
            self.expr(node.value, env, when)
        else:
            for child in children(node):
                if isinstance(child, ast.expr):
                    self.expr(child, env, when)
                elif isinstance(child, ast.stmt):
                    self.stmt(child, env, when)

    def definition_time(
        self, args: ast.arguments, returns: ast.expr | None, env: dict[str, Val], when: When
    ) -> None:
        """What a ``def`` or ``lambda`` evaluates when it is defined, not called: its default
        values and (unless ``from __future__ import annotations``) its annotations.
        ``def f(x=os.system(c))`` runs the command on import."""
        for default in [*args.defaults, *args.kw_defaults]:
            if default is not None and not isinstance(default, ast.Constant):
                self.expr(default, env, when)
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None and arg.annotation is not None:
                self.annotation(arg.annotation, env, when)
        if returns is not None:
            self.annotation(returns, env, when)

    def annotation(self, node: ast.expr, env: dict[str, Val], when: When) -> None:
        """Evaluate an annotation that runs now; a name or a string (most) can run nothing."""
        if not self.lazy_annotations and not isinstance(node, PLAIN_ANNOTATIONS):
            self.expr(node, env, when)

    def special(
        self, value: Val, names: tuple[str, ...], args: list[Val], env: dict[str, Val], when: When
    ) -> Val | None:
        """Run the special method the language calls on an instance of a local class made
        on install or import (``with K():`` its ``__enter__``/``__exit__``, ``K() + 1`` its
        ``__add__``, ``str(K())`` its ``__str__``): the first of ``names`` it defines."""
        if when is When.LATER or not value.ref.endswith("()"):
            return None
        owner = value.ref[:-2]
        if owner not in self.classes:
            return None
        for name in names:
            if self.lookup(owner, name) is not None:
                return self.method(owner, name, [value, *args], env, when) or UNKNOWN
        return None

    def keyed(self, base: Val, key: Val, env: dict[str, Val], when: When) -> Val | None:
        """``__builtins__['exec']`` (outside ``__main__`` the builtins are a dict) and
        ``K()[k]`` (its ``__getitem__`` runs); None for any other subscript."""
        if base.ref in BUILTIN_TABLES and isinstance(key.const, str):
            return Val(ref=_canon(key.const), labels=frozenset({HIDDEN}))
        if base.ref in self.classes and when is not When.LATER:  # ``K[int]``
            return self.method(base.ref, "__class_getitem__", [base, key], env, when)
        return self.special(base, ("__getitem__", "__missing__"), [key], env, when)

    def named(self, item: ast.stmt, env: dict[str, Val], when: When) -> None:
        """``class A: x = D()``: making class A calls ``D.__set_name__`` (a descriptor of a
        local class), with nobody calling it."""
        value = item.value if isinstance(item, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            made = Val(ref=f"{value.func.id}()")
            self.special(made, ("__set_name__",), [UNKNOWN, UNKNOWN], env, when)

    def on_class(self, ref: str, args: list[Val], env: dict[str, Val], when: When) -> Val | None:
        """``K.go(a)`` of local class ``K``: its method with these arguments, ``K`` first
        for a ``classmethod``; None when ``K`` defines no such method (ADR 0057)."""
        owner, _, name = ref.partition(".")
        found = self.lookup(owner, name) if name.isidentifier() else None
        if found is None:
            return None
        bound = any(dotted(d) == "classmethod" for d in found.decorator_list)
        return self.method(owner, name, [Val(ref=owner), *args] if bound else args, env, when)

    def getter(self, instance: Val, attr: str, env: dict[str, Val], when: When) -> Val | None:
        """``K().p`` where ``p`` is a property (or cached one) of local class ``K``: its
        getter runs on access."""
        owner = instance.ref[:-2]
        if owner not in self.classes:
            return None
        found = self.lookup(owner, attr)
        if found is None or not any(
            dotted(d).rsplit(".", 1)[-1] in PROPERTIES for d in found.decorator_list
        ):
            return None
        return self.method(owner, attr, [instance], env, when) or UNKNOWN

    def library_name(self, name: str) -> Val:
        """A bare name a ``from lib import *`` may have brought: a sink or a source of one
        of those libraries (``from os import *; system(c)``), else unknown."""
        for module in self.library_stars:
            ref = f"{module}.{name}"
            if kind_of(ref) or source_labels(ref):
                return Val(ref=ref, labels=source_labels(ref))
        return UNKNOWN

    def decorate(self, decorator: Val, target: Val, env: dict[str, Val], when: When) -> None:
        """A decorator runs when the definition does: a local one is evaluated with the
        function or class it decorates, and ``@atexit.register`` (or any registrar of
        :data:`CALLBACKS`) runs the function now (issue 16: code reached only through a
        decorator or an exit hook, naming no sink at module level)."""
        if rebound.decorated(self, decorator, target):  # ``@f.register(int)`` (ADR 0073)
            return
        if when is When.LATER:
            return
        if decorator.func is not None:
            self.apply(decorator.func, [target], env, when)
        elif decorator.ref in self.classes:  # ``@K``: ``K(f)`` runs K's ``__init__`` (ADR 0067)
            made = Val(ref=f"{decorator.ref}()")
            self.method(decorator.ref, "__init__", [made, target], env, when)
        elif decorator.ref in CALLBACKS:
            self.run_hook(target, env, when)

    def class_hooks(
        self, node: ast.ClassDef, bases: list[str], env: dict[str, Val], when: When
    ) -> None:
        """Defining a class runs its metaclass (``__new__``, ``__init__``, ``__prepare__``)
        and the ``__init_subclass__`` of its bases, when this module defines them."""
        if when is When.LATER:
            return
        hooks: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        for keyword in node.keywords:
            if keyword.arg == "metaclass":
                meta = self.classes.get(self.expr(keyword.value, env, when).ref)
                hooks += self.methods(meta, ("__new__", "__init__", "__prepare__"))
        if self.enum(node.name):
            # Each member of an Enum is made when the class is: its ``__new__`` and
            # ``__init__`` run then, and ``_generate_next_value_`` for ``auto()`` (ADR 0067).
            hooks += self.methods(node, ENUM_HOOKS)
        seen: set[str] = set()
        todo = [b for b in bases if b in self.classes]
        while todo and len(seen) < MAX_BASES:  # the base chain within this module, bounded
            base = self.classes[todo.pop()]
            if base.name in seen:
                continue
            seen.add(base.name)
            hooks += self.methods(base, ("__init_subclass__",))
            parents = self.trace.class_bases.get(base.name, "").split(",")
            todo += [b for b in parents if b in self.classes]
        for hook in hooks:
            self.apply(hook, [UNKNOWN] * len(hook.args.args), env, when)

    def enum(self, cls: str) -> bool:
        """Whether local class ``cls`` derives from one of :mod:`enum`'s classes (its local
        bases followed, bounded)."""
        seen: set[str] = set()
        todo = [cls]
        while todo and len(seen) < MAX_BASES:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for base in self.trace.class_bases.get(name, "").split(","):
                if base.startswith("enum.") or base in ENUM_BASES:
                    return True
                if base in self.classes:
                    todo.append(base)
        return False

    def bind(self, target: ast.expr, value: Val, env: dict[str, Val]) -> None:
        if isinstance(target, ast.Name):
            env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            if value.ref and reach.streams(target, value, env):
                return  # ``reader, writer`` of ``asyncio.open_connection`` (ADR 0051)
            if value.ref.startswith(rebound.EACH):  # ``a, b = map(__import__, n)`` (ADR 0073)
                for i, element in enumerate(target.elts):
                    self.bind(element, rebound.module_at(value, i) or UNKNOWN, env)
                return
            items = value.const if isinstance(value.const, list) else None
            for i, element in enumerate(target.elts):
                const = items[i] if items is not None and i < len(items) else None
                self.bind(element, Val(const=const, labels=value.labels), env)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            old = env.get(target.value.id, UNKNOWN)
            labels = value.labels
            if _auth_header(target.slice):  # ``headers['Authorization'] = 'Bearer ' + tok``
                labels = signin.signed(labels, value.shape)
            env[target.value.id] = Val(ref=old.ref, labels=old.labels | labels)
        elif isinstance(target, ast.Subscript):
            rebound.item_bound(self, target, value, env)  # ``globals()['run'] = f`` (ADR 0073)
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            if target.attr == "__code__" and value.func is not None:
                env[target.value.id] = value  # ``g.__code__ = f.__code__``: g runs f (ADR 0073)
                return
            owner = env.get(target.value.id, UNKNOWN).ref
            if owner.endswith("()") and owner[:-2] in self.classes and len(self.attrs) < 256:
                self.attrs[owner, target.attr] = value  # an instance's attribute (issue 16)

    # --- expressions ------------------------------------------------------------------
    def expr(self, node: ast.expr, env: dict[str, Val], when: When) -> Val:  # noqa: PLR0911, PLR0912, PLR0915 -- one branch per node kind
        self.steps -= 1
        if self.steps < 0:
            raise OverBudget
        if isinstance(node, ast.Constant):
            value = node.value
            return Val(const=value) if small(value) else UNKNOWN
        if isinstance(node, ast.Name):
            if node.id in env:
                found = env[node.id]
                if self.resolving and found.const is None and found.ref:
                    return across.constant_of(self, found.ref) or found
                return (
                    Val(found.const, found.ref, found.labels | SECRET_NAME, found.func)
                    if (_secret_name(node.id) and SECRET not in found.labels)
                    else found
                )
            if node.id in _BUILTINS:
                return Val(ref=node.id)
            return self.library_name(node.id) if self.library_stars else UNKNOWN
        if isinstance(node, ast.Attribute):
            base = self.expr(node.value, env, when)
            if base.ref.endswith("()") and when is not When.LATER:
                got = self.getter(base, node.attr, env, when)  # ``K().p`` of a property
                if got is not None:
                    return got
            if node.attr == "__call__" and (base.func is not None or _callable_ref(base.ref)):
                return base  # ``exec.__call__(code)`` is ``exec(code)`` (ADR 0051)
            if node.attr in CODE_ATTRS and (base.func is not None or base.ref in self.classes):
                return base  # ``f.__code__``, ``staticmethod(f).__func__`` run f (ADR 0073)
            if node.attr == "__func__" and base.ref.partition(".")[0] in self.classes:
                return base  # ``C.m.__func__``: the function ``C.m`` names (ADR 0073)
            elsewhere = foreign.module_file(base, node.attr, self.package, self.module)
            elsewhere = elsewhere or foreign.spec_part(base, node.attr)
            if elsewhere:  # ``requests.__file__``: another package's code (ADR 0085)
                return Val(labels=base.labels, shape=elsewhere)
            if base.ref:
                if (base.ref, node.attr) in self.attrs:
                    return self.attrs[base.ref, node.attr]  # set by a method that ran
                if self.constants:  # ``C.cmds``, ``self.cmds`` of its body (ADR 0071)
                    kept = self.constants.get((base.ref.removesuffix("()"), node.attr))
                    if kept is not None:
                        return kept
                if when is not When.LATER and (self.descriptors or base.ref.endswith("()")):
                    got = protocol.attribute(self, base, node.attr, env, when)  # ADR 0071
                    if got is not None:
                        return got
                ref = _canon(f"{base.ref}.{node.attr}")
                if self.resolving:
                    return across.constant_of(self, ref) or Val(ref=ref, labels=base.labels)
                labels = base.labels | source_labels(ref)
                return Val(STDLIB_STRINGS.get(ref), ref, labels, shape=hub_folder(ref))
            if isinstance(base.const, (str, bytes, dict)) or type(base.const) is int:
                return Val(ref=f"{type(base.const).__name__}.{node.attr}", const=base.const)
            if base.handle and node.attr in ("write", "writelines"):
                # ``open(p, 'wb').write(data)``: the file written to, as for ``f.write``.
                return Val(labels=base.labels, handle=base.handle, path_var=base.path_var)
            if base.shape and node.attr in PATH_WRITES:  # ``(home / '.bashrc').write_text``
                return Val(labels=base.labels, handle=base.shape)  # ADR 0048
            if base.shape and node.attr in PATH_READS and secret_path(base.shape):
                # ``Path.home().joinpath('.ssh', 'id_rsa').read_text()`` (ADR 0079)
                return Val(labels=base.labels | SECRET_NAME)
            if base.shape and node.attr in picked.WALK_METHODS:  # ``Path.home().rglob``
                picked.weights_walked(self, node.lineno, node.attr, base.shape, when)
                # A glob's pattern is its call's (:func:`reach.path_method`, ADR 0106); a
                # credential folder's walk keeps its folder too: what it finds is a
                # credential (:func:`sinkcall.walks_secrets`, probe 17).
                keeps = node.attr in picked.PATH_GLOBS or secret_path(base.shape)
                shape = base.shape if keeps else ""
                return Val(labels=base.labels | picked.wiped(base.shape), shape=shape)  # 0085
            if base.shape and node.attr in PATH_METHODS:  # ``.expanduser()`` (ADR 0051)
                return Val(labels=base.labels, shape=base.shape)
            return Val(labels=base.labels)
        if isinstance(node, ast.Call):
            return self.call(node, env, when)
        if isinstance(node, ast.BinOp):
            left, right = self.expr(node.left, env, when), self.expr(node.right, env, when)
            name = OPERATORS.get(type(node.op))
            if name is not None:  # ``K() + 1`` runs ``K.__add__``; ``1 + K()`` its ``__radd__``
                ran = self.special(left, (f"__{name}__",), [right], env, when)
                ran = ran or self.special(right, (f"__r{name}__",), [left], env, when)
                if ran is not None:
                    return ran
            done = self.binop(node.op, left, right)
            # ``'%s' % (os.environ,)`` (ADR 0098)
            whole = sinkcall.formatted_environ(self, node, left, right, env)
            return done._replace(labels=done.labels | whole) if whole else done
        if isinstance(node, ast.Subscript):
            return self.subscript(node, env, when)
        if isinstance(node, ast.JoinedStr):
            parts = [self.expr(v, env, when) for v in node.values]
            labels = frozenset().union(*(p.labels for p in parts))
            if all(isinstance(p.const, str) for p in parts):
                return Val(const="".join(str(p.const) for p in parts), labels=labels)
            return Val(labels=labels, shape="".join(shape_of(p) for p in parts)[:MAX_SHAPE])
        if isinstance(node, ast.FormattedValue):
            inner = self.expr(node.value, env, when)
            self.special(inner, ("__format__", "__str__", "__repr__"), [UNKNOWN], env, when)
            const = inner.const if isinstance(inner.const, str) else None
            if isinstance(inner.const, int):
                const = decimal(inner.const)
            # ``f'{os.environ}'``: every variable spelt into the text (ADR 0098).
            return Val(const=const, labels=inner.labels | sinkcall.whole_environ(inner))
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = [self.expr(e, env, when) for e in node.elts[:MAX_ITEMS]]
            labels = frozenset().union(*(i.labels for i in items))
            if isinstance(node, ast.Set):
                for item in items:  # a set's members are hashed (ADR 0071)
                    protocol.hashed(self, item, env, when)
            consts = [i.const for i in items]
            known = all(c is not None for c in consts) and len(node.elts) <= MAX_ITEMS
            return Val(const=consts if known else None, labels=labels)
        if isinstance(node, ast.Dict):
            values = [self.expr(v, env, when) for v in node.values]
            parts = [_header(key, v) for key, v in zip(node.keys, values, strict=True)]
            for key in node.keys:
                if key is not None:
                    protocol.hashed(self, self.expr(key, env, when), env, when)
            labels = frozenset().union(*(p.labels for p in parts))
            for key, v in zip(node.keys, values, strict=True):
                if key is None:  # ``{**os.environ}``: every variable (ADR 0098)
                    labels |= sinkcall.whole_environ(v)
            return Val(labels=labels)
        if isinstance(node, ast.Lambda):
            self.definition_time(node.args, None, env, when)  # ``lambda x=f(): x`` runs f
            return Val(func=node)
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            return comprehend.comprehension(self, node, env, when)
        if isinstance(node, ast.DictComp):
            table = comprehend.table(self, node, env)
            return table if table is not None else comprehend.comprehension(self, node, env, when)
        if isinstance(node, ast.IfExp):
            protocol.truth(self, self.expr(node.test, env, when), env, when)
            a, b = self.expr(node.body, env, when), self.expr(node.orelse, env, when)
            return Val(ref=a.ref or b.ref, labels=a.labels | b.labels)
        if isinstance(node, ast.Yield) and rebound.SENT in env:  # ``c = yield`` (ADR 0073)
            if node.value is not None:
                self.expr(node.value, env, when)
            return env[rebound.SENT]
        if isinstance(node, ast.Await):  # ``r, w = await open_connection(h, p)`` (ADR 0051)
            return self.expr(node.value, env, when)
        if isinstance(node, ast.NamedExpr):  # ``(r := os.system)(c)`` (ADR 0048)
            named = self.expr(node.value, env, when)
            self.bind(node.target, named, env)
            around = env
            for local, outer in reversed(self.comprehensions):
                around = outer if local is around else around
            if around is not env:  # ``[(f := os.system) for _ in 'a']; f(c)`` (ADR 0080)
                self.bind(node.target, named, around)
            return named
        if isinstance(node, ast.Compare):  # ``K() == 1``, ``1 in K()`` (ADR 0071)
            picked.compared(self, node, env, when)  # ``p.suffix == '.gguf'`` (ADR 0085)
            return Val(labels=protocol.compared(self, node, env, when))
        if isinstance(node, ast.BoolOp):
            operands = [self.expr(v, env, when) for v in node.values]
            for operand in operands:
                protocol.truth(self, operand, env, when)
            return Val(labels=frozenset().union(*(v.labels for v in operands)))
        if isinstance(node, ast.UnaryOp):
            inner = self.expr(node.operand, env, when)
            if isinstance(node.op, ast.Not):
                protocol.truth(self, inner, env, when)
            if isinstance(inner.const, int) and isinstance(node.op, ast.USub):
                return Val(const=-inner.const)
            if isinstance(inner.const, int) and isinstance(node.op, ast.Invert):
                return Val(const=~inner.const)
            return Val(labels=inner.labels)
        carried: frozenset[str] = frozenset()
        for child in children(node):
            if isinstance(child, ast.expr):
                carried |= self.expr(child, env, when).labels
        return Val(labels=carried)

    def binop(self, op: ast.operator, left: Val, right: Val) -> Val:
        labels = left.labels | right.labels
        a, b = left.const, right.const
        shaped = _percent_shape(a, right, labels) if isinstance(op, ast.Mod) and b is None else ""
        if shaped:
            return Val(labels=labels, shape=shaped)
        try:
            folded: object = None
            if isinstance(op, ast.Add) and type(a) is type(b) and a is not None:
                folded = a + b  # type: ignore[operator]
            elif isinstance(op, ast.Mod) and isinstance(a, str) and not WIDE_FORMAT.search(a):
                folded = a % (tuple(b) if isinstance(b, list) else b)
            elif isinstance(a, int) and isinstance(b, int) and (abs(b) < 4096 or _bitwise(op)):
                # ``(b >> 3) | (b << 5)``: a byte rotated is no large number (probe 17).
                folded = intop(op, a, b)
            elif isinstance(op, ast.Mult) and isinstance(a, (str, bytes)) and isinstance(b, int):
                folded = a * b if len(a) * b <= MAX_FOLD else None
            if folded is not None and small(folded):
                return Val(const=folded, labels=labels)
        except (TypeError, ValueError, LookupError, ArithmeticError):
            pass
        if isinstance(op, ast.BitXor) and labels & {FILE, REMOTE} and keyed(left, right):
            # Bytes read or downloaded, each XORed with a key written in the code: a cipher
            # undone (ADR 0086: a DLL kept XORed in a package's ``test.py``).
            labels |= {DECODED}
        # Host data joined to a literal keeps the literal: ``getuser() + '.evil.example'``.
        told = any(v.labels & TOLD and v.const is None for v in (left, right))
        if isinstance(op, ast.Div) and left.shape:  # ``Path.home() / '.bashrc'`` (ADR 0048)
            return home_path(left, right) or Val(labels=labels)
        if isinstance(op, ast.Add) and (left.shape or right.shape or told):
            shape = (shape_of(left) + shape_of(right))[:MAX_SHAPE]
            return Val(labels=labels, shape=shape)
        if isinstance(op, (ast.Add, ast.Div)) and a is None and isinstance(b, str):
            # ``prefix + '/zz.pth'``, ``Path(unknown) / 'zz.pth'``: a folder that does not fold
            # joined to a name that runs what is put there keeps that name (issue 16).
            glue = "/" if isinstance(op, ast.Div) else ""
            known = persistent_shape(f"?{glue}{b}")
            return Val(labels=labels, shape=known) if known else Val(labels=labels)
        return Val(labels=labels)

    def subscript(self, node: ast.Subscript, env: dict[str, Val], when: When) -> Val:  # noqa: PLR0911, PLR0912 -- one return per folding case
        base_node = node.value
        if (
            isinstance(base_node, (ast.Dict, ast.List, ast.Tuple))
            or builds_dict(base_node)
            or (isinstance(base_node, ast.Attribute) and base_node.attr == "__dict__")
            or (self.tables and isinstance(base_node, ast.Name) and base_node.id in self.tables)
        ):
            found = entry(self, node, env, when)  # ``{'a': os.system}['a']`` (ADR 0048)
            if found is not None:
                return found
        base = self.expr(node.value, env, when)
        index = node.slice
        if isinstance(index, ast.Slice):
            parts = [
                None if p is None else self.expr(p, env, when).const
                for p in (index.lower, index.upper, index.step)
            ]
            ints = [p if isinstance(p, int) else None for p in parts]
            if isinstance(base.const, (str, bytes, list)) and all(
                p is None or isinstance(p, int) for p in parts
            ):
                return Val(const=base.const[slice(*ints)], labels=base.labels)
            return Val(labels=base.labels)
        key = self.expr(index, env, when)
        got = self.keyed(base, key, env, when)
        if got is not None:
            return got
        picked = rebound.picked(self, base_node, base, key)  # ``e.args[0]`` (ADR 0073)
        if picked is not None:
            return picked
        if base.ref in GLOBAL_TABLES and isinstance(key.const, str):
            # ``globals()['_boot']()``: this module's function, called by a string (ADR 0039).
            own = env.get(key.const) if base.ref != "sys.modules" else None
            func = own.func if own is not None else None
            return Val(ref=_canon(key.const), labels=frozenset({HIDDEN}), func=func)
        if base.ref == "sys.modules" and isinstance(index, ast.Name) and index.id == "__name__":
            return Val(ref="globals")  # this module itself
        if base.ref.endswith("__dict__") and isinstance(key.const, str):
            return Val(ref=_canon(f"{base.ref[: -len('.__dict__')]}.{key.const}"))
        if (isinstance(base.const, (str, bytes, list)) and isinstance(key.const, int)) or (
            isinstance(base.const, dict)  # ``T[b]`` of a folded table (ADR 0067)
        ):
            item = _item(base.const, key.const)
            return UNKNOWN if item is None else Val(const=item, labels=base.labels)
        if key.const is None and not base.labels and key_table(base.const):
            # ``KEY[i % len(KEY)]``; the index's labels kept (it counts the data's bytes).
            return Val(labels=key.labels | {KEY_BYTE})  # ADR 0088
        labels = base.labels | key.labels | source_labels(base.ref)
        if base.ref == "os.environ" and isinstance(key.const, str):
            return Val(labels=labels, shape=f"${key.const}")
        if base.shape == "site-packages" or (base.shape == PATHS_TABLE and key.const in SITE_KEYS):
            return Val(labels=labels, shape="site-packages")  # ``getsitepackages()[0]``
        return Val(labels=labels)

    def call(self, node: ast.Call, env: dict[str, Val], when: When) -> Val:  # noqa: PLR0911, PLR0912, PLR0915
        if self.tables and isinstance(node.func, ast.Subscript):
            each = tables.any_entry(self, node, env, when)  # ``H[unknown]()`` (ADR 0071)
            if each is not None:
                return each
        if isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
            found = reach.got(self, node, node.func.value, env, when)  # ``T.get('run')`` (ADR 0051)
            if found is not None:
                return found
        callee = self.expr(node.func, env, when)
        args = [
            self.expr(a.value if isinstance(a, ast.Starred) else a, env, when) for a in node.args
        ]
        if (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in DEFAULTED
            and len(args) == 2
            and acts(args[1])
        ):
            return args[1]  # ``D.get('missing', os.system)(c)``: the default (ADR 0080)
        if callee.ref in protocol.REDUCERS and args and when is not When.LATER:
            protocol.reduced(self, args[0], env, when)  # ``copy.copy(K())`` (ADR 0080)
        if callee.ref in TRANSPARENT and len(args) == 1 and acts(args[0]):
            return args[0]  # ``r = staticmethod(os.system)`` in a class body (ADR 0080)
        kwargs = {k.arg: self.expr(k.value, env, when) for k in node.keywords}
        labels = frozenset().union(*(a.labels for a in [*args, *kwargs.values()]))
        ref = callee.ref
        c = [a.const for a in args]
        if ref in GETATTRS and len(args) >= 2 and isinstance(c[1], str):
            target = args[0].ref
            named = Val(ref=_canon(f"{target}.{c[1]}")) if target else UNKNOWN
            known = (target, c[1]) in self.attrs or acts(named)
            if len(args) == 3 and acts(args[2]) and not known:
                return args[2]  # ``getattr(o, 'missing', os.system)``: the default (ADR 0080)
            if not target:
                return Val(labels=labels - {HIDDEN})  # an attribute of some object
            own = env.get(c[1]) if target == "globals" else None
            if own is not None and own.func is not None:  # getattr(sys.modules[__name__], f)
                return Val(ref=c[1], labels=frozenset({HIDDEN}), func=own.func)
            if (target, c[1]) in self.attrs:  # ``getattr(K, 'run')`` of ``class K: run = exec``
                return self.attrs[target, c[1]]
            name = _canon(f"{target}.{c[1]}")
            return Val(ref=name, labels=frozenset({HIDDEN}) | source_labels(name))
        if callee.shape and not ref and isinstance(node.func, ast.Attribute):
            # ``Path(p).expanduser()``, ``.open('a')`` (ADR 0051)
            moved = reach.path_method(self, node, callee, args, kwargs, when)
            if moved is not None:
                return moved
        if ref in IMPORTERS and c:
            imported = self.imported(node, ref, args[0], when)
            if imported is not None:
                return imported
        if ref in ("globals", "locals", "vars") and not args:
            return Val(ref="globals")
        if ref == "vars" and args and rebound.namespace_of(args[0].ref):
            return args[0]  # ``vars(sys.modules[__name__])`` (ADR 0073)
        bound = rebound.unwritten(self, node, callee, args, kwargs, env, when)
        if bound is not None:
            return bound
        if ref == "super" and self.within:
            # ``super().__init__()`` in a method of a local class: its local base's method.
            base = self.trace.class_bases.get(self.within[-1], "").split(",")[0]
            if base in self.classes:
                return Val(ref=f"{base}()")
        if callee.func is not None:
            given = arguments(self, callee.func, args, kwargs, env, when)
            value = self.apply(callee.func, given, env, when)
            for impl in self.dispatched.get(id(callee.func), ()):  # ``register``ed (ADR 0073)
                self.apply(impl, arguments(self, impl, args, kwargs, env, when), env, when)
            if when is not When.LATER and rebound.generator(callee.func):
                made = (value or UNKNOWN).labels  # ``g.send(c)`` later (ADR 0073)
                return Val(labels=made, ref=rebound.GENERATOR, func=callee.func)
            if id(callee.func) in self.fills:  # ``save(url, path=p)`` (ADR 0051)
                reach.filled(self, callee.func, node, args, kwargs, env)
            return value or Val(labels=labels)
        if when is not When.LATER and (ref, "__init__") in self.attrs:
            # ``setattr(K, '__init__', f)``, ``type('K', (), {'__init__': f})`` (ADR 0067)
            init = self.attrs[ref, "__init__"]
            if init.func is not None:
                self.apply(init.func, [Val(ref=f"{ref}()"), *args], env, when)
        if ref in self.classes:
            # An instance of a local class; made on install or import, its ``__init__`` runs
            # then (issue 16: a stealer class instantiated at module level).
            instance = Val(ref=f"{ref}()", labels=labels)
            if when is not When.LATER:
                self.method(ref, "__init__", [instance, *args], env, when)
                # A dataclass's generated ``__init__`` calls ``__post_init__`` (ADR 0057).
                self.method(ref, "__post_init__", [instance], env, when)
                if self.factories:  # ``field(default_factory=f)`` (ADR 0071)
                    classdata.make(self, ref, env, when)
                if self.enum(ref):  # ``C(5)`` of a value no member has (ADR 0067)
                    self.method(ref, "_missing_", [Val(ref=ref), *args[:1]], env, when)
                # Its finaliser runs when the object is collected, at exit at the latest,
                # with nobody calling it (ADR 0039).
                self.method(ref, "__del__", [instance], env, when)
            return instance
        if when is not When.LATER and ref.partition(".")[0] in self.classes:
            ran = self.on_class(ref, args, env, when)  # ``K.run()``: a static or class method
            if ran is not None:
                return ran
        if ref in EVALS and c and isinstance(c[0], str) and not labels & {DECODED, REMOTE}:
            self.sink(node, callee, args, kwargs, env, when)  # its code is read there
            return self.evaluated(c[0], env, when)  # ``f = eval('lambda: ...'); f()``
        if ref.endswith("()") and when is not When.LATER:
            ran = self.special(callee, ("__call__",), args, env, when)  # ``k = K(); k()``
            if ran is not None:
                return ran
        if ref in IMPLICIT and args and when is not When.LATER:
            ran = self.special(args[0], IMPLICIT[ref], args[1:], env, when)  # ``str(K())``
            if IMPLICIT[ref][0] == "__iter__":
                protocol.iterated(self, args[0], env, when)  # ``list(K())``: its ``__next__``
            if ran is not None:
                return ran
        if "()." in ref:
            owner, _, name = ref.partition("().")
            if owner in self.classes and name.isidentifier():
                ran = self.method(owner, name, [Val(ref=f"{owner}()"), *args], env, when)
                if self.fills:  # ``d.save(url, path=p)`` of a method that drops (ADR 0051)
                    method = self.lookup(owner, name)
                    if method is not None and id(method) in self.fills:
                        reach.filled(self, method, node, [UNKNOWN, *args], kwargs, env, skip=1)
                if ran is not None:
                    return ran
                if name == "start" and when is not When.LATER:
                    reach.started(self, owner, env, when)  # ``class T(Thread)``'s run (ADR 0051)
        keyed = runkey.digest(self, node, env, when)  # ``sha256(b'k').digest()`` (ADR 0098)
        if keyed is not None:
            return keyed
        if ref in keystream.MAPS:  # ``map(operator.xor, blob, cycle(KEY))`` (ADR 0093)
            xored = keystream.mapped(self, node, ref, args, env, when)
            if xored is not None:
                return xored
        # A sink handed on: ``Timer(0, os.system, [c])`` (ADR 0048); ``o.__setattr__``.
        if ref in WATCHED or (ref and ref.endswith(SETATTR)):
            handed = hand_on(self, node, ref, args, kwargs, env, when)
            if handed is not None:
                return handed
        if when is not When.LATER:
            ran = self.runs_now(node, ref, args, kwargs, env, when)
            if ran is not None:
                return ran
        if ref == "map" and len(args) == 2 and isinstance(c[1], (list, str, bytes)):
            mapped = self.map_const(args[0], c[1], env)
            if mapped is not None:
                return Val(const=mapped, labels=labels)
        if ref == "str.format_map" and node.args and isinstance(node.args[0], ast.Dict):
            c = [self.literal_dict(node.args[0], env)]  # ``'{a} x'.format_map({'a': 'curl'})``
        folded = fold_call(ref, callee.const, c, kwargs)
        if folded is None and ref == "str.format" and isinstance(callee.const, str):
            persistent = persistent_shape(callee.const)  # ``'{}/zz.pth'.format(prefix)``
            if persistent:
                return Val(labels=labels, shape=persistent)
            # Host data spelt into a template keeps the template's text, as an f-string's
            # does (``'{}.x.evil'.format(key.hex())``, probe 17).
            spelt_shape = sinkcall.spelt_shape(callee.const, args, kwargs, labels)
            if spelt_shape:
                return Val(labels=labels, shape=spelt_shape)
        if folded is not None and small(folded):
            extra = frozenset({DECODED}) if ref in DECODERS or ref in DECOMPRESSORS else frozenset()
            extra |= frozenset({DECODED}) if ref in CODECS_CALLS else frozenset()
            # Text spelt as numbers or one character at a time is recovered as decoded text
            # is, but the value stays unmarked: a magic number written out is no download.
            spelling = ref in SPELLINGS and spelt(ref, callee.const, c)
            if extra or spelling or (labels | callee.labels) & {HIDDEN}:
                marks = labels | extra | (callee.labels & {HIDDEN})
                marks |= {DECODED} if spelling else frozenset()
                self.trace.recovered.append((node.lineno, text_of(folded)[:4096], marks))
            return Val(const=folded, labels=labels | extra)
        if isinstance(node.func, ast.Attribute) and node.func.attr in STARTUP_WRITES and c:
            # ``f.write('import x; ...')`` into a ``.pth``: wherever the folder is (issue 16).
            held = env.get(node.func.value.id) if isinstance(node.func.value, ast.Name) else None
            labels |= startup(callee.handle or (held.handle if held else ""), c[0])
        if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            if node.func.attr in GROWERS:  # a folded list grown in place keeps its items
                grown(env, node.func.value.id, node.func.attr, c)
            if node.func.attr in HEADER_SETTERS and len(args) >= 2:
                _headed(node.func.value.id, node.args[0], args[1], env)
            writes.mutate(self, node, labels, env, when, args[:1])
            if callee.handle and node.func.attr in PATH_WRITES and not labels & {REMOTE, DECODED}:
                # ``p = Path.home() / '.bashrc'; p.write_text(x)``: only a path written
                # in one expression was a write (:func:`writes.mutate` takes downloads; issue 16).
                writes.written(self, callee, node, labels, env, when, args[:1])
        elif callee.handle and isinstance(node.func, ast.Attribute):
            writes.written(self, callee, node, labels, env, when, args[:1])
        writes.filled(self, node, ref, callee, args, env)
        if ref in COPIES and len(args) >= 2 and secret_path(arg_text(args[0])):
            self.secret_copies.add(arg_text(args[1]))
        if ref in COPIES and len(args) >= 2 and when is not When.LATER:
            # ``shutil.copy(own_file, '~/.config/autostart/x')`` writes the second path as
            # ``open(p, 'w').write`` would (ADR 0063); judged as a write of that path.
            dest = arg_text(args[1])
            self.trace.events.append(Event("write", ref, node.lineno, when, dest, labels))
            # What went where, for :func:`chains._weights_sent`: weights copied to a share
            # or a mounted host leave as surely as sent (ADR 0088).
            both = f"{arg_text(args[0])[:256]}\n{dest[:256]}"
            self.trace.events.append(Event("copy", ref, node.lineno, when, both, frozenset()))
        if ref in REGISTRY_WRITERS and len(args) >= 2 and when is not When.LATER:
            # ``SetValueEx(OpenKey(HKCU, '...\\Run'), 'x', 0, REG_SZ, cmd)``: the value is
            # written under the key's path, judged as a file written there (ADR 0079).
            key = registry_path(args[0], args[1])
            self.trace.events.append(Event("write", ref, node.lineno, when, key, labels))
        if (
            when is not When.LATER
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "replace"
            and any(k.arg in CODE_REWRITES for k in node.keywords)
        ):
            # ``f.__code__.replace(co_names=('os', 'system'))`` on install or import: the
            # function now calls names its source does not show (ADR 0079).
            text = " ".join(text_of(v.const) for v in kwargs.values())[:4096]
            event = Event(
                "exec", "types.CodeType.replace", node.lineno, when, text, labels | {HIDDEN}
            )
            self.trace.events.append(event)
        if self.pipes:  # ``p.communicate(data)`` of a started ``nc host`` (ADR 0079)
            piped.written(self, node, ref, when, labels)
        value = self.sink(node, callee, args, kwargs, env, when)
        if (
            when is not When.LATER
            and astbuilt.node_maker(ref)
            and astbuilt.built_here(self, node, env)
        ):
            return value._replace(labels=value.labels | {DECODED})  # ``ast.Call(...)`` (ADR 0071)
        return value

    def imported(self, node: ast.Call, ref: str, name: Val, when: When) -> Val | None:
        """``__import__(name)``: the module when the name folds; a module named by decoded
        or downloaded data is an exec event (nobody can read what it is; issue 16)."""
        if isinstance(name.const, str):
            return Val(ref=name.const, labels=frozenset({HIDDEN}))
        if not name.labels & {DECODED, REMOTE}:
            return None
        marks = name.labels | {HIDDEN}
        self.trace.events.append(Event("exec", ref, node.lineno, when, arg_text(name), marks))
        return Val(labels=marks)

    def sink(  # noqa: PLR0911, PLR0912, PLR0915, PLR0917 -- the parts of one call, evaluated once
        self,
        node: ast.Call,
        callee: Val,
        args: list[Val],
        kwargs: dict[str | None, Val],
        env: dict[str, Val],
        when: When,
    ) -> Val:
        """Record the call as a sink event when it is one; the value it returns."""
        ref = callee.ref
        c = [a.const for a in args]
        labels = frozenset().union(*(a.labels for a in [*args, *kwargs.values()]))
        kind = kind_of(ref)
        method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        if not kind and method:
            kind = "clipboard" if method in CLIPBOARD_METHODS else ""
            # A model's, a tokenizer's or a data set's own upload, whatever made it (0107).
            kind = kind or ("network" if method in SENDING_METHODS else "")
        # Arguments already evaluated give their text; lists keep the elements that fold, and
        # so does a name to resolve (``v + '.evil.example'``, v from os.environ: ADR 0076).
        # Only a sink's text is read; a list or tuple argument is read again whatever the
        # callee (:meth:`partial` steps the budget and meets the calls inside it), so that
        # reading is kept, and only the text of other calls is not built (issue 16).
        # A listing's pattern keeps its literal parts too (``folder + '/*.safetensors'``).
        spelt_in_parts = ref in DNS or ref in GLOBBERS
        # An f-string's fields too: a name's value keeps its variable (``$SERVICE_NAME``), as
        # joined by ``+`` (ADR 0109: ``{}`` read as a value changed first, and denied).
        partly = SPELT_PARTS if spelt_in_parts else (ast.List, ast.Tuple)
        text = ""
        named = kind or ref in logsent.NETWORK_HANDLERS  # a log handler's text is its host
        uploads = kind == "network" and (uploads_by_path(ref) or method in SENDING_METHODS)
        if named or any(isinstance(a, (ast.List, ast.Tuple)) for a in node.args):
            text = " ".join(
                [
                    self.partial(a, env)
                    if isinstance(a, partly) or (spelt_in_parts and sinkcall.spelt(a))
                    else arg_text(v)
                    for a, v in zip(node.args, args, strict=False)
                ]
                + [
                    arg_text(v) if uploads else text_of(v.const)  # ``folder_path=`` (0083)
                    for v in kwargs.values()
                ]
            )[:4096]
        if uploads and sinkcall.all_written([*args, *kwargs.values()]):
            labels |= {WRITTEN_UPLOAD}  # what it sends and where are the module's (ADR 0106)
        if not kind:
            # ``f.endswith(('.safetensors', '.pt'))``, ``re.search(r'\.gguf$', f)`` in a walk
            # pick weight files as a glob pattern does (ADR 0083, 0085): a listing event,
            # only when they name them.
            kind, text = picked.by_name(node, ref, text, args)
        if not kind and picked.wipes(node, ref, labels | callee.labels):
            # Each file a walk of the home folder found, deleted or overwritten (ADR 0085).
            kind = "delete"
        if kind == "process":
            text, labels = self.command_text(node, text, args, kwargs, env)
            handed = sinkcall.interpreter_code(node)
            if handed is not None:
                self.nested(handed, {}, when)  # ``python -c CODE`` runs CODE (ADR 0086)
        # ``marshal.loads(b'...')``: bytecode or a pickle written into the source is code
        # nobody can read there, as a decoded string is (``exec(marshal.loads(..))``).
        labels |= sinkcall.written_in(kind, node)
        # What a sink returns is not what it is given: ``gethostbyname('a.b.org')`` is a
        # host-information source but sends none (it was DNS exfiltration, ADR 0076).
        marks = (labels - {HIDDEN}) | (callee.labels - source_labels(ref))
        runs = kind in ("process", "exec", "native-load", "module-load")
        if runs and (runs_dropped(self.trace, text, node.args) or writes.under_unpacked(args)):
            marks |= {DROPPED}
        # Not matched yet: a write walked after this run (another method, walked later) may
        # still meet it; :func:`writes.late_drops` looks again once the module is read (ADR 0041).
        unmatched = runs and DROPPED not in marks
        if unmatched and len(self.unmatched) >= MAX_UNMATCHED:
            # Past the bound a run would not meet a later write: held (ADR 0097).
            unmatched = False
            self.trace.past(f"runs of files past {MAX_UNMATCHED}, which a later write may fill")
        if ref == "os.write" and len(args) == 2 and args[0].path_var:
            writes.written(
                self, args[0], node, args[1].labels, env, when, args[1:2]
            )  # ``fd, p = mkstemp()``
        if kind == "exec" and c and isinstance(c[0], str) and sinkcall.chr_spelt(node.args[0]):
            # ``exec(chr(105) + chr(109) + ...)``: code spelt one character at a time is
            # recovered as decoded text is (ADR 0080; a list of them already was).
            self.trace.recovered.append((node.lineno, c[0][:4096], frozenset({DECODED})))
        code = self.exec_text(kind, c, node, env)
        if code is not None and not labels & {DECODED, REMOTE}:
            # exec of code in plain sight (six's exec_ of a literal): interpret that code too.
            marks -= {HIDDEN}
            self.nested(code, self.namespace(node, env, when), when)
        if kind == "process" and sinkcall.silent(kwargs, env):
            marks |= {SILENT}
        if ref in logsent.NETWORK_HANDLERS:
            logsent.made(self, text)  # records go to its host (ADR 0073)
        if kind:
            marks = signin.settle(kind, text, marks)  # a client signing in (ADR 0067)
            # A replaced function's arguments (ADR 0071); a URL written into the call sends
            # them to an address of the wrapper's choosing, even through the original (0083).
            if intercept.marked(marks):
                own = any(sinkcall.names_url(v.const) for v in [*args, *kwargs.values()])
                marks = intercept.settle(ref, marks, own_address=own)
            direct = self.depth == 0
            # A toolkit's clipboard method has no module path: its own name is the callee.
            named_callee = ref or sinkcall.called_name(node, ref)
            # Past the walk's bounds (ADR 0096) an event keeps its moment only when pinned.
            resumed = self.resuming > 0
            at = When.LATER if resumed and not deeper.pinned(kind, marks, text) else when
            event = Event(kind, named_callee, node.lineno, at, text, marks, direct, resumed)
            self.trace.events.append(event)
            if unmatched:
                self.unmatched.append((self.trace, len(self.trace.events) - 1, text, node.args))
        if self.endless and ref in hostile.FORKS:  # a process made without end (ADR 0085)
            self.trace.events.append(Event(hostile.FORK_LOOP, ref, node.lineno, when, "", marks))
        escape = hostile.sdk_escape(node)
        if escape:  # ``containers.run(image, privileged=True)`` (ADR 0085)
            callee_name = ref or "docker.containers." + sinkcall.called_name(node, ref)
            event = Event("process", callee_name, node.lineno, when, escape, marks)
            self.trace.events.append(event)
        if ref in DECODERS or ref in DECOMPRESSORS or ref == "codecs.decode" or decrypts(ref):
            labels |= {DECODED}
        labels |= sinkcall.unreadable(ref, labels, when)
        labels |= picked.walked(ref, args)  # ``os.walk(home)`` (ADR 0085)
        if ref in picked.WALKERS and args:  # ``os.walk(torch.hub.get_dir())`` (ADR 0088)
            picked.weights_walked(self, node.lineno, ref, arg_text(args[0]), when)
        if kind == "native-load":
            # A library whose name does not fold (``CDLL(None)``, ``find_library('c')``) is
            # still a library: ``.system(b'id')`` on it starts a process.
            name = c[0] if c and isinstance(c[0], str) else sinkcall.UNNAMED_LIBRARY
            return Val(ref=sinkcall.library(name), labels=labels)
        if kind == "network":
            # What comes back is the service's answer, not the credential it was sent.
            labels = (labels - signin.marks(labels)) | {REMOTE}
            if METADATA_HOSTS.search(text):
                labels |= {SECRET}  # cloud credentials come back from the metadata service
        if kind == "clipboard" and sinkcall.called_name(node, ref) in CLIPBOARD_READS:
            labels |= {SECRET}  # what was copied: a password, a key, a wallet address
        if kind == "process" and ENV_COMMANDS.search(text):
            labels |= {ENV}  # ``check_output(['printenv'])`` is ``os.environ`` (ADR 0079)
        if kind == "process" and SECRET_COMMANDS.search(text):
            labels |= {SECRET}  # ``security find-generic-password -w``'s output (ADR 0080)
        if kind == "process" and TOKEN_COMMANDS.search(text):
            labels |= {ENV}  # ``gh auth token``'s output, as ``$GITHUB_TOKEN`` (ADR 0080)
        if kind == "process" and HOST_COMMANDS.search(text):
            labels |= {HOSTINFO}  # ``check_output('whoami')`` is ``getpass.getuser()`` (ADR 0076)
        if not ref and not node.args and sinkcall.called_name(node, ref) in PATH_READS:
            labels |= {FILE}  # ``p.read_bytes()`` of a path a walk found (ADR 0085)
        if ref in sinkcall.PACKAGED_READS:
            labels |= {FILE}  # a file shipped beside the module, read by name (ADR 0098)
        if ref in sinkcall.FILE_READERS and args and writes.secret_file(self, args[0]):
            labels |= {SECRET}
        if kind == "listing" and secret_path(text):
            labels |= {SECRET}  # ``glob('**/.env')``: the files it finds are credentials
        if ref in sinkcall.FOLDER_LISTINGS and args and sinkcall.lists_secrets(args[0]):
            labels |= {SECRET}  # ``os.walk(wallets)``: what it finds are credentials
        if not ref and sinkcall.walks_secrets(node, callee, c):
            labels |= {SECRET}  # ``(home / '.electrum' / 'wallets').iterdir()``
        if kind == "open" and PROCESS_MEMORY.search(text):
            labels |= {SECRET}  # another process's memory: a runner's secrets (ADR 0086)
        # ``psutil.Process(pid).environ()``, ``dict(os.environ)``, ``dict(**os.environ)`` (0098)
        spread = [kwargs[None]] if None in kwargs else []
        labels |= sinkcall.process_environ(node, ref, [*args, *spread])
        if not kind:
            picked.packed(self, node, ref, args, kwargs, when=when)  # an archive of weights (0089)
            picked.saved(self, node, ref, callee, args, when)  # ADR 0107
            loaded = picked.loaded(self, node, ref, args, kwargs, labels, when)  # ADR 0107
            if loaded is not None:
                return loaded
        if ref == "itertools.cycle" and args and not args[0].labels and key_table(args[0].const):
            labels |= {KEY_BYTE}  # a repeating key's bytes (ADR 0089)
        client = sinkcall.wrapped_socket(node, ref) or (
            ref if ref in CLIENTS or ref in picked.ARCHIVES or gives_client(ref) else ""
        )
        if client:
            return Val(ref=client, labels=labels)  # the client object, named by its class
        if kind == "process":  # a started ``nc``: its stdin is watched (ADR 0079)
            started = piped.started(self, node, text, labels)
            if started is not None:
                return started
        shape = call_shape(ref, args) or foreign.located(ref, args, self.package, self.module)
        if shape:
            return Val(labels=labels | source_labels(ref), shape=shape)
        writes.unpacked(self, node, args, kwargs, labels | callee.labels, env)  # ADR 0085
        if ref.endswith("urlretrieve") and len(node.args) >= 2:
            writes.dropped_to(self, node.args[1], env, arg_text(args[1]))
        if kind == "open" and node.args:
            mode = c[1] if len(c) > 1 else (kwargs["mode"].const if "mode" in kwargs else "r")
            if ref in WEIGHT_LOADERS:
                # A loader's second argument is no file mode: ``numpy.load(p, 'r+')`` maps
                # the tensors it reads, ``torch.load(p, 'cpu')`` places them.
                mode = "r"
            var = node.args[0].id if isinstance(node.args[0], ast.Name) else ""
            if picked.overwrites(mode, args[0]):  # each file of the home folder (ADR 0085)
                event = Event("delete", ref, node.lineno, when, arg_text(args[0]), labels)
                self.trace.events.append(event)
            if isinstance(mode, str) and any(m in mode for m in "wax+"):
                handle = arg_text(args[0])
                if not handle and not var:
                    # A path that does not fold (``os.path.join(tmp, 'x.py')``) is matched
                    # by its text when the same expression is run (:func:`writes.dropped_to`).
                    var = SKELETON + skeleton(node.args[0])
                return Val(labels=labels, handle=handle or "?", path_var=var)
            labels |= {FILE}
            if runs_dropped(self.trace, text, node.args) or writes.under_unpacked(args[:1]):
                labels |= {DROPPED}  # ``exec(open(unpacked + '/x.py').read())`` (ADR 0085)
            if node.args and (
                sinkcall.names_media(node.args[0]) or MEDIA_FILE.search(arg_text(args[0]))
            ):
                labels |= {MEDIA}  # the bytes of a picture or a sound (ADR 0086)
        return Val(labels=labels | source_labels(ref) | callee.labels - {HIDDEN})

    def command_text(
        self,
        node: ast.Call,
        text: str,
        args: list[Val],
        kwargs: dict[str | None, Val],
        env: dict[str, Val],
    ) -> tuple[str, frozenset[str]]:
        """A command's text and labels, as the scorer reads them: the environment handed as
        the child's ``env=`` is not data on its line; a command carrying data whose text did
        not fold keeps its literal parts when they name a tool that sends to another host
        (``'ping -p ' + key + ' evil.example'``, ADR 0079)."""
        given = [*args, *(v for k, v in kwargs.items() if k != "env")]
        labels = frozenset().union(*(v.labels for v in given))
        if "env" in kwargs:
            labels |= kwargs["env"].labels - {ENV}
        if text.strip() or not labels & {ENV, SECRET, HOSTINFO}:
            return text, labels
        built = (ast.BinOp, ast.JoinedStr, ast.List, ast.Tuple)
        parts = " ".join(self.partial(a, env) for a in node.args if isinstance(a, built))[:4096]
        return (parts if NETWORK_TOOL.search(parts) else text), labels

    def exec_text(
        self, kind: str, c: list[object], node: ast.Call, env: dict[str, Val]
    ) -> str | None:
        """The source an exec sink runs, when its argument folds here or (the cross-file
        pass) joins constants of other modules (:func:`across.joined`)."""
        if kind != "exec":
            return None
        code = sinkcall.exec_source(c[0]) if c else None
        if code is None and node.args and self.package is not None:
            # ``exec(a.P1 + b.P2)``
            code = sinkcall.exec_source(across.joined(self, node.args[0], env))
        return code

    def nested(self, code: str, env: dict[str, Val], when: When) -> None:
        """Interpret a literal string that is exec'd, as if it were source (bounded depth)."""
        if self.depth >= MAX_CALL_DEPTH or len(code) > MAX_FOLD:
            return
        try:
            tree = parse_module(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        self.depth += 1
        try:
            self.block(tree.body, dict(env), when)
        finally:
            self.depth -= 1

    def namespace(self, node: ast.Call, env: dict[str, Val], when: When) -> dict[str, Val]:
        """The names exec'd code sees: the module's, and those of a dict given as its
        globals or locals (``exec("s('id')", {'s': os.system})``, a dispatch table by name;
        ADR 0057)."""
        given: dict[str, Val] = {}
        for mapping in node.args[1:3]:
            if isinstance(mapping, ast.Dict):
                for key, value in zip(mapping.keys, mapping.values, strict=True):
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        given[key.value] = self.expr(value, env, when)
            elif isinstance(mapping, ast.Name) and mapping.id in self.tables:
                table = self.tables[mapping.id]
                given |= {k: v for k, v in table.items() if isinstance(k, str)}
        return {**env, **given} if given else env

    def evaluated(self, code: str, env: dict[str, Val], when: When) -> Val:
        """The value of an expression ``eval`` is given as a literal (a lambda, a sink), so
        what it returns can be called; unknown past the nesting bound or when it does not
        parse as an expression (ADR 0057)."""
        if self.depth >= MAX_CALL_DEPTH or len(code) > MAX_FOLD:
            return UNKNOWN
        try:
            tree = ast.parse(code.strip(), mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return UNKNOWN
        self.depth += 1
        try:
            return self.expr(tree.body, env, when)
        finally:
            self.depth -= 1

    def literal_dict(self, node: ast.Dict, env: dict[str, Val]) -> dict[str, object] | None:
        """A dict literal's folded items (keys that are strings), or None when one does not
        fold; its values were already evaluated with the call's arguments."""
        out: dict[str, object] = {}
        for key, value in zip(node.keys[:64], node.values[:64], strict=False):
            k = key.value if isinstance(key, ast.Constant) else None
            v = self.expr(value, env, When.LATER).const
            if not isinstance(k, str) or v is None:
                return None
            out[k] = v
        return out

    def map_const(self, fn: Val, items: list[object] | str | bytes, env: dict[str, Val]) -> object:
        if len(items) > MAX_ITEMS:
            return None
        out = []
        for item in items:
            if fn.func is not None:
                value = self.apply(fn.func, [Val(const=item)], env, When.LATER)
                folded = value.const if value is not None else None
            else:
                folded = fold_call(fn.ref, None, [item], {})
            if folded is None:
                return None
            out.append(folded)
        return out

    def partial(self, node: ast.expr, env: dict[str, Val]) -> str:  # noqa: PLR0911 -- one return per spelling
        """Folded text of an argument; a list keeps the elements that fold."""
        if isinstance(node, (ast.List, ast.Tuple)):
            return " ".join(self.partial(e, env) for e in node.elts[:64])
        if isinstance(node, ast.JoinedStr):
            return "".join(
                str(v.value) if isinstance(v, ast.Constant) else self.partial(v, env) or "{}"
                for v in node.values
            )
        if isinstance(node, ast.FormattedValue):
            return self.partial(node.value, env)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.partial(node.left, env) + self.partial(node.right, env)
        spelt = sinkcall.formatted(node)
        if spelt is not None:  # ``'{}.x.evil'.format(k)``, ``'%s.x.evil' % k`` (probe 17)
            template = self.expr(spelt[0], env, When.LATER).const
            if isinstance(template, str):
                texts = [self.partial(e, env) or "{}" for e in spelt[1][:64]]
                percent = isinstance(node, ast.BinOp)
                filled = sinkcall.fill(template, texts, percent=percent)
                if filled is not None:
                    return filled
        glue = sinkcall.joined(node)
        if glue is not None and isinstance(node, ast.Call):  # ``'.'.join([k, 'x', 'evil'])``
            parts = node.args[0].elts if isinstance(node.args[0], (ast.List, ast.Tuple)) else []
            return glue.join(self.partial(e, env) or "{}" for e in parts[:64])
        value = self.expr(node, env, When.LATER)
        return text_of(value.const) or value.shape or value.ref

    # --- calls across files (issue 16) -----------------------------------------------
    def runs_now(  # noqa: PLR0911, PLR0917 -- the parts of one call, one case a return
        self,
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
            return across.follow(self, ref, args, when)
        return None

    def run_hook(
        self, hook: Val, env: dict[str, Val], when: When, given: frozenset[str] = frozenset()
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

    def flooded(self, flood: bool, line: int, when: When) -> None:
        """Mark a thread bomb (:func:`hostile.floods`, :func:`hostile.threads_only`) on
        install or import, as a process made without end is marked."""
        if flood and when is not When.LATER:
            event = Event(hostile.FORK_LOOP, "threading.Thread", line, when, "", frozenset())
            self.trace.events.append(event)

    def partner(
        self, env: dict[str, Val], name: str, within: ast.FunctionDef | ast.AsyncFunctionDef
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

    def lookup(self, cls: str, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """Method ``name`` of local class ``cls`` or of its local bases."""
        seen: set[str] = set()
        while cls in self.classes and cls not in seen and len(seen) < MAX_BASES:
            seen.add(cls)
            found = self.methods(self.classes[cls], (name,))
            if found:
                return found[0]
            cls = self.trace.class_bases.get(cls, "").split(",")[0]
        return None

    def method(
        self, cls: str, name: str, args: list[Val], env: dict[str, Val], when: When
    ) -> Val | None:
        """Evaluate method ``name`` of local class ``cls`` (or of its local bases) with
        ``self`` bound; None when neither defines it or it was not evaluated."""
        home = self.homes.get(cls)
        if home is not None and home != self.module:
            # A class of another module of the archive: its methods see that module's names
            # and their events are kept under its path (ADR 0041).
            return across.abroad(self, home, lambda env: self.method(cls, name, args, env, when))
        seen: set[str] = set()
        while cls in self.classes and cls not in seen:
            if len(seen) >= MAX_BASES:
                if when is not When.LATER:  # held, not dropped (ADR 0097)
                    self.trace.past(f"method {name!r} looked up past {MAX_BASES} base classes")
                return None
            seen.add(cls)
            found = self.methods(self.classes[cls], (name,))
            quiet = found and name == "__init__" and not self.may_act(found[0])
            if quiet and not self.hands_on(found[0]) and not self.chains_up(cls):
                return None  # six makes a hundred small objects on import: none can act
            if found:
                self.within.append(cls)  # whose ``super()`` its body means (ADR 0071)
                try:
                    return self.apply(found[0], args, env, when)
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
        self,
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
        key = (id(func), when, tuple((repr(a.const)[:200], a.labels) for a in args))
        if key in self.memo:
            return self.memo[key]
        result = self._apply(func, args, env, when)
        self.memo[key] = result
        return result

    def methods(
        self, cls: ast.ClassDef | None, names: tuple[str, ...]
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
        self, func: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> tuple[tuple[str, ...], tuple[ast.expr, ...]]:
        """The names ``func`` declares ``global`` and the values it returns, in the order
        of :func:`_own_nodes`, from one walk of its body, kept per archive (issue 16: a
        function applied again and again was walked twice each time, a fifth of the
        cross-file pass of sqlalchemy's wheel). The entry holds ``func``, so its id is not
        reused while it is kept."""
        known = self.bodies.get(id(func))
        if known is None:
            nodes = _own_nodes(func)
            declared = tuple(name for n in nodes if isinstance(n, ast.Global) for name in n.names)
            returns = tuple(n.value for n in nodes if isinstance(n, ast.Return) and n.value)
            known = self.bodies[id(func)] = (func, declared, returns)
        return known[1], known[2]

    def enter(
        self, func: deeper.Function, args: list[Val], env: dict[str, Val], when: When
    ) -> Val | None:
        """Walk ``func``'s body with ``args`` bound, whatever the depth and budget: a call
        :func:`deeper.note` kept (ADR 0096)."""
        return self._apply(func, args, env, when)

    def _apply(
        self,
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
            for packed in (func.args.vararg, func.args.kwarg):
                if packed is not None:
                    local[packed.arg] = extra
        self.depth += 1
        try:
            if isinstance(func, ast.Lambda):
                return self.expr(func.body, local, when)
            # Run the body with the arguments bound: a function called on import or install
            # runs then, and its return value carries what its arguments carried.
            # ``def f(): os.fork(); f()`` (ADR 0093), or through a partner (``b(): a()``, 0098)
            bomb = hostile.self_forking(func, lambda name, by: self.partner(local, name, by))
            # Threads doubling round a recursion make no process to mark (probe 17).
            self.flooded(bomb and hostile.threads_only(func), func.lineno, when)
            self.endless += bomb
            try:
                self.block(func.body, local, when)
            finally:
                self.endless -= bomb
            filled = {
                i
                for i, param in enumerate(parameters(func))
                if DROPPED in local.get(param.arg, UNKNOWN).labels
            }
            if filled:  # ``def save(path, data): open(path, 'wb').write(data)``
                self.fills.setdefault(id(func), set()).update(filled)
            declared, returns = self.body_of(func)
            if self.globals is not None and when is not When.LATER and across.module_own(self):
                for name in declared:  # ``global _c; _c = Client()``
                    if name in local:
                        self.globals[name] = local[name]
            values = [self.expr(r, local, When.LATER) for r in returns[:4]]
            if len(values) == 1:
                return values[0]
            return Val(labels=frozenset().union(*(v.labels for v in values)))
        finally:
            self.depth -= 1


# Classes of other modules followed per file. Each costs steps of the cross-file budget,
# which holds when spent; past this bound a class made on install or import holds (ADR 0097:
# at 32, 34 harmless classes made first hid the sender's).
MAX_HOMES = 256
# Bases of other modules' classes looked up, one inside another, and of one module's classes
# in a row (ADR 0097: at 8 each, a sender's class nine bases up was allowed). The bounds are
# against cycles and recursion. Past ``MAX_BASES`` a method called on install or import
# holds. Past ``MAX_CLIMBS`` it is not followed: at a quarter of it (4) a hold there held
# pyasn1 and sqlalchemy, whose hierarchies span modules, so that hold is left open.
MAX_CLIMBS = 16
MAX_BASES = 64
# Runs kept for :func:`writes.late_drops` (a tuple each); past it a run holds (ADR 0097: at
# 256, 260 harmless runs walked first hid a dropper whose write was walked after its run).
MAX_UNMATCHED = 16_384
GROWERS = {"append", "extend", "insert"}


MAX_RING_HOMES = 256  # functions of other modules met round recursion rings, remembered
MAX_FOREIGN_STEPS = 20_000  # top level of a module a call is followed into
# Steps of one cross-file walk from a module with calls on import; the archive's own bound is
# ``local.MAX_ARCHIVE_STEPS``. Spending either holds (ADR 0096): four times the earlier 100,000
# reads transformers' ``__init__`` whole, the one popular package that spent it.
MAX_ACROSS_STEPS = 400_000


def _percent_shape(template: object, value: Val, labels: frozenset[str]) -> str:
    """The text of ``template % value`` when ``value`` does not fold: ``'%s/zz.pth' %
    prefix`` keeps the place it writes (it folded as ``None``); ``'%s.x.evil' % key.hex()``
    keeps host data's template as an f-string's text does (probe 17). Empty otherwise."""
    if not isinstance(template, str):
        return ""
    if persistent_shape(template):
        return persistent_shape(template.replace("%s", "?"))
    return sinkcall.spelt_shape(template, [value], {}, labels, percent=True)


def _bitwise(op: ast.operator) -> bool:
    """``|``, ``&``, ``^``: their cost grows with the numbers' size only, never past it."""
    return isinstance(op, (ast.BitOr, ast.BitAnd, ast.BitXor))


def _defined(env: dict[str, Val], name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The function a name is bound to in ``env``, if it is one defined in the code."""
    func = env.get(name, UNKNOWN).func
    return func if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _callable_ref(ref: str) -> bool:
    """A name whose ``__call__`` is itself: a function or builtin, not an instance of a
    local class (``K().__call__`` is that class's method, looked up as before)."""
    return bool(ref) and "()" not in ref


@functools.lru_cache(maxsize=65_536)
def _names_sink(name: str) -> bool:
    """``may_act(name, paths=False)``, remembered: every module's names are asked (the same
    imports, module after module)."""
    return may_act(name, paths=False)


def _aliases(env: dict[str, Val]) -> re.Pattern[str] | None:
    """Names bound to a sink under a name of their own (``import urllib.request as r``,
    ``run = getattr(os, 'sys' + 'tem')``): a function calling them is walked."""
    names = sorted(
        name
        for name, value in env.items()
        if value.ref
        and value.ref != name
        and not _names_sink(name)
        and (kind_of(value.ref) or _names_sink(value.ref) or HIDDEN in value.labels)
    )
    if not names:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names[:200]) + r")\b")


IMPORTERS = ("__import__", "importlib.import_module", "importlib.__import__")
# Calls that write their second argument's path with the first's content (ADR 0063).
COPIES = {
    "shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.move", "shutil.copytree",
    "os.rename", "os.replace", "os.symlink", "os.link",
}  # fmt: skip


# Methods that return their second argument when the key is missing.
DEFAULTED = frozenset({"get", "pop", "setdefault"})


def _own_nodes(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """Nodes of a function's body, not descending into nested functions or classes."""
    out: list[ast.AST] = []
    todo: list[ast.AST] = list(func.body)
    while todo:
        node = todo.pop()
        out.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            todo += children(node)
    return out


def _item(container: str | bytes | list[object] | dict[object, object], key: object) -> object:
    """``container[key]`` of folded values, or None."""
    try:
        return container[key]  # type: ignore[index,call-overload]
    except (IndexError, KeyError, TypeError):
        return None


def _auth_header(key: ast.expr | None) -> bool:
    """A written-out authentication header's name (:data:`signin.AUTH_HEADERS`)."""
    return (
        isinstance(key, ast.Constant)
        and isinstance(key.value, str)
        and key.value.lower() in signin.AUTH_HEADERS
    )


def _headed(name: str, key: ast.expr, value: Val, env: dict[str, Val]) -> None:
    """``req.add_header(k, v)``: the request now carries what ``v`` carries (it was not
    carried at all), a credential under an auth header as signing in (ADR 0067)."""
    recv = env.get(name)
    if recv is not None and value.labels:
        env[name] = recv._replace(labels=recv.labels | _header(key, value).labels)


def _header(key: ast.expr | None, value: Val) -> Val:
    """A dict literal's value, marked as a credential signing in under an auth header."""
    if _auth_header(key) and value.labels:
        return Val(labels=signin.signed(value.labels, value.shape))
    return value


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


def _is_main_guard(test: ast.expr) -> bool:
    tests = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [test]
    return any(
        isinstance(t, ast.Compare)
        and isinstance(t.left, ast.Name)
        and t.left.id == "__name__"
        and any(isinstance(x, ast.Constant) and x.value == "__main__" for x in t.comparators)
        for t in tests
    )


HEADER_SETTERS = frozenset({"add_header", "add_unredirected_header", "putheader"})
BUILTIN_TABLES = ("__builtins__", "builtins")
EVALS = ("eval", "builtins.eval")

GETATTRS = frozenset({"getattr", "object.__getattribute__", "type.__getattribute__"})
CODE_ATTRS = frozenset({"__code__", "__func__", "__wrapped__"})
EXEC_CODE = frozenset({"exec", "eval", "builtins.exec", "builtins.eval"})
GLOBAL_TABLES = (
    "globals", "locals", "vars", "builtins.__dict__", "__builtins__.__dict__", "sys.modules",
)  # fmt: skip


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
