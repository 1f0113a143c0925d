"""The cross-file pass: calls on install or import, from ``setup.py``, a package's
``__init__.py`` or a module's top level, into the archive's other modules (issue 16;
ADRs 0029, 0063, 0096, 0097). Which files it starts from, which trees wait for it, and the
job that runs it after the members' own passes."""

from __future__ import annotations

import ast
import functools
import hashlib
import re
from collections.abc import Callable, Set
from dataclasses import dataclass

from airlock.imports.packages.analysis import BOM, scan_across
from airlock.imports.packages.archive import Member
from airlock.imports.packages.grammar import parse_module
from airlock.imports.packages.lazyre import AtLineStart, LazyPattern
from airlock.imports.packages.local import (
    MAX_ARCHIVE_PARSE,
    LocalModules,
    module_names,
)
from airlock.imports.packages.memo import DigestMemo
from airlock.imports.packages.moments import SIDE_CODE, lighter, runs_setup
from airlock.imports.packages.plugins import (
    MAX_BATCHED,
    MAX_CALLS,
    MAX_HOOKS,
    SetupParse,
    plugin_calls,
)
from airlock.imports.packages.prefilter import WRITES
from airlock.imports.packages.rules import (
    PackageFinding,
    Severity,
)
from airlock.imports.packages.spread import Job
from airlock.imports.packages.toplevel import (
    RUNS_FILE_CALLS,
    RUNS_TEXT,
    ModuleLevel,
    module_level,
)

# Each of these four starts at a line (``^``); none of their matches ends with a newline
# (:class:`lazyre.AtLineStart`).
LOCAL_IMPORT = AtLineStart(
    rb"[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]*\)|\*|[\w, \t]+)|"
    rb"import[ \t]+([\w.]+)(?:[ \t]+as[ \t]+(\w+))?)"
)


IDENT = re.compile(rb"[A-Za-z_]\w*")


DERIVED = AtLineStart(rb"[ \t]*class[ \t]+(\w+)[ \t]*\(([^)]*)\)")


def derived_from(data: bytes, names: list[bytes]) -> list[bytes]:
    """Classes of ``data`` with a base among ``names`` (``class K(Base)``, ``class K(m.B)``)."""
    wanted = set(names)
    return [
        m.group(1)
        for m in DERIVED.finditer(data)
        if wanted & {b.strip().split(b".")[0] for b in m.group(2).split(b",")}
    ]


CALL_HEAD = LazyPattern(rb"(?<![\w.])([A-Za-z_]\w*)(?:\.\w+)*\s*\(")


TOP_CALL = AtLineStart(rb"[A-Za-z_]\w*\s*\(")


RUNS_TEXT_NAMES = frozenset(name.encode() for name in RUNS_TEXT)
# A program or a script started by path: a file another module of the archive wrote when
# imported, or setup.py at install, may be what runs (ADR 0157).
_RUNS_FILE = RUNS_FILE_CALLS.encode() + rb"[ \t]*\("
RUNS_FILE = LazyPattern(rb"\b" + _RUNS_FILE)


# ``name(``, ``x = name.attr(``, ``a, b = name(`` on an unindented line: the name called.
TOP_LEVEL_CALL = AtLineStart(
    rb"(?:[\w.]+(?:[ \t]*,[ \t]*[\w.]+)*[ \t]*=[ \t]*)?([A-Za-z_]\w*)(?:\.\w+)*[ \t]*\("
)


def cross_file_job(
    starts: list[Start],
    package: LocalModules,
    scripts: set[str],
    sdist: bool,
    installs: Set[str] = frozenset(),
) -> Job:
    """The cross-file pass (:func:`_across`) as one job after the members' own passes.

    Never moved to the helper process, and never split by start: it reads and updates the
    archive's shared state (``package``: its budgets, the calls followed so far) start after
    start, as a ``.pth`` file's own pass (run here, before it) does, so only this process
    has the state it must begin from. When the members are shared with the helper process
    it runs here first, while the helper takes members' passes (issue 16: pyasn1_modules
    spent 0.9 of 1.4 s in this pass, after the own passes, on one core); then the trees
    members' own passes keep are not yet there, and it parses those files itself (the same
    trees). Its size, for the split threshold, is the bytes of the files it may start from."""
    return Job(
        sum(len(s.member.data or b"") for s in starts),
        functools.partial(_across, starts, package, scripts, sdist=sdist, installs=installs),
    )


def plugins_job(members: list[Member], package: LocalModules, setup: SetupParse) -> Job:
    """:func:`plugins_run` as a job after :func:`cross_file_job`'s, in this process for the
    same reason (it reads and updates ``package`` after the cross-file pass has), so that
    when the members are shared it runs while the helper takes them (ADR 0186); it ran after
    both processes' passes, alone on one core."""
    return Job(0, functools.partial(plugins_run, members, package, setup))


def _across(
    starts: list[Start],
    package: LocalModules,
    scripts: set[str],
    *,
    sdist: bool,
    installs: Set[str] = frozenset(),
) -> list[PackageFinding]:
    """Chains from ``setup.py`` or a package's ``__init__.py`` into functions of the
    archive's other modules, called on install or import (issue 16: chains across files).

    ``starts``: the files :func:`across_starts` chose, in order; an ordinary module among
    them starts when its module level uses what it imports from the archive (ADR 0176). A
    file whose own pass kept its tree (``package.kept``) is not parsed again.
    ``installs``: in-tree build backends and hooks, which run on install as ``setup.py``
    does (ADR 0170)."""
    found: list[PackageFinding] = []
    tops = frozenset(package.tops)
    for start in starts:
        member = start.member
        if member.data is None:
            continue  # across_starts chose only read files
        if package.steps_left <= 0:
            break  # the walk that spent the steps held (ADR 0096)
        tree = package.kept.get(member.name)
        if start.imports is not None:
            if len(member.data) > package.parse_left and not _too_large(member):
                continue  # skipped below anyway, and its level would cost a parse
            level, tree = _level(member, tree)
            own = _own_modules(member.name, sdist=sdist)
            local = functools.partial(_local, tops=tops, own=own)
            if not _runs_on_import(start.imports, level, member.data, local):
                continue
        install = runs_setup(member.name) or member.name in installs
        names = module_names(member.name, sdist=sdist)
        oversized = start.imports is not None and _too_large(member)
        if package.parse_left < len(member.data) and not oversized:
            # Bounded per archive. A ``setup.py`` or ``__init__.py`` larger than the whole
            # parse budget calls the archive's functions on install or import and can never
            # be read: held (ADR 0097: a padded ``__init__.py``). One the starts before it
            # left no room for is skipped, not held (ADR 0097: sqlalchemy's modules with calls
            # on import pass the budget together), and the starts after it are still read
            # (ADR 0179: a padded module placed first in the archive had stopped the pass).
            if _too_large(member):
                found.append(_unread_start(member.name))
            continue
        # An ordinary module larger than the whole budget was parsed to learn that its
        # module level calls into the archive (``_level``): it is read, its parse not
        # charged again (ADR 0179: held, it held four popular generated modules in 940 files;
        # allowed unread before). What it calls into is charged as ever.
        package.parse_left -= 0 if oversized else len(member.data)
        source = member.data.decode("utf-8", "replace")
        side = _side(member.name, scripts, installs)
        for finding in scan_across(
            member.name,
            source,
            package,
            names[0] if names else "",
            install_time=install,
            tree=tree,
        ):
            # Side code weighs less when nothing runs it; setup.py calling into it runs it
            # on install (a payload moved to ``tests/helper.py`` and called from setup.py).
            reached = SIDE_CODE.search(finding.path) or finding.path in scripts
            light = side or (reached and not install)
            found.append(lighter(finding) if light else finding)
    return found


def _too_large(member: Member) -> bool:
    """A start larger than the cross-file pass may parse in all."""
    return len(member.data or b"") > MAX_ARCHIVE_PARSE


def _unread_start(path: str) -> PackageFinding:
    """``path`` calls the archive's functions on install or import, and is larger than the
    cross-file pass may parse."""
    return PackageFinding(
        "analysis-budget",
        path,
        0,
        Severity.HIGH,
        f"its calls on install or import into the archive's other modules were not read: it "
        f"is larger than the {MAX_ARCHIVE_PARSE} bytes of source airlock reads per archive",
    )


# What identical modules' top levels do, by the SHA-256 of their bytes: a wheel and its sdist
# ship the same modules, and an sdist's own passes are answered from the memo, with no tree.
LEVELS: DigestMemo[ModuleLevel] = DigestMemo()
# A module that does not parse: nothing of it runs, and its own pass holds it.
UNPARSED = ModuleLevel(
    frozenset(), calls_own=False, runs_file=False, imports_by_name=False, calls=False
)


def _level(member: Member, tree: ast.Module | None) -> tuple[ModuleLevel, ast.Module | None]:
    """What ``member``'s top level does (:func:`toplevel.module_level`), and its tree when
    it had to be parsed for that (or was kept), for the pass to read without parsing it
    again."""
    data = member.data or b""
    digest = hashlib.sha256(data).digest()
    known = LEVELS.get(digest)
    if known is not None:
        return known, tree
    if tree is None:
        try:
            source = data.decode("utf-8", "replace").removeprefix(BOM)
            tree = parse_module(source, member.name)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            LEVELS.put(digest, UNPARSED)
            return UNPARSED, None
    level = module_level(tree)
    LEVELS.put(digest, level)
    return level, tree


def _local(module: str, *, tops: Set[str], own: Set[str]) -> bool:
    """Whether an import of ``module`` (as written: ``.zz``, ``evpkg.zz``) is of the
    archive's own modules, for a module whose own names are ``own``."""
    return module.startswith(".") or (module.split(".", 1)[0] in tops and module not in own)


def plugins_run(
    members: list[Member], package: LocalModules, setup: SetupParse = ("", None)
) -> list[PackageFinding]:
    """Chains in the targets of entry points a host program loads and calls on its own
    (:mod:`plugins`, ADR 0063), read as code run on import (``setup``: the ``setup.py``
    parse vetting has, :func:`plugins.plugin_calls`)."""
    found: list[PackageFinding] = []
    calls, unread = plugin_calls(members, package, setup)
    for path, text in calls:
        found += scan_across(path, text, package, "", install_time=False)
    for path, module in dict.fromkeys(unread):
        found.append(_unread_plugin(path, module))
    return found


def _unread_plugin(path: str, module: str) -> PackageFinding:
    """``path`` declares a plugin in ``module`` that a host calls by itself, past the
    entry points (or hooks) airlock follows, and the module may act (ADR 0189)."""
    return PackageFinding(
        "analysis-budget",
        path,
        0,
        Severity.HIGH,
        f"declares a plugin in {module!r} that a host program calls by itself, past the "
        f"{MAX_CALLS + MAX_BATCHED} entry points (or {MAX_HOOKS} hooks) airlock follows: "
        "it was not read",
    )


def within_budget(starts: list[Start]) -> set[str]:
    """The ``starts`` whose text fits the cross-file pass's parse budget, taken in order
    (:func:`_across` skips one that no longer fits and reads on): no other can be read by
    it, so only their trees are worth keeping; the bound on what is kept is the pass's own."""
    names: set[str] = set()
    left = MAX_ARCHIVE_PARSE
    for member in (s.member for s in starts):
        size = len(member.data or b"")
        if size <= left:
            left -= size
            names.add(member.name)
    return names


# Source bytes of modules whose trees wait for the cross-file pass (~30 MB of trees).
KEPT_FOLLOWED_BYTES = 1 << 20


def followable(members: list[Member], package: LocalModules) -> set[str]:
    """Modules the cross-file pass may follow a call into (:meth:`LocalModules.parsed`),
    in member order while their source fits :data:`KEPT_FOLLOWED_BYTES` (a tree takes ~30
    bytes a byte of source): their own pass keeps its tree, so a module followed into is
    not parsed a second time (issue 16: a fifth of the parsing of pyasn1's sdist). Which
    calls are followed does not change, only where the tree comes from. Tests, docs and
    examples, which no start imports as a rule, are parsed again if one does rather than
    held in memory (kombu's tests: 40 MB)."""
    paths = {path for path, _ in package.sources.values()}
    names: set[str] = set()
    left = KEPT_FOLLOWED_BYTES
    for member in members:
        size = len(member.data or b"")
        side = SIDE_CODE.search(member.name)
        if member.name in paths and not side and size <= left:
            left -= size
            names.add(member.name)
    return names


@dataclass(frozen=True, slots=True)
class Start:
    """A file the cross-file pass may start from. ``imports``: for an ordinary module, what
    it imports from its archive, and it starts only when its module level uses one of them
    (:func:`_runs_on_import`, read from its tree once the own passes have parsed it); None
    for a file that starts."""

    member: Member
    imports: _Imported | None = None


def across_starts(
    members: list[Member],
    package: LocalModules,
    scripts: set[str],
    *,
    sdist: bool,
    installs: Set[str] = frozenset(),
) -> list[Start]:
    """Files whose own-package calls :func:`_across` follows, in the order it reads them.

    ``setup.py`` and a package's ``__init__.py`` when they import a name from the archive
    and call it. Other modules follow, when they import from the archive (their module
    level is read for a use of it later: :class:`Start`; issue 16: ``from .a import grab;
    from .b import send; send(grab())`` in any module). ``installs``: in-tree build backends
    and hooks (:func:`hooks.hook_modules`), read as ``setup.py`` is: they run on install
    (ADR 0170: a backend calling the package's function was not followed)."""
    starts = [
        m
        for m in members
        if runs_setup(m.name) or m.name in installs or m.name.endswith("/__init__.py")
    ]
    chosen = {m.name for m in starts}
    # Not ``__main__`` (run by ``python -m``), tests, docs, examples, sdist scripts or a
    # root-level build helper: nothing imports those, so their module level is not an
    # import's (portalocker's ``build_extra.py`` runs ruff through ``__main__.combine``).
    starts += [
        m
        for m in members
        if m.name.endswith(".py")
        and m.name not in chosen
        and not m.name.endswith("__main__.py")
        and not SIDE_CODE.search(m.name)
        and m.name not in scripts
        # In a package, not an sdist's root script; a wheel's root modules are installed
        # and imported by name (``from evhelp import go`` in ``evmod.py``: ADR 0170).
        and (not sdist or "." in "".join(module_names(m.name, sdist=sdist)))
    ]
    tops = frozenset(t.encode() for t in package.tops if t.isidentifier())  # once, not a file
    # What setup.py writes at install is on disk when the package is imported (ADR 0157).
    setup_writes = any(runs_setup(m.name) and WRITES.search(m.data or b"") for m in members)
    chosen_starts: list[Start] = []
    for member in starts:
        if member.data is None:
            continue
        install = runs_setup(member.name) or member.name in installs
        own = _own_modules(member.name, sdist=sdist)
        installed = setup_writes and not install
        data = _plain(member.data)
        scan = data.replace(b"\\\n", b"  ") if b"\\\n" in data else data
        if b"import" not in scan and not installed:
            continue
        imports = _Imported.of(scan, tops, {n.encode() for n in own}, installed=installed)
        if not (imports.by_name or imports.loads_local):
            continue  # most modules import nothing of their archive
        if install or member.name in chosen:
            # ``setup.py``, ``__init__.py``, a build hook: a name imported from the archive
            # called anywhere (their functions run on install or from the package); or, as
            # for any module, used at module level (ADR 0174: ``map(go, [P])`` handed on).
            start = Start(member) if _calls_anywhere(data, scan, imports) else None
            chosen_starts.append(start or Start(member, imports))
        elif own:  # an ordinary module imported by a name
            chosen_starts.append(Start(member, imports))
    # Side code last (ADR 0178): a function is followed once per archive, and its findings
    # keep the weight of the first start that called it. A ``tests/__init__.py`` placed
    # before the package's ``__init__.py`` made the package's own call on import light.
    # Install first, for the same reason; then smallest first (ADR 0179): member order is
    # the attacker's, and large harmless starts placed first spent the parse budget that a
    # small one calling the payload needed.
    return sorted(chosen_starts, key=lambda s: _start_order(s.member, scripts, installs))


def _start_order(member: Member, scripts: Set[str], installs: Set[str]) -> tuple[bool, bool, int]:
    install = runs_setup(member.name) or member.name in installs
    return _side(member.name, scripts, installs), not install, len(member.data or b"")


def _side(path: str, scripts: Set[str], installs: Set[str]) -> bool:
    """Whether a start is side code (tests, docs, examples, an sdist's scripts), whose
    findings weigh less: nothing runs it on install or import."""
    if runs_setup(path) or path in installs:
        return False
    return bool(SIDE_CODE.search(path)) or path in scripts


def _own_modules(path: str, *, sdist: bool) -> frozenset[str]:
    """The module names a file is imported by, whose imports of themselves are not of the
    archive's other modules; none for a package's ``__init__.py``, whose absolute import of
    its own submodule (``from evpkg import zz``, ``from evpkg.zz import go``) is one
    (ADR 0169: ``zz.go(PAYLOAD)`` was not followed)."""
    return (
        frozenset() if path.endswith("__init__.py") else frozenset(module_names(path, sdist=sdist))
    )


def _runs_on_import(
    imports: _Imported, level: ModuleLevel, data: bytes, local: Callable[[str], bool]
) -> bool:
    """Whether an ordinary module's module level (``level``) uses what it imports from its
    archive (``imports``; ``local``: whether a module, as an import names it, is the
    archive's own): only its module level runs on import."""
    # A program or a script run by path after an import of the archive's module that may
    # have written it (ADR 0157).
    if imports.loads_local and level.runs_file:
        return True
    # A name imported from the archive used on import, called or not: handed on (``g = go;
    # g(P)``, ``getattr(zz, 'go')(P)``), a base class (ADR 0048), a decorator.
    if any(local(module) for module in level.used_from):
        return True
    if not imports.by_name:
        return False
    # ``sys.modules['requests'] = fake``: its functions run (ADRs 0071, 0073). A module
    # imported by its literal name, or a name a star import brought, called on import. The
    # module's own functions and classes called on import may call an imported name (``K()``
    # whose ``__init__`` does), and ``exec(P1 + P2)`` of imported names runs what they join to,
    # ``codecs.register(own.search)`` hands one to the interpreter (ADRs 0067, 0170).
    return (
        b"modules[" in data
        or b"modules.update" in data
        or (imports.dynamic and level.imports_by_name)
        or (imports.star and level.calls)
        or level.calls_own
    )


@dataclass(slots=True)
class _Imported:
    """What a file's import statements bring from its archive: ``names`` bound, a ``star``
    import, a ``dynamic`` import by a literal name, whether it ``loads_local`` (imports a
    module of the archive, its own package's too)."""

    names: list[bytes]
    star: bool = False
    dynamic: bool = False
    loads_local: bool = False

    @property
    def by_name(self) -> bool:
        return bool(self.names or self.star or self.dynamic)

    @classmethod
    def of(cls, scan: bytes, tops: Set[bytes], own: Set[bytes], *, installed: bool) -> _Imported:
        found = cls([], loads_local=installed)
        for module, brought, alias in _imports(scan):
            top = module.split(b".")[0]
            local = module.startswith(b".") or (top in tops and module not in own)
            found.loads_local = found.loads_local or local
            if not local:
                continue
            if brought is None:
                bound = [alias or top]
            elif brought.strip() == b"*":
                found.star = True
                continue
            else:
                bound = [n.split()[-1] for n in brought.strip(b"()").split(b",") if n.split()]
            # Only names: the text is not parsed, so ``import ...`` in a docstring reads as
            # a module ``...`` whose name is empty, and an empty name is found everywhere.
            found.names += [name for name in bound if IDENT.fullmatch(name)]
        if b"import_module" in scan or b"__import__" in scan:
            for match in DYNAMIC_IMPORT.finditer(scan):
                module = match.group(1)
                if module.startswith(b".") or module.split(b".")[0] in tops:
                    found.dynamic = found.loads_local = True
        return found


def _calls_anywhere(data: bytes, scan: bytes, imported: _Imported) -> bool:
    """:func:`calls_locally` for ``setup.py`` and a package's ``__init__.py``, whose
    functions' calls are read too: a name imported from the archive, called (``scan``:
    ``data`` with its backslash-joined lines)."""
    runs_file = imported.loads_local and RUNS_FILE.search(data) is not None
    if imported.dynamic or (imported.star and TOP_CALL.search(data)):
        return True  # a module imported by its literal name, or a name it brought, called
    if not imported.names:
        return runs_file
    if runs_file or b"modules[" in data or b"modules.update" in data:
        return True  # ``sys.modules['requests'] = fake``: its functions run (ADRs 0071, 0073)
    names = list(imported.names)
    if b"class" in data:  # ``class K(Base)``: making a K runs Base's methods
        names += derived_from(data, names)  # (ADR 0048)
    wanted = {*names, *RUNS_TEXT_NAMES}
    called = called_names(scan)
    if b"getattr" in data:  # ``getattr(zz, 'go')(P)``
        called |= {m.group(1) for m in GETATTR.finditer(data)}
    return any(IDENT.fullmatch(name) and name in called for name in wanted)


UTF8_BOM = b"\xef\xbb\xbf"
# ``import a.b as c, d``: the names after the first module of an ``import`` statement.
IMPORTED_TOO = re.compile(rb"[ \t]*,[ \t]*([\w.]+)(?:[ \t]+as[ \t]+(\w+))?")
# An import statement after a ``;`` (``x = 1; from .zz import go``).
JOINED_IMPORT = LazyPattern(b";" + LOCAL_IMPORT.body)
# A module imported by its literal name: ``__import__('evpkg.zz')``,
# ``importlib.import_module('.zz', __name__)``.
DYNAMIC_IMPORT = LazyPattern(
    rb"(?:__import__|import_module)[ \t]*\([ \t]*[rbuRBU]?['\"]([\w.]+)['\"]"
)
GETATTR = LazyPattern(rb"\bgetattr[ \t]*\([ \t]*([A-Za-z_]\w*)")


def _plain(data: bytes) -> bytes:
    """``data``'s lines as Python reads them: after a UTF-8 byte-order mark, each ended by
    ``\\n`` (a ``\\r\\n`` or a lone ``\\r`` ends a line too)."""
    data = data.removeprefix(UTF8_BOM)
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data


def _imports(scan: bytes) -> list[tuple[bytes, bytes | None, bytes | None]]:
    """Each module an import statement of ``scan`` names: (module, what ``from`` brings or
    None, the ``as`` name of a plain import)."""
    found: list[tuple[bytes, bytes | None, bytes | None]] = []
    matches = list(LOCAL_IMPORT.finditer(scan))
    if b";" in scan:
        matches += JOINED_IMPORT.finditer(scan)
    for match in matches:
        if match.group(1):
            found.append((match.group(1), match.group(2), None))
            continue
        found.append((match.group(3), None, match.group(4)))
        end = match.end()
        while more := IMPORTED_TOO.match(scan, end):
            found.append((more.group(1), None, more.group(2)))
            end = more.end()
    return found


def called_names(data: bytes) -> frozenset[bytes]:
    r"""Every name that starts a call (``name(``, ``name.attr.f (``), in one pass.

    The same answer as searching ``(?<![\w.])NAME(?:\.\w+)*\s*\(`` for each name (one
    pattern compiled per name was most of this check): a match's text holds no place where
    another may start, so the matches found one after another are all there are."""
    return frozenset(m.group(1) for m in CALL_HEAD.finditer(data))
