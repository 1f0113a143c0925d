"""Commands a hand-made sdist's ``setup.py`` declares in its own ``setup(...)`` call (ADR
0102): a console script named as a common command (``ls``, ``sudo``) replaces what the user
means to run, as the same script in a wheel's ``entry_points.txt`` is held for. Samples are
inert: vetting only reads files."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.declared import setup_py_scripts
from tests.unit.imports.packages.adversary import verdict_cases, vet_package

MAIN = {"evpkg/__init__.py": "def main():\n    pass\n"}


def setup(call: str, before: str = "") -> dict[str, str]:
    return {"setup.py": f"from setuptools import setup\n{before}setup({call})\n", **MAIN}


HELD: dict[str, dict[str, str]] = {
    "ls-in-a-console-scripts-list": setup(
        "name='evpkg', version='1.0', packages=['evpkg'], "
        "entry_points={'console_scripts': ['ls=evpkg:main']}"
    ),
    "sudo-in-a-dict-bound-to-a-name": setup(
        "name='evpkg', version='1.0', entry_points=EP",
        before="EP = {'console_scripts': ['tool = evpkg:main', 'sudo = evpkg:main']}\n",
    ),
    "git-in-ini-text": setup(
        "name='evpkg', version='1.0', entry_points='''\n[console_scripts]\ngit = evpkg:main\n'''"
    ),
    "python-as-a-gui-script": setup(
        "name='evpkg', version='1.0', entry_points={'gui_scripts': ('python = evpkg:main',)}"
    ),
}
ALLOWED: dict[str, dict[str, str]] = {
    "the-projects-own-command": setup(
        "name='evpkg', version='1.0', entry_points={'console_scripts': ['evpkg = evpkg:main']}"
    ),
    "a-plugin-group-named-ls": setup(
        "name='evpkg', version='1.0', entry_points={'evpkg.plugins': ['ls = evpkg:main']}"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases({}, HELD, ALLOWED))
def test_verdict(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


def test_entry_points_that_are_not_literals_name_nothing() -> None:
    assert setup_py_scripts("setup(entry_points=load_entry_points())\n") == []
    assert setup_py_scripts("setup(entry_points={'console_scripts': SCRIPTS})\n") == []
    assert setup_py_scripts("def broken(:\n entry_points\n") == []
