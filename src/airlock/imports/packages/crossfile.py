"""The cross-file pass: calls on install or import, from ``setup.py``, a package's
``__init__.py`` or a module's top level, into the archive's other modules (issue 16;
ADRs 0029, 0063, 0096, 0097). Which files it starts from, which trees wait for it, and the
job that runs it after the members' own passes."""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Iterator, Set
from dataclasses import dataclass
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
    starts: list[Member],
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
    trees). Its size, for the split threshold, is the bytes of the files it starts from."""
    return Job(
        sum(len(m.data or b"") for m in starts),
        functools.partial(_across, starts, package, scripts, sdist=sdist, installs=installs),
        movable=False,
    )


def _across(
    starts: list[Member],
    package: LocalModules,
    scripts: set[str],
    *,
    sdist: bool,
    installs: Set[str] = frozenset(),
) -> list[PackageFinding]:
    """Chains from ``setup.py`` or a package's ``__init__.py`` into functions of the
    archive's other modules, called on install or import (issue 16: chains across files).

    ``starts``: the files :func:`across_starts` chose, in order. A file whose own pass kept
    its tree (``package.kept``) is not parsed again. ``installs``: in-tree build backends and
    hooks, which run on install as ``setup.py`` does (ADR 0170)."""
    found: list[PackageFinding] = []
    for index, member in enumerate(starts):
        if member.data is None:
            continue  # across_starts chose only read files
        install = runs_setup(member.name) or member.name in installs
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
        side = not install and (bool(SIDE_CODE.search(member.name)) or member.name in scripts)
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
    members: list[Member],
    package: LocalModules,
    scripts: set[str],
    *,
    sdist: bool,
    installs: Set[str] = frozenset(),
) -> list[Member]:
    """Files whose own-package calls :func:`_across` follows, in the order it reads them.

    ``setup.py`` and a package's ``__init__.py`` when they import a name from the archive
    and call it. Other modules follow, when their module level calls a name imported from
    the archive (issue 16: ``from .a import grab; from .b import send; send(grab())`` in
    any module). ``installs``: in-tree build backends and hooks (:func:`hooks.hook_modules`),
    read as ``setup.py`` is: they run on install (ADR 0170: a backend calling the package's
    function was not followed)."""
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
    setup_writes = any(runs_setup(m.name) and b"write" in (m.data or b"") for m in members)
    chosen_starts: list[Member] = []
    for member in starts:
        if member.data is None:
            continue
        install = runs_setup(member.name) or member.name in installs
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
    test: most ``__init__.py`` files only re-export); ``top_only``: calls it at module level
    (outside every function's body), the only code of an ordinary module that runs on import.

    ``tops``: the package's top-level names (encoded); ``own``: the file's own module names,
    which do not count among them; ``installed``: the archive's setup script writes files,
    so a program or a script this file runs by path may be one it wrote (ADR 0157).

    The text is read as the tokenizer reads it (ADR 0170): after a byte-order mark, with
    ``\\r`` line ends and joined lines, every import of a statement (``import os, evpkg.zz``,
    ``x = 1; from .zz import go``) and an import by a literal name (``__import__('evpkg.zz')``,
    ``import_module('.zz', __name__)``). An ordinary module's module level is every line
    outside a function's body (:class:`_Text`), not only its unindented lines: ``if True:``,
    ``try:``, ``with``, a class body, a decorator, a default value, an expression around
    the call."""
    data = _plain(data)
    if b"import" not in data and not installed:
        return False
    scan = data.replace(b"\\\n", b"  ") if b"\\\n" in data else data
    imported = _Imported.of(scan, tops, own, installed=installed)
    if not top_only:
        return _calls_anywhere(data, scan, imported)
    if not (imported.by_name or imported.loads_local):
        return False  # most modules import nothing of their own package
    return _calls_at_top(data, scan, imported)


@dataclass(slots=True)
class _Imported:
    """What a file's import statements bring from its archive: ``names`` bound, a ``star``
    import, a ``dynamic`` import by a literal name, whether it ``loads_local`` (imports a
    module of the archive, its own package's too), and the ``spans`` of every import
    statement (where a name stands without being used)."""

    names: list[bytes]
    spans: list[tuple[int, int]]
    star: bool = False
    dynamic: bool = False
    loads_local: bool = False

    @property
    def by_name(self) -> bool:
        return bool(self.names or self.star or self.dynamic)

    @classmethod
    def of(cls, scan: bytes, tops: Set[bytes], own: Set[bytes], *, installed: bool) -> _Imported:
        found = cls([], [], loads_local=installed)
        for module, brought, alias, span in _imports(scan):
            found.spans.append(span)
            top = module.split(b".")[0]
            local = module.startswith(b".") or (top in tops and module not in own)
            found.loads_local = found.loads_local or local
            if not (module.startswith(b".") or (top in tops and module not in own)):
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


def _calls_at_top(data: bytes, scan: bytes, imported: _Imported) -> bool:
    """:func:`calls_locally` for an ordinary module: what it imports from the archive,
    called at module level."""
    text = _Text(data)
    # A program or a script run by path after an import of the archive's module that may
    # have written it (ADR 0157).
    if imported.loads_local and text.any_at_top(RUNS_FILE.finditer(text.code)):
        return True
    if not imported.by_name:
        return False
    if b"modules[" in data or b"modules.update" in data:
        return True  # ``sys.modules['requests'] = fake``: its functions run (ADRs 0071, 0073)
    # A module imported by its literal name (blanked in ``code``), or a name a star import
    # brought, called on import.
    if (imported.dynamic and text.any_at_top(DYNAMIC_IMPORT.finditer(scan))) or (
        imported.star and text.any_at_top(CALL_HEAD.finditer(text.code))
    ):
        return True
    names = list(imported.names)
    if names and b"class" in data:  # ``class K(Base)``: making a K runs Base's methods
        names += derived_from(data, names)  # (ADR 0048)
    if not names:
        return False
    spans = _merged(imported.spans)
    # A name imported from the archive used on import, called or not: handed on (``g = go;
    # g(P)``, ``getattr(zz, 'go')(P)``). The module's own functions and classes called on
    # import may call one (``K()`` whose ``__init__`` does). ``exec(P1 + P2)`` of imported
    # names runs what they join to, and ``codecs.register(own.search)`` hands one to the
    # interpreter (ADRs 0067, 0170).
    return text.calls_at_top(names, spans, used=True) or text.calls_at_top(
        {*RUNS_TEXT, *(m.group(1) for m in LOCAL_DEF.finditer(text.code))}, spans
    )


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
    wanted = {*names, *RUNS_TEXT}
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


def _imports(
    scan: bytes,
) -> list[tuple[bytes, bytes | None, bytes | None, tuple[int, int]]]:
    """Each module an import statement of ``scan`` names: (module, what ``from`` brings or
    None, the ``as`` name of a plain import, the statement's span)."""
    found: list[tuple[bytes, bytes | None, bytes | None, tuple[int, int]]] = []
    matches = list(LOCAL_IMPORT.finditer(scan))
    if b";" in scan:
        matches += JOINED_IMPORT.finditer(scan)
    for match in matches:
        if match.group(1):
            found.append((match.group(1), match.group(2), None, match.span()))
            continue
        found.append((match.group(3), None, match.group(4), match.span()))
        end = match.end()
        while more := IMPORTED_TOO.match(scan, end):
            found.append((more.group(1), None, more.group(2), (end, more.end())))
            end = more.end()
    return found


# What the tokenizer does not read as code: a comment and a string (triple-quoted or not,
# with escapes; an unclosed one runs to its line's or the text's end).
NOT_CODE = re.compile(
    rb"#[^\n]*"
    rb'|"""(?:[^"\\]+|\\[\s\S]|"(?!""))*(?:"""|\Z)'
    rb"|'''(?:[^'\\]+|\\[\s\S]|'(?!''))*(?:'''|\Z)"
    rb'|"(?:[^"\\\n]+|\\[\s\S])*"?'
    rb"|'(?:[^'\\\n]+|\\[\s\S])*'?"
)
BLANKED = bytes(b if b == 0x0A else 0x20 for b in range(256))
# The prefix of an f-string before its quote (``f``, ``rf``, ``Fr`` ...).
F_PREFIX = re.compile(rb"(?<![\w.])[rR]?[fF][rR]?\Z")


def _blanked(data: bytes, match: re.Match[bytes]) -> bytes:
    """A comment or string blanked; an f-string kept, since what its braces hold is code
    (``x = f"{go(P)}"`` calls ``go`` on import: ADR 0170)."""
    text = match.group()
    start = match.start()
    head = data[max(0, start - 3) : start]  # the prefix's letters, if any (most have none)
    if (
        (b"f" in head or b"F" in head)
        and text[:1] in b"'\""
        and F_PREFIX.search(data, max(0, start - 3), start)
    ):
        return text
    return text.translate(BLANKED)


class _Text:
    """A module's text with its comments and strings blanked and its lines joined where
    a backslash ends them (``code``, at the same places), and the spans of its functions'
    bodies: what lies outside them is module level, run on import (a call in a function's
    default value or decorator too)."""

    def __init__(self, data: bytes) -> None:
        code = NOT_CODE.sub(lambda m: _blanked(data, m), data)
        self.code = code.replace(b"\\\n", b"  ") if b"\\\n" in code else code
        self.bodies = _function_bodies(self.code)
        self._starts = [start for start, _ in self.bodies]

    def at_top(self, place: int) -> bool:
        """Whether ``place`` is outside every function's body."""
        index = bisect.bisect_right(self._starts, place) - 1
        return index < 0 or place >= self.bodies[index][1]

    def any_at_top(self, matches: Iterator[re.Match[bytes]]) -> bool:
        """Whether one of ``matches`` (its first group's place, if any) is at module level."""
        return any(self.at_top(m.start(1) if m.re.groups else m.start()) for m in matches)

    def calls_at_top(
        self, names: Iterable[bytes], outside: list[tuple[int, int]], *, used: bool = False
    ) -> bool:
        """Whether one of ``names`` is called at module level (``name(``, ``name.f.g (``,
        not after a dot), in none of the spans ``outside`` (in order, apart: the import
        statements); ``used``: named there at all, called or not."""
        code, ends = self.code, [end for _, end in outside]
        for name in names:
            place = code.find(name) if name else -1  # an empty name is found everywhere
            while place >= 0:
                after = place + len(name)
                if (
                    not (place and _NAMELIKE[code[place - 1]])
                    and (
                        (after == len(code) or not _WORDLIKE[code[after]])
                        if used
                        else CALLED_AFTER.match(code, after)
                    )
                    and self.at_top(place)
                ):
                    index = bisect.bisect_right(ends, place)
                    if index == len(outside) or place < outside[index][0]:
                        return True
                place = code.find(name, after)
        return False


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` in order, those that overlap made one."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# What follows a name called: attributes, then ``(``.
CALLED_AFTER = re.compile(rb"(?:\.\w+)*\s*\(")
# Bytes a name cannot follow (a word's or a dot).
_WORDLIKE = [chr(b).isalnum() or b == 0x5F or b >= 0x80 for b in range(256)]
_NAMELIKE = [w or b == 0x2E for b, w in enumerate(_WORDLIKE)]
FUNCTION = re.compile(rb"def[ \t]")
# A function or class the module defines (at any depth: a superset is only more reading).
LOCAL_DEF = re.compile(rb"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)", re.MULTILINE)
# Leading blanks other than spaces: columns are then counted line by line.
ODD_INDENT = re.compile(rb"(?:^|\n) *[\t\f]")


def _function_bodies(code: bytes) -> list[tuple[int, int]]:
    """The spans of the bodies of ``code``'s outermost functions, in order: from the ``:``
    that ends a ``def`` header to the next line indented no deeper than the ``def`` that
    holds code (or the end). A line inside brackets ends a body too: a body may end too
    early (more is read as module level), never too late."""
    bodies: list[tuple[int, int]] = []
    # The regex tries every byte; most modules hold neither byte (strings are blanked).
    odd = (b"\t" in code or b"\f" in code) and ODD_INDENT.search(code) is not None
    end = 0
    for match in FUNCTION.finditer(code):
        line = code.rfind(b"\n", 0, match.start()) + 1
        head = code[line : match.start()]
        if line < end or head.strip(b" \t\f") not in (b"", b"async"):
            continue  # a function in a function's body, or ``undef`` (strings are blanked)
        colon = _header_end(code, match.end())
        if colon is None:
            break  # a header that never ends: what follows is read as module level
        indent = _indent(head)
        end = _dedent_odd(code, colon, indent) if odd else _dedent(code, colon, indent)
        bodies.append((colon, end))
    return bodies


HEADER = re.compile(rb"[()\[\]{}:]")


def _header_end(code: bytes, place: int) -> int | None:
    """Where the ``:`` that ends a ``def`` header from ``place`` is (just after it)."""
    depth = 0
    for m in HEADER.finditer(code, place):
        mark = m.group()
        if mark in b"([{":
            depth += 1
        elif mark != b":":
            depth -= 1
        elif depth <= 0:
            return m.end()
    return None


@functools.cache
def _dedented(indent: int) -> re.Pattern[bytes]:
    return re.compile(rb"\n {0,%d}(?=[^ \n])" % indent)


def _dedent(code: bytes, place: int, indent: int) -> int:
    """The start of the first line after ``place`` that holds code at a column no deeper
    than ``indent`` (or the end), when lines are indented by spaces only."""
    found = _dedented(indent).search(code, place)
    return found.start() + 1 if found else len(code)


def _dedent_odd(code: bytes, place: int, indent: int) -> int:
    """:func:`_dedent` for lines indented with tabs or form feeds."""
    start = code.find(b"\n", place) + 1
    while start:
        end = code.find(b"\n", start)
        line = code[start:] if end < 0 else code[start:end]
        if line.strip(b" \t\f") and _indent(line) <= indent:
            return start
        start = end + 1
    return len(code)


def _indent(line: bytes) -> int:
    """The column a line's code starts at: a form feed sets it back to 0, a tab moves it to
    the next multiple of 8."""
    head = line[: len(line) - len(line.lstrip(b" \t\f"))].rsplit(b"\f", 1)[-1]
    return len(head.expandtabs(8))


def called_names(data: bytes) -> frozenset[bytes]:
    r"""Every name that starts a call (``name(``, ``name.attr.f (``), in one pass.

    The same answer as searching ``(?<![\w.])NAME(?:\.\w+)*\s*\(`` for each name (one
    pattern compiled per name was most of this check): a match's text holds no place where
    another may start, so the matches found one after another are all there are."""
    return frozenset(m.group(1) for m in CALL_HEAD.finditer(data))
