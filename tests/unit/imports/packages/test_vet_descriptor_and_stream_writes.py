"""A payload written through a descriptor, a copy or a redirected stream, then run (issue 16;
ADR 0191).

``f.write(PAYLOAD)`` into an open file and the file's later run are a dropper (denied). The
same payload written by ``os.write`` to an ``os.open`` descriptor, by ``os.fdopen`` of one,
by ``shutil.copyfileobj`` out of ``io.StringIO``, by a ``print`` into ``file=open(P, 'w')``,
or by a ``print`` once ``sys.stdout`` (or ``contextlib.redirect_stdout``) sends standard output
into the file, was no write: the run ran nothing known (allowed). A module the package
imports that writes so, and says no ``write``, was not walked for its files either. And a
file written plainly was not run when loaded by ``importlib`` or run by a command whose
program is ``sys.executable`` as a template's or an f-string's first field. Every sample is
inert: vetting only reads files."""

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


def written_then(run: str) -> dict[str, str]:
    """``__init__.py`` writes ``P`` with ``open(P, 'w').write`` and runs it with ``run``."""
    written = f"with open(P, 'w') as f:\n    f.write({PAYLOAD!r})\n"
    return {"evpkg/__init__.py": f"{HEAD}{written}{run}\n"}


DENIED |= {
    "payload-loaded-by-spec-from-file-location": written_then(
        "import importlib.util\ns = importlib.util.spec_from_file_location('x', P)\n"
        "m = importlib.util.module_from_spec(s)\ns.loader.exec_module(m)"
    ),
    "payload-loaded-by-source-file-loader": written_then(
        "import importlib.machinery\nimportlib.machinery.SourceFileLoader('x', P).load_module()"
    ),
    "payload-imported-from-its-folder-put-on-sys-path": written_then(
        "sys.path.insert(0, os.path.dirname(P))\n__import__(os.path.basename(P)[:-3])"
    ),
    "payload-run-by-a-formatted-command": written_then(
        "os.system('{} {}'.format(sys.executable, P))"
    ),
    "payload-run-by-an-f-string-command": written_then(
        "subprocess.Popen(f'{sys.executable} {P}', shell=True)"
    ),
}
# A script nothing in the package is seen to write, run from a temporary or hidden place.
HELD: dict[str, Mapping[str, str]] = {
    "a-hidden-script-in-tmp-run-by-the-interpreter": {
        "evpkg/__init__.py": (
            "import subprocess, sys\nsubprocess.call([sys.executable, '/tmp/.h.py'])\n"
        )
    },
    "a-hidden-script-in-home-run-by-the-interpreter": {
        "evpkg/__init__.py": (
            "import os, subprocess, sys\n"
            "subprocess.Popen([sys.executable, os.path.expanduser('~/.cache/.u.py')])\n"
        )
    },
    # Its own pass cannot see setup.py write it: held for a person, however harmless.
    "a-harmless-script-setup-py-drops-in-tmp-run-on-import": {
        "setup.py": (
            "from setuptools import setup\nwith open('/tmp/.v.py', 'w') as f:\n"
            "    f.write('print(1)')\nsetup(name='evpkg')\n"
        ),
        "evpkg/__init__.py": (
            "import subprocess, sys\nsubprocess.call([sys.executable, '/tmp/.v.py'])\n"
        ),
    },
    "a-script-in-dev-shm-run-by-runpy": {
        "evpkg/__init__.py": "import runpy\nrunpy.run_path('/dev/shm/x.py')\n"
    },
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
    "a-version-file-written-then-loaded": {
        "evpkg/__init__.py": (
            "import importlib.util, os\nP = os.path.join(os.path.dirname(__file__), '_v.py')\n"
            "with open(P, 'w') as f:\n    f.write('VERSION = \"1.0\"\\n')\n"
            "s = importlib.util.spec_from_file_location('_v', P)\n"
            "m = importlib.util.module_from_spec(s)\ns.loader.exec_module(m)\n"
        )
    },
    "a-build-helper-run-by-setup-py": {
        "setup.py": (
            "import subprocess, sys\nfrom setuptools import setup\n"
            "subprocess.check_call([sys.executable, 'tools/gen_tables.py'])\nsetup(name='evpkg')\n"
        ),
        "tools/gen_tables.py": "print('tables')\n",
        "evpkg/__init__.py": "",
    },
    "a-hidden-script-run-when-called": {
        "evpkg/__init__.py": (
            "import subprocess, sys\ndef go():\n"
            "    subprocess.call([sys.executable, '/tmp/.h.py'])\n"
        )
    },
    "a-file-copied-into-another": {
        "evpkg/__init__.py": (
            "import shutil\nwith open('a.txt') as s, open('b.txt', 'w') as d:\n"
            "    shutil.copyfileobj(s, d)\n"
        )
    },
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_a_payload_written_by_descriptor_copy_or_stream_then_run(
    files: Mapping[str, str], expected: Outcome
) -> None:
    assert vet_package(files) is expected
