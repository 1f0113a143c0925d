"""A package whose code pip-installs a look-alike of a popular project (ADR 0116). Each
denied sample was held on ``40240bd``; the near-misses keep their verdicts."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.pretenders import installed_names
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

PIP = "import subprocess, sys\nsubprocess.check_call([sys.executable, '-m', 'pip', 'install'"
DENIED = {
    "lookalike-installed-on-import": init(f"{PIP}, '--quiet', 'colourama'])\n"),
    "lookalike-pinned-installed-on-import": init(f"{PIP}, 'reqeusts==2.31.0'])\n"),
    "lookalike-installed-by-setup-py": {
        "setup.py": (
            "import os\nfrom setuptools import setup\n"
            "os.system('pip install -U python-dateutils')\nsetup(name='evpkg')\n"
        ),
        "evpkg/__init__.py": "X = 1\n",
    },
}
HELD = {
    # Installing a real project on import still bypasses dependency vetting: held, as before.
    "popular-project-installed-on-import": init(f"{PIP}, 'numpy'])\n"),
}
ALLOWED = {
    "lookalike-named-in-a-message": init(
        "import warnings\nwarnings.warn('colourama is not colorama: pip install colorama')\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_lookalike_installs(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


@pytest.mark.parametrize(
    ("command", "names"),
    [
        ("sys.executable -m pip install --quiet colourama", ["colourama"]),
        ("pip install -U reqeusts==2.31 numpy>=1", ["reqeusts", "numpy"]),
        ("pip install -e . https://h.example/x.tar.gz ./local", []),
        ("pip list", []),
    ],
)
def test_the_names_a_pip_command_installs(command: str, names: list[str]) -> None:
    assert installed_names(command) == names
