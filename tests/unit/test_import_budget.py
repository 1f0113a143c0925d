"""What a command imports before it does anything (issue 13).

Every CLI command used to import cleanlab, scikit-learn, pyarrow and the dataset scan:
10-14 s and 320 MB before `airlock --version` printed a line. Each test runs a fresh
interpreter (this one has imported everything already) and lists the modules it loaded.
bench/bench_cli.py measures the time and memory this buys.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

# The dataset scan's stack and the optional sentence model: only the commands and routes
# that import datasets or register models may load them.
DATA_STACK = frozenset(
    {"cleanlab", "sklearn", "scipy", "pyarrow", "pandas", "torch", "sentence_transformers"}
)
# What neither `airlock --version` nor `airlock status` needs: the inspection engine's
# numpy, migrations (alembic), the HTTP stack, and the ledger's cryptography.
NOT_FOR_STATUS = DATA_STACK | {
    "numpy",
    "alembic",
    "mako",
    "fastapi",
    "starlette",
    "pydantic",
    "uvicorn",
    "jinja2",
    "httpx",
    "cryptography",
}
# `--version` has no store and no policy to open.
NOT_FOR_VERSION = NOT_FOR_STATUS | {"sqlalchemy", "cedarpy"}
# `--help` imports every command module for its one-line help: none may import at the top
# what only running it needs.
NOT_FOR_HELP = DATA_STACK | {
    "numpy",
    "alembic",
    "fastapi",
    "uvicorn",
    "pydantic",
    "sqlalchemy",
    "httpx",
    "cyclonedx",
}


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRLOCK_")}
    return {**env, **extra}


def imported_by(code: str) -> set[str]:
    """Top-level packages in sys.modules after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], env=_clean_env(), capture_output=True, text=True, check=True
    ).stdout
    return {name.split(".")[0] for name in json.loads(out.splitlines()[-1])}


def imported_by_command(argv: Iterable[str], env: dict[str, str]) -> tuple[str, set[str]]:
    """Stdout of `airlock ARGV` as its own process, and the top-level packages it imported
    (from ``python -X importtime``, which lists every module a process imports)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "airlock.cli.main", *argv],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    names = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return result.stdout, names


def test_importing_the_cli_loads_nothing_heavy() -> None:
    loaded = imported_by("import airlock.cli.root")
    assert "click" in loaded  # the probe sees imports at all
    assert not loaded & NOT_FOR_VERSION, sorted(loaded & NOT_FOR_VERSION)


def test_the_entry_point_loads_no_click() -> None:
    # Issue 16: `airlock package vet FILE` runs without click; the entry point that decides
    # so may not import it first.
    loaded = imported_by("import airlock.cli.main")
    assert "airlock" in loaded  # the probe sees imports at all
    assert "click" not in loaded


def test_cli_main_imports_command_modules_only_when_used() -> None:
    probe = (
        "import sys, airlock.cli.main\n"
        "print('serve' if 'airlock.cli.serve' in sys.modules else '-')\n"
        "print('data' if 'airlock.cli.data' in sys.modules else '-')\n"
        "print('service' if 'airlock.service' in sys.modules else '-')"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], env=_clean_env(), capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["-", "-", "-"]


def test_version_imports_no_store_policy_engine_or_data_stack() -> None:
    out, loaded = imported_by_command(["--version"], _clean_env())
    assert "airlock, version" in out
    assert "click" in loaded  # the probe sees imports at all
    assert not loaded & NOT_FOR_VERSION, sorted(loaded & NOT_FOR_VERSION)


def test_help_imports_no_command_s_heavy_dependencies() -> None:
    out, loaded = imported_by_command(["--help"], _clean_env())
    assert "data" in out
    assert "airlock" in loaded
    assert not loaded & NOT_FOR_HELP, sorted(loaded & NOT_FOR_HELP)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("budget") / "home"
    subprocess.run(
        [sys.executable, "-m", "airlock.cli.main", "init"],
        env=_clean_env(AIRLOCK_HOME=str(home)),
        capture_output=True,
        check=True,
    )
    return home


def test_status_on_sqlite_reads_the_store_without_sqlalchemy(home: Path) -> None:
    out, loaded = imported_by_command(["status"], _clean_env(AIRLOCK_HOME=str(home)))
    assert "policy version" in out
    assert {"sqlite3", "cedarpy"} <= loaded  # the store is read and the policy validated
    assert "sqlalchemy" not in loaded
    assert not loaded & NOT_FOR_STATUS, sorted(loaded & NOT_FOR_STATUS)


def test_gateway_starts_without_the_data_stack_or_migrations(home: Path) -> None:
    # What a worker runs before it serves: the facade and create_app.
    loaded = imported_by(
        "import os\n"
        "from pathlib import Path\n"
        "from airlock.api.app import create_app\n"
        "from airlock.service import Airlock\n"
        "from airlock.settings import Settings\n"
        f"home = Path({str(home)!r})\n"
        "create_app(Airlock.from_settings(Settings.load({'AIRLOCK_HOME': str(home)}, home)))"
    )
    assert {"fastapi", "sqlalchemy", "cryptography"} <= loaded
    forbidden = DATA_STACK | {"alembic", "mako"}
    assert not loaded & forbidden, sorted(loaded & forbidden)


def test_vetting_a_wheel_opens_no_home_and_imports_only_what_vetting_needs(tmp_path: Path) -> None:
    # Issue 16: `airlock package vet FILE` as a whole process in <= 0.2 s. It needs no
    # settings, store or facade, no request types, and (for a plain wheel) no TOML or INI
    # parser, no attestation code and not importlib.resources (tempfile, shutil, random);
    # nor click and the command modules (the plain form runs without them).
    from scripts.make_test_packages import wheel  # noqa: PLC0415 -- only this test builds one

    path = tmp_path / "tidy-1.0-py3-none-any.whl"
    path.write_bytes(
        wheel("tidy", "1.0", {"tidy/__init__.py": "def add(a, b):\n    return a + b\n"})
    )
    home = tmp_path / "no-home"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "airlock.cli.main", "package", "vet", str(path)],
        env=_clean_env(AIRLOCK_HOME=str(home)),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "airlock.imports.packages.vet" in modules  # the probe sees imports at all
    not_needed = {
        "airlock.settings",
        "airlock.service",
        "airlock.store",
        "airlock.domain.requests",
        "airlock.imports.packages.provenance",
        "importlib.resources",
        "tempfile",
        "tomllib",
        "configparser",
        "sqlite3",
        "click",
        "airlock.cli.root",
        "airlock.cli.context",
        "airlock.cli.packages",
    }
    assert not modules & not_needed, sorted(modules & not_needed)
    assert not {m.split(".")[0] for m in modules} & NOT_FOR_VERSION
    assert not home.exists()  # vetting a file records nothing


def _vet_modules(path: Path, tmp_path: Path, *options: str) -> set[str]:
    """Every module `airlock package vet [OPTIONS] PATH` imports, as its own process."""
    command = ["-X", "importtime", "-m", "airlock.cli.main", "package", "vet", *options]
    result = subprocess.run(
        [sys.executable, *command, str(path)],
        env=_clean_env(AIRLOCK_HOME=str(tmp_path / "no-home")),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    return {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_vetting_imports_each_format_s_reader_only_for_that_format(tmp_path: Path) -> None:
    # ADR 0072: JSON only for --json (or a package shared with a forked helper, which a
    # small one never is), csv only for a wheel's RECORD, the signal module only to stop a
    # failed helper, the zip reader only for a zip and the tar reader only for a tar.
    from scripts.make_test_packages import sdist, wheel  # noqa: PLC0415 -- builds packages

    code = {"tidy/__init__.py": "def add(a, b):\n    return a + b\n"}
    whl = tmp_path / "tidy-1.0-py3-none-any.whl"
    whl.write_bytes(wheel("tidy", "1.0", dict(code)))
    tar = tmp_path / "tidy-1.0.tar.gz"
    tar.write_bytes(sdist("tidy", "1.0", {**code, "pyproject.toml": '[project]\nname = "tidy"\n'}))

    for_wheel = _vet_modules(whl, tmp_path)
    assert {"zipfile", "csv"} <= for_wheel  # the probe sees imports at all
    assert not for_wheel & {"json", "signal", "tarfile"}, sorted(for_wheel)
    for_sdist = _vet_modules(tar, tmp_path)
    assert {"tarfile", "tomllib"} <= for_sdist
    assert not for_sdist & {"json", "signal", "csv", "zipfile"}, sorted(for_sdist)
    assert "json" in _vet_modules(whl, tmp_path, "--json")
