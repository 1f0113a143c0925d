"""Every malicious behaviour is caught by its rule; benign packages pass."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.rules import Severity, scan_python
from airlock.imports.packages.typosquat import typosquat_of
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import BENIGN, MALICIOUS, build


@pytest.mark.parametrize("rule", sorted(MALICIOUS))
def test_each_malicious_behaviour_fires_its_rule(rule: str) -> None:
    filename, data = MALICIOUS[rule]
    report = vet(filename, data)
    assert rule in {f.rule for f in report.findings}, report.to_json()
    assert report.verdict is not Outcome.ALLOW


@pytest.mark.parametrize("filename", sorted(BENIGN))
def test_benign_packages_are_allowed(filename: str) -> None:
    report = vet(filename, BENIGN[filename])
    assert report.verdict is Outcome.ALLOW, report.to_json()
    assert report.name in ("tidy", "plain")


def test_malformed_archives_hold_not_crash() -> None:
    assert vet("x.whl", b"not an archive").verdict is Outcome.HOLD
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("../../evil.py", "x = 1")
        archive.writestr("bomb.txt", bytes(50 * 1024 * 1024))
    report = vet("evil-1.0-py3-none-any.whl", buffer.getvalue())
    assert report.verdict is Outcome.HOLD
    assert {"unread-member"} <= {f.rule for f in report.findings}
    # the traversal name alone holds; a big non-source member is only noted
    assert any(f.path == "../../evil.py" and f.severity >= 3 for f in report.findings)


def test_typosquat_detection() -> None:
    assert typosquat_of("reqeusts") == "requests"
    assert typosquat_of("py_yaml") == "pyyaml"
    assert typosquat_of("requests") is None
    assert typosquat_of("airlock") is None


@pytest.mark.parametrize(
    ("name", "imitated"),
    [
        ("nurnpy", "numpy"),  # rn looks like m
        ("requ3sts", "requests"),  # digit for letter
        ("djang0", "django"),
        ("python-requests", "requests"),  # bare prefix
        ("numpy-py", "numpy"),
        ("urllib2", "urllib3"),  # version digit
        ("Scikit_Learn", None),  # only case and separators: PEP 503 says it is the same name
        ("torchvison", "torchvision"),
        ("sentence_transformer", "sentence-transformers"),
    ],
)
def test_lookalike_and_affixed_names_are_caught(name: str, imitated: str | None) -> None:
    assert typosquat_of(name) == imitated


@pytest.mark.parametrize(
    "name", ["pytest-cov", "requests-toolbelt", "numpyro", "flask-login", "airlock", "torch"]
)
def test_extensions_and_unrelated_names_are_not_squats(name: str) -> None:
    assert typosquat_of(name) is None


def test_make_test_packages_script_writes_everything(tmp_path: Path) -> None:
    written = build(tmp_path)
    assert len(written) == len(MALICIOUS) + len(BENIGN)
    assert all(p.stat().st_size > 0 for p in written.values())


def test_main_guards_are_not_import_time() -> None:
    guarded = scan_python(
        "m.py",
        'import os, sys\nif sys.platform != "win32" and __name__ == "__main__":\n'
        '    os.system("true")\n',
    )
    assert all(f.severity < Severity.HIGH for f in guarded)
    eager = scan_python("m.py", 'import os\nos.system("true")\n')
    assert [f.severity for f in eager] == [Severity.HIGH]  # held for a person, not denied
    installing = scan_python("setup.py", 'import os\nos.system("true")\n', install_time=True)
    assert [f.severity for f in installing] == [Severity.CRITICAL]
