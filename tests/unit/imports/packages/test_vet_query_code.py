"""``python -c`` code that only asks the interpreter a question (ADR 0152).

The interpreter's ``-c`` flag was a download-and-run word: ``python3 -c 'import sys;
print(sys.version_info[0])'`` in ``setup.py`` denied a package, and python-daemon's test
that prints ``os.stat(1)`` held it. The flow pass reads literal ``-c`` code as Python
(ADR 0086); code that imports only interpreter-describing modules and calls only their
reading functions no longer makes the flag a dropper word. Everything an attacker runs
through the flag keeps the verdict it had: code that runs what it is handed (stdin, an
argument, the environment), imports the package's own module by any spelling, opens a
file, changes a file's mode, starts an interactive console, or is started through a shell.

Each sample is inert (vetting only reads files)."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.querycode import asks_only
from tests.unit.imports.packages.adversary import verdict_cases, vet_package

PAYLOAD_MODULE = "import os\nos.system('id')\n"


def setup_running(
    code: str, call: str = "subprocess.run(['python3', '-c', CODE])"
) -> dict[str, str]:
    """An sdist whose setup.py starts ``python3 -c code`` on install (``CODE`` in ``call``
    is the code, written in the list)."""
    return {
        "setup.py": (
            "import subprocess\nfrom setuptools import setup\nPAYLOAD = 'print(1)'\n"
            f"{call.replace('CODE', repr(code))}\n"
            "setup(name='evpkg', version='1.0', packages=['evpkg'])\n"
        ),
        "evpkg/__init__.py": "",
    }


def with_payload_module(files: dict[str, str]) -> dict[str, str]:
    """``files`` and a root module that runs a command on import: held on its own, so a
    deny is the ``-c`` call's."""
    return {**files, "payloadmod.py": PAYLOAD_MODULE}


DENIED_CALLS: dict[str, dict[str, str]] = {
    "stdin-code-run-by-a-child": setup_running(
        "exec(open(0).read())", "subprocess.run(['python3', '-c', CODE], input=PAYLOAD)"
    ),
    "input-run-by-a-child": setup_running(
        "exec(input())", "subprocess.run(['python3', '-c', CODE], input=PAYLOAD)"
    ),
    "environment-code-run-by-a-child": setup_running(
        "import os; exec(os.environ['P'])",
        "subprocess.run(['python3', '-c', CODE], env={'P': PAYLOAD})",
    ),
    "own-module-imported-by-dunder-import": setup_running("__import__('payloadmod')"),
    "own-module-imported-by-importlib": setup_running(
        "import importlib; importlib.import_module('payloadmod')"
    ),
    "own-module-imported": setup_running("import payloadmod"),
    "file-made-executable": setup_running("import os; os.chmod('/tmp/x', 0o755)"),
    "interactive-console-on-stdin": setup_running("import code; code.interact()"),
    "builtins-reached-through-a-class": setup_running(
        "print(().__class__.__base__.__subclasses__())"
    ),
    "module-function-through-sys-modules": setup_running(
        "import sys; sys.modules['os'].system('id')"
    ),
    "question-asked-through-a-shell": setup_running(
        "import sys; print(sys.version)",
        "subprocess.run(['python3', '-c', CODE], shell=True)",
    ),
    "question-asked-of-another-executable": setup_running(
        "import sys; print(sys.version)",
        "subprocess.run(['python3', '-c', CODE], executable='/tmp/x')",
    ),
}

DENIED = {name: with_payload_module(files) for name, files in DENIED_CALLS.items()}

ALLOWED: dict[str, dict[str, str]] = {
    "major-version-asked-on-install": setup_running("import sys; print(sys.version_info[0])"),
    "include-folder-asked-on-install": setup_running(
        "import sysconfig; print(sysconfig.get_paths()['include'])"
    ),
    "pointer-size-asked-on-install": setup_running(
        "import struct, platform; print(struct.calcsize('P') * 8, platform.machine())"
    ),
    # python-daemon 3.1.2's test/subprocess_inherit_streams.py, run on import of the test.
    "test-prints-a-descriptors-status": {
        "setup.py": "from setuptools import setup\nsetup(name='evpkg', packages=['evpkg'])\n",
        "evpkg/__init__.py": "",
        "test/__init__.py": "",
        "test/subprocess_inherit_streams.py": (
            "import subprocess\nimport sys\n\nfrom daemon.daemon import DaemonContext\n\n"
            "daemon = DaemonContext(stderr=sys.stderr)\ndaemon.open()\n"
            "subprocess.call([\n    'python3', '-c',\n"
            "    'import sys; import os; print(os.stat(1), file=sys.stderr)',\n])\n"
        ),
    },
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_query_code(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


@pytest.mark.parametrize(
    "code",
    [
        "import sys; print(sys.version.split()[0])",
        "import os.path; print(os.path.join('a', 'b'))",
        "import os; print(os.environ.get('HOME'))",
    ],
)
def test_questions_ask_only(code: str) -> None:
    assert asks_only(code)


@pytest.mark.parametrize(
    "code",
    [
        "import os; os.replace('a', '/home/u/.bashrc')",
        "from os import system; system('id')",
        "import numpy; print(numpy.get_include())",
        "import sys; sys.path.insert(0, '.')",
        "import os; getattr(os, 'system')('id')",
        "import sys; exec(sys.stdin.read())",
        "print(open('/etc/passwd').read())",
        "import sys; sys.stdin.read()",
        "not python (",
    ],
)
def test_other_code_does_more_than_ask(code: str) -> None:
    assert not asks_only(code)
