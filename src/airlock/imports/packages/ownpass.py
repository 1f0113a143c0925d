"""Each member's own pass: Python, ``.pth``, native, pickled and serialised members read
alone, with what the archive tells them (install helpers, inert scripts, kept trees), as
jobs the memo answers when a member was seen before (ADRs 0047, 0060, 0061)."""

from __future__ import annotations

import ast
import functools
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, replace

from airlock.imports.packages.analysis import (
    pth_lines,
    scan_pth,
    scan_python,
)
from airlock.imports.packages.archive import Member
from airlock.imports.packages.grammar import parse_module
from airlock.imports.packages.hooks import command_file
from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.local import (
    LocalModules,
)
from airlock.imports.packages.memo import MEMO, Key
from airlock.imports.packages.moments import FURTHER, SIDE_CODE, lighter, runs_setup
from airlock.imports.packages.native import (
    DATA_SUFFIXES,
    disguised_executable,
    is_executable,
    is_native,
    scan_native,
)
from airlock.imports.packages.pathescape import escape_finding
from airlock.imports.packages.pickles import (
    PICKLE_SUFFIXES,
    looks_pickled,
    scan_pickle,
    sniffed_pickle,
)
from airlock.imports.packages.pthpaths import pth_path_findings, site_reads
from airlock.imports.packages.rules import (
    PackageFinding,
    Severity,
    setup_py_hooks,
)
from airlock.imports.packages.serialized import documentation, serialized_calls
from airlock.imports.packages.spread import Job, Task, register


@dataclass(frozen=True)
class MemberContext:
    """What a member's own pass is told about the archive around it."""

    helpers: set[str]  # modules setup.py imports or a build hook runs: install time
    inert: set[str]  # sdist scripts nothing runs
    kept: set[str]  # members whose tree the cross-file pass reads
    setup: str  # setup.py's member name, and its tree (parsed once)
    setup_tree: ast.Module | None
    shipped: frozenset[str]
    package: LocalModules
    # Every name an import could find in the archive, any suffix (ADR 0143); None: unknown.
    present: frozenset[str] | None = None


MAIN_NAMED = re.compile(rb"__main__")
MAIN_GUARD = re.compile(
    rb"""__name__\s*[!=]=\s*(['"])__main__\1|(['"])__main__\2\s*[!=]=\s*__name__"""
)


def package_mains(package: LocalModules) -> frozenset[str]:
    """Member paths of the archive's ``package/__main__.py`` modules (``python -m package``),
    not a top-level ``__main__.py``; none when another module names ``__main__`` other than
    in a ``__name__ == '__main__'`` test (``from . import __main__``, ``runpy``, a string
    given to ``import_module``): then its module level may run on an import."""
    mains = [path for name, (path, _) in package.sources.items() if name.endswith(".__main__")]
    if not mains:
        return frozenset()
    for path, data in package.sources.values():
        # ``MAIN_NAMED.findall``'s count, in C (a literal: the same non-overlapping count);
        # no ``__main__`` at all needs no look for a guard (issue 16).
        named = data.count(MAIN_NAMED.pattern)
        if path not in mains and named and named > len(MAIN_GUARD.findall(data)):
            return frozenset()
    return frozenset(mains)


def own_passes(
    members: list[Member], context: MemberContext, digests: dict[str, bytes]
) -> list[Job | PackageFinding]:
    """Per member: its own pass as a :class:`Job`, or why it was not read. ``digests`` gets
    each read member's SHA-256."""
    jobs: list[Job | PackageFinding] = []
    keys: list[Key | None] = []
    programs = package_mains(context.package)
    for member in members:
        if member.data is None:
            # Unread code is a skipped check and holds; unread data (a large test matrix) is
            # not something any rule reads anyway.
            severity = (
                Severity.HIGH
                if member.damaged or _is_code(member.name) or is_native(member.name)
                else Severity.MEDIUM
            )
            unread = PackageFinding("unread-member", member.name, 0, severity, member.note)
            escaping = escape_finding(member.name) if member.damaged else None
            jobs.append(unread if escaping is None else escaping)  # one job per member
            keys.append(None)
            continue
        member_digest = hashlib.sha256(member.as_shipped or b"").digest()
        digests[member.name] = member_digest
        helper = member.name in context.helpers
        base = member.name.rsplit("/", 1)[-1]
        side = _weighs_less(member.name)
        if base.endswith(".pth"):  # depends on the rest of the archive: not memoised
            compute = functools.partial(
                member_findings,
                member.name,
                member.data,
                shipped=context.shipped,
                package=context.package,
                present=context.present,
            )
            jobs.append(Job(len(member.data), compute))
            keys.append(None)
            continue
        # A package's ``__main__`` runs when a person runs ``python -m package``, as a
        # ``__main__`` block does: its module level is not an import's (an import of it is
        # followed by the cross-file pass from the module importing it).
        inert = member.name in context.inert or member.name in programs
        key = _memo_key(
            member.name,
            member_digest,
            helper=helper,
            runs=runs_setup(member.name),
            side=side,
            inert=inert,
        )
        own = functools.partial(
            member_findings,
            member.name,
            member.data,
            helper=helper,
            script=inert,
            keep=context.package.kept if member.name in context.kept else None,
            tree=context.setup_tree if member.name == context.setup else None,
        )
        # ``setup.py`` too: the helper parses it again rather than this process's share
        # waiting on it (ADR 0186).
        movable = not MEMO.knows(key)
        jobs.append(
            Job(
                len(member.data),
                functools.partial(MEMO.findings, key, member.name, own),
                Task(MEMBER, member.name, member.data, (helper, inert)) if movable else None,
                learn=functools.partial(_learned, key, member.name),
            )
        )
        keys.append(key)
    # A copy of another member is answered here from the memo: none of them moves.
    copies = {k for k, n in Counter(keys).items() if k is not None and n > 1}
    return [
        replace(j, task=None) if isinstance(j, Job) and keys[i] in copies else j
        for i, j in enumerate(jobs)
    ]


# The helper process's name for a member's own pass (:mod:`spread`).
MEMBER = "member"


def _member_task(task: Task) -> list[PackageFinding]:
    """A member's own pass as the helper process computes it: what the :class:`Job`'s
    ``compute`` does here on a memo miss (the tree is kept only here, where it is used)."""
    helper, inert = task.flags
    return member_findings(task.path, task.data, helper=helper, script=inert)


register(MEMBER, _member_task)


def _learned(key: Key, path: str, found: list[PackageFinding]) -> list[PackageFinding]:
    """``found``, computed by the helper process, kept in this process's memo too."""
    return MEMO.findings(key, path, lambda: found)


def shipped_modules(members: list[Member]) -> frozenset[str]:
    """Names a ``.pth`` line could import from this archive: every folder and module stem."""
    names: set[str] = set()
    for member in members:
        if member.name.endswith(".py"):
            parts = member.name.removesuffix(".py").split("/")
            names.update(p for p in parts if p.isidentifier())
    return frozenset(names)


def compiled_modules(members: list[Member]) -> frozenset[str]:
    """Modules the archive's Cython sources build, by their stems (``lcmath.pyx`` ->
    ``lcmath``): an import of one is the archive's own module, not one the package index
    supplies (ADR 0129: Cython's demo importing its sibling ``lcmath``)."""
    stems = (m.name.rsplit("/", 1)[-1].removesuffix(".pyx") for m in members)
    return frozenset(s for m, s in zip(members, stems, strict=True) if m.name.endswith(".pyx"))


def _is_code(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.endswith(
        (".py", ".pyw", ".pth", ".pyc", "RECORD", "METADATA", "PKG-INFO", *PICKLE_SUFFIXES)
    )


def nested_member(path: str, data: bytes, siblings: list[Member]) -> list[PackageFinding]:
    """One code member of an archive the package ships (:mod:`nested`), read as a module
    of its own: its module level runs when it is imported from the archive or installed."""
    base = path.rsplit("/", 1)[-1]
    if base.endswith(".pth"):
        return member_findings(path, data, shipped=shipped_modules(siblings))
    key = _memo_key(
        path,
        hashlib.sha256(data).digest(),
        helper=False,
        runs=False,
        side=bool(SIDE_CODE.search(path)),
        inert=False,
    )
    return MEMO.findings(key, path, functools.partial(member_findings, path, data))


def further_findings(
    members: list[Member], further: set[str], digests: dict[str, bytes]
) -> list[PackageFinding]:
    """The install-time reading of the modules setup.py reaches only through a chain of its
    helpers (``further``, ADR 0151), one step lighter: build helpers do run compilers and
    downloads. Their own pass, as modules of the archive, is kept as it was and not
    lowered: an import-time payload in one still weighs what it did. ``digests``: each read
    member's SHA-256, as :func:`own_passes` filled it."""
    found: list[PackageFinding] = []
    for member in members:
        if member.name not in further or member.data is None:
            continue
        key = _memo_key(
            member.name,
            digests[member.name],
            helper=True,
            runs=False,
            side=_weighs_less(member.name),
            inert=False,
        )
        read = functools.partial(member_findings, member.name, member.data, helper=True)
        found += [lighter(f, FURTHER) for f in MEMO.findings(key, member.name, read)]
    return found


def _weighs_less(path: str) -> bool:
    """Side code or documentation. Keyed by more than the file's name: the same README is a
    document at an sdist's root and a package's data inside it (ADR 0129)."""
    return bool(SIDE_CODE.search(path) or documentation(path))


def _memo_key(
    path: str, digest: bytes, *, helper: bool, runs: bool, side: bool, inert: bool
) -> Key:
    """What a member's own findings depend on besides its text: the memo's key, built in one
    place so every reading of a member (own pass, nested, further helper) orders it alike."""
    return (digest, path.rsplit("/", 1)[-1], helper, runs, side, inert, command_file(path))


def _python_shebang(path: str, data: bytes) -> bool:
    """A wheel's command file whose first line starts it with Python (pip rewrites
    ``#!python`` to the environment's interpreter)."""
    first = data[:200].split(b"\n", 1)[0]
    return command_file(path) and first.startswith(b"#!") and b"python" in first


# Cython sources: the extension built from one runs its module level on import.
CYTHON_SUFFIXES = (".pyx", ".pxi")
CYTHON_WORDS = LazyPattern(
    r"^[ \t]*(?:cdef|cpdef|ctypedef|cimport|from[ \t]+\S+[ \t]+cimport|include[ \t]|DEF[ \t]|"
    r"IF[ \t]|ELIF[ \t]|ELSE:)",
    re.MULTILINE,
)


def cython_as_python(data: bytes) -> ast.Module | None:
    """The tree of a Cython source read as Python, or None when it does not parse (probe 19:
    a payload moved from ``core.py`` to ``core.pyx``, which ``setup.py`` cythonizes, was not
    read). A line in Cython's own words (``cdef``, ``cimport``, ``DEF``) becomes ``pass``
    at its indent and the block under it blanks, lines kept: the module's Python statements
    are read as a module's are. A source with typed arguments or casts in its Python lines
    does not parse and is left unread, as before."""
    source = data.decode("utf-8", "replace").removeprefix("\ufeff")
    if CYTHON_WORDS.search(source):
        source = _cython_blanked(source)
    try:
        return parse_module(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _cython_blanked(source: str) -> str:
    out: list[str] = []
    block: int | None = None  # the indent of a Cython line whose block is being blanked
    for line in source.split("\n"):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if block is not None and (not stripped or indent > block):
            out.append("")
            continue
        block = None
        if CYTHON_WORDS.match(line):
            out.append(" " * indent + "pass")
            block = indent if line.split("#", 1)[0].rstrip().endswith(":") else None
            continue
        out.append(line)
    return "\n".join(out)


def member_findings(
    path: str,
    data: bytes,
    *,
    helper: bool = False,
    shipped: frozenset[str] = frozenset(),
    package: LocalModules | None = None,
    present: frozenset[str] | None = None,
    script: bool = False,
    keep: dict[str, ast.Module] | None = None,
    tree: ast.Module | None = None,
) -> list[PackageFinding]:
    base = path.rsplit("/", 1)[-1]
    if base.endswith(".pth"):
        text = data.decode("utf-8", "replace")
        found = scan_pth(path, text, shipped, package, present)
        # A folder line pointing outside site-packages (probe 19, ADR 0111).
        return found + pth_path_findings(path, pth_lines(text)) if site_reads(path) else found
    if is_native(path):
        return scan_native(path, data)
    if is_executable(data[:4096]):
        # A program under another name (``bin/tool``, ``logo.png``) is read like native code.
        found = scan_native(path, data)
        disguised = base.lower().endswith(DATA_SUFFIXES)
        return [*found, disguised_executable(path)] if disguised else found
    if (base.endswith(PICKLE_SUFFIXES) and looks_pickled(base, data)) or sniffed_pickle(data):
        found = scan_pickle(path, data)
        # A pickle under a data name (``cfg.dat``) that a module unpickles runs the same
        # calls (ADR 0063, and ADR 0124's unvouched calls); a binary that only starts like
        # one is no finding.
        named = base.endswith(PICKLE_SUFFIXES)
        return found if named else [f for f in found if f.rule in ("pickle-exec", "pickle-call")]
    # .pyw: Python run without a console window; a wheel's command file starting
    # ``#!python`` is read as its ``.py`` files are (ADR 0063: it was not read at all).
    if base.endswith(CYTHON_SUFFIXES) and tree is None:
        tree = cython_as_python(data)
    if (
        not base.endswith((".py", ".pyw"))
        and not _python_shebang(path, data)
        and not (base.endswith(CYTHON_SUFFIXES) and tree is not None)
    ):
        spelt = serialized_calls(path, data)
        side = SIDE_CODE.search(path) or documentation(path)  # ADR 0129: docs, metadata
        return [lighter(f) for f in spelt] if side else spelt
    source = data.decode("utf-8", "replace")
    install = runs_setup(path)
    found = scan_python(
        path, source, install_time=install, helper=helper, script=script, keep=keep, tree=tree
    )
    if install:
        found += list(setup_py_hooks(path, source))
    if SIDE_CODE.search(path):
        found = [lighter(f) for f in found]
    return found
