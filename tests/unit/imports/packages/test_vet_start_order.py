"""The cross-file pass reads side code last (ADR 0178). A function it follows is followed
once per archive, and its findings keep the weight of the first start that called it: a
``tests/__init__.py`` placed before the package's own ``__init__.py`` in the archive made the
package's call on import as light as a test's. Member order is the attacker's to choose.
Each sample is inert (a command ``id``, never run)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist, wheel

PAYLOAD = "import os\n\n\ndef go():\n    os.system('id')\n"
CALLS = "from evpkg.yy import go\ngo()\n"


def _wheel(files: Mapping[str, str]) -> Outcome:
    contents: dict[str, str | bytes] = {**files}
    return vet("evpkg-1.0-py3-none-any.whl", wheel("evpkg", "1.0", contents)).verdict


@pytest.mark.parametrize("side", ["tests", "docs", "examples"])
def test_a_side_start_read_first_does_not_lighten_the_package_s_own_call(side: str) -> None:
    files = {f"evpkg/{side}/__init__.py": CALLS, "evpkg/__init__.py": CALLS, "evpkg/yy.py": PAYLOAD}
    assert _wheel(files) is not Outcome.ALLOW


def test_a_side_start_before_an_ordinary_module_does_not_lighten_it() -> None:
    files = {
        "evpkg/tests/__init__.py": CALLS,
        "evpkg/__init__.py": "x = 1\n",
        "evpkg/zz.py": CALLS,
        "evpkg/yy.py": PAYLOAD,
    }
    assert _wheel(files) is not Outcome.ALLOW


def test_a_side_start_before_setup_py_does_not_lighten_the_install() -> None:
    files = {
        "tests/__init__.py": CALLS,
        "setup.py": f"{CALLS}from setuptools import setup\nsetup(name='evpkg')\n",
        "evpkg/__init__.py": "",
        "evpkg/yy.py": PAYLOAD,
    }
    data = sdist("evpkg", "1.0", files)
    assert vet("evpkg-1.0.tar.gz", data).verdict is not Outcome.ALLOW


def test_only_a_test_calling_the_function_stays_allowed() -> None:
    files = {"evpkg/tests/__init__.py": CALLS, "evpkg/__init__.py": "", "evpkg/yy.py": PAYLOAD}
    assert _wheel(files) is Outcome.ALLOW
