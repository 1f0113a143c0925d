"""Commands a ``setup.py`` declares in its own call (pure; ADR 0102).

:func:`.hooks.console_scripts` reads the commands an archive declares in ``entry_points.txt``,
``setup.cfg`` and ``pyproject.toml``. An sdist written by hand has none of these: its
``setup(entry_points={'console_scripts': ['ls = evpkg:main']})`` installs ``ls`` all the
same, and was not read (allowed, where the wheel of the same package is held). This reads
the ``entry_points`` keyword of a ``setup(...)`` call: a dict literal, or a name bound to one
at the module's top level, whose ``console_scripts``/``gui_scripts`` hold ``name = target``
strings (a list, or the INI text setuptools also takes).

It parses only a ``setup.py`` naming ``entry_points``, and evaluates nothing (literals only).
"""

from __future__ import annotations

import ast
import contextlib

from airlock.imports.packages.grammar import parse_module

SCRIPT_GROUPS = ("console_scripts", "gui_scripts")
MAX_SETUP_BYTES = 1_000_000


def setup_py_scripts(text: str) -> list[str]:
    """Command names the ``setup(...)`` call of ``text`` declares (see the module text)."""
    if "entry_points" not in text or len(text) > MAX_SETUP_BYTES:
        return []
    try:
        tree = parse_module(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    bound = {
        node.targets[0].id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
    }
    out: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg != "entry_points":
                continue
            value = keyword.value
            if isinstance(value, ast.Name):
                value = bound.get(value.id, value)
            out += _commands(value)
    return out


def _commands(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _ini_names(node.value)
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
            out += [e.split("=", 1)[0].strip() for e in entries if isinstance(e, str) and "=" in e]
    return out


def _ini_names(text: str) -> list[str]:
    """``name = target`` lines under ``[console_scripts]``/``[gui_scripts]`` of INI text."""
    out: list[str] = []
    section = ""
    for line in text.splitlines()[:5000]:
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip()
        elif section in SCRIPT_GROUPS and "=" in stripped and not stripped.startswith("#"):
            out.append(stripped.split("=", 1)[0].strip())
    return out
