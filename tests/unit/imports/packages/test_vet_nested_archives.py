"""Code in archives a package ships (ADR 0057): a wheel inside an sdist, a zip under any
name that the package or a ``.pth`` line puts on ``sys.path``. Its modules are read as the
package's own (inert samples, never run); the same archives in tests weigh less, and
archives holding only data add nothing."""

from __future__ import annotations

import io
import zipfile

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.archive import Member
from airlock.imports.packages.nested import nested_findings
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist, wheel

RUNS = "import os\nos.system('id')\n"
WHEEL = "evpkg-1.0-py3-none-any.whl"


def _zip(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _worst(findings: tuple[PackageFinding, ...] | list[PackageFinding]) -> Severity:
    return max((f.severity for f in findings), default=Severity.LOW)


ON_PATH = (
    "import os, sys\n"
    "sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'data.bin'))\n"
    "import evhelper\n"
)


def _held_for_nested_code(files: dict[str, str | bytes]) -> None:
    report = vet(WHEEL, wheel("evpkg", "1.0", files))
    assert report.verdict is not Outcome.ALLOW, report.to_json()
    assert any("!" in f.path and f.severity >= Severity.HIGH for f in report.findings)


def test_a_zip_under_a_data_name_that_the_package_imports_from_is_read() -> None:
    payload = _zip({"evhelper.py": RUNS})
    _held_for_nested_code({"evpkg/__init__.py": ON_PATH, "evpkg/data.bin": payload})


def test_a_zip_a_pth_line_puts_on_the_path_is_read() -> None:
    # site adds the zip to sys.path, then imports the sitecustomize it holds at start-up.
    payload = _zip({"sitecustomize.py": RUNS})
    _held_for_nested_code(
        {"evpkg/__init__.py": "", "evpkg.pth": "evpkg/site.zip\n", "evpkg/site.zip": payload}
    )


def test_a_wheel_inside_an_sdist_is_read() -> None:
    inner = wheel("evpkg_inner", "1.0", {"evpkg_inner/__init__.py": RUNS})
    setup = (
        "from setuptools import setup\n"
        "setup(name='evpkg', install_requires=['evpkg-inner @ file:vendor/inner.whl'])\n"
    )
    outer = sdist("evpkg", "1.0", {"setup.py": setup, "evpkg/__init__.py": ""})
    # sdist() takes text: the wheel is added to the tar as bytes here.
    import tarfile  # noqa: PLC0415 -- only this test builds a tar by hand

    buffer = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(outer), mode="r:gz") as source,
        tarfile.open(fileobj=buffer, mode="w:gz") as target,
    ):
        for info in source:
            target.addfile(info, source.extractfile(info))
        info = tarfile.TarInfo("evpkg-1.0/vendor/inner.whl")
        info.size = len(inner)
        target.addfile(info, io.BytesIO(inner))
    report = vet("evpkg-1.0.tar.gz", buffer.getvalue())
    assert report.verdict is not Outcome.ALLOW, report.to_json()


def test_archives_in_tests_weigh_less_and_data_archives_add_nothing() -> None:
    payload = _zip({"evhelper.py": RUNS})
    report = vet(
        WHEEL,
        wheel("evpkg", "1.0", {"evpkg/__init__.py": "", "evpkg/tests/fixture.zip": payload}),
    )
    assert report.verdict is Outcome.ALLOW, report.to_json()
    data = _zip({"array.npy": b"\x93NUMPY" + bytes(40)})
    report = vet(WHEEL, wheel("evpkg", "1.0", {"evpkg/__init__.py": "", "evpkg/a.npz": data}))
    assert report.verdict is Outcome.ALLOW
    assert not [f for f in report.findings if "!" in f.path]


def test_nested_code_past_the_bound_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("airlock.imports.packages.nested.MAX_NESTED_BYTES", 10)
    found = nested_findings(
        [Member("evpkg/data.zip", _zip({"m.py": "X = 1\n" * 10}))], lambda *_: []
    )
    assert _worst(found) is Severity.HIGH
    assert found[0].path == "evpkg/data.zip!m.py"
