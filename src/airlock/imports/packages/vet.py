"""Vet one package file: walk its members, apply the rules, check RECORD and metadata.

Verdict rule (fail closed): any critical finding denies; any high finding, unreadable member
or archive problem holds; otherwise allow. Missing provenance is reported, never guessed.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import gc
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Set
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, BinaryIO

from airlock.domain.outcome import Outcome
from airlock.errors import InvalidInput
from airlock.imports.packages.analysis import (
    parsed,
    scan_across,
    scan_pth,
    scan_python,
    setup_imports,
)
from airlock.imports.packages.archive import Member, read_members
from airlock.imports.packages.depends import bad_dependencies, declared_names, dependency_findings
from airlock.imports.packages.hooks import command_file, hook_findings, hook_modules
from airlock.imports.packages.imposture import impostor_of
from airlock.imports.packages.lazyre import AtLineStart, LazyPattern
from airlock.imports.packages.local import (
    MAX_ARCHIVE_PARSE,
    LocalModules,
    module_names,
)
from airlock.imports.packages.logconfig import logs_sent
from airlock.imports.packages.memo import MEMO, Key
from airlock.imports.packages.native import (
    DATA_SUFFIXES,
    disguised_executable,
    is_executable,
    is_native,
    scan_native,
)
from airlock.imports.packages.nested import nested_findings
from airlock.imports.packages.pickles import (
    PICKLE_SUFFIXES,
    looks_pickled,
    scan_pickle,
    sniffed_pickle,
)
from airlock.imports.packages.plugins import plugin_calls
from airlock.imports.packages.pyproject import pyproject_table
from airlock.imports.packages.rules import (
    PackageFinding,
    Severity,
    setup_py_hooks,
)
from airlock.imports.packages.runfile import (
    IMPORTED,
    LOG_CONFIG,
    PROCESS,
    RunFile,
    anchored,
    constant_of,
    imported_names,
    module_member,
    programs_called,
    resolve,
    resolve_listed,
    run_files,
)
from airlock.imports.packages.serialized import serialized_calls
from airlock.imports.packages.shipped import program_called, program_started
from airlock.imports.packages.spread import Job, run_jobs
from airlock.imports.packages.typosquat import Protected, distance, normalise, typosquat_of

if TYPE_CHECKING:
    import ast

    from airlock.imports.packages.feed import KnownBad
    from airlock.imports.packages.provenance import Check, Publisher


@dataclass(frozen=True, slots=True)
class VetReport:
    """What vetting one package file found, and the verdict that follows from it."""

    filename: str
    sha256: str
    name: str
    version: str
    findings: tuple[PackageFinding, ...]
    unknown: tuple[str, ...] = field(default_factory=tuple)  # provenance signals not present
    publisher: str = ""  # the verified PEP 740 publisher identity (build config URI), if any
    requires: tuple[str, ...] = ()  # normalised names of the declared dependencies
    # Normalised names its build installs first (``[build-system] requires``): judged
    # against the feed as dependencies are, but not recorded among them (ADR 0084).
    builds: tuple[str, ...] = ()

    @property
    def verdict(self) -> Outcome:
        worst = max((f.severity for f in self.findings), default=Severity.LOW)
        if worst is Severity.CRITICAL:
            return Outcome.DENY
        if worst is Severity.HIGH:
            return Outcome.HOLD
        return Outcome.ALLOW

    def to_json(self) -> dict[str, object]:
        return {
            "filename": self.filename,
            "sha256": self.sha256,
            "name": self.name,
            "version": self.version,
            "verdict": self.verdict.value,
            "unknown_signals": list(self.unknown),
            "publisher": self.publisher or None,
            "findings": [
                {
                    "rule": f.rule,
                    "path": f.path,
                    "line": f.line,
                    "severity": f.severity.name.lower(),
                    "explanation": f.explanation,
                }
                for f in self.findings
            ],
        }


def vet(filename: str, blob: bytes | BinaryIO, *, spread: bool = False) -> VetReport:
    """Vet a wheel or sdist given as bytes or a seekable stream (read in bounded pieces, so
    a large upload need not be in memory, issue 22). Never imports, builds or runs it.

    ``spread``: a single-threaded caller (the CLI) lets a forked copy of the process take
    part of the members' own passes (:mod:`spread`); the verdict is the same either way."""
    with collector_paused():
        return _vet(filename, blob, spread=spread)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while one package is vetted (issue 16).

    Parsing a module builds one tree of many small objects; the collector, run every 700
    allocations, walks the growing tree again and again (its oldest generation each time
    the tree has grown by a quarter): 10-15 % of the CPU time of vetting popular packages.
    Vetting makes no reference cycles (``gc.collect()`` after vetting popular wheels finds
    nothing), so nothing waits for the collector; memory is freed by reference counting as
    before. The collector is switched back on afterwards only if it was on: a caller that
    turned it off keeps it off. It is one switch for the whole process: another thread that
    turns the collector off while a package is vetted finds it on again afterwards.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _digest(blob: bytes | BinaryIO) -> str:
    """SHA-256 of the file, a stream read in bounded pieces."""
    if isinstance(blob, bytes):
        return hashlib.sha256(blob).hexdigest()
    blob.seek(0)
    hashing = hashlib.sha256()
    while piece := blob.read(1 << 20):
        hashing.update(piece)
    return hashing.hexdigest()


@dataclass(frozen=True)
class _Context:
    """What a member's own pass is told about the archive around it."""

    helpers: set[str]  # modules setup.py imports or a build hook runs: install time
    inert: set[str]  # sdist scripts nothing runs
    kept: set[str]  # members whose tree the cross-file pass reads
    setup: str  # setup.py's member name, and its tree (parsed once)
    setup_tree: ast.Module | None
    shipped: frozenset[str]
    package: LocalModules


def _own_passes(
    members: list[Member], context: _Context, digests: dict[str, bytes]
) -> list[Job | PackageFinding]:
    """Per member: its own pass as a :class:`Job`, or why it was not read. ``digests`` gets
    each read member's SHA-256."""
    jobs: list[Job | PackageFinding] = []
    keys: list[Key | None] = []
    for member in members:
        if member.data is None:
            # Unread code is a skipped check and holds; unread data (a large test matrix) is
            # not something any rule reads anyway.
            severity = (
                Severity.HIGH
                if member.damaged or _is_code(member.name) or is_native(member.name)
                else Severity.MEDIUM
            )
            jobs.append(PackageFinding("unread-member", member.name, 0, severity, member.note))
            keys.append(None)
            continue
        member_digest = hashlib.sha256(member.data).digest()
        digests[member.name] = member_digest
        helper = member.name in context.helpers
        base, side = member.name.rsplit("/", 1)[-1], bool(SIDE_CODE.search(member.name))
        if base.endswith(".pth"):  # depends on the rest of the archive: not memoised
            compute = functools.partial(
                _member_findings,
                member.name,
                member.data,
                shipped=context.shipped,
                package=context.package,
            )
            jobs.append(Job(len(member.data), compute, movable=False))
            keys.append(None)
            continue
        inert = member.name in context.inert
        runs, command = _runs_setup(member.name), command_file(member.name)
        key = (member_digest, base, helper, runs, side, inert, command)
        own = functools.partial(
            _member_findings,
            member.name,
            member.data,
            helper=helper,
            script=inert,
            keep=context.package.kept if member.name in context.kept else None,
            tree=context.setup_tree if member.name == context.setup else None,
        )
        jobs.append(
            Job(
                len(member.data),
                functools.partial(MEMO.findings, key, member.name, own),
                movable=member.name != context.setup and not MEMO.knows(key),
                learn=functools.partial(_learned, key, member.name),
            )
        )
        keys.append(key)
    # A copy of another member is answered here from the memo: none of them moves.
    copies = {k for k, n in Counter(keys).items() if k is not None and n > 1}
    return [
        replace(j, movable=False) if isinstance(j, Job) and keys[i] in copies else j
        for i, j in enumerate(jobs)
    ]


def _learned(key: Key, path: str, found: list[PackageFinding]) -> list[PackageFinding]:
    """``found``, computed by the helper process, kept in this process's memo too."""
    return MEMO.findings(key, path, lambda: found)


def _vet(filename: str, blob: bytes | BinaryIO, *, spread: bool = False) -> VetReport:
    digest = _digest(blob)
    findings: list[PackageFinding] = []
    members: list[Member] = []
    try:
        members = list(read_members(blob))
    except InvalidInput as e:
        findings.append(PackageFinding("unreadable-archive", filename, 0, Severity.HIGH, e.message))
    metadata = ""
    record = ""
    # setup.py is parsed once: for the helpers it imports and for its own pass (issue 16).
    setup, setup_tree, helpers = _install_helpers(members)
    sdist = _is_sdist(filename)
    helpers |= set(hook_modules(members, sdist=sdist))
    shipped = shipped_modules(members)
    digests: dict[str, bytes] = {}
    scripts, inert = _scripts(filename, members, helpers)
    package = LocalModules.of(
        {m.name: m.data for m in members if m.name.endswith(".py") and m.data is not None},
        sdist=sdist,
    )
    # Files the cross-file pass will read: their own pass keeps its tree for it (issue 16),
    # used when that pass runs after them (one process; not when shared, ADR 0061).
    kept = _within_budget(across := _across_starts(members, package, scripts, sdist=sdist))
    kept |= _followable(members, package)
    jobs = _own_passes(
        members,
        _Context(helpers, inert, kept, setup, setup_tree, shipped, package),
        digests,
    )
    *own, chains = run_jobs(
        [*(j for j in jobs if isinstance(j, Job)), _cross_file(across, package, scripts, sdist)],
        spread=spread,
    )
    own_findings = iter(own)
    for member, job in zip(members, jobs, strict=True):
        if isinstance(job, PackageFinding):
            findings.append(job)
            continue
        found = next(own_findings)
        findings += [_lighter(f) for f in found] if member.name in scripts else found
        if member.name.endswith((".dist-info/METADATA", "/PKG-INFO")) and not metadata:
            metadata = (member.data or b"").decode("utf-8", "replace")
        if _own_record(filename, member.name):
            record = (member.data or b"").decode("utf-8", "replace")
    findings = _archive_findings(filename, findings, chains, members, package, scripts, shipped)
    findings += _empty_package(filename, members)
    findings += bytecode_findings(members)
    findings += [
        _lighter(f) if SIDE_CODE.search(f.path) else f
        for f in nested_findings(members, _nested_member)
    ]
    name = _header(metadata, "Name") or project_of_filename(filename)
    version = _header(metadata, "Version")
    findings += _metadata_findings(filename, name, metadata) + hook_findings(
        name, members, sdist=sdist
    )
    requires, builds, declared = _declared(filename, name, metadata, members)
    findings += declared + _impostor(filename, name, metadata, package)
    findings += _squatting_installs(name, findings) + _pretender_behaviour(findings)
    if record:
        findings += _record_findings(record, members, digests)
    unknown = [ATTESTATIONS, "release age", "maintainer count"]
    if filename.endswith(".whl") and not record:
        findings.append(
            PackageFinding(
                "record-missing",
                filename,
                0,
                Severity.HIGH,
                "wheel has no RECORD: file hashes cannot be checked",
            )
        )
    return VetReport(
        filename,
        digest,
        name,
        version,
        tuple(findings),
        tuple(unknown),
        requires=tuple(requires),
        builds=tuple(builds),
    )


ATTESTATIONS = "attestations (PEP 740)"

# Code that neither import nor install runs (issue 16): tests, docs, examples, benchmarks.
# Its findings weigh one step less: a chain there holds instead of denying.
SIDE_CODE = re.compile(
    r"(^|/)(tests?|testing|docs?|docs?_src|examples?|samples?|benchmarks?|demos?)/|"
    r"(^|/)(test_[^/]*|[^/]*_test|conftest)\.py$"
)


def _is_sdist(filename: str) -> bool:
    return not filename.endswith(".whl")


def shipped_modules(members: list[Member]) -> frozenset[str]:
    """Names a ``.pth`` line could import from this archive: every folder and module stem."""
    names: set[str] = set()
    for member in members:
        if member.name.endswith(".py"):
            parts = member.name.removesuffix(".py").split("/")
            names.update(p for p in parts if p.isidentifier())
    return frozenset(names)


def _own_record(filename: str, name: str) -> bool:
    """The wheel's own RECORD (``{name}-{version}.dist-info/RECORD`` at the top): a RECORD
    vendored deeper, or inside an sdist, lists another distribution's files (issue 16: an
    sdist vendoring wheels was held for every file its vendored RECORD did not list)."""
    return filename.endswith(".whl") and name.count("/") == 1 and name.endswith(".dist-info/RECORD")


def _is_code(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.endswith(
        (".py", ".pyw", ".pth", ".pyc", "RECORD", "METADATA", "PKG-INFO", *PICKLE_SUFFIXES)
    )


def _sdist_scripts(filename: str, members: list[Member]) -> set[str]:
    """Python files of an sdist outside any package (CI actions, dev tools): never imported.

    A wheel installs every file, so it has none. setup.py and root modules are not counted.
    """
    if filename.endswith(".whl"):
        return set()
    packages = {m.name.rpartition("/")[0] for m in members if m.name.endswith("/__init__.py")}
    return {
        m.name
        for m in members
        if m.name.endswith(".py")
        and m.name.count("/") >= 2
        and m.name.rpartition("/")[0] not in packages
        and "/src/" not in f"/{m.name}"
    }


def _scripts(filename: str, members: list[Member], helpers: set[str]) -> tuple[set[str], set[str]]:
    """An sdist's scripts (their findings weigh less) and of those the inert ones (their
    module level runs when a person runs them); what ``setup.py`` imports is neither."""
    outside = _sdist_scripts(filename, members)
    inert = _inert(filename, members, outside) - helpers
    return (outside - helpers) | inert, inert


# What runs when an sdist is built or installed, or names files for that: a script one of
# these names (by its file name) may be run by it, so it is not taken for inert.
RUNNERS = ("setup.py", "setup.cfg", "pyproject.toml")


def inert_scripts(filename: str, members: list[Member]) -> set[str]:
    """Python files of an sdist that nothing installs, imports or runs: outside any package
    (:func:`_sdist_scripts`) or under a path no import can name (``x86-simd-sort/``,
    ``run-bench.py``, ``manual tests/``), and named by no file that runs at install. Their
    module level runs only when a person runs them (issue 16: numpy's benchmark script was
    denied as code run on import, cryptography's vector generators held as droppers).

    Files that ``exec``/``runpy`` run by a path that folds to a constant, or that a listing
    or a glob of a folder that folds reaches (ADR 0039), are judged again as their runner's
    code (:func:`_files_run`); a path read from configuration is not followed.
    """
    return _inert(filename, members, _sdist_scripts(filename, members))


def _inert(filename: str, members: list[Member], outside: set[str]) -> set[str]:
    """:func:`inert_scripts`, given the sdist's files outside any package (``outside``)."""
    if not _is_sdist(filename):
        return set()  # a wheel installs every file it holds
    candidates = outside | {
        m.name
        for m in members
        if m.name.endswith((".py", ".pyw")) and not _runs_setup(m.name) and not _importable(m.name)
    }
    if not candidates:
        return set()
    runners = [
        m.data
        for m in members
        if m.data is not None
        and (
            (m.name.count("/") <= 1 and m.name.rsplit("/", 1)[-1] in RUNNERS)
            or m.name.endswith(".pth")
        )
    ]
    return {
        name for name in candidates if not any(_stem(name).encode() in text for text in runners)
    }


def _stem(path: str) -> str:
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def _importable(path: str) -> bool:
    """Whether ``import`` could reach the file: every folder below the sdist's root folder
    and the file's stem are identifiers."""
    parts = path.split("/")[1:]  # an sdist's members sit under NAME-VERSION/
    return all(p.isidentifier() for p in parts[:-1]) and _stem(path).isidentifier()


def _install_helpers(members: list[Member]) -> tuple[str, ast.Module | None, set[str]]:
    """Local modules next to an sdist's setup.py that setup.py imports: they run on install.

    Returned after the setup file's member name and its parse (None when it has none or it
    does not parse), which its own pass reuses."""
    setups = [m for m in members if m.name.count("/") <= 1 and m.name.endswith("setup.py")]
    if not setups or setups[0].data is None:
        return "", None, set()
    root = setups[0].name.rpartition("/")[0]
    prefix = f"{root}/" if root else ""
    source = setups[0].data.decode("utf-8", "replace")
    tree = parsed(source)
    names = setup_imports(source, tree)
    # Root-level modules only: a package importing itself for its version stays as it was.
    return setups[0].name, tree, {f"{prefix}{name}.py" for name in names}


def _nested_member(path: str, data: bytes, siblings: list[Member]) -> list[PackageFinding]:
    """One code member of an archive the package ships (:mod:`nested`), read as a module
    of its own: its module level runs when it is imported from the archive or installed."""
    base = path.rsplit("/", 1)[-1]
    if base.endswith(".pth"):
        return _member_findings(path, data, shipped=shipped_modules(siblings))
    side = bool(SIDE_CODE.search(path))
    key = (hashlib.sha256(data).digest(), base, False, False, side, False, command_file(path))
    return MEMO.findings(key, path, functools.partial(_member_findings, path, data))


def _python_shebang(path: str, data: bytes) -> bool:
    """A wheel's command file whose first line starts it with Python (pip rewrites
    ``#!python`` to the environment's interpreter)."""
    first = data[:200].split(b"\n", 1)[0]
    return command_file(path) and first.startswith(b"#!") and b"python" in first


def _runs_setup(path: str) -> bool:
    """The sdist's own ``setup.py`` (at its root): its module level runs on install."""
    return path.rsplit("/", 1)[-1] == "setup.py" and path.count("/") <= 1


def _member_findings(
    path: str,
    data: bytes,
    *,
    helper: bool = False,
    shipped: frozenset[str] = frozenset(),
    package: LocalModules | None = None,
    script: bool = False,
    keep: dict[str, ast.Module] | None = None,
    tree: ast.Module | None = None,
) -> list[PackageFinding]:
    base = path.rsplit("/", 1)[-1]
    if base.endswith(".pth"):
        return scan_pth(path, data.decode("utf-8", "replace"), shipped, package)
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
        # calls (ADR 0063); a binary that only starts like one is no finding.
        named = base.endswith(PICKLE_SUFFIXES)
        return found if named else [f for f in found if f.rule == "pickle-exec"]
    # .pyw: Python run without a console window; a wheel's command file starting
    # ``#!python`` is read as its ``.py`` files are (ADR 0063: it was not read at all).
    if not base.endswith((".py", ".pyw")) and not _python_shebang(path, data):
        spelt = serialized_calls(path, data)
        return [_lighter(f) for f in spelt] if SIDE_CODE.search(path) else spelt
    source = data.decode("utf-8", "replace")
    install = _runs_setup(path)
    found = scan_python(
        path, source, install_time=install, helper=helper, script=script, keep=keep, tree=tree
    )
    if install:
        found += list(setup_py_hooks(path, source))
    if SIDE_CODE.search(path):
        found = [_lighter(f) for f in found]
    return found


# Files that declare what a distribution depends on.
DECLARING = {"METADATA", "PKG-INFO", "requires.txt", "setup.py", "setup.cfg", "pyproject.toml"}
LOOKALIKE_IMPORTS = ("stdlib-lookalike-import", "lookalike-import")
LOOKALIKE_NAME = LazyPattern(r"imports '(\w+)'")
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
# ``name(``, ``x = name.attr(``, ``a, b = name(`` on an unindented line: the name called.
TOP_LEVEL_CALL = AtLineStart(
    rb"(?:[\w.]+(?:[ \t]*,[ \t]*[\w.]+)*[ \t]*=[ \t]*)?([A-Za-z_]\w*)(?:\.\w+)*[ \t]*\("
)
REQUIRES = re.compile(r"^Requires(?:-Dist)?:.*$", re.MULTILINE)
INSTALL_REQUIRES = LazyPattern(r"install_requires\s*=\s*[\[(]([^\])]{0,20000})[\])]")
INSTALLED = LazyPattern(r"(?<![\w./-])([A-Za-z][\w.-]{2,})")


def _archive_findings(  # noqa: PLR0917 -- what vet() gathered while reading the members
    filename: str,
    findings: list[PackageFinding],
    chains: list[PackageFinding],
    members: list[Member],
    package: LocalModules,
    scripts: set[str],
    shipped: frozenset[str],
) -> list[PackageFinding]:
    """Findings that need the whole archive: chains across files (``chains``, what
    :func:`_cross_file`'s job found), files run as code by another, and look-alike imports
    less those the archive ships or declares."""
    found = _merge(findings, chains)
    found = _merge(found, _files_run(members, scripts))
    found = _merge(found, _plugins_run(members, package))
    if not any(f.rule in LOOKALIKE_IMPORTS for f in found):
        return found
    declared = "\n".join(
        _requirements(m.name, m.data.decode("utf-8", "replace"))
        for m in members
        if m.data is not None and m.name.rsplit("/", 1)[-1] in DECLARING and m.name.count("/") <= 2
    )
    return _declared_lookalikes(found, shipped | package.tops, declared)


def _cross_file(starts: list[Member], package: LocalModules, scripts: set[str], sdist: bool) -> Job:
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

    ``starts``: the files :func:`_across_starts` chose, in order. A file whose own pass kept
    its tree (``package.kept``) is not parsed again."""
    found: list[PackageFinding] = []
    for index, member in enumerate(starts):
        if member.data is None:
            continue  # _across_starts chose only read files
        install = _runs_setup(member.name)
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
            light = side or SIDE_CODE.search(finding.path) or finding.path in scripts
            found.append(_lighter(finding) if light else finding)
    return found


def _too_large_start(member: Member) -> bool:
    """A ``setup.py`` or ``__init__.py`` larger than the cross-file pass may parse."""
    init = _runs_setup(member.name) or member.name.endswith("/__init__.py")
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


def _plugins_run(members: list[Member], package: LocalModules) -> list[PackageFinding]:
    """Chains in the targets of entry points a host program loads and calls on its own
    (:mod:`plugins`, ADR 0063), read as code run on import."""
    found: list[PackageFinding] = []
    for path, text in plugin_calls(members, package):
        found += scan_across(path, text, package, "", install_time=False)
    return found


def _within_budget(starts: list[Member]) -> set[str]:
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


def _followable(members: list[Member], package: LocalModules) -> set[str]:
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


def _across_starts(
    members: list[Member], package: LocalModules, scripts: set[str], *, sdist: bool
) -> list[Member]:
    """Files whose own-package calls :func:`_across` follows, in the order it reads them.

    ``setup.py`` and a package's ``__init__.py`` when they import a name from the archive
    and call it. Other modules follow, when their module level calls a name imported from
    the archive (issue 16: ``from .a import grab; from .b import send; send(grab())`` in
    any module)."""
    starts = [m for m in members if _runs_setup(m.name) or m.name.endswith("/__init__.py")]
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
    chosen_starts: list[Member] = []
    for member in starts:
        if member.data is None:
            continue
        install = _runs_setup(member.name)
        names = module_names(member.name, sdist=sdist)
        top_only = not (install or member.name in chosen)
        if (top_only and not names) or not _calls_locally(
            member.data, tops, own={n.encode() for n in names}, top_only=top_only
        ):
            continue
        chosen_starts.append(member)
    return chosen_starts


MAX_RUNS = 16  # files run by exec/runpy judged per archive
MAX_RUN_BYTES = 2_000_000


def _files_run(members: list[Member], scripts: set[str]) -> list[PackageFinding]:
    """Members whose text ``setup.py`` or a module runs as Python (``exec(open(p).read())``,
    ``runpy.run_path(p)``): judged as code of the runner's moment (install or import), and a
    member that is not a Python file run this way holds (issue 16, ADR 0032: a payload kept
    in ``data.txt`` that ``setup.py`` executes)."""
    names = frozenset(m.name for m in members)
    by_name = {m.name: m for m in members}
    found: list[PackageFinding] = []
    runs = 0
    for member in members:
        if member.data is None or not member.name.endswith((".py", ".pyw")):
            continue
        install = _runs_setup(member.name)
        text = member.data.decode("utf-8", "replace")
        side = bool(SIDE_CODE.search(member.name)) or member.name in scripts
        for found_run in run_files(text, top_only=not install):
            run = _fill_imported(found_run, member.name, names, by_name)
            more: list[PackageFinding] = []
            if run.how == PROCESS:
                # A program shipped beside the code, started on import (ADR 0101; a module's
                # runs only, see runfile); a Python file is read by its own pass.
                program = resolve(run.target, member.name, names)
                if program is not None and not program.endswith((".py", ".pyw")):
                    more.append(
                        program_started(member.name, run.line, program, by_name[program].data)
                    )
                found += [_lighter(f) for f in more] if side else more
                continue
            if run.listed and run.how == LOG_CONFIG:
                continue  # a listing of logging configurations is not followed
            if run.listed:
                more.append(listed_exec(member.name, run, install=install))
                targets = resolve_listed(run.target, member.name, names)
            else:
                target = resolve(run.target, member.name, names)
                targets = [] if target is None or target == member.name else [target]
            unjudged = [t for t in targets[max(MAX_RUNS - runs, 0) :] if _differs(run, t, install)]
            if unjudged:
                more.append(_past_runs(member.name, run, unjudged[0]))
            for target in targets[: max(MAX_RUNS - runs, 0)]:
                runs += 1
                config = by_name[target].data
                if run.how == LOG_CONFIG and config is not None:
                    # Not code: the handlers the file makes decide where records go (ADR 0080).
                    text_of_config = config.decode("utf-8", "replace")
                    more += logs_sent(member.name, text, run.line, text_of_config, install=install)
                elif run.how != LOG_CONFIG:
                    more += _run_of(member.name, run, by_name[target], install=install)
            found += [_lighter(f) for f in more] if side else more
        # A function's start of a shipped program, when called (not for setup.py's).
        found += [] if install else _programs_called(member.name, text, names, by_name, side=side)
    return found


def _programs_called(
    runner: str, text: str, names: frozenset[str], by_name: dict[str, Member], *, side: bool
) -> list[PackageFinding]:
    """Programs the archive ships that a function of ``runner`` starts, denied when they
    download and run code (:func:`shipped.program_called`, probe 17)."""
    found: list[PackageFinding] = []
    for run in programs_called(text):
        program = resolve(run.target, runner, names)
        if program is None or program.endswith((".py", ".pyw")):
            continue
        finding = program_called(runner, run.line, program, by_name[program].data)
        if finding is not None:
            found.append(_lighter(finding) if side else finding)
    return found


def _differs(run: RunFile, target: str, install: bool) -> bool:
    """Whether judging ``target`` as ``run`` runs it says more than its own pass: it is not
    a Python file, or a listing runs it on install (:func:`_run_of`); a logging
    configuration (:func:`logconfig.logs_sent`)."""
    python = target.endswith((".py", ".pyw"))
    return run.how == LOG_CONFIG or not python or (install and run.listed)


def _past_runs(runner: str, run: RunFile, target: str) -> PackageFinding:
    """``runner`` runs ``target`` (and maybe more) past the files judged per archive: held
    (ADR 0097: sixteen harmless files run first, and a payload kept in ``data.txt`` run
    seventeenth was allowed)."""
    return PackageFinding(
        "analysis-budget",
        runner,
        run.line,
        Severity.HIGH,
        f"runs {target!r} as code ({run.how}) past the {MAX_RUNS} files airlock judges per "
        "archive: it was not read",
    )


def _fill_imported(
    run: RunFile, runner: str, names: frozenset[str], by_name: dict[str, Member]
) -> RunFile:
    """``run`` with the names it imports from another module of the archive (``from
    .config import PLUGINS``) replaced by the constants that module binds (ADR 0041); a
    name that does not fold stays, and then the path names no member."""
    target = run.target
    for module, name in imported_names(target)[:4]:
        found = module_member(module, runner, names)
        data = by_name[found].data if found is not None else None
        if found is None or data is None:
            continue
        value = constant_of(data.decode("utf-8", "replace"), name)
        if value is None:
            continue
        value = anchored(value, found)
        target = target.replace(f"{IMPORTED}{module}:{name}{IMPORTED}", value)
    return run if target == run.target else replace(run, target=target)


def _run_of(runner: str, run: RunFile, target: Member, *, install: bool) -> list[PackageFinding]:
    """What running the text of ``target`` from ``runner`` (:func:`_files_run`) says."""
    more: list[PackageFinding] = []
    python = target.name.endswith((".py", ".pyw"))
    if not python:
        more.append(
            PackageFinding(
                "file-exec",
                runner,
                run.line,
                Severity.HIGH,
                f"runs the text of {target.name!r}, not a Python file, as code ({run.how}) when "
                + ("installed" if install else "imported")
                + ": code kept under a data name",
            )
        )
    if target.data is not None and len(target.data) <= MAX_RUN_BYTES:
        # Its module level runs now; a Python file named by a fixed path weighs as a module
        # (its functions as any module's: a build helper's compiler probe is not a dropper),
        # a data file or a file a listing reaches as the runner's own code (ADR 0039).
        text = target.data.decode("utf-8", "replace")
        own = install and (not python or run.listed)
        scanned = scan_python(target.name, text, install_time=own)
        more += scanned if python else [_under_a_data_name(f, runner) for f in scanned]
    return more


# What code run from a data file does that holds as plain code and is denied from there.
HIDDEN_ACTS = frozenset({"process-call", "network-call"})


def _under_a_data_name(finding: PackageFinding, runner: str) -> PackageFinding:
    """A process started or a request sent on install or import by code kept in a data
    file that ``runner`` runs: nobody reading the modules sees it, as nobody reads a
    decoded string (ADR 0080: held, while the same code from ``bytes.fromhex`` was denied)."""
    if finding.rule not in HIDDEN_ACTS or finding.severity is not Severity.HIGH:
        return finding
    why = f"{finding.explanation}; in code kept under a data name that {runner} runs"
    return replace(finding, severity=Severity.CRITICAL, explanation=why)


def listed_exec(runner: str, run: RunFile, *, install: bool) -> PackageFinding:
    """Code run from every file a directory listing or a glob returns (ADR 0039): the
    files it reaches are judged by :func:`_run_of`; the call alone is noted (medium)."""
    return PackageFinding(
        "listed-exec",
        runner,
        run.line,
        Severity.MEDIUM,
        f"runs as code ({run.how}) every file matching {run.pattern!r} when "
        + ("installed" if install else "imported")
        + ": what runs is whatever the folder holds",
    )


def _calls_locally(
    data: bytes, tops: Set[bytes], *, own: Set[bytes] = frozenset(), top_only: bool = False
) -> bool:
    """Whether the file imports a name from its own package and calls it (a cheap text
    test: most ``__init__.py`` files only re-export); ``top_only``: calls it on an unindented
    line (module level), the only calls of an ordinary module that run on import.

    ``tops``: the package's top-level names (encoded); ``own``: the file's own module names,
    which do not count among them."""
    if b"import" not in data:
        return False
    names: list[bytes] = []
    for match in LOCAL_IMPORT.finditer(data):
        module = match.group(1) or match.group(3)
        top = module.split(b".")[0]
        if not (module.startswith(b".") or (top in tops and top not in own)):
            continue
        if match.group(2) and match.group(2).strip() == b"*":
            if not top_only and TOP_CALL.search(data):  # a name it brought, called on import
                return True
        elif match.group(2):
            names += [n.split()[-1] for n in match.group(2).strip(b"()").split(b",") if n.split()]
        else:
            names.append(match.group(4) or module.split(b".")[0])
    if not names:  # most modules import nothing of their own package by name
        return False
    if b"modules[" in data or b"modules.update" in data:
        return True  # ``sys.modules['requests'] = fake``: its functions run (ADRs 0071, 0073)
    if b"class" in data:  # ``class K(Base)``: making a K runs Base's methods
        names += derived_from(data, names)  # (ADR 0048)
    # ``exec(P1 + P2)`` of names imported from the archive runs what they join to, and
    # ``codecs.register(own.search)`` hands one of them to the interpreter (ADR 0067).
    wanted = {*names, *RUNS_TEXT}
    if top_only:  # one pass over the unindented calls, not one search a name
        return bool(wanted & {m.group(1) for m in TOP_LEVEL_CALL.finditer(data)})
    called = _called_names(data)
    return any(IDENT.fullmatch(name) and name in called for name in wanted)


def _called_names(data: bytes) -> frozenset[bytes]:
    r"""Every name that starts a call (``name(``, ``name.attr.f (``), in one pass.

    The same answer as searching ``(?<![\w.])NAME(?:\.\w+)*\s*\(`` for each name (one
    pattern compiled per name was most of this check): a match's text holds no place where
    another may start, so the matches found one after another are all there are."""
    return frozenset(m.group(1) for m in CALL_HEAD.finditer(data))


def _merge(findings: list[PackageFinding], more: list[PackageFinding]) -> list[PackageFinding]:
    """``findings`` plus those of ``more`` that say something new (rule, path and line not
    already reported at that severity or above)."""
    worst: dict[tuple[str, str, int], Severity] = {}
    for f in findings:
        key = (f.rule, f.path, f.line)
        worst[key] = max(worst.get(key, Severity.LOW), f.severity)
    out = list(findings)
    for f in more:
        key = (f.rule, f.path, f.line)
        if key not in worst or f.severity > worst[key]:
            worst[key] = f.severity
            out.append(f)
    return out


def _requirements(path: str, text: str) -> str:
    """What a declaring file says about dependencies: the ``Requires-Dist`` headers of
    metadata (its description mentions words, not dependencies), other files whole."""
    if path.endswith(("METADATA", "PKG-INFO")):
        return "\n".join(REQUIRES.findall(text))
    return text


def _declared_lookalikes(
    findings: list[PackageFinding], shipped: frozenset[str], declared: str
) -> list[PackageFinding]:
    """Drop look-alike imports of a module the archive ships or declares as a dependency
    (``ujson``-like libraries one letter from the standard library)."""
    out = []
    for f in findings:
        lookalike = f.rule in LOOKALIKE_IMPORTS
        match = LOOKALIKE_NAME.search(f.explanation) if lookalike else None
        if match and (
            match.group(1) in shipped
            or re.search(rf"(?<![\w-]){re.escape(match.group(1))}(?![\w-])", declared, re.I)
        ):
            continue
        out.append(f)
    return out


def _squatting_installs(name: str, findings: list[PackageFinding]) -> list[PackageFinding]:
    """A look-alike that installs packages on install denies (issue 16): a typosquat's
    ``setup.py`` installs the project it imitates, so that the victim sees it work."""
    installs = [f for f in findings if f.rule == "install-time-pip"]
    if not installs:
        return []
    own = normalise(name)
    squat = any(f.rule == "typosquat" for f in findings)
    for finding in installs:
        words = INSTALLED.findall(finding.explanation.rpartition(": ")[2])
        imitated = [w for w in words if normalise(w) != own and distance(normalise(w), own) <= 2]
        if squat or imitated:
            what = (
                f"installs {imitated[0]!r}, a name next to its own"
                if imitated
                else ("has a look-alike name and installs packages")
            )
            return [
                PackageFinding(
                    "squatting-install",
                    finding.path,
                    finding.line,
                    Severity.CRITICAL,
                    f"{name!r} {what} when installed: a typosquat passing as the real project",
                )
            ]
    return []


# Signs that a package pretends (a name it has no right to, no code of its own) and held
# behaviours that run on install or import: either alone holds, the two together deny.
PRETENDING = {
    "empty-package", "typosquat", "name-mismatch", "impostor-package", "stdlib-lookalike-import",
    "lookalike-import", "url-dependency", "command-shadowing", "lookalike-dependency",
}  # fmt: skip
ACTING = {
    "network-call", "process-call", "install-download", "install-time-pip", "credential-read",
    "hidden-exec", "hidden-process", "hidden-endpoint", "dropper", "exfiltration",
    # ADR 0032: held behaviours of the classes GuardDog names.
    "shady-endpoint", "memory-call", "destruction", "startup-module", "script-dropper",
    "introspection-gadget", "disguised-identifier", "coding-trick", "bidi-control",
    "import-hook",
}  # fmt: skip
LIGHTER = "(tests, docs, examples or scripts outside a package: weighs less)"


def _pretender_behaviour(findings: list[PackageFinding]) -> list[PackageFinding]:
    """A package that pretends and acts on install or import denies (issue 16: look-alikes
    and empty packages whose ``setup.py`` calls home or runs a command when installed)."""
    if not any(f.rule in PRETENDING for f in findings):
        return []
    pretends = sorted({f.rule for f in findings if f.rule in PRETENDING})
    for f in findings:
        if f.rule in ACTING and f.severity is Severity.HIGH and LIGHTER not in f.explanation:
            return [
                PackageFinding(
                    "pretender-acts",
                    f.path,
                    f.line,
                    Severity.CRITICAL,
                    f"{', '.join(pretends)} and {f.rule}: {f.explanation}",
                )
            ]
    return []


def _impostor(
    filename: str, name: str, metadata: str, package: LocalModules
) -> list[PackageFinding]:
    packages = frozenset(t for t in package.tops if package.is_package(t))
    imitated = impostor_of(name, metadata, packages) if metadata else None
    if not imitated:
        return []
    return [
        PackageFinding(
            "impostor-package",
            filename,
            0,
            Severity.HIGH,
            f"{name!r} ships the import package of the project its metadata points to "
            f"({imitated!r}) under another name: installing it shadows that project",
        )
    ]


# Chains that no test needs: in side code they still hold for a person to read.
KEEP_HIGH = {
    "obfuscated-exec", "remote-exec", "hidden-exec", "dropper", "exfiltration",
    "hidden-payload", "string-obfuscation", "embedded-payload",
}  # fmt: skip


def _lighter(finding: PackageFinding) -> PackageFinding:
    cap = Severity.HIGH if finding.rule in KEEP_HIGH else Severity.MEDIUM
    if finding.severity <= cap:
        return finding
    return PackageFinding(
        finding.rule,
        finding.path,
        finding.line,
        cap,
        f"{finding.explanation} {LIGHTER}",
    )


SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


_ARCHIVE_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")


def not_a_package(filename: str, head: bytes) -> str | None:
    """Why ``filename`` (whose first 512 bytes are ``head``) cannot be a wheel or an sdist,
    or None when it could be. `package vet` refuses such input as a usage error instead of
    holding it like a suspicious package (issue 18: a README is not a held package)."""
    base = filename.rsplit("/", 1)[-1]
    if not base.endswith((".whl", *SDIST_SUFFIXES)):
        return (
            f"{base} is not a package: vet takes a wheel (.whl) or an sdist "
            f"({', '.join(SDIST_SUFFIXES)}), or NAME==VERSION"
        )
    if not head.startswith(_ARCHIVE_MAGIC) and head[257:262] != b"ustar":
        return f"{base} is named like a package but is not an archive (zip, tar, gzip, bz2, xz)"
    return None


def project_of_filename(filename: str) -> str:
    """The project name a package file name claims (before normalisation).

    A wheel's name part never holds a hyphen (PEP 427 escapes it), so it ends at the first one.
    An sdist is ``{name}-{version}{suffix}`` and older sdists keep hyphens in the name
    (``python-dateutil-2.8.2.tar.gz``) while the version holds none, so it ends at the last.
    """
    base = filename.rsplit("/", 1)[-1]
    if base.endswith(".whl"):
        return base.split("-", maxsplit=1)[0]
    for suffix in SDIST_SUFFIXES:
        if base.endswith(suffix):
            return base[: -len(suffix)].rsplit("-", maxsplit=1)[0]
    return base.split("-", maxsplit=1)[0]


def vet_many(
    files: Iterable[tuple[str, bytes]], known: KnownBad | None = None, *, spread: bool = False
) -> list[VetReport]:
    """Vet several files in one call; a name and version in the known-bad feed denies, a name
    it lists at other versions holds (see :func:`with_names`). ``spread``: as for :func:`vet`."""
    listed = {name for name, _ in known.entries} if known is not None else set()
    reports = []
    for filename, blob in files:
        report = vet(filename, blob, spread=spread)
        advisory = known.match(report.name, report.version) if known is not None else None
        report = with_advisory(report, advisory)
        own = normalise(report.name)
        if own in listed:
            report = with_names(report, Protected.of([], [own]))
        report = with_dependencies(report, listed)
        reports.append(report)
    return reports


def with_dependencies(report: VetReport, bad: Set[str]) -> VetReport:
    """``report`` denied when a dependency it declares, or a requirement its build installs,
    is a name the malicious-packages feed lists (issue 16: the payload is the dependency,
    not the package; pip runs a build requirement's code before the sdist's own)."""
    if not bad:
        return report
    found = bad_dependencies(report.filename, report.requires, bad)
    found += bad_dependencies(report.filename, report.builds, bad, needs="builds with")
    return replace(report, findings=(*found, *report.findings)) if found else report


def with_advisory(report: VetReport, advisory: str | None) -> VetReport:
    """``report`` denied as known-malicious when a feed lists its name and version."""
    if not advisory:
        return report
    finding = PackageFinding(
        "known-malicious",
        report.filename,
        0,
        Severity.CRITICAL,
        f"{report.name} {report.version} is listed as malicious ({advisory})",
    )
    return replace(report, findings=(finding, *report.findings))


def with_names(report: VetReport, protected: Protected) -> VetReport:
    """``report`` judged against the names a refresh stored and the feed's names (issue 16):
    a name imitating one of them holds; a name the feed lists at another version holds."""
    found = []
    own = normalise(report.name)
    if own in protected.bad and not any(f.rule == "known-malicious" for f in report.findings):
        found.append(
            PackageFinding(
                "known-bad-name",
                report.filename,
                0,
                Severity.HIGH,
                f"{report.name} is listed in the malicious-packages feed at other versions: "
                "this name has shipped malware",
            )
        )
    imitated = None
    if protected.extra and not any(f.rule == "typosquat" for f in report.findings):
        imitated = typosquat_of(report.name, protected.extra)
    if imitated:
        found.append(
            PackageFinding(
                "typosquat",
                report.filename,
                0,
                Severity.HIGH,
                f"name {report.name!r} imitates {imitated!r} (a protected name)",
            )
        )
    return replace(report, findings=(*found, *report.findings)) if found else report


def with_provenance(report: VetReport, pin: Publisher | None, check: Check) -> VetReport:
    """``report`` with what its PEP 740 attestation says (see
    :mod:`airlock.imports.packages.provenance`): the verified publisher recorded, unread native
    code relaxed for the project's pinned publisher, held or denied otherwise."""
    # Only a file with an attestation or a pin comes here (vetting alone starts faster).
    from airlock.imports.packages.provenance import Verified, judge, trusted_build  # noqa: PLC0415

    findings = report.findings
    publisher = ""
    unknown = report.unknown
    if isinstance(check, Verified):
        publisher = str(check.identity)
        unknown = tuple(u for u in unknown if u != ATTESTATIONS)
        if check.pinned_match:
            findings = trusted_build(findings)
    added = judge(report.filename, report.name, pin, check)
    return replace(report, findings=(*added, *findings), publisher=publisher, unknown=unknown)


def bytecode_findings(members: list[Member]) -> list[PackageFinding]:
    """Compiled bytecode shipped in place of source cannot be read: it holds; a ``.pyc``
    that is not bytecode at all (no ``\\r\\n`` after the magic number) is a payload in
    disguise and denies (issue 16: an encrypted blob in ``__pycache__``)."""
    sources = {m.name.removesuffix(".py") for m in members if m.name.endswith(".py")}
    found = []
    for member in members:
        if not member.name.endswith(".pyc") or member.data is None:
            continue
        folder, _, base = member.name.rpartition("/")
        stem = base.split(".", 1)[0]
        parent = folder.removesuffix("__pycache__").rstrip("/")
        if member.data[2:4] != b"\r\n":
            found.append(
                PackageFinding(
                    "disguised-bytecode",
                    member.name,
                    0,
                    Severity.CRITICAL,
                    "named as Python bytecode but is not bytecode: an opaque payload",
                )
            )
        elif f"{parent}/{stem}".lstrip("/") not in sources:
            found.append(
                PackageFinding(
                    "orphan-bytecode",
                    member.name,
                    0,
                    Severity.HIGH,
                    "compiled bytecode without its source: nobody can read what it does",
                )
            )
        elif int.from_bytes(member.data[4:8], "little") & PYC_FLAGS == PYC_UNCHECKED:
            # PEP 552: an unchecked hash-based .pyc is loaded whatever its source says, so
            # the vetted source is not what runs (an installer that does not recompile, uv by
            # default, keeps it; ADR 0057).
            found.append(
                PackageFinding(
                    "unchecked-bytecode",
                    member.name,
                    0,
                    Severity.HIGH,
                    "bytecode Python runs in place of its source without checking it",
                )
            )
    return found


PYC_FLAGS = 0b11  # PEP 552: bit 0 hash-based, bit 1 check the source
PYC_UNCHECKED = 0b01


def _empty_package(filename: str, members: list[Member]) -> list[PackageFinding]:
    """A package with no code of its own squats a name (issue 16: "dummy" packages)."""
    if not members:
        return []
    code = [
        m.name
        for m in members
        if (m.name.endswith((".py", ".pyw")) and m.name.rsplit("/", 1)[-1] != "setup.py")
        or is_native(m.name)
    ]
    if code:
        return []
    return [
        PackageFinding(
            "empty-package",
            filename,
            0,
            Severity.HIGH,
            "package ships no code of its own: a placeholder squatting the name",
        )
    ]


def _header(metadata: str, key: str) -> str:
    match = re.search(rf"^{key}:\s*(.+)$", metadata, re.MULTILINE)
    return match.group(1).strip() if match else ""


def _metadata_findings(filename: str, name: str, metadata: str) -> list[PackageFinding]:
    found = []
    imitated = typosquat_of(name)
    if imitated:
        found.append(
            PackageFinding(
                "typosquat",
                filename,
                0,
                Severity.HIGH,
                f"name {name!r} imitates the popular {imitated!r}",
            )
        )
    if metadata and not _header(metadata, "Summary"):
        found.append(
            PackageFinding("empty-summary", filename, 0, Severity.LOW, "metadata has no summary")
        )
    if metadata and normalise(project_of_filename(filename)) != normalise(name):
        found.append(
            PackageFinding(
                "name-mismatch",
                filename,
                0,
                Severity.HIGH,
                f"file name does not match the metadata name {name!r}",
            )
        )
    return found


# ``name @ https://…``: a dependency fetched from a URL, past the index and its vetting.
URL_REQUIREMENT = LazyPattern(r"^[A-Za-z0-9][\w.\-]*\s*(?:\[[^\]]*\])?\s*@\s*\S+://", re.I)


def _requirements_of(metadata: str, members: list[Member]) -> list[str]:
    """Requirement strings the package declares: metadata ``Requires-Dist`` and, in an sdist
    (whose PKG-INFO often lists none), ``requires.txt`` and a literal ``install_requires``."""
    found = [line.split(":", 1)[1].strip() for line in REQUIRES.findall(metadata)[:200]]
    for member in members:
        base = member.name.rsplit("/", 1)[-1]
        if member.data is None or member.name.count("/") > 2:
            continue
        if base == "requires.txt":
            text = member.data.decode("utf-8", "replace").split("\n[", 1)[0]
            found += [line.strip() for line in text.splitlines() if line.strip()][:200]
        elif base == "setup.py" and _runs_setup(member.name):
            listed = INSTALL_REQUIRES.search(member.data.decode("utf-8", "replace"))
            if listed:
                found += re.findall(r"['\"]([^'\"\n]{1,200})['\"]", listed.group(1))[:200]
    return list(dict.fromkeys(found))


def _declared(
    filename: str, name: str, metadata: str, members: list[Member]
) -> tuple[list[str], list[str], list[PackageFinding]]:
    """The declared dependencies' names, the build requirements' names, and what they say:
    fetched from a URL, or named like a popular project (:mod:`depends`)."""
    requirements = _requirements_of(metadata, members)
    declaring = _declaring_files(members)
    requires = declared_names(requirements, declaring)
    # What the build installs and runs first is fetched as the dependencies are (ADR 0063:
    # ``[build-system] requires = ["x @ https://…"]`` was not read), and so is a look-alike
    # of a build tool (``setuptoolss``; ADR 0084). Build requirements are not the package's
    # dependencies: they are judged, not recorded among them.
    build = _build_requirements(declaring)
    found = _dependency_findings(filename, requirements + build)
    build_names = [n for n in declared_names(build, {}) if n not in requires]
    findings = found + dependency_findings(filename, name, [*requires, *build_names])
    return requires, build_names, findings


def _build_requirements(declaring: dict[str, str]) -> list[str]:
    """``[build-system] requires`` of the archive's own ``pyproject.toml``."""
    text = declaring.get("pyproject.toml", "")
    # A quoted key may spell it with escapes ("req\\u0075ires" is ``requires`` to every
    # TOML reader), so only a text with neither the word nor a backslash is skipped unread.
    if "requires" not in text and "\\" not in text:
        return []
    table = pyproject_table(text)
    if table is None:
        return []
    system = table.get("build-system", {})
    listed = system.get("requires", []) if isinstance(system, dict) else []
    return [str(r) for r in listed[:200]] if isinstance(listed, list) else []


def _declaring_files(members: list[Member]) -> dict[str, str]:
    """The text of the archive's own ``setup.cfg`` and ``pyproject.toml`` (at its root)."""
    files = {}
    for member in members:
        base = member.name.rsplit("/", 1)[-1]
        own = member.name.count("/") <= 1 and base not in files
        if base in ("setup.cfg", "pyproject.toml") and member.data is not None and own:
            files[base] = member.data.decode("utf-8", "replace")
    return files


def _dependency_findings(filename: str, requirements: list[str]) -> list[PackageFinding]:
    """Declared dependencies fetched from a URL, past the index and its vetting (issue 16:
    malicious dependencies declared but not shipped). Look-alike names are not judged here:
    real dependencies sit one letter from popular ones (``cchardet``, ``pymssql``)."""
    found = []
    for value in requirements:
        if URL_REQUIREMENT.match(value):
            found.append(
                PackageFinding(
                    "url-dependency",
                    filename,
                    0,
                    Severity.HIGH,
                    f"depends on a package fetched from a URL, not the index: {value[:120]}",
                )
            )
    return found


def _record_findings(
    record: str, members: list[Member], digests: dict[str, bytes]
) -> list[PackageFinding]:
    import csv  # noqa: PLC0415 -- only a wheel has a RECORD (issue 16: sdists start faster)

    listed: dict[str, str] = {}
    for row in csv.reader(io.StringIO(record)):
        if row and len(row) >= 2 and row[1]:
            listed[row[0]] = row[1]
    found = []
    for member in members:
        if member.data is None or member.name.endswith(".dist-info/RECORD"):
            continue
        expected = listed.get(member.name)
        if expected is None:
            found.append(
                PackageFinding(
                    "record-incomplete",
                    member.name,
                    0,
                    Severity.HIGH,
                    "file is not listed in RECORD",
                )
            )
            continue
        actual = (
            "sha256="
            + base64.urlsafe_b64encode(
                digests.get(member.name) or hashlib.sha256(member.data).digest()
            )
            .rstrip(b"=")
            .decode()
        )
        if actual != expected:
            found.append(
                PackageFinding(
                    "record-mismatch",
                    member.name,
                    0,
                    Severity.CRITICAL,
                    "file content does not match its RECORD hash",
                )
            )
    return found
