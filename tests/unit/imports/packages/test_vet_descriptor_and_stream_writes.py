"""A payload written through a descriptor, a copy or a redirected stream, then run (issue 16;
ADR 0191).

``f.write(PAYLOAD)`` into an open file and the file's later run are a dropper (denied). The
same payload written by ``os.write`` to an ``os.open`` descriptor, by ``os.fdopen`` of one,
by ``shutil.copyfileobj`` out of ``io.StringIO``, by a ``print`` into ``file=open(P, 'w')``,
or by a ``print`` once ``sys.stdout`` (or ``contextlib.redirect_stdout``) sends standard output
into the file, was no write: the run ran nothing known (allowed). A module the package
imports that writes so, and says no ``write``, was not walked for its files either. Every
sample is inert: vetting only reads files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import PAYLOAD, PY, verdict_cases, vet_package

HEAD = f"import contextlib, io, os, shutil, subprocess, sys\nP = {PY!r}\n"
RUN = "subprocess.call([sys.executable, P])\n"


def dropped(write: str) -> dict[str, str]:
    """``__init__.py`` writes ``P`` with ``write`` and runs it."""
    return {"evpkg/__init__.py": f"{HEAD}{write}\n{RUN}"}


def dropped_by_import(write: str) -> dict[str, str]:
    """``helper.py`` writes ``P`` with ``write`` at its top level; ``__init__.py`` imports it
    and runs ``P``."""
    return {
        "evpkg/__init__.py": (
            "import subprocess, sys\nfrom . import helper\n"
            "subprocess.call([sys.executable, helper.P])\n"
        ),
        "evpkg/helper.py": f"{HEAD}{write}\n",
    }


OS_OPENED = "fd = os.open(P, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)\n"
DENIED: dict[str, Mapping[str, str]] = {
    "payload-written-by-os-write-to-an-os-open-descriptor": dropped(
        f"{OS_OPENED}os.write(fd, {PAYLOAD!r}.encode())\nos.close(fd)"
    ),
    "payload-written-to-os-fdopen-of-an-os-open-descriptor": dropped(
        f"{OS_OPENED}with os.fdopen(fd, 'w') as f:\n    f.write({PAYLOAD!r})"
    ),
    "payload-written-to-os-open-by-numeric-flags": dropped(
        f"fd = os.open(P, 577)\nos.write(fd, {PAYLOAD!r}.encode())"
    ),
    "payload-copied-from-a-string-stream": dropped(
        f"with open(P, 'w') as f:\n    shutil.copyfileobj(io.StringIO({PAYLOAD!r}), f)"
    ),
    "payload-printed-into-a-file-opened-in-the-call": dropped(
        f"print({PAYLOAD!r}, file=open(P, 'w'))"
    ),
    "payload-printed-under-redirect-stdout": dropped(
        f"with open(P, 'w') as f, contextlib.redirect_stdout(f):\n    print({PAYLOAD!r})"
    ),
    "payload-printed-once-sys-stdout-is-the-file": dropped(
        f"f = open(P, 'w')\nsys.stdout = f\nprint({PAYLOAD!r})\nf.close()"
    ),
    "payload-written-to-sys-stdout-once-it-is-the-file": dropped(
        f"sys.stdout = open(P, 'w')\nsys.stdout.write({PAYLOAD!r})"
    ),
    "payload-printed-to-sys-stderr-once-it-is-the-file": dropped(
        f"sys.stderr = open(P, 'w')\nprint({PAYLOAD!r}, file=sys.stderr)"
    ),
    "payload-printed-by-an-imported-module": dropped_by_import(
        f"f = open(P, 'w')\nprint({PAYLOAD!r}, file=f)\nf.close()"
    ),
    "payload-copied-by-an-imported-module": dropped_by_import(
        f"with open(P, 'w') as f:\n    shutil.copyfileobj(io.StringIO({PAYLOAD!r}), f)"
    ),
    "payload-printed-under-redirect-by-an-imported-module": dropped_by_import(
        f"with open(P, 'w') as f, contextlib.redirect_stdout(f):\n    print({PAYLOAD!r})"
    ),
}
ALLOWED: dict[str, Mapping[str, str]] = {
    "a-lock-file-opened-by-descriptor": {
        "evpkg/__init__.py": (
            "import os\nfd = os.open('/tmp/evpkg.lock', os.O_WRONLY | os.O_CREAT)\n"
            "os.write(fd, str(os.getpid()).encode())\nos.close(fd)\n"
        )
    },
    "a-file-read-by-descriptor": {
        "evpkg/__init__.py": (
            "import os\nfd = os.open('setup.cfg', os.O_RDONLY)\ndata = os.read(fd, 100)\n"
        )
    },
    "output-silenced-into-devnull": {
        "evpkg/__init__.py": (
            "import os, sys\nsys.stdout = open(os.devnull, 'w')\nprint('loading')\n"
            "sys.stdout = sys.__stdout__\n"
        )
    },
    "a-report-printed-under-redirect-stdout": {
        "evpkg/__init__.py": (
            "import contextlib\nwith open('report.txt', 'w') as f, "
            "contextlib.redirect_stdout(f):\n    print('all good')\n"
        )
    },
    "a-file-copied-into-another": {
        "evpkg/__init__.py": (
            "import shutil\nwith open('a.txt') as s, open('b.txt', 'w') as d:\n"
            "    shutil.copyfileobj(s, d)\n"
        )
    },
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_a_payload_written_by_descriptor_copy_or_stream_then_run(
    files: Mapping[str, str], expected: Outcome
) -> None:
    assert vet_package(files) is expected
