"""Plugins a host program loads and calls with nobody naming them (ADR 0063).

Pure: reads the archive's members, runs nothing.

An entry point of a group that a tool scans on every run (``pytest11``: pytest imports each
plugin and calls its ``pytest_*`` hooks; ``setuptools.finalize_distribution_options`` and
``egg_info.writers``: every build with setuptools in the environment calls them) runs its
target as surely as an import runs module-level code, in every program of that kind. This
module turns each such entry point into a short Python text that imports the target and
calls it (a module target: its hook functions, named by the group's prefix), which the
cross-file pass (:func:`analysis.scan_across`) reads as code run on import.

What it does not do: console and GUI scripts (a person runs those; hooks.py reads their
names), groups a host loads only when its configuration names the plugin (Sphinx themes,
Babel extractors, Matplotlib backends), or entry points ``setup.py`` builds at run time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from airlock.imports.packages.archive import Member
from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.local import LocalModules
from airlock.imports.packages.pyproject import pyproject_table
from airlock.imports.packages.setupcfg import setup_cfg

if TYPE_CHECKING:
    import ast

# A ``setup.py`` member's name and its parse (None: not parsed, or it does not parse).
SetupParse = tuple[str, "ast.Module | None"]
BOM = "\ufeff"

# Groups whose every entry point a host imports and calls on each run, or on its own import.
AUTOLOADED = frozenset({
    "pytest11",  # pytest, every run
    "setuptools.finalize_distribution_options", "setuptools.file_finders",
    "distutils.setup_keywords", "distutils.commands", "egg_info.writers",  # any setuptools build
    "flake8.extension", "flake8.report",  # flake8, every run
    "hypothesis",  # hypothesis, on import
    "keyring.backends",  # keyring, on import (pip and twine use it)
    "sitecustomize",  # sitecustomize-entrypoints: every interpreter start
    "tox", "pdm", "poetry.plugin", "poetry.application.plugin", "pylsp", "airflow.plugins",
})  # fmt: skip
# Methods a host calls on the object a class target makes (flake8: ``Checker(tree).run()``).
HOST_METHODS = {"flake8.extension": ("run",), "flake8.report": ("start", "handle", "stop")}
MAX_CALLS = 32  # entry points followed each on its own per archive
# Entry points past those, followed together in one text (ADR 0189: 32 harmless targets
# declared first, and the 33rd, whose hook ran a command, was never read); past these, one
# whose module names a sink or imports the archive's own holds.
MAX_BATCHED = 512
MAX_LISTED = 4096  # lines of one group's list, keys of one dict of groups, read
MAX_HOOKS = 256  # hook functions called per module target (more, when one may act, holds)
MAX_FOLD_DEPTH = 16  # nesting of a group name built of literals (``'pytest' + '11'``)
SECTION = LazyPattern(r"^\s*\[(?P<name>[^\]]+)\]\s*$")
TARGET = LazyPattern(r"^\s*[^=#;\s][^=]*=\s*(?P<module>[\w.]+)\s*(?::\s*(?P<attr>[\w.]+))?")
# Files that declare entry points.
DECLARING = frozenset({"entry_points.txt", "pyproject.toml", "setup.cfg", "setup.py"})
HOOK_DEF = re.compile(rb"^(?:async[ \t]+)?def[ \t]+([A-Za-z]\w*)[ \t]*\(", re.MULTILINE)


def plugin_calls(
    members: list[Member], package: LocalModules, setup: SetupParse = ("", None)
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(declaring member, Python text calling the target) for each entry point of an
    :data:`AUTOLOADED` group whose module the archive ships, and (declaring member, module)
    of each target left unread past the bounds whose module may act (ADR 0189). ``setup``:
    the sdist's ``setup.py`` member and its tree as vetting parsed it
    (:func:`scripts.install_helpers`): that text is not parsed again (issue 16).

    Targets whose module names a sink or imports from the archive are read first; the
    first :data:`MAX_CALLS` each on its own, the next :data:`MAX_BATCHED` in one text."""
    found: list[tuple[bool, str, str, str]] = []  # (may act, member, text, module)
    unread: list[tuple[str, str]] = []
    called: set[str] = set()
    for member in members:
        if member.data is None or member.name.count("/") > 2:
            continue
        base = member.name.rsplit("/", 1)[-1]
        if base not in DECLARING:
            continue  # decoded only when it declares entry points (every shallow member was)
        text = member.data.decode("utf-8", "replace")
        if base == "entry_points.txt":
            targets = _ini_targets(text)
        elif base == "pyproject.toml":
            targets = _pyproject_targets(text)
        elif base == "setup.cfg":
            targets = _cfg_targets(text)
        elif base == "setup.py":  # read whatever the key is spelt as (ADR 0073)
            # The same text as parsed for install_helpers when no byte-order mark leads it.
            same = member.name == setup[0] and not text.startswith(BOM)
            targets = _setup_targets(text, setup[1] if same else None)
        else:
            continue
        for group, module, attr in targets:
            text, past = _call_text(group, module, attr, package)
            acts = bool(text) and (package.acts(module) or package.relays(module))
            if past and acts:
                unread.append((member.name, module))  # hooks past MAX_HOOKS
            # A target declared twice (``setup.py`` and its ``egg-info``) is read once, and
            # repeats take none of the bound from the targets after them.
            if text and text not in called:
                called.add(text)
                found.append((acts, member.name, text, module))
    found.sort(key=lambda one: not one[0])  # stable: those that may act first
    out = [(name, text) for _, name, text, _ in found[:MAX_CALLS]]
    batch = found[MAX_CALLS : MAX_CALLS + MAX_BATCHED]
    if batch:
        out.append((batch[0][1], "".join(text for _, _, text, _ in batch)))
    unread += [(name, module) for acts, name, _, module in found[MAX_CALLS + MAX_BATCHED :] if acts]
    return out, unread


def _ini_targets(text: str) -> Iterator[tuple[str, str, str]]:
    """(group, module, attribute) under each auto-loaded section of ``entry_points.txt``."""
    group = ""
    for line in text.splitlines():  # every line (ADR 0189: 5,000 console scripts first)
        header = SECTION.match(line)
        if header:
            group = header.group("name").strip()
            continue
        entry = TARGET.match(line) if group in AUTOLOADED else None
        if entry:
            yield group, entry.group("module"), entry.group("attr") or ""


def _cfg_targets(text: str) -> Iterator[tuple[str, str, str]]:
    """The same from ``[options.entry_points]`` of ``setup.cfg`` (one key per group)."""
    parser = setup_cfg(text)
    if parser is None:
        return
    groups = (
        dict(parser.items("options.entry_points"))
        if parser.has_section("options.entry_points")
        else {}
    )
    for group, value in groups.items():
        yield from _listed(group, value.splitlines())


def _setup_targets(text: str, tree: ast.Module | None = None) -> Iterator[tuple[str, str, str]]:
    """The same from a table of groups written in ``setup.py``: ``entry_points={...}``, and
    any dict literal (or ``dict(...)`` keywords) whose keys fold to an auto-loaded group,
    however the key that passes it to ``setup()`` is spelt (``**{'entry_' + 'points':
    {...}}``, ``kw['entry_' + 'points'] = {...}``; ADR 0073). ``tree``: ``text`` parsed,
    when the caller has it."""
    import ast  # noqa: PLC0415 -- only an archive with a setup.py

    from airlock.imports.packages.grammar import parse_module  # noqa: PLC0415 -- as ast

    if tree is None:
        try:
            tree = parse_module(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "entry_points":
            yield from _table_targets(_literal(node.value))
        elif isinstance(node, ast.keyword) and node.arg in AUTOLOADED:
            yield from _table_targets({node.arg: _literal(node.value)})
        elif isinstance(node, ast.Dict) and len(node.keys) <= MAX_LISTED:
            keys = [_folded(k) for k in node.keys]
            if any(k in AUTOLOADED for k in keys):
                table = {k: _literal(v) for k, v in zip(keys, node.values, strict=True)}
                yield from _table_targets(table)


def _table_targets(table: object) -> Iterator[tuple[str, str, str]]:
    for group, value in table.items() if isinstance(table, dict) else []:
        lines = [value] if isinstance(value, str) else value
        if isinstance(group, str) and isinstance(lines, (list, tuple)):
            yield from _listed(group, [str(line) for line in lines])


def _literal(node: object) -> object:
    import ast  # noqa: PLC0415 -- only an archive with a setup.py

    try:
        return ast.literal_eval(node)  # type: ignore[arg-type]
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _folded(node: object, depth: int = 0) -> object:
    """A key's text when it is built of literals: ``'entry_' + 'points'``, ``'pytest' +
    '11'``, an f-string of constants, ``''.join([...])``; None otherwise."""
    import ast  # noqa: PLC0415 -- only an archive with a setup.py

    if depth > MAX_FOLD_DEPTH or node is None:
        return None
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _folded(node.left, depth + 1), _folded(node.right, depth + 1)
        return left + right if isinstance(left, str) and isinstance(right, str) else None
    if isinstance(node, ast.JoinedStr):
        parts = [_folded(v, depth + 1) for v in node.values]
        return "".join(parts) if all(isinstance(p, str) for p in parts) else None  # type: ignore[arg-type]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and len(node.args) == 1
        and isinstance(node.args[0], (ast.List, ast.Tuple))
    ):
        sep = _folded(node.func.value, depth + 1)
        parts = [_folded(e, depth + 1) for e in node.args[0].elts]
        if isinstance(sep, str) and all(isinstance(p, str) for p in parts):
            return sep.join(parts)  # type: ignore[arg-type]
    return None


def _listed(group: str, lines: list[str]) -> Iterator[tuple[str, str, str]]:
    """(group, module, attribute) of ``name = target`` lines of an auto-loaded group."""
    if group.strip() not in AUTOLOADED:
        return
    for line in lines[:MAX_LISTED]:
        entry = TARGET.match(line)
        if entry:
            yield group.strip(), entry.group("module"), entry.group("attr") or ""


def _pyproject_targets(text: str) -> Iterator[tuple[str, str, str]]:
    """The same from ``[project.entry-points.GROUP]`` of an sdist's ``pyproject.toml``."""
    table = pyproject_table(text)
    if table is None:
        return
    project = table.get("project", {})
    groups = project.get("entry-points", {}) if isinstance(project, dict) else {}
    for group, table in groups.items() if isinstance(groups, dict) else []:
        if group not in AUTOLOADED or not isinstance(table, dict):
            continue
        for value in table.values():
            entry = TARGET.match(f"x = {value}")
            if entry:
                yield group, entry.group("module"), entry.group("attr") or ""


def _call_text(group: str, module: str, attr: str, package: LocalModules) -> tuple[str, bool]:
    """``import m`` and a call of the target, or of each hook a module target defines (a
    top-level function named for the host: ``pytest_*`` for ``pytest11``); empty when the
    archive does not ship the module. And whether hooks past :data:`MAX_HOOKS` were left."""
    if module not in package.sources or not all(p.isidentifier() for p in module.split(".")):
        return "", False
    if attr:
        methods = "".join(f"{module}.{attr}().{m}()\n" for m in HOST_METHODS.get(group, ()))
        return f"import {module}\n{module}.{attr}()\n{methods}", False
    prefix = re.match(r"[a-z]+", group)  # ``pytest11``: ``pytest_*``
    if prefix is None:
        return "", False
    hooks = [
        name.decode()
        for name in HOOK_DEF.findall(package.sources[module][1])
        if name.startswith(f"{prefix.group()}_".encode())
    ]
    calls = "".join(f"{module}.{h}()\n" for h in dict.fromkeys(hooks[:MAX_HOOKS]))
    return f"import {module}\n{calls}", len(hooks) > MAX_HOOKS
