"""An sdist's files that install does not import: scripts outside any package, inert files
nothing runs, and the local modules ``setup.py`` imports (which do run, on install)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airlock.imports.packages.analysis import (
    parsed,
    setup_imports,
)
from airlock.imports.packages.archive import Member
from airlock.imports.packages.filesrun import MAX_RUN_BYTES, MAX_RUNS
from airlock.imports.packages.helperuse import constants_only

if TYPE_CHECKING:
    import ast


from airlock.imports.packages.moments import is_sdist, runs_setup
from airlock.imports.packages.runfile import PROCESS, resolve, run_files
from airlock.imports.packages.runnertext import runner_text


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


def scripts_of(
    filename: str, members: list[Member], helpers: set[str]
) -> tuple[set[str], set[str]]:
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
    code (:func:`airlock.imports.packages.filesrun.files_run`); a path read from
    configuration is not followed.
    """
    return _inert(filename, members, _sdist_scripts(filename, members))


def _inert(filename: str, members: list[Member], outside: set[str]) -> set[str]:
    """:func:`inert_scripts`, given the sdist's files outside any package (``outside``)."""
    if not is_sdist(filename):
        return set()  # a wheel installs every file it holds
    candidates = outside | {
        m.name
        for m in members
        if m.name.endswith((".py", ".pyw")) and not runs_setup(m.name) and not _importable(m.name)
    }
    if not candidates:
        return set()
    runners = [
        runner_text(m.name, m.data)
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


def install_helpers(members: list[Member]) -> tuple[str, ast.Module | None, set[str]]:
    """Local modules next to an sdist's setup.py that setup.py imports: they run on install.

    Returned after the setup file's member name and its parse (None when it has none or it
    does not parse), which its own pass reuses."""
    # ``setup.py`` itself: ``matplotlib/rcsetup.py`` in a wheel is not one (ADR 0123).
    setups = [m for m in members if runs_setup(m.name)]
    if not setups or setups[0].data is None:
        return "", None, set()
    root = setups[0].name.rpartition("/")[0]
    prefix = f"{root}/" if root else ""
    source = setups[0].data.decode("utf-8", "replace")
    tree = parsed(source)
    names = setup_imports(source, tree) | _run_imports(setups[0].name, source, tree, members)
    # Root-level modules only: a package importing itself for its version stays as it was.
    helpers = {f"{prefix}{name}.py": name for name in names}
    if tree is not None:
        # A module setup.py takes only literals from (``from nodeenv import
        # nodeenv_version``) runs its top level, not its functions (ADR 0129).
        texts = {m.name: m.data for m in members if m.name in helpers and m.data is not None}
        for path, text in texts.items():
            if constants_only(tree, helpers[path], text.decode("utf-8", "replace")):
                del helpers[path]
    return setups[0].name, tree, set(helpers)


def _run_imports(
    setup: str, source: str, tree: ast.Module | None, members: list[Member]
) -> set[str]:
    """Top-level names imported by the files ``setup.py`` runs as its own code
    (``exec(open('data.txt').read())``, ``runpy.run_path``): that text is setup.py's, so its
    imports are setup.py's (ADR 0151: setup.py moved into ``data.txt`` and exec'd lost the
    helper it called). Bounded as :mod:`filesrun` bounds the files it judges."""
    if tree is None:
        return set()
    names = frozenset(m.name for m in members)
    texts = {m.name: m.data for m in members if m.data is not None}
    found: set[str] = set()
    for run in run_files(source, tree=tree)[:MAX_RUNS]:
        if run.how == PROCESS or run.listed:
            continue
        target = resolve(run.target, setup, names)
        text = texts.get(target or "")
        if text is not None and len(text) <= MAX_RUN_BYTES:
            found |= setup_imports(text.decode("utf-8", "replace"))
    return found


MAX_HELPER_BYTES = 2_000_000
MAX_FURTHER_HELPERS = 32


def further_helpers(members: list[Member], setup: str, helpers: set[str]) -> set[str]:
    """Root-level modules that setup.py's helpers import, and the modules those import, and
    so on (at most :data:`MAX_FURTHER_HELPERS`): they run on install too (``setup.py: import
    _impl``; ``_impl.py: from pre_install import run``), but only through another helper.

    What they do weighs one step less, as side code's does (ADR 0151): a dropper or an
    exfiltration there holds rather than denies, a process call or a download is noted.
    Followed at full weight, a popular package's chain of build helpers was denied (ADR
    0123's addendum), and build helpers do run compilers and downloads. A helper that does
    not parse imports nothing."""
    if not setup or not helpers:
        return set()
    root = setup.rpartition("/")[0]
    prefix = f"{root}/" if root else ""
    roots = {
        m.name: m.data
        for m in members
        if m.data is not None
        and m.name.startswith(prefix)
        and "/" not in m.name.removeprefix(prefix)
        and m.name.endswith(".py")
        and len(m.data) <= MAX_HELPER_BYTES
    }
    found: set[str] = set()
    todo = sorted(h for h in helpers if h in roots)
    while todo and len(found) < MAX_FURTHER_HELPERS:
        text = roots[todo.pop()].decode("utf-8", "replace")
        for name in sorted(setup_imports(text)):
            path = f"{prefix}{name}.py"
            if path in roots and path != setup and path not in helpers | found:
                found.add(path)
                todo.append(path)
    return found
