"""The cross-file pass: calls on install or import, from ``setup.py``, a package's
``__init__.py`` or a module's top level, into the archive's other modules (issue 16;
ADRs 0029, 0063, 0096, 0097). Which files it starts from, which trees wait for it, and the
job that runs it after the members' own passes."""

from __future__ import annotations

import functools
import re
from collections.abc import Set
from typing import TYPE_CHECKING

from airlock.imports.packages.analysis import (
    scan_across,
)
from airlock.imports.packages.archive import Member
from airlock.imports.packages.lazyre import AtLineStart, LazyPattern
from airlock.imports.packages.local import (
    MAX_ARCHIVE_PARSE,
    LocalModules,
    module_names,
)
from airlock.imports.packages.plugins import SetupParse, plugin_calls
from airlock.imports.packages.rules import (
    PackageFinding,
    Severity,
)
from airlock.imports.packages.spread import Job

if TYPE_CHECKING:
    pass

from airlock.imports.packages.moments import SIDE_CODE, lighter, runs_setup

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


# Builtins that run the text they are given, and modules whose calls register a function the
# interpreter calls later (``implicit.CALLBACKS``; not ``sys``, called by most modules).
RUNS_TEXT = frozenset({b"exec", b"eval", b"atexit", b"codecs"})
# A program or a script started by path (``subprocess.call([sys.executable, a.P])``,
# ``runpy.run_path(P)``, ``exec(open(P).read())``): a file another module of the archive
# wrote when imported, or setup.py at install, may be what runs (ADR 0157).
# ``RUNS_FILE_TOP``: the same call on an unindented line.
_RUNS_FILE = (
    rb"(?:subprocess\.\w+|os\.(?:system|popen|exec\w*|spawn\w*|startfile|posix_spawn\w*)"
    rb"|runpy\.run_\w+|pty\.spawn|exec)[ \t]*\("
)
RUNS_FILE = LazyPattern(rb"\b" + _RUNS_FILE)
RUNS_FILE_TOP = AtLineStart(rb"(?:[\w.]+[ \t]*=[ \t]*)?" + _RUNS_FILE)


# ``name(``, ``x = name.attr(``, ``a, b = name(`` on an unindented line: the name called.
TOP_LEVEL_CALL = AtLineStart(
    rb"(?:[\w.]+(?:[ \t]*,[ \t]*[\w.]+)*[ \t]*=[ \t]*)?([A-Za-z_]\w*)(?:\.\w+)*[ \t]*\("
)


def cross_file_job(
    starts: list[Member], package: LocalModules, scripts: set[str], sdist: bool
) -> Job:
    """The cross-file pass (:func:`_across`) as one job after the members' own passes.

    Never moved to the helper process, and never split by start: it reads and updates the
    archive's shared state (``package``: its budgets, the calls followed so far) start after
    start, as a ``.pth`` file's own pass (run here, before it) does, so only this process
    has the state it must begin from. When the members are shared with the helper process
    it runs here first, while the helper takes members' passes (issue 16: pyasn1_modules
    spent 0.9 of 1.4 s in this pass, after the own passes, on one core); then the trees
    members' own passes keep are not yet there, and it parses those files itself (the same
    trees). Its size, for the split threshold, is the bytes of the files it starts from."""
    return Job(
        sum(len(m.data or b"") for m in starts),
        functools.partial(_across, starts, package, scripts, sdist=sdist),
        movable=False,
    )


def _across(
    starts: list[Member], package: LocalModules, scripts: set[str], *, sdist: bool
) -> list[PackageFinding]:
    """Chains from ``setup.py`` or a package's ``__init__.py`` into functions of the
    archive's other modules, called on install or import (issue 16: chains across files).

    ``starts``: the files :func:`across_starts` chose, in order. A file whose own pass kept
    its tree (``package.kept``) is not parsed again."""
    found: list[PackageFinding] = []
    for index, member in enumerate(starts):
        if member.data is None:
            continue  # across_starts chose only read files
        install = runs_setup(member.name)
        names = module_names(member.name, sdist=sdist)
        if package.steps_left <= 0 or package.parse_left < len(member.data):
            # Bounded per archive. A ``setup.py`` or ``__init__.py`` larger than the whole
            # parse budget calls the archive's functions on install or import and can never
            # be read: held (ADR 0097: one padded past it called the sender unread). One the
            # files before it left no room for is not: at a quarter of the budget one of
            # transformers' ``__init__.py`` files would hold (left open).
            found += [_unread_start(m.name) for m in starts[index:] if _too_large_start(m)]
            break
        package.parse_left -= len(member.data)
        source = member.data.decode("utf-8", "replace")
        side = bool(SIDE_CODE.search(member.name)) or member.name in scripts
        for finding in scan_across(
            member.name,
            source,
            package,
            names[0] if names else "",
            install_time=install,
            tree=package.kept.get(member.name),
        ):
            # Side code weighs less when nothing runs it; setup.py calling into it runs it
            # on install (a payload moved to ``tests/helper.py`` and called from setup.py).
            reached = SIDE_CODE.search(finding.path) or finding.path in scripts
            light = side or (reached and not install)
            found.append(lighter(finding) if light else finding)
    return found


def _too_large_start(member: Member) -> bool:
    """A ``setup.py`` or ``__init__.py`` larger than the cross-file pass may parse."""
    init = runs_setup(member.name) or member.name.endswith("/__init__.py")
    return init and len(member.data or b"") > MAX_ARCHIVE_PARSE


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


def plugins_run(
    members: list[Member], package: LocalModules, setup: SetupParse = ("", None)
) -> list[PackageFinding]:
    """Chains in the targets of entry points a host program loads and calls on its own
    (:mod:`plugins`, ADR 0063), read as code run on import (``setup``: the ``setup.py``
    parse vetting has, :func:`plugins.plugin_calls`)."""
    found: list[PackageFinding] = []
    for path, text in plugin_calls(members, package, setup):
        found += scan_across(path, text, package, "", install_time=False)
    return found


def within_budget(starts: list[Member]) -> set[str]:
    """The first of ``starts`` whose text fits the cross-file pass's parse budget: no other
    can be read by it (:func:`_across` stops at the first that does not fit), so only their
    trees are worth keeping; the bound on what is kept is the pass's own."""
    names: set[str] = set()
    left = MAX_ARCHIVE_PARSE
    for member in starts:
        size = len(member.data or b"")
        if size > left:
            break
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


def across_starts(
    members: list[Member], package: LocalModules, scripts: set[str], *, sdist: bool
) -> list[Member]:
    """Files whose own-package calls :func:`_across` follows, in the order it reads them.

    ``setup.py`` and a package's ``__init__.py`` when they import a name from the archive
    and call it. Other modules follow, when their module level calls a name imported from
    the archive (issue 16: ``from .a import grab; from .b import send; send(grab())`` in
    any module)."""
    starts = [m for m in members if runs_setup(m.name) or m.name.endswith("/__init__.py")]
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
        and "." in "".join(module_names(m.name, sdist=sdist))  # in a package, not a root script
    ]
    tops = frozenset(t.encode() for t in package.tops if t.isidentifier())  # once, not a file
    # What setup.py writes at install is on disk when the package is imported (ADR 0157).
    setup_writes = any(runs_setup(m.name) and b"write" in (m.data or b"") for m in members)
    chosen_starts: list[Member] = []
    for member in starts:
        if member.data is None:
            continue
        install = runs_setup(member.name)
        names = module_names(member.name, sdist=sdist)
        top_only = not (install or member.name in chosen)
        if (top_only and not names) or not calls_locally(
            member.data,
            tops,
            # A package's ``__init__.py`` importing its own submodule absolutely (``from
            # evpkg import zz``, ``from evpkg.zz import go``) calls the archive as a
            # relative import does (ADR 0169: ``zz.go(PAYLOAD)`` was not followed).
            own=frozenset() if member.name.endswith("__init__.py") else {n.encode() for n in names},
            top_only=top_only,
            installed=setup_writes and not install,
        ):
            continue
        chosen_starts.append(member)
    return chosen_starts


def calls_locally(
    data: bytes,
    tops: Set[bytes],
    *,
    own: Set[bytes] = frozenset(),
    top_only: bool = False,
    installed: bool = False,
) -> bool:
    """Whether the file imports a name from its own package and calls it (a cheap text
    test: most ``__init__.py`` files only re-export); ``top_only``: calls it on an unindented
    line (module level), the only calls of an ordinary module that run on import.

    ``tops``: the package's top-level names (encoded); ``own``: the file's own module names,
    which do not count among them; ``installed``: the archive's setup script writes files,
    so a program or a script this file runs by path may be one it wrote (ADR 0157)."""
    if b"import" not in data and not installed:
        return False
    names: list[bytes] = []
    loads_local = installed  # imports a module of the archive (its own package's too)
    for match in LOCAL_IMPORT.finditer(data):
        module = match.group(1) or match.group(3)
        top = module.split(b".")[0]
        loads_local = loads_local or (
            (module.startswith(b".") or top in tops) and module not in own
        )
        if not (module.startswith(b".") or (top in tops and module not in own)):
            continue
        if match.group(2) and match.group(2).strip() == b"*":
            if not top_only and TOP_CALL.search(data):  # a name it brought, called on import
                return True
        elif match.group(2):
            names += [n.split()[-1] for n in match.group(2).strip(b"()").split(b",") if n.split()]
        else:
            names.append(match.group(4) or module.split(b".")[0])
    # A program or a script run by path after an import of the archive's module that may
    # have written it (ADR 0157).
    runs_file = loads_local and (RUNS_FILE_TOP if top_only else RUNS_FILE).search(data) is not None
    if not names:  # most modules import nothing of their own package by name
        return runs_file
    if runs_file or b"modules[" in data or b"modules.update" in data:
        return True  # ``sys.modules['requests'] = fake``: its functions run (ADRs 0071, 0073)
    if b"class" in data:  # ``class K(Base)``: making a K runs Base's methods
        names += derived_from(data, names)  # (ADR 0048)
    # ``exec(P1 + P2)`` of names imported from the archive runs what they join to, and
    # ``codecs.register(own.search)`` hands one of them to the interpreter (ADR 0067).
    wanted = {*names, *RUNS_TEXT}
    if top_only:  # one pass over the unindented calls, not one search a name
        return bool(wanted & {m.group(1) for m in TOP_LEVEL_CALL.finditer(data)})
    called = called_names(data)
    return any(IDENT.fullmatch(name) and name in called for name in wanted)


def called_names(data: bytes) -> frozenset[bytes]:
    r"""Every name that starts a call (``name(``, ``name.attr.f (``), in one pass.

    The same answer as searching ``(?<![\w.])NAME(?:\.\w+)*\s*\(`` for each name (one
    pattern compiled per name was most of this check): a match's text holds no place where
    another may start, so the matches found one after another are all there are."""
    return frozenset(m.group(1) for m in CALL_HEAD.finditer(data))
