"""A payload written by ``print(..., file=f)`` or through ``getattr(f, 'wr' + 'ite')``, then
run (issue 16; ADR 0190).

The walk read ``f.write(PAYLOAD)`` into an open file and the file's later run as a dropper
(denied), and ``getattr(f, 'write')(PAYLOAD)`` too (ADR 0123). The same payload printed into
the file, or written through a method whose name is built of two strings, was no write at
all, and the run of the file ran nothing known: allowed. Now both are read as ``f.write``.
``print`` to anything but a name holding an open file (``sys.stderr``) is left as it was.
Every sample is inert: vetting only reads files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import PAYLOAD, PY, verdict_cases, vet_package

HEAD = f"import subprocess, sys\nP = {PY!r}\n"
RUN = "subprocess.call([sys.executable, P])\n"


def dropped(write: str) -> dict[str, str]:
    """``__init__.py`` opens ``P``, writes into it with ``write``, and runs it."""
    return {"evpkg/__init__.py": f"{HEAD}with open(P, 'w') as f:\n    {write}\n{RUN}"}


DENIED: dict[str, Mapping[str, str]] = {
    "payload-printed-into-the-file": dropped(f"print({PAYLOAD!r}, file=f)"),
    "payload-printed-in-two-parts": dropped(
        f"print({PAYLOAD[:20]!r}, {PAYLOAD[20:]!r}, sep='', file=f)"
    ),
    "payload-written-by-a-built-method-name": dropped(f"getattr(f, 'wr' + 'ite')({PAYLOAD!r})"),
    "payload-written-by-a-method-name-in-a-variable": dropped(
        f"m = 'wri' + 'te'\n    getattr(f, m)({PAYLOAD!r})"
    ),
    "payload-printed-into-a-file-kept-on-an-object": {
        "evpkg/__init__.py": (
            f"{HEAD}class K:\n    pass\nk = K()\nk.out = open(P, 'w')\n"
            f"print({PAYLOAD!r}, file=k.out)\nk.out.close()\n{RUN}"
        )
    },
    "payload-written-by-codecs-open": {
        "evpkg/__init__.py": f"{HEAD}import codecs\ncodecs.open(P, 'w').write({PAYLOAD!r})\n{RUN}"
    },
    "payload-written-to-the-file-s-buffer": dropped(f"f.buffer.write({PAYLOAD!r}.encode())"),
    "payload-written-by-a-kept-built-method": dropped(
        f"w = getattr(f, 'wr' + 'ite')\n    w({PAYLOAD!r})"
    ),
}
ALLOWED: dict[str, Mapping[str, str]] = {
    "a-log-line-printed-into-a-file": {
        "evpkg/__init__.py": "with open('build.log', 'w') as f:\n    print('built', file=f)\n"
    },
    "a-payload-printed-to-stderr": {
        "evpkg/__init__.py": f"import sys\nprint({PAYLOAD!r}, file=sys.stderr)\n"
    },
    "a-readme-read-by-codecs-open": {
        "setup.py": (
            "import codecs\nfrom setuptools import setup\n"
            "setup(name='evpkg', long_description=codecs.open('README.rst').read())\n"
        ),
        "README.rst": "evpkg\n",
        "evpkg/__init__.py": "",
    },
    "a-built-method-name-of-a-harmless-write": {
        "evpkg/__init__.py": (
            "with open('notes.txt', 'w') as f:\n    getattr(f, 'wr' + 'ite')('hello')\n"
        )
    },
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_a_payload_printed_or_written_by_a_built_name_then_run(
    files: Mapping[str, str], expected: Outcome
) -> None:
    assert vet_package(files) is expected
