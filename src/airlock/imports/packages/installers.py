"""Installers other than pip that fetch from PyPI, named in a command (issue 16; ADR 0119).

ADR 0048 holds ``pip install`` run by ``setup.py`` or on import (``install-time-pip``), and
ADR 0116 denies it when it installs a look-alike of a popular project. The same payload
comes as well through ``uv add``, ``uv tool install``, ``poetry add``, ``pdm add``, ``rye
add``, ``pipx install``, ``pipenv install`` or ``easy_install``: each resolves its names on
PyPI and installs them past the vetting of dependencies. They were held as a bare
``process-call`` (high), whose command the look-alike check never read. Pure patterns.

conda, mamba and micromamba (ADR 0122) install from conda-forge, whose names for popular
projects are PyPI's (``requests``, ``colorama``, ``numpy``): ``conda install -y colourama``
on import fetches a look-alike past the vetting of dependencies as ``pip install`` does.
Their option values (``-c conda-forge``, ``-n env``, ``-p prefix``, ``-f environment.yml``)
are not names, and ``python`` (which :mod:`typosquat` reads as a look-alike of cython) is
conda's interpreter.

What it does not do: the system's package managers (their names are not PyPI's),
installs of a lock file or a project folder, conda names that are no PyPI project's.
"""

from __future__ import annotations

import re

from airlock.imports.packages.lazyre import LazyPattern

# An installer's command that installs names from PyPI: ``pipx install x``,
# ``uv tool install x``, ``poetry add x`` (not ``pipx install .``: the project itself).
INSTALLS = LazyPattern(
    r"(?:\b(?:pipx|pipenv|easy_install)\b|\buv\s+tool\b).{0,40}?\binstall\b(?!\s+\.(?:\s|$))"
    r"|\b(?:easy_install)\b\s+(?![-.])"
    r"|\b(?:uv|poetry|pdm|rye)\s+add\b"
    r"|\b(?:micromamba|mamba|conda)(?:\.exe)?\s+(?:env\s+)?(?:install|create)\b",
    re.DOTALL,
)
# The word after which an installer's command lists what it installs.
ADDERS = frozenset({"uv", "poetry", "pdm", "rye"})
# conda's family: ``create`` installs names too (``conda create -n env colourama``).
CONDAS = frozenset({"conda", "mamba", "micromamba", "conda.exe", "mamba.exe", "micromamba.exe"})
# Options whose next word is their value, not a name installed: conda's channel, env name,
# prefix and file, pip's requirement, constraint, index and target.
VALUED = frozenset({
    "-c", "--channel", "-n", "--name", "-p", "--prefix", "-f", "--file", "-r",
    "--requirement", "--constraint", "-i", "--index-url", "--extra-index-url", "-t",
    "--target", "--override",
})  # fmt: skip
# conda's own packages that are no PyPI project (``conda create -n x python=3.11``).
CONDA_OWN = frozenset({"python"})


def installs(text: str) -> bool:
    """Whether a command installs names from PyPI with an installer other than pip."""
    return INSTALLS.search(text) is not None


def names_start(words: list[str]) -> int:
    """Where the names a command installs begin: after ``install`` (pip, pipx, ``uv tool``),
    after ``add`` of an adder (``poetry add``), after ``easy_install``; -1 when none."""
    conda = False
    for index, word in enumerate(words):
        conda = conda or word.rpartition("/")[2] in CONDAS
        if word == "install" or word.endswith("easy_install"):
            return index + 1
        if word == "add" and index and words[index - 1] in ADDERS:
            return index + 1
        if word == "create" and conda:
            return index + 1
    return -1


def names_only(words: list[str]) -> list[str]:
    """``words`` past :func:`names_start` without the values of :data:`VALUED` options
    (``-c conda-forge``), and without conda's own interpreter when conda installs."""
    conda = any(w.rpartition("/")[2] in CONDAS for w in words)
    start = names_start(words)
    kept: list[str] = []
    skip = False
    for word in words[start:] if start >= 0 else []:
        if skip:
            skip = False
        elif word in VALUED:
            skip = True
        elif not (conda and word.partition("=")[0].lower() in CONDA_OWN):
            kept.append(word)
    return kept
