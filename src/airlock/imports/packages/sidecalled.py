"""Side code reached only when called (issue 16, ADR 0132): a dropper or an exfiltration
inside a function of a test, a docs example or a benchmark, that nothing run on install or
import reaches, is reported (medium) instead of held.

Side code already weighs one step less (:mod:`moments`); these two rules stayed high there
(``KEEP_HIGH``), yet test suites write both: langchain's fetches a model converter and runs
it inside a test's helper, fastmcp's smoke scripts start the server under test with
``subprocess.Popen`` on a port read from a socket. Malware puts its payload where it runs:
``setup.py``, a package's modules, an entry point, a ``.pth`` file, and under pytest a
``conftest.py`` or a test module's top level. So a finding is lowered only when all of these
hold, and held as before otherwise:

- it carries no secret file (SSH keys, cookies, wallets: no test sends those);
- its file is side code (:data:`moments.SIDE_CODE`, or an sdist's script outside any
  package that nothing runs: psutil's ``scripts/internal/install_pip.py`` fetches
  ``get-pip.py`` and runs it when a person runs the script) and none that a tool runs by its name
  (``conftest.py``, ``__init__.py``, ``sitecustomize.py``, ...);
- no chain from an install or import start, no file run by path and no entry point reaches
  the file (``reached``: the cross-file pass's findings);
- its line is in no code the file runs when imported (:func:`importruns.import_run`: module
  level, what it uses, decorators; a pytest ``skipif`` calling the helper runs on import);
- no import by a computed name, run on install or import, may reach it (:mod:`computed`);
- no file outside side code names the file's module (a package module, ``setup.py``,
  ``pyproject.toml``, a ``.pth`` line, ``conftest.py``), and no other side module whose
  import-time code uses the function or class holding the line names it.

What is not followed: a test module whose import calls a function of another side module
that in turn calls the helper (two modules away).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable

from airlock.imports.packages.archive import Member
from airlock.imports.packages.chains import TELL
from airlock.imports.packages.computed import computed_reach, reaches
from airlock.imports.packages.grammar import parse_member
from airlock.imports.packages.importruns import enclosing_names, import_run
from airlock.imports.packages.moments import LIGHTER, SIDE_CODE
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.sinks import SECRET

LOWERED = frozenset({"dropper", "exfiltration", "reverse-shell"})
# Files a tool imports or runs by their name alone: pytest every ``conftest.py`` of the
# folders it collects, Python a package's ``__init__.py`` and start-up modules.
RUN_BY_NAME = frozenset({
    "conftest.py", "__init__.py", "__main__.py", "setup.py", "sitecustomize.py",
    "usercustomize.py",
})  # fmt: skip
# Files outside side code that run code on install, on import or when a command starts, or
# name what does: Python and Cython sources, ``.pth`` lines, build and entry-point
# configuration (``pyproject.toml``, ``setup.cfg``, ``entry_points.txt``), shell scripts a
# build may start, and a command with no suffix that starts with ``#!``. A listing of the
# sdist's files (``SOURCES.txt``, ``MANIFEST.in``), prose, a Makefile and a CI workflow
# (``.github/workflows/*.yml``) install and import nothing.
RUNNING = (
    ".py", ".pyw", ".pyx", ".pxi", ".pth", ".toml", ".cfg", ".ini", "entry_points.txt", ".sh",
    ".bat", ".cmd", ".ps1",
)  # fmt: skip
PYTHON = (".py", ".pyw", ".pyx", ".pxi")
CALLED_ONLY = (
    "; reached only when a test or a person calls it, from nothing run on install or import: "
    "reported, not held"
)


def called_only(
    findings: list[PackageFinding],
    members: list[Member],
    reached: set[str],
    scripts: set[str],
    *,
    sdist: bool,
) -> list[PackageFinding]:
    """``findings`` with each side-code dropper or exfiltration reached only when called
    lowered to medium (this module's docstring); ``reached``: paths that chains from an
    install or import start, files run by path or entry points reach; ``scripts``: an
    sdist's files outside any package that nothing runs (:func:`scripts.scripts_of`), side
    code too."""
    side = functools.partial(_side, scripts)
    wanted: dict[str, set[int]] = {}
    for f in findings:
        if _candidate(f, side) and f.path not in reached:
            wanted.setdefault(f.path, set()).add(f.line)
    if not wanted:
        return findings
    # A module imported by a computed name on install or import (computed.py).
    starts = computed_reach(members, lambda p: not side(p) or _run_by_name(p), sdist=sdist)
    wanted = {p: lines for p, lines in wanted.items() if not reaches(starts, p, sdist=sdist)}
    if not wanted:
        return findings
    texts = {m.name: m.data for m in members if m.data is not None}
    namers = _namers(texts, wanted)
    lines = {
        p: _called_only_lines(p, texts, namers.get(p, []), asked, side)
        for p, asked in wanted.items()
    }
    return [
        _lowered(f) if _candidate(f, side) and f.line in lines.get(f.path, frozenset()) else f
        for f in findings
    ]


def _run_by_name(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in RUN_BY_NAME


def _side(scripts: set[str], path: str) -> bool:
    return SIDE_CODE.search(path) is not None or path in scripts


def _candidate(f: PackageFinding, side: Callable[[str], bool]) -> bool:
    base = f.path.rsplit("/", 1)[-1]
    return (
        f.rule in LOWERED
        and TELL[SECRET] not in f.explanation  # SSH keys, cookies, wallets: no test sends them
        and f.severity is Severity.HIGH
        and LIGHTER in f.explanation
        and base.endswith(".py")
        and base not in RUN_BY_NAME
        and side(f.path)
    )


def _lowered(f: PackageFinding) -> PackageFinding:
    return PackageFinding(f.rule, f.path, f.line, Severity.MEDIUM, f.explanation + CALLED_ONLY)


def _stem(path: str) -> str:
    return path.rsplit("/", 1)[-1].removesuffix(".py")


def _namers(texts: dict[str, bytes], paths: Iterable[str]) -> dict[str, list[str]]:
    """For each of ``paths``, the other members whose text names its module (its file's
    stem as a word: ``import helper``, ``from .helper import``, ``tests.helper:main``)."""
    stems: dict[bytes, list[str]] = {}
    for path in paths:
        stems.setdefault(_stem(path).encode(), []).append(path)
    words = {stem: re.compile(rb"(?<!\w)" + re.escape(stem) + rb"(?!\w)") for stem in stems}
    namers: dict[str, list[str]] = {}
    for name, data in texts.items():
        for stem, paths_of in stems.items():
            # ``in`` first: a search for the bare bytes is many times faster than the pattern.
            if stem in data and words[stem].search(data):
                namers.update({p: [*namers.get(p, []), name] for p in paths_of if p != name})
    return namers


def _called_only_lines(
    path: str,
    texts: dict[str, bytes],
    namers: list[str],
    asked: set[int],
    side: Callable[[str], bool],
) -> frozenset[int]:
    """Of ``asked``, the lines of ``path`` that run only when called: none when a file
    outside side code or one run by name names it; else those in no code run on its import
    whose functions no naming side module uses on its own import."""
    if path not in texts or any(_runs_its_namings(n, texts[n], side(n)) for n in namers):
        return frozenset()  # a nested archive's member, or one named where it may run
    tree = parse_member(texts[path])
    if tree is None:
        return frozenset()
    run = import_run(tree)
    used: set[str] = set()
    for name in namers:
        if not name.endswith(PYTHON):
            continue  # side data and prose run nothing
        importer = parse_member(texts[name])
        if importer is None:
            return frozenset()
        used |= import_run(importer).names
    return frozenset(
        line for line in asked if line not in run.lines and not enclosing_names(tree, line) & used
    )


def _runs_its_namings(name: str, data: bytes, side: bool) -> bool:
    """Whether a member naming a side module may run it on install, on import or when a
    command starts: code and configuration outside side code (:data:`RUNNING`, or a file
    with no suffix, as a wheel's commands are), and side files run by their name."""
    base = name.rsplit("/", 1)[-1]
    if not side:
        return base.lower().endswith(RUNNING) or ("." not in base and data.startswith(b"#!"))
    return base in RUN_BY_NAME or base.endswith(".pth")
