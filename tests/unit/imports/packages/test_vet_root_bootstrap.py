"""A get-pip style bootstrap at an sdist's root that only a linter's settings name (issue 16,
ADR 0136): pipenv's ``get-pipenv.py`` embeds a zip, writes it out and puts it on
``sys.path`` when a person runs it; it was denied because ``[tool.ruff]`` excluded it."""

from __future__ import annotations

from airlock.domain.requests import Outcome
from airlock.imports.packages.archive import read_members
from airlock.imports.packages.scripts import inert_scripts
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist

SETUP = "from setuptools import setup\nsetup(name='fastenv')\n"
# The bootstrap's shape: an embedded archive decoded to a file put first on sys.path.
BOOTSTRAP = (
    "import base64, os, sys, tempfile\n"
    "DATA = b'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=='\n"
    "def main():\n"
    "    tmp = tempfile.mkdtemp()\n"
    "    path = os.path.join(tmp, 'tool.zip')\n"
    "    with open(path, 'wb') as fp:\n"
    "        fp.write(base64.b64decode(DATA))\n"
    "    sys.path.insert(0, path)\n"
    "    import fastenv\n"
    "if __name__ == '__main__':\n"
    "    main()\n"
)
LINTED = (
    "[project]\nname = 'fastenv'\n"
    "[tool.ruff]\nexclude = ['get-fastenv.py']\n"
    "[tool.black]\nextend-exclude = '''\n(\n  | get-fastenv.py\n)\n'''\n"
)


def _files(pyproject: str, **more: str) -> dict[str, str]:
    return {
        "setup.py": SETUP,
        "pyproject.toml": pyproject,
        "fastenv/__init__.py": "",
        "get-fastenv.py": BOOTSTRAP,
        **more,
    }


def _vet(files: dict[str, str]) -> Outcome:
    return vet("fastenv-1.0.tar.gz", sdist("fastenv", "1.0", files)).verdict


def _inert(files: dict[str, str]) -> set[str]:
    members = list(read_members(sdist("fastenv", "1.0", files)))
    return inert_scripts("fastenv-1.0.tar.gz", members)


def test_a_root_bootstrap_a_linter_excludes_is_inert_and_holds() -> None:
    assert "fastenv-1.0/get-fastenv.py" in _inert(_files(LINTED))
    assert _vet(_files(LINTED)) is Outcome.HOLD


def test_a_root_bootstrap_a_build_table_names_is_not_inert() -> None:
    # Installed as a command, or run as a build hook: not a linter's setting.
    scripts = "[project]\nname = 'fastenv'\n[tool.setuptools]\nscript-files = ['get-fastenv.py']\n"
    hook = "[tool.hatch.build.hooks.custom]\npath = 'get-fastenv.py'\n[tool.ruff]\nx = 1\n"
    unknown = "[tool.somebuilder]\nrun = 'get-fastenv.py'\n"
    for pyproject in (scripts, hook, unknown):
        assert "fastenv-1.0/get-fastenv.py" not in _inert(_files(pyproject))
        assert _vet(_files(pyproject)) is Outcome.DENY


def test_a_bootstrap_setup_py_names_or_a_package_imports_stays_denied() -> None:
    runs = "import runpy\nrunpy.run_path('get-fastenv.py')\n" + SETUP
    assert _vet({**_files(LINTED), "setup.py": runs}) is Outcome.DENY
    assert _vet({**_files(LINTED), "fastenv/boot.py": BOOTSTRAP}) is Outcome.DENY


def test_a_pyproject_that_does_not_parse_counts_whole() -> None:
    broken = LINTED + "[tool.ruff\n"
    assert "fastenv-1.0/get-fastenv.py" not in _inert(_files(broken))
