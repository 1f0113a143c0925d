"""An environment variable named by a string padded with a value that does not fold
(issue 16; ADR 0169).

``os.getenv('APPDATA')`` leaves the shape ``$APPDATA`` on a path, so a write under
``$APPDATA\\...\\Startup`` or a browser's extension folder reads as persistence. The
metamorphic bench's ``str_grown`` rewrite (``'APPDATA' + sys.argv[0][:0]``, empty when run)
took a real sample (a clipboard hijacker installing a browser extension from ``setup.py``)
from deny to hold: the variable's name no longer folded, so the path had no shape. Now a
name whose start is known and is a whole variable name is read as that variable.

Near-miss: the package's own cache folder under a padded ``XDG_CACHE_HOME`` stays allowed.
Every sample is inert (vetting only reads files)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import X, verdict_cases, vet_package

SETUP = "from setuptools import setup\nsetup(name='evpkg', version='1.0')\n"
EXTENSION = "'\\\\Extension\\\\background.js'"


def _setup(body: str) -> dict[str, str]:
    return {"setup.py": f"import os, sys\n{body}{SETUP}", "evpkg/__init__.py": "X = 1\n"}


DENIED: dict[str, Mapping[str, str]] = {
    "getenv-padded": _setup(
        f"A = os.getenv('APPDATA' + {X})\nwith open(A + {EXTENSION}, 'w') as f:\n"
        "    f.write('var x = 1')\n"
    ),
    "environ-get-padded": _setup(
        f"A = os.environ.get('APPDATA' + {X})\nopen(A + {EXTENSION}, 'w').write('var x = 1')\n"
    ),
    "environ-item-padded": _setup(
        f"A = os.environ['APPDATA' + {X}]\nopen(A + {EXTENSION}, 'w').write('var x = 1')\n"
    ),
}

ALLOWED: dict[str, Mapping[str, str]] = {
    "own-cache-folder": {
        "evpkg/__init__.py": (
            f"import os, sys\nC = os.getenv('XDG_CACHE_HOME' + {X}, '/tmp')\n"
            "open(os.path.join(C, 'evpkg.cache'), 'w').write('1')\n"
        )
    },
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_a_padded_variable_name_is_read_as_the_variable(
    files: Mapping[str, str], expected: Outcome
) -> None:
    assert vet_package(files) is expected
