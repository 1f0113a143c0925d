"""What of a file run at install may name a script for the build (issue 16, ADR 0136).

An sdist's script is inert when no file that runs at build or install names it
(:func:`airlock.imports.packages.scripts.inert_scripts`). ``pyproject.toml`` also holds the
settings of tools a developer runs by hand: pipenv's ``get-pipenv.py`` (a get-pip style
bootstrap a person runs) was named only in ``[tool.ruff]``'s and ``[tool.black]``'s exclude
lists, so it counted as run by the build and its embedded zip put on ``sys.path`` denied.

Pure. What it deliberately does not do: drop any table a build backend reads. Only the
tables of linters, formatters, type checkers and test runners are dropped, tools that never
run at build or install; an unknown ``[tool.x]`` still counts, and a file that does not
parse as TOML counts whole (fail closed).
"""

from __future__ import annotations

from airlock.imports.packages.pyproject import pyproject_table

# Tools a developer runs by hand or in CI; none is a build backend or runs a hook at build.
DEVELOPER_TOOLS = frozenset({
    "ruff", "black", "isort", "mypy", "pyright", "pylint", "flake8", "bandit", "codespell",
    "pytest", "coverage", "towncrier", "pydocstyle", "docformatter", "yapf", "autopep8",
    "pyupgrade", "bumpversion", "commitizen", "interrogate", "vulture", "typos", "djlint",
})  # fmt: skip


def runner_text(name: str, data: bytes) -> bytes:
    """The part of a runner's text (``setup.py``, ``setup.cfg``, ``pyproject.toml``, a
    ``.pth``) that may name a file the build runs: ``pyproject.toml`` without its
    :data:`DEVELOPER_TOOLS` tables, any other file whole."""
    if not name.endswith("pyproject.toml"):
        return data
    table = pyproject_table(data.decode("utf-8", "replace"))
    if table is None:
        return data
    tools = table.get("tool")
    kept = dict(table)
    if isinstance(tools, dict):
        kept["tool"] = {k: v for k, v in tools.items() if k not in DEVELOPER_TOOLS}
    return repr(kept).encode("utf-8", "replace")
