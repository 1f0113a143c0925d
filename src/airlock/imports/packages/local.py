"""The modules one archive ships, by dotted name: what calls across files resolve against.

Pure. A package's ``__init__.py`` (or ``setup.py``, or a ``.pth`` line) may call, when it
runs, a function defined in a sibling module (issue 16: ``from .util import run; run()``
where ``run`` reads a wallet and posts it). :mod:`flow` asks this map for the module a dotted
name lives in and evaluates that function as if it ran there and then.

Bounded: a module is parsed only when it is asked for and its text names a sink or a way to
reach one (:func:`prefilter.may_act`); a module that names none cannot make a chain, so the
call is not followed. Each module is parsed at most once per archive.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from airlock.imports.packages import prefilter
from airlock.imports.packages.grammar import parse_module
from airlock.imports.packages.prefilter import may_act

MAX_ARCHIVE_STEPS = 1_200_000  # of every cross-file walk of an archive (ADR 0096)
MAX_WRITER_STEPS = 200_000  # of the walks for files imported modules write (ADR 0157)
# Bytes of source the cross-file pass may parse per archive: a module of any size is followed
# into while it fits (ADR 0097: a sender padded past the former 1 MiB bound on a module was
# allowed). One larger than all of it is held when a call on import reaches it; one that no
# longer fits after the others is not followed (at half the budget sqlalchemy and
# transformers would hold, so holding there is left open).
MAX_ARCHIVE_PARSE = 4 << 20
# A class's functions by name, each with its place in the class body.
MethodIndex = dict[str, list[tuple[int, ast.FunctionDef | ast.AsyncFunctionDef]]]
Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
# A call followed into another module: (module, function, moment, what its arguments carry,
# what it reads of its module and instance: ADR 0185).
FollowedCall = tuple[str, str, str, tuple[object, ...], tuple[object, ...], object]
IDENTIFIER = re.compile(r"[A-Za-z_]\w*\Z")
FROM_IMPORT = re.compile(rb"^[ \t]*from[ \t]+([\w.]+)[ \t]+import\b", re.MULTILINE)
# A file written: ``f.write(``, ``Path.write_text(``, ``write_bytes(``.
WRITES = re.compile(rb"\.write(?:_text|_bytes)?\(")


class LocalModules:
    """Python modules of one archive: dotted name -> (member path, source bytes)."""

    def __init__(self, sources: dict[str, tuple[str, bytes]]) -> None:
        self.sources = sources
        self.tops = frozenset(name.split(".", 1)[0] for name in sources)
        self._trees: dict[str, ast.Module | None] = {}
        # Trees that files' own passes kept, by member path: not parsed again (issue 16).
        self.kept: dict[str, ast.Module] = {}
        self._acts: dict[str, bool] = {}
        self._relays: dict[str, bool] = {}
        self._said: dict[tuple[re.Pattern[bytes], str], bool] = {}  # :meth:`says`
        self._tops = frozenset(t.encode() for t in self.tops)
        self.envs: dict[str, object] = {}  # flow's module environments, computed on demand
        # Files a module's top level writes with known text, and the text its top level
        # binds to names, by module: importing it on install or import writes them then
        # (:func:`writtenrun.imported`, ADR 0157).
        self.written: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
        # Steps those walks may still take: their own, so that they never spend what the
        # cross-file pass needs (running out stops them; nothing is held for it).
        self.writer_steps_left = MAX_WRITER_STEPS
        self._names: dict[str, TopNames | None] = {}
        # Functions' ``global`` names and returned values, by id (:meth:`flow.Interpreter.body_of`).
        self.bodies: dict[
            int, tuple[ast.AST, tuple[str, ...], tuple[ast.expr, ...], tuple[ast.expr, ...]]
        ] = {}
        # Classes' methods by name, by id of the class (:meth:`flow.Interpreter.methods`).
        self.class_methods: dict[int, tuple[ast.ClassDef, MethodIndex]] = {}
        # :func:`across.local_function` by (reference, module, hops).
        self.definitions: dict[tuple[str, str, int], tuple[str, Definition] | None] = {}
        # The same, for a call handing on something that runs: the module need not name a
        # sink (ADR 0177).
        self.carriers: dict[tuple[str, str, int], tuple[str, Definition] | None] = {}
        self.followed: dict[FollowedCall, object] = {}  # call -> value
        # The files such a call wrote with known text: written again where it is called
        # again (:func:`across.follow`, ADR 0158).
        self.followed_wrote: dict[FollowedCall, dict[str, str]] = {}
        # Expressions the cross-file pass may still evaluate in this archive (it only adds to
        # each file's own pass, so running out stops following; it does not hold).
        self.steps_left = MAX_ARCHIVE_STEPS
        self.parse_left = MAX_ARCHIVE_PARSE
        self.unread: set[str] = set()  # modules shipped but larger than the parse budget
        # Modules another module set a name of to something that runs (``zz.X = os.system``):
        # their functions are followed whatever their text names (ADR 0185).
        self.armed: set[str] = set()
        # Modules whose top level was not all bound within its budgets (:func:`across.module_env`).
        self.partial: set[str] = set()
        # :func:`across.local_function` keys answered None because what the name stands for
        # was past a bound (a module past the parse budget, a re-export past the hops).
        self.unreached: set[tuple[str, str, int]] = set()

    @classmethod
    def of(cls, files: dict[str, bytes], *, sdist: bool) -> LocalModules:
        """From member path -> text. A wheel's paths are taken from its root; an sdist's
        below its top folder (and below ``src/`` there)."""
        sources: dict[str, tuple[str, bytes]] = {}
        for path, data in files.items():
            for name in module_names(path, sdist=sdist):
                sources.setdefault(name, (path, data))
        return cls(sources)

    def path(self, module: str) -> str:
        return self.sources[module][0] if module in self.sources else ""

    def parsed(self, module: str) -> ast.Module | None:
        """The parsed module when the archive ships it and it fits what is left of the parse
        budget, else None (noted in ``unread`` when it is larger than all of it)."""
        if module in self._trees:
            return self._trees[module]
        found = self.sources.get(module)
        tree = None
        if found is not None and len(found[1]) > self.parse_left:
            if len(found[1]) > MAX_ARCHIVE_PARSE:
                self.unread.add(module)
        elif found is not None:
            self.parse_left -= len(found[1])
            tree = self.kept.get(found[0])
            if tree is None:
                try:
                    tree = parse_module(found[1].decode("utf-8-sig", "replace"))
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    tree = None
        self._trees[module] = tree
        return tree

    def top_names(self, module: str) -> TopNames | None:
        """What the top level of :meth:`parsed` ``module`` defines and imports by name
        (None when it is not parsed), read once per archive: looking a name up walked the
        module's statements each time (issue 16: a quarter of the cross-file pass of
        sqlalchemy's wheel)."""
        tree = self.parsed(module)
        if tree is None:
            return None
        if module not in self._names:
            self._names[module] = TopNames.of(tree)
        return self._names[module]

    def acts(self, module: str) -> bool:
        """Whether the module's text names a sink or a way to reach one (else a call into
        it cannot make a chain and is not followed)."""
        if module not in self._acts:
            found = self.sources.get(module)
            self._acts[module] = found is not None and may_act(found[1].decode("utf-8", "replace"))
        return self._acts[module]

    def relays(self, module: str) -> bool:
        """Whether the module imports from its own archive (``from .net import send``): a
        function there that names no sink may still call one that does (issue 16: two hops
        through a module that names no sink)."""
        if module not in self._relays:
            found = self.sources.get(module)
            text = found[1] if found is not None else b""
            self._relays[module] = any(
                match.group(1).startswith(b".") or match.group(1).split(b".")[0] in self._tops
                for match in FROM_IMPORT.finditer(text)
            )
        return self._relays[module]

    def says(self, pattern: re.Pattern[bytes], module: str) -> bool:
        """Whether ``pattern`` occurs in the module's text, searched once per module and
        pattern (an absent module says nothing): the walk asks it again at every import
        statement and call into the module (issue 16: searched again at each one, ADR
        0191's wider write pattern cost 9 % of the popular batch)."""
        key = (pattern, module)
        if key not in self._said:
            found = self.sources.get(module)
            self._said[key] = found is not None and pattern.search(found[1]) is not None
        return self._said[key]

    def writes(self, module: str) -> bool:
        """Whether the module's text writes a file: a function of it called on install or
        import may write the text its caller hands it to a path the caller then runs
        (``util.save('/tmp/x.py', P)``; ADR 0158)."""
        return self.says(WRITES, module)

    def saves(self, module: str) -> bool:
        """Whether the module's text names any way to write a file (:data:`prefilter.WRITES`:
        ``print(file=)`` and standard output sent into a file too)."""
        return self.says(prefilter.WRITES, module)

    def is_package(self, module: str) -> bool:
        return self.path(module).endswith("__init__.py")


@dataclass(frozen=True, slots=True)
class TopNames:
    """A module's top-level names: ``defined`` by a ``def`` or ``class`` (the first
    statement that binds the name), and ``imported`` by ``from X import name`` (the dotted
    reference it stands for, leading dots kept: ``.util.run``; the first such import)."""

    defined: dict[str, Definition]
    imported: dict[str, str]

    @classmethod
    def of(cls, tree: ast.Module) -> TopNames:
        defined: dict[str, Definition] = {}
        imported: dict[str, str] = {}
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defined.setdefault(stmt.name, stmt)
            elif isinstance(stmt, ast.ImportFrom) and stmt.module != "__future__":
                prefix = "." * stmt.level
                base = f"{prefix}{stmt.module}." if stmt.module else prefix
                for alias in stmt.names:
                    imported.setdefault(alias.asname or alias.name, f"{base}{alias.name}")
        return cls(defined, imported)


def module_names(path: str, *, sdist: bool) -> list[str]:
    """Dotted names a member is imported as: ``pkg/sub/mod.py`` -> ``pkg.sub.mod``; in an
    sdist ``name-1.0/src/pkg/__init__.py`` -> ``pkg``."""
    if not path.endswith(".py"):
        return []
    parts = path.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if sdist:
        parts = parts[1:]
        if len(parts) > 1 and parts[0] in ("src", "lib"):
            parts = parts[1:]
    if not parts or not all(IDENTIFIER.match(p) for p in parts):
        return []
    return [".".join(parts)]


def absolute(ref: str, module: str, is_package: bool) -> str:
    """``ref`` with leading dots (a relative import as :mod:`flow` records it) made absolute
    against ``module``; a ref without dots is returned as it is."""
    if not ref.startswith("."):
        return ref
    level = len(ref) - len(ref.lstrip("."))
    base = module.split(".") if is_package else module.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    rest = ref[level:]
    return ".".join([*base, rest]) if rest else ".".join(base)
