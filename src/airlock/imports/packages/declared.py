"""Commands an archive declares: pip installs each as a program on the PATH (pure).

* :func:`console_scripts`: console and GUI scripts in a wheel's or an sdist's
  ``entry_points.txt``, ``setup.cfg`` and ``pyproject.toml``.
* :func:`setup_py_scripts`: those a ``setup.py`` declares in its own call (ADR 0102). An
  sdist written by hand has none of the files above: its
  ``setup(entry_points={'console_scripts': ['ls = evpkg:main']})`` installs ``ls`` all the
  same, and was not read (allowed, where the wheel of the same package is held). The
  ``entry_points`` keyword of a call is read: a dict literal, or a name bound to one at the
  module's top level, whose ``console_scripts``/``gui_scripts`` hold ``name = target``
  strings (a list, or INI text), or INI text itself. Only a ``setup.py`` naming
  ``entry_points`` is parsed, and nothing is evaluated but literals.

:mod:`.hooks` judges the names (a command named as a common one shadows it).
"""

from __future__ import annotations

import ast
import contextlib
import re
from typing import Any

from airlock.imports.packages.archive import Member
from airlock.imports.packages.grammar import parse_module
from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.pyproject import pyproject_table

SECTION = LazyPattern(r"^\s*\[(?P<name>[^\]]+)\]\s*$")
ENTRY = LazyPattern(r"^\s*(?P<name>[^=\s#;][^=]*?)\s*=\s*\S")
SCRIPT_GROUPS = ("console_scripts", "gui_scripts")
MAX_SETUP_BYTES = 1_000_000


def console_scripts(members: list[Member]) -> list[tuple[str, str]]:
    """(member path, command) for console and GUI scripts an archive declares: wheel and
    egg-info ``entry_points.txt``, ``setup.cfg`` and ``pyproject.toml``."""
    out: list[tuple[str, str]] = []
    for member in members:
        if member.data is None or member.name.count("/") > 2:
            continue
        base = member.name.rsplit("/", 1)[-1]
        if base in {"entry_points.txt", "setup.cfg"}:
            out += [(member.name, c) for c in _ini_scripts(member.data.decode("utf-8", "replace"))]
        elif base == "pyproject.toml":
            table = pyproject_table(member.data.decode("utf-8", "replace"))
            if table is None:
                continue
            project = table.get("project", {})
            for key in ("scripts", "gui-scripts"):
                table = project.get(key, {}) if isinstance(project, dict) else {}
                out += [(member.name, str(c)) for c in table] if isinstance(table, dict) else []
    return out


def _ini_scripts(text: str) -> list[str]:
    """Command names under ``[console_scripts]``/``[gui_scripts]`` (entry_points.txt) or the
    ``console_scripts =`` key of ``[options.entry_points]`` (setup.cfg)."""
    out, section, in_key = [], "", False
    for line in text.splitlines()[:5000]:
        header = SECTION.match(line)
        if header:
            section, in_key = header.group("name").strip(), False
            continue
        if section in SCRIPT_GROUPS:
            entry = ENTRY.match(line)
            out += [entry.group("name")] if entry else []
        elif section == "options.entry_points":
            if re.match(r"^(console|gui)_scripts\s*=", line):
                in_key = True
            elif in_key and line[:1].isspace() and "=" in line:
                out.append(line.split("=", 1)[0].strip())
            elif line.strip() and not line[:1].isspace():
                in_key = False
    return out


def setup_py_scripts(text: str) -> list[str]:
    """Command names the ``setup(...)`` call of ``text`` declares (see the module text)."""
    if "entry_points" not in text or len(text) > MAX_SETUP_BYTES:
        return []
    try:
        tree = parse_module(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    out: list[str] = []
    for _, value in keyword_nodes(tree, ("entry_points",)):
        out += _entry_point_names(value)
    return out


def keyword_nodes(tree: ast.Module, names: tuple[str, ...]) -> list[tuple[str, ast.expr]]:
    """(keyword, value) of every call's keywords among ``names``; a name bound once at the
    module's top level stands for its value (``REQS = [...]; setup(install_requires=REQS)``)."""
    bound = {
        node.targets[0].id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
    }
    out: list[tuple[str, ast.expr]] = []
    for node in ast.walk(tree):
        for keyword in node.keywords if isinstance(node, ast.Call) else ():
            if keyword.arg in names:
                value = keyword.value
                if isinstance(value, ast.Name):
                    value = bound.get(value.id, value)
                out.append((keyword.arg, value))
    return out


def keyword_literals(tree: ast.Module, names: tuple[str, ...]) -> list[tuple[str, Any]]:
    """:func:`keyword_nodes` whose values are literals, evaluated (others are left out)."""
    out: list[tuple[str, Any]] = []
    for keyword, value in keyword_nodes(tree, names):
        with contextlib.suppress(ValueError, TypeError, SyntaxError, RecursionError):
            out.append((keyword, ast.literal_eval(value)))
    return out


def _entry_point_names(node: ast.expr) -> list[str]:
    """Command names in an ``entry_points`` value: INI text, or a dict of script groups."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _ini_scripts(node.value)
    if not isinstance(node, ast.Dict):
        return []
    out: list[str] = []
    for key, value in zip(node.keys, node.values, strict=True):
        if not (isinstance(key, ast.Constant) and key.value in SCRIPT_GROUPS):
            continue
        entries: object = None
        with contextlib.suppress(ValueError, TypeError, SyntaxError, RecursionError):
            entries = ast.literal_eval(value)
        if isinstance(entries, str):
            entries = entries.splitlines()
        if isinstance(entries, (list, tuple)):
            found = (ENTRY.match(e) for e in entries if isinstance(e, str))
            out += [entry.group("name") for entry in found if entry]
    return out
