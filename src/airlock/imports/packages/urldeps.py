"""Dependencies fetched from a URL wherever a package declares them (probe 19, ADR 0111).

Pure. ``metadata`` judges each requirement string for a URL (``name @ https://…``,
``name @ git+https://…``): pip fetches it from there, past the index and its vetting. It
read ``Requires-Dist`` headers spelt as written in the specification, the first 200 of
them, ``requires.txt`` up to its first extra, and a literal ``install_requires=[…]``. A
build reads more than that, and so does pip (issue 16: malicious dependencies declared but
not shipped). This module gathers the requirement strings that may hold a URL from:

* the metadata's headers in any case (``requires-dist:`` is the same header to the email
  parser pip reads metadata with), folded lines unfolded, all of them;
* every section of an sdist's ``requires.txt`` (an extra is installed on request);
* every quoted string of an sdist's ``setup.py`` that has a requirement's URL shape
  (``setup_requires``, ``extras_require``, a list bound to a name first: the build passes
  them all to pip, and only the shape of the string says it is a requirement);
* the lines of ``setup.cfg`` (``install_requires``, ``setup_requires``, extras);
* ``[project] dependencies`` and ``optional-dependencies`` of ``pyproject.toml``, and a
  ``git`` or ``url`` table of ``[tool.poetry.dependencies]`` (poetry-core writes it into the
  metadata as ``name @ url``);
* the lines of a requirements file (``.txt``, ``.in`` named for requirements or
  dependencies) at the sdist's top, or one folder down, that ``setup.py``, ``setup.cfg``
  or ``pyproject.toml`` names
  (``install_requires=open('requirements.txt').read().splitlines()``,
  ``dynamic = {dependencies = {file = …}}``).

What it deliberately does not do: read a bare VCS line (``git+https://…#egg=x``) of a
requirements file (setuptools refuses it as a requirement; projects move it to the
``dependency_links`` pip has ignored since 19.0), ``--index-url`` lines (setuptools refuses
them too; a ``setup.py`` that passes the file to ``pip install -r`` is read by the flow
pass as a pip run on install), or requirements built at run time.
"""

from __future__ import annotations

import re
from typing import Any

from airlock.imports.packages.archive import Member
from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.pyproject import pyproject_table

# ``name @ scheme://…``: a dependency fetched from a URL (as metadata.URL_REQUIREMENT).
URL_SHAPE = LazyPattern(r"[A-Za-z0-9][\w.\-]*\s*(?:\[[^\]]*\])?\s*@\s*[\w+.\-]+://")
HEADER = LazyPattern(r"^requires(?:-dist)?[ \t]*:(.*)$", re.MULTILINE | re.IGNORECASE)
QUOTED = LazyPattern(r"['\"]([^'\"\n]{1,400})['\"]")
REQUIREMENT_FILE = (".txt", ".in")
MAX_STRINGS = 5000


def url_requirements(metadata: str, members: list[Member], *, sdist: bool) -> list[str]:
    """Requirement strings of the package that name a URL, in order, once each."""
    found = header_requirements(metadata) if "@" in metadata else []
    if sdist:
        found += _sdist_declared(members)
    return list(dict.fromkeys(s for s in found[:MAX_STRINGS] if URL_SHAPE.match(s)))


def header_requirements(metadata: str) -> list[str]:
    """``Requires-Dist``/``Requires`` values of the metadata's header block, any case."""
    head = metadata.replace("\r\n", "\n").split("\n\n", 1)[0]
    head = re.sub(r"\n[ \t]+", " ", head)  # RFC 822 folding: a continued header line
    return [value.strip() for value in HEADER.findall(head)]


def _sdist_declared(members: list[Member]) -> list[str]:
    """Requirement strings an sdist's build may pass to pip (see the module docstring)."""
    # Only the files read below are decoded, not every source file of the sdist's top.
    own = {
        m.name.split("/", 1)[1]: m.data.decode("utf-8", "replace")
        for m in members
        if m.data is not None and m.name.count("/") in (1, 2) and _declaring(m.name)
    }
    found: list[str] = []
    setup = own.get("setup.py", "")
    if "@" in setup:
        found += [s.strip() for s in QUOTED.findall(setup)]
    cfg = own.get("setup.cfg", "")
    for line in cfg.splitlines() if "@" in cfg else ():
        found += [line.strip(), line.partition("=")[2].strip()]
    found += _pyproject(own.get("pyproject.toml", ""))
    for requires in (t for path, t in own.items() if path.endswith("requires.txt")):
        found += [line.strip() for line in requires.splitlines()]
    naming = "\n".join((setup, cfg, own.get("pyproject.toml", "")))
    for path, text in own.items():
        base = path.rsplit("/", 1)[-1]
        # A requirements file by its name (a README's install line is not one).
        listing = base.endswith(REQUIREMENT_FILE) and ("req" in path.lower() or "dep" in base)
        if listing and "@" in text and base in naming:
            found += [line.split(" #", 1)[0].strip() for line in text.splitlines()]
    return found


def _declaring(path: str) -> bool:
    """Whether :func:`_sdist_declared` reads the member: the build's own files, a
    ``requires.txt`` or a requirements file."""
    base = path.rsplit("/", 1)[-1]
    return base in ("setup.py", "setup.cfg", "pyproject.toml") or base.endswith(REQUIREMENT_FILE)


def _pyproject(text: str) -> list[str]:
    """``[project]`` dependencies and extras, and poetry's URL and git dependencies."""
    if "@" not in text and "git" not in text and "url" not in text:
        return []
    table = pyproject_table(text) or {}
    project = table.get("project", {})
    found: list[str] = []
    if isinstance(project, dict):
        found += _strings(project.get("dependencies"))
        extras = project.get("optional-dependencies")
        for listed in extras.values() if isinstance(extras, dict) else ():
            found += _strings(listed)
    tool = table.get("tool", {})
    poetry = tool.get("poetry", {}) if isinstance(tool, dict) else {}
    depends = poetry.get("dependencies", {}) if isinstance(poetry, dict) else {}
    for name, spec in depends.items() if isinstance(depends, dict) else ():
        for one in spec if isinstance(spec, list) else [spec]:
            url = _poetry_url(one)
            if url:
                found.append(f"{name} @ {url}")
    return found


def _poetry_url(spec: Any) -> str:
    """The URL a poetry dependency table fetches from (``git``, ``url``), else ``""``."""
    if not isinstance(spec, dict):
        return ""
    for key, prefix in (("git", "git+"), ("url", "")):
        value = spec.get(key)
        if isinstance(value, str) and "://" in value:
            return value if value.startswith(prefix) else prefix + value
    return ""


def _strings(listed: Any) -> list[str]:
    return [s for s in listed if isinstance(s, str)] if isinstance(listed, list) else []
