"""A file written by a function of another module, or by setup.py's install command, then
run (issue 16; ADR 0158).

ADR 0157 read a file that another module's *top level* writes: importing it writes the
file. The attacker's next step moves the write into a function: ``helper.drop()`` called by
``setup.py`` (or by the package on import), a method of a class another module defines, a
generic ``util.save(path, text)`` handed the payload by its caller, or the ``run`` of an
install command that ``setup.py`` names in ``cmdclass``. The followed call's write is on
disk when the caller goes on, and a run of the path there reads the written text.

Near-misses stay allowed: a build command writing a version module the package imports, a
helper saving a config file, a helper writing a C file a compiler reads. Every sample is
inert (vetting only reads files)."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import CURL, PAYLOAD, PY, SH, verdict_cases, vet_package

RUN_PY = f"subprocess.call([sys.executable, {PY!r}])"


def setup_calling(body: str, helper: str) -> dict[str, str]:
    """``setup.py`` running ``body`` at module level beside its module ``helper.py``."""
    return {
        "setup.py": "import os, subprocess, sys\nfrom setuptools import setup\n"
        f"{body}\nsetup(name='evpkg')\n",
        "helper.py": helper,
        "evpkg/__init__.py": "",
    }


def init_calling(body: str, helper: str, name: str = "helper") -> dict[str, str]:
    """The package's ``__init__.py`` running ``body`` on import beside ``evpkg/<name>.py``."""
    return {
        "evpkg/__init__.py": f"import os, runpy, subprocess, sys\n{body}\n",
        f"evpkg/{name}.py": helper,
    }


def command_writing(base: str, then: str = "") -> str:
    """A ``setup.py`` whose ``base`` command (``install``, ``develop``) writes the payload
    to :data:`PY` when it runs (then runs ``then``)."""
    return (
        f"import os\nfrom setuptools import setup\nfrom setuptools.command.{base} import {base}\n"
        f"class Cmd({base}):\n    def run(self):\n"
        f"        with open({PY!r}, 'w') as f:\n            f.write({PAYLOAD!r})\n"
        f"        {then or 'pass'}\n        {base}.run(self)\n"
        f"setup(name='evpkg', cmdclass={{{base!r}: Cmd}})\n"
    )


DROP = f"P = {PY!r}\ndef drop():\n    with open(P, 'w') as f:\n        f.write({PAYLOAD!r})\n"
SAVE = "def save(p, t):\n    with open(p, 'w') as f:\n        f.write(t)\n"

DENIED: dict[str, dict[str, str]] = {
    # setup.py calls its helper's function, which writes the payload, then runs the path.
    "setup-calls-writer-then-runs-its-name": setup_calling(
        "import helper\nhelper.drop()\nsubprocess.call([sys.executable, helper.P])", DROP
    ),
    "setup-imports-writer-then-os-system": setup_calling(
        f"from helper import drop\ndrop()\nos.system('python3 {PY}')", DROP
    ),
    # A generic writer handed the path and the payload by its caller.
    "setup-hands-text-to-a-saver": setup_calling(
        f"import helper\nhelper.save({PY!r}, {PAYLOAD!r})\n{RUN_PY}", SAVE
    ),
    "import-hands-text-to-a-saver": init_calling(
        f"from .util import save\nsave({PY!r}, {PAYLOAD!r})\n{RUN_PY}", SAVE, name="util"
    ),
    "import-hands-text-to-write-text": init_calling(
        f"from .util import save\nsave({PAYLOAD!r})\n{RUN_PY}",
        f"import pathlib\ndef save(t):\n    pathlib.Path({PY!r}).write_text(t)\n",
        name="util",
    ),
    # A method of another module's class writes, or its constructor does.
    "import-method-saves-text": init_calling(
        f"from .helper import Saver\nSaver().save({PY!r}, {PAYLOAD!r})\n{RUN_PY}",
        "class Saver:\n    def save(self, p, t):\n        with open(p, 'w') as f:\n"
        "            f.write(t)\n",
    ),
    "import-constructor-writes": init_calling(
        f"from .helper import Dropper\nDropper()\n{RUN_PY}",
        f"class Dropper:\n    def __init__(self):\n        with open({PY!r}, 'w') as f:\n"
        f"            f.write({PAYLOAD!r})\n",
    ),
    # setup.py's install command calls the helper's writer and runs the file.
    "install-command-calls-writer": setup_calling(
        "import helper\nfrom setuptools.command.install import install\n"
        "class I(install):\n    def run(self):\n        helper.drop()\n"
        "        subprocess.call([sys.executable, helper.P])\n        install.run(self)\n"
        "setup_args = {'cmdclass': {'install': I}}",
        DROP,
    ),
    # setup.py's install command writes; the package runs the file when imported.
    "install-command-writes-import-runs": {
        "setup.py": command_writing("install"),
        "evpkg/__init__.py": f"import subprocess, sys\n{RUN_PY}\n",
    },
    "develop-command-writes-import-runpy": {
        "setup.py": command_writing("develop"),
        "evpkg/__init__.py": f"import runpy\nrunpy.run_path({PY!r})\n",
    },
    "install-command-writes-shell-script": {
        "setup.py": "from setuptools import setup\nfrom setuptools.command.install import install\n"
        f"class I(install):\n    def run(self):\n        open({SH!r}, 'w').write({CURL!r})\n"
        "        install.run(self)\nsetup(name='evpkg', cmdclass={'install': I})\n",
        "evpkg/__init__.py": f"import os\nos.system('sh {SH}')\n",
    },
    # A first call handed harmless text, a second the payload: each is read for its own.
    "second-call-saves-payload": init_calling(
        f"from .util import save\nsave('/tmp/evpkg.cfg', 'x = 1')\nsave({PY!r}, {PAYLOAD!r})\n"
        f"{RUN_PY}",
        SAVE,
        name="util",
    ),
    "second-call-execs-payload": init_calling(
        f"from .util import ex\nex('x = 1')\nex({PAYLOAD!r})",
        "def ex(c):\n    exec(c)\n",
        name="util",
    ),
    # A command list bound in either branch (ADR 0164), handed twice to another module's
    # runner: the cache of followed calls keys it by its text.
    "runner-handed-a-list-from-either-branch": init_calling(
        "from .util import run\nif sys.platform == 'win32':\n    cmd = ['cmd', '/c', 'ver']\n"
        f"else:\n    cmd = ['sh', '-c', {CURL!r}]\nrun(cmd)\nrun(cmd)",
        "import subprocess\ndef run(c):\n    subprocess.call(c)\n",
        name="util",
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    # A build command writing the version module the package imports.
    "build-command-writes-version-module": {
        "setup.py": "from setuptools import setup\n"
        "from setuptools.command.build_py import build_py\n"
        "class B(build_py):\n    def run(self):\n"
        "        with open('evpkg/_version.py', 'w') as f:\n"
        "            f.write(\"__version__ = '1.0'\\n\")\n        build_py.run(self)\n"
        "setup(name='evpkg', cmdclass={'build_py': B})\n",
        "evpkg/__init__.py": "from ._version import __version__\n",
    },
    # A helper saving a config file; the package then runs git.
    "helper-saves-config": init_calling(
        "from .helper import save\nsave()\nsubprocess.call(['git', 'status'])",
        "def save():\n    with open('/tmp/evpkg.cfg', 'w') as f:\n"
        "        f.write('[core]\\nx = 1\\n')\n",
    ),
    # A helper writing a C file a compiler reads.
    "helper-writes-c-for-compiler": setup_calling(
        "import helper\nhelper.gen()\nsubprocess.call(['cc', '-c', '/tmp/evpkg_probe.c'])",
        "def gen():\n    with open('/tmp/evpkg_probe.c', 'w') as f:\n"
        "        f.write('int main(void){return 0;}\\n')\n",
    ),
    # A generic saver handed a version script that is then run to print it (not in a
    # temporary or hidden place, which holds whatever wrote it: ADR 0191).
    "saver-writes-version-script-run": setup_calling(
        "import helper\nhelper.save('build/version.py', \"print('1.0')\\n\")\n"
        "subprocess.call([sys.executable, 'build/version.py'])",
        SAVE,
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_a_file_a_called_function_writes_is_read_when_run(
    files: dict[str, str], expected: Outcome
) -> None:
    assert vet_package(files) is expected
