"""An sdist's scripts that nothing installs, imports or runs (issue 16): their module level
runs when a person runs them, not on import. numpy's ``x86-simd-sort/run-bench.py`` was
denied as code run on import; cryptography's test-vector generators held as droppers."""

from __future__ import annotations

from airlock.domain.requests import Outcome
from airlock.imports.packages.archive import read_members
from airlock.imports.packages.scripts import inert_scripts
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist, wheel

SETUP = "from setuptools import setup\nsetup(name='fastsort')\n"
# A benchmark driver: runs a build tool at module level.
BENCH = "import subprocess\nsubprocess.check_call('./scripts/bench-compare.sh fast', shell=True)\n"
# A vector generator: writes decoded bytes at module level.
VECTORS = (
    "import base64\n"
    "with open('vectors.txt', 'wb') as out:\n"
    "    out.write(base64.b64decode('aGVsbG8='))\n"
)


def _verdict(files: dict[str, str]) -> Outcome:
    return vet("fastsort-1.0.tar.gz", sdist("fastsort", "1.0", files)).verdict


def test_a_script_under_a_folder_no_import_can_name_runs_only_when_run() -> None:
    files = {"setup.py": SETUP, "fastsort/__init__.py": ""}
    assert _verdict({**files, "fastsort/src/x86-simd-sort/run-bench.py": BENCH}) is Outcome.ALLOW
    # The same code where an import reaches it runs on import, and holds.
    assert _verdict({**files, "fastsort/bench.py": BENCH}) is not Outcome.ALLOW


def test_a_generator_writing_decoded_data_in_a_docs_script_is_not_a_dropper() -> None:
    files = {"setup.py": SETUP, "fastsort/__init__.py": ""}
    docs = {**files, "docs/custom-vectors/gen_vectors.py": VECTORS}
    assert _verdict(docs) is Outcome.ALLOW
    assert _verdict({**files, "fastsort/vectors.py": VECTORS}) is Outcome.DENY


def test_a_script_that_setup_names_is_not_inert() -> None:
    setup = "from setuptools import setup\nsetup(name='fastsort', scripts=['tools/run-bench.py'])\n"
    files = {"setup.py": setup, "fastsort/__init__.py": "", "tools/run-bench.py": VECTORS}
    members = "fastsort-1.0/tools/run-bench.py"
    assert members not in _inert(files)
    assert _verdict(files) is not Outcome.ALLOW


def test_which_files_are_inert() -> None:
    files = {
        "setup.py": SETUP,
        "fastsort/__init__.py": "",
        "fastsort/core.py": "",
        "fastsort/src/x86-simd-sort/run-bench.py": "",
        "manual tests/4 standalone binaries/build.py": "",
        "scripts/release.py": "",
    }
    assert _inert(files) == {
        "fastsort-1.0/fastsort/src/x86-simd-sort/run-bench.py",
        "fastsort-1.0/manual tests/4 standalone binaries/build.py",
        "fastsort-1.0/scripts/release.py",
    }


def test_a_wheel_has_no_inert_scripts() -> None:
    # A wheel installs every file it holds: data/scripts/ become commands a user runs.
    data = wheel("fastsort", "1.0", {"fastsort-1.0.data/scripts/run-bench.py": VECTORS})
    assert vet("fastsort-1.0-py3-none-any.whl", data).verdict is Outcome.DENY


def _inert(files: dict[str, str]) -> set[str]:
    members = list(read_members(sdist("fastsort", "1.0", files)))
    return inert_scripts("fastsort-1.0.tar.gz", members)
