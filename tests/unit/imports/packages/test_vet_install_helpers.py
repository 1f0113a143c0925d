"""Code an sdist's build runs from its own files (ADR 0057): modules an in-tree build
backend or ``setup.py`` imports from the folders the build puts on ``sys.path``, and a
script ``setup.py`` starts with the interpreter. Each ran an (inert) command on install and
was read as a developer's script before."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist

RUNS = "import os\nos.system('id')\n"
BACKEND = (
    "[build-system]\nrequires = []\nbuild-backend = 'backend'\nbackend-path = ['_build']\n"
    "[project]\nname = 'evpkg'\nversion = '1.0'\n"
)
SETUP_END = "from setuptools import setup\nsetup(name='evpkg')\n"

CASES = {
    "backend-imports-its-sibling": {
        "pyproject.toml": BACKEND,
        "_build/backend.py": "import impl\n\n\ndef build_wheel(*a, **k):\n    return impl.go()\n",
        "_build/impl.py": RUNS + "\n\ndef go():\n    return ''\n",
    },
    "backend-calls-a-sibling-function": {
        "pyproject.toml": BACKEND,
        "_build/backend.py": "from impl import go as build_wheel\n",
        "_build/impl.py": "import os\n\n\ndef go(*a):\n    os.system('id')\n",
    },
    "setup-imports-from-a-folder-it-puts-on-the-path": {
        "setup.py": "import sys\nsys.path.insert(0, 'tools')\nimport helper\n" + SETUP_END,
        "tools/helper.py": RUNS,
    },
    "setup-runs-a-script-with-the-interpreter": {
        "setup.py": "import subprocess, sys\nsubprocess.check_call([sys.executable, '-u', "
        "'tools/gen.py'])\n" + SETUP_END,
        "tools/gen.py": RUNS,
    },
}


@pytest.mark.parametrize("key", sorted(CASES))
def test_code_the_build_runs_from_the_sdist_is_not_allowed(key: str) -> None:
    report = vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", {**CASES[key], "evpkg/__init__.py": ""}))
    assert report.verdict is not Outcome.ALLOW, report.to_json()


def test_a_script_the_build_does_not_run_stays_a_script() -> None:
    files = {
        "setup.py": "import sys\nsubprocess_args = [sys.executable]\n" + SETUP_END,
        "tools/gen.py": "import os\n\n\ndef main():\n    os.system('id')\n",
        "evpkg/__init__.py": "",
    }
    assert vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", files)).verdict is Outcome.ALLOW
