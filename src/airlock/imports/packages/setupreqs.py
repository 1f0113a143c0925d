"""Requirements an sdist declares beyond a literal ``install_requires=[…]`` (probe 19,
ADR 0111): what its build installs first, and what its extras install on request.

Pure. A dependency is a payload that needs no code of its own (issue 16): pip fetches a
look-alike or a name the malicious-packages feed lists, and runs its build. The names were
read from ``Requires-Dist``, ``requires.txt``, a literal ``install_requires`` list in
``setup.py``, ``install_requires`` in ``setup.cfg`` and ``[project] dependencies``. A
hand-made sdist has none of the first two, and said the rest otherwise:

* ``setup.py``: ``setup_requires`` (setuptools hands it to pip as build requirements: it
  is installed, and its build run, before the package's own), ``install_requires`` bound to
  a name first (``REQS = [...]``; ``setup(install_requires=REQS)``), ``extras_require``;
  literals only, read from the tree ``vet`` parsed once;
* ``setup.cfg``: ``setup_requires`` and ``[options.extras_require]``;
* ``pyproject.toml``: ``[project.optional-dependencies]``.

A wheel's extras are in its ``Requires-Dist`` already, and are read as its dependencies
there; an sdist's are read the same way here.

What it deliberately does not do: evaluate anything but literals (a list built by a loop
or read from a file names nothing; a requirements file named by the build is read for URLs
only, :mod:`urldeps`), or read ``tests_require`` (pip never installs it).
"""

from __future__ import annotations

import ast
from typing import Any

from airlock.imports.packages.declared import keyword_literals
from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.pyproject import pyproject_table
from airlock.imports.packages.setupcfg import setup_cfg

RUNTIME = ("install_requires", "extras_require")
BOUND = LazyPattern(r"install_requires\s*=\s*[A-Za-z_]")
BUILD = "setup_requires"


def setup_requirements(
    setup: str, tree: ast.Module | None, declaring: dict[str, str]
) -> tuple[list[str], list[str]]:
    """(requirement strings installed with the package or its extras, requirement strings
    its build installs first), from ``setup.py`` (its text and ``tree``) and the
    ``setup.cfg`` and ``pyproject.toml`` texts of ``declaring`` (base name -> text)."""
    runtime: list[str] = []
    build: list[str] = []
    # The tree is walked only when the text names a keyword the literal list missed.
    if tree is not None and (BUILD in setup or "extras_require" in setup or BOUND.search(setup)):
        for keyword, value in keyword_literals(tree, (*RUNTIME, BUILD)):
            strings = _strings(value)
            (build if keyword == BUILD else runtime).extend(strings)
    cfg = declaring.get("setup.cfg", "")
    if "setup_requires" in cfg or "extras_require" in cfg:
        more_runtime, more_build = _cfg(cfg)
        runtime += more_runtime
        build += more_build
    runtime += _optional(declaring.get("pyproject.toml", ""))
    # Not cut short: each is bounded by the size of the text it is read from, and the names
    # are bounded where they are judged (:data:`depends.MAX_NAMES`, ADR 0189).
    return runtime, build


def _strings(value: Any) -> list[str]:
    """Requirement strings of a literal: a string (lines), a list or tuple of them, or a
    dict of extras whose values are those."""
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    if isinstance(value, dict):
        return [s for listed in value.values() for s in _strings(listed)]
    if isinstance(value, (list, tuple)):
        return [s.strip() for s in value if isinstance(s, str)]
    return []


def _cfg(text: str) -> tuple[list[str], list[str]]:
    """``[options.extras_require]`` values and ``[options] setup_requires`` of setup.cfg."""
    parser = setup_cfg(text)
    if parser is None:
        return [], []
    build = parser.get("options", BUILD, fallback="")
    extras = (
        list(parser["options.extras_require"].values())
        if parser.has_section("options.extras_require")
        else []
    )
    return _cfg_lines("\n".join(extras)), _cfg_lines(build)


def _cfg_lines(value: str) -> list[str]:
    """Requirements of a setup.cfg value: one a line, or separated by ``;``-free commas."""
    out = []
    for raw in value.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("file:"):
            out += [part.strip() for part in line.split(",")] if ";" not in line else [line]
    return [s for s in out if s]


def _optional(text: str) -> list[str]:
    """``[project.optional-dependencies]`` of pyproject.toml."""
    if "optional-dependencies" not in text:
        return []
    project = (pyproject_table(text) or {}).get("project", {})
    extras = project.get("optional-dependencies") if isinstance(project, dict) else None
    if not isinstance(extras, dict):
        return []
    return [
        s
        for listed in extras.values()
        if isinstance(listed, list)
        for s in listed
        if isinstance(s, str)
    ]
