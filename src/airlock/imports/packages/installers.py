"""Installers other than pip that fetch from PyPI, named in a command (issue 16; ADR 0119).

ADR 0048 holds ``pip install`` run by ``setup.py`` or on import (``install-time-pip``), and
ADR 0116 denies it when it installs a look-alike of a popular project. The same payload
comes as well through ``uv add``, ``uv tool install``, ``poetry add``, ``pdm add``, ``rye
add``, ``pipx install``, ``pipenv install`` or ``easy_install``: each resolves its names on
PyPI and installs them past the vetting of dependencies. They were held as a bare
``process-call`` (high), whose command the look-alike check never read. Pure patterns.

What it does not do: conda's and the system's package managers (their names are not
PyPI's, and :mod:`typosquat` knows PyPI's), installs of a lock file or a project folder.
"""

from __future__ import annotations

import re

from airlock.imports.packages.lazyre import LazyPattern

# An installer's command that installs names from PyPI: ``pipx install x``,
# ``uv tool install x``, ``poetry add x`` (not ``pipx install .``: the project itself).
INSTALLS = LazyPattern(
    r"(?:\b(?:pipx|pipenv|easy_install)\b|\buv\s+tool\b).{0,40}?\binstall\b(?!\s+\.(?:\s|$))"
    r"|\b(?:easy_install)\b\s+(?![-.])"
    r"|\b(?:uv|poetry|pdm|rye)\s+add\b",
    re.DOTALL,
)
# The word after which an installer's command lists what it installs.
ADDERS = frozenset({"uv", "poetry", "pdm", "rye"})


def installs(text: str) -> bool:
    """Whether a command installs names from PyPI with an installer other than pip."""
    return INSTALLS.search(text) is not None


def names_start(words: list[str]) -> int:
    """Where the names a command installs begin: after ``install`` (pip, pipx, ``uv tool``),
    after ``add`` of an adder (``poetry add``), after ``easy_install``; -1 when none."""
    for index, word in enumerate(words):
        if word == "install" or word.endswith("easy_install"):
            return index + 1
        if word == "add" and index and words[index - 1] in ADDERS:
            return index + 1
    return -1
