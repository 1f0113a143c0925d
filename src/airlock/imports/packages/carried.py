"""Findings people already approved, recognised in the same project's next release (ADR 0147).

A popular project held once is held again at every release for the same code: approvers
see the same finding on the same unchanged lines each time, and learn to click "approve".
Each held finding gets a *mark*: a digest of its rule, where it is, what it says, the text
of the member it is in and the text of every module of the package that member imports,
with the release's own version string taken out. A later file of the same project whose
every finding carries a mark some earlier file of that project was approved with, by
people, and none a file of it was rejected with, repeats a decision already taken, and is
released.

What a mark leaves out is the risk, so a finding is marked only when all it depends on is
in the marked texts: findings about the archive as a whole (member bound, missing RECORD)
or about a member that was not read (a native library too large to scan) get no mark and
are never carried, and nor is a critical one (a deny is never undone by history). A
member that imports or runs a module by a name found at run time, or that does not parse,
has every module of the package in its mark. What the flagged code reads that is not a
module (a data file, the environment) stays outside the mark. Pure: no I/O.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from airlock.imports.packages.archive import Member
from airlock.imports.packages.grammar import called_name
from airlock.imports.packages.local import LocalModules, absolute
from airlock.imports.packages.rules import PackageFinding, Severity

MAX_MARKS = 256  # marks recorded for one file: more, and the file is never carried
# Calls that import or run a module named at run time: the flagged code may reach any module.
RUNS_BY_NAME = frozenset(
    {"import_module", "__import__", "run_module", "run_path", "spec_from_file_location", "exec"}
)
_DOTTED = re.compile(r"\d+(?:\.\d+)+(?:[a-z]+\d*)?(?:\.(?:post|dev)\d+)?", re.ASCII)


@dataclass(frozen=True, slots=True)
class Precedent:
    """An earlier file of the same project that people decided on after vetting held it."""

    filename: str
    request_id: str
    approved: bool  # False: rejected
    marks: frozenset[str]


def finding_marks(
    findings: Iterable[PackageFinding],
    members: Sequence[Member],
    package: LocalModules,
    *,
    version: str,
) -> tuple[tuple[PackageFinding, str], ...]:
    """Each held (high) finding that can be carried, with its mark (``package``: the
    archive's Python modules, as vetting read them)."""
    held = [f for f in findings if f.severity is Severity.HIGH]
    if not held:  # most files: nothing to mark, and no member list to build
        return ()
    texts = {m.name: m.data for m in members if m.data is not None and not m.damaged}
    unversioned = _Unversioned(version)
    imports: dict[str, str] = {}
    marked = []
    for finding in held:
        text = texts.get(finding.path)
        if text is None:
            continue
        if finding.path not in imports:
            imports[finding.path] = _imported_digest(finding.path, text, package, unversioned)
        parts = (
            finding.rule,
            unversioned.text(finding.path),
            unversioned.text(finding.explanation),
            hashlib.sha256(unversioned.data(text)).hexdigest(),
            imports[finding.path],
        )
        mark = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
        marked.append((finding, mark))
    return tuple(marked)


def carry_marks(
    findings: Iterable[PackageFinding], marked: Iterable[tuple[PackageFinding, str]]
) -> tuple[str, ...] | None:
    """The sorted marks of every serious finding, or None when the file cannot be carried:
    a critical finding, a serious one without a mark (added after vetting, or about what
    was not read), no serious finding at all, or more than :data:`MAX_MARKS`."""
    by_finding = dict(marked)
    serious = [f for f in findings if f.severity >= Severity.HIGH]
    if not serious or any(f.severity is not Severity.HIGH or f not in by_finding for f in serious):
        return None
    marks = sorted({by_finding[f] for f in serious})
    return tuple(marks) if len(marks) <= MAX_MARKS else None


def carried_from(
    marks: Sequence[str], precedents: Iterable[Precedent]
) -> tuple[Precedent, ...] | None:
    """The approved precedents whose marks cover ``marks``, or None when some mark was
    never approved or any was rejected (a rejection outweighs an approval)."""
    sources, new = approvals_of(marks, precedents)
    return sources if sources and not new else None


def approvals_of(
    marks: Sequence[str], precedents: Iterable[Precedent]
) -> tuple[tuple[Precedent, ...], frozenset[str]]:
    """The approved precedents that cover some of ``marks``, and the marks none covers;
    no precedent at all when any mark is one people rejected."""
    wanted = set(marks)
    decided = list(precedents)
    if any(p.marks & wanted for p in decided if not p.approved):
        return (), frozenset(marks)
    sources = []
    for precedent in decided:
        if precedent.approved and precedent.marks & wanted:
            sources.append(precedent)
            wanted -= precedent.marks
    return tuple(sources), frozenset(wanted)


class _Unversioned:
    """The release's version string replaced where it stands alone (``pkg-1.2/``,
    ``__version__ = "1.2"``), not inside a longer name or number (``10.1.2.3``, ``v1.2b``)."""

    def __init__(self, version: str) -> None:
        # Only a dotted release number: a version of "1" would make every lone 1 in the
        # code the same as a lone 2 in the next release's.
        dotted = _DOTTED.fullmatch(version) is not None
        alone = rf"(?<![\w.]){re.escape(version)}(?!\w|\.\d)"
        self._text = re.compile(alone) if dotted else None
        self._bytes = re.compile(alone.encode()) if dotted else None

    def text(self, value: str) -> str:
        return self._text.sub("\0V", value) if self._text else value

    def data(self, value: bytes) -> bytes:
        return self._bytes.sub(b"\0V", value) if self._bytes else value


def _imported_digest(
    path: str, text: bytes, package: LocalModules, unversioned: _Unversioned
) -> str:
    """A digest of the texts of the package's own modules that ``path`` imports."""
    if not path.endswith(".py"):
        return ""
    modules = package.sources
    own = next((name for name, (p, _) in modules.items() if p == path), "")
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        tree = None
    wanted: set[str] = set()
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Import):
            wanted |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            ref = "." * node.level + (node.module or "")
            base = absolute(ref, own, package.is_package(own))
            wanted.add(base)
            wanted |= {f"{base}.{alias.name}" if base else alias.name for alias in node.names}
        elif isinstance(node, ast.Call) and called_name(node) in RUNS_BY_NAME:
            tree = None  # what it imports or runs is named at run time
            break
    if tree is None:  # unparsed, or a module found by name: every module is in the mark
        wanted = set(modules)
    digest = hashlib.sha256()
    for name in sorted(wanted & modules.keys() - {own}):
        imported = unversioned.data(modules[name][1])
        digest.update(name.encode() + b"\0" + hashlib.sha256(imported).digest())
    return digest.hexdigest()
