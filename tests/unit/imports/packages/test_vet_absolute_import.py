"""A package's ``__init__.py`` calling its own module through an absolute import
(issue 16; ADR 0169).

The cross-file pass follows a call from ``setup.py`` or ``__init__.py`` into another module
of the archive, handed what the caller hands it. Its cheap text test of whether a file
calls its own package counted ``from .zz import go`` but not ``from evpkg import zz`` or
``from evpkg.zz import go`` in ``evpkg/__init__.py``: the top-level package's own name was
taken for the file itself. So ``zz.go(PAYLOAD)``, with ``go`` running what it is handed,
was allowed. Now a package's ``__init__.py`` importing its own modules by their absolute
names is followed as a relative import is.

Near-misses stay allowed: a version read through an absolute import, a harmless program
run through one. Every sample is inert (vetting only reads files)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import CURL, PAYLOAD, verdict_cases, vet_package

RUNS_IT = "def go(c):\n    exec(c)\n"
SYSTEM = "import os\ndef run(c):\n    os.system(c)\n"

DENIED: dict[str, Mapping[str, str]] = {
    "from-package-import-module": {
        "evpkg/__init__.py": f"from evpkg import zz\nzz.go({PAYLOAD!r})\n",
        "evpkg/zz.py": RUNS_IT,
    },
    "from-module-import-function": {
        "evpkg/__init__.py": f"from evpkg.zz import go\ngo({PAYLOAD!r})\n",
        "evpkg/zz.py": RUNS_IT,
    },
    "import-module": {
        "evpkg/__init__.py": f"import evpkg.zz\nevpkg.zz.go({PAYLOAD!r})\n",
        "evpkg/zz.py": RUNS_IT,
    },
    "import-module-as": {
        "evpkg/__init__.py": f"import evpkg.zz as z\nz.go({PAYLOAD!r})\n",
        "evpkg/zz.py": RUNS_IT,
    },
    "command-handed": {
        "evpkg/__init__.py": f"from evpkg.zz import run\nrun({CURL!r})\n",
        "evpkg/zz.py": SYSTEM,
    },
}

ALLOWED: dict[str, Mapping[str, str]] = {
    "version-read": {
        "evpkg/__init__.py": "from evpkg.version import get\n__version__ = get()\n",
        "evpkg/version.py": "def get():\n    return '1.0'\n",
    },
    "harmless-program": {
        "evpkg/__init__.py": "from evpkg.zz import run\nrun(['git', '--version'])\n",
        "evpkg/zz.py": (
            "import subprocess\ndef run(c):\n    return subprocess.run(c, capture_output=True)\n"
        ),
    },
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_an_absolute_import_of_the_package_itself_is_followed(
    files: Mapping[str, str], expected: Outcome
) -> None:
    assert vet_package(files) is expected
