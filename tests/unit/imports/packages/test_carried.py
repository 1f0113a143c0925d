"""Marks of held findings, and when a later release carries an earlier approval (ADR 0147)."""

from __future__ import annotations

from dataclasses import replace

from airlock.imports.packages.carried import (
    Precedent,
    _Unversioned,
    approvals_of,
    carried_from,
    carry_marks,
)
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.vet import VetReport, vet
from scripts.make_test_packages import sdist, wheel

SETUP = """import subprocess
from setuptools import setup
from buildtools import NAME
built = subprocess.check_output({command})
setup(name=NAME, version="{version}")
"""
BUILD = ["npm", "run", "build"]


def release(
    version: str,
    *,
    command: list[str] = BUILD,
    imported: str = "NAME = 'zephyrine'\n",
    other: str = "",
) -> VetReport:
    files = {
        "setup.py": SETUP.format(command=command, version=version),
        "buildtools.py": imported,
        "zephyrine/__init__.py": f"__version__ = '{version}'\n{other}",
    }
    return vet(f"zephyrine-{version}.tar.gz", sdist("zephyrine", version, files))


def marks_of(report: VetReport) -> tuple[str, ...]:
    assert report.verdict.value == "hold", report.findings
    marks = carry_marks(report.findings, report.marks)
    assert marks is not None
    return marks


def test_the_same_code_in_the_next_release_has_the_same_marks() -> None:
    # The version differs in the sdist's folder, in setup.py and in the package's own text.
    assert marks_of(release("1.2.0")) == marks_of(release("1.3.0"))
    assert marks_of(release("1.2.0")) == marks_of(release("1.2.0", other="def unrelated(): ...\n"))


def test_a_changed_flagged_line_or_a_changed_imported_module_is_a_new_mark() -> None:
    approved = set(marks_of(release("1.2.0")))
    assert not approved & set(marks_of(release("1.3.0", command=["npm", "run", "dist"])))
    # setup.py is unchanged, but the module it imports hands it other values
    changed = release("1.3.0", imported="NAME = 'zephyrine'\nimport os\n")
    assert not approved & set(marks_of(changed))


def test_a_module_named_at_run_time_puts_every_module_in_the_mark() -> None:
    by_name = "import importlib\nNAME = importlib.import_module('build' + 'tools').NAME\n"
    approved = release("1.2.0", other=by_name)
    # __init__ is not flagged, but the module flagged in setup.py is unchanged: same marks
    assert marks_of(approved) == marks_of(release("1.3.0", other=by_name))
    dynamic = SETUP.replace("from buildtools import NAME", "NAME = __import__('zephyrine').N")
    files = {"setup.py": dynamic.format(command=BUILD, version="1.2.0"), "buildtools.py": ""}
    before = vet("zephyrine-1.2.0.tar.gz", sdist("zephyrine", "1.2.0", files))
    files["helpers.py"] = "N = 'x'\n"  # a module the setup.py never names
    after = vet("zephyrine-1.2.0.tar.gz", sdist("zephyrine", "1.2.0", files))
    assert not set(marks_of(before)) & set(marks_of(after))


def test_findings_about_what_was_not_read_are_never_carried() -> None:
    # A wheel without RECORD: the finding is about the archive, which no mark covers.
    blob = wheel("zephyrine", "1.2.0", {"zephyrine/__init__.py": "x = 1\n"}, record=False)
    report = vet("zephyrine-1.2.0-py3-none-any.whl", blob)
    assert report.verdict.value == "hold"
    assert carry_marks(report.findings, report.marks) is None


def test_a_finding_added_after_vetting_or_a_critical_one_is_never_carried() -> None:
    report = release("1.2.0")
    added = PackageFinding("known-bad-dependency", "zephyrine-1.2.0/setup.py", 1, Severity.HIGH, "")
    assert carry_marks((added, *report.findings), report.marks) is None
    worse = [replace(f, severity=Severity.CRITICAL) for f in report.findings]
    remarked = [(w, m) for w, (_, m) in zip(worse, report.marks, strict=True)]
    assert carry_marks(worse, remarked) is None
    assert carry_marks([], report.marks) is None


def precedent(name: str, *, approved: bool, marks: set[str]) -> Precedent:
    return Precedent(name, f"req_{name}", approved, frozenset(marks))


def test_approvals_cover_the_marks_together_and_any_rejection_outweighs_them() -> None:
    one = precedent("one", approved=True, marks={"a"})
    two = precedent("two", approved=True, marks={"b", "c"})
    assert carried_from(["a", "b"], [one, two]) == (one, two)
    assert carried_from(["a", "d"], [one, two]) is None
    assert carried_from([], [one]) is None
    rejected = precedent("three", approved=False, marks={"b", "x"})
    assert carried_from(["a"], [one, two, rejected]) == (one,)
    assert carried_from(["a", "b"], [one, two, rejected]) is None
    # what approvers are told on a hold: which part was approved, which marks are new
    assert approvals_of(["a", "d"], [one, two]) == ((one,), frozenset({"d"}))
    assert approvals_of(["a", "b"], [one, rejected]) == ((), frozenset({"a", "b"}))


def test_only_a_dotted_version_standing_alone_is_taken_out() -> None:
    dotted = _Unversioned("1.2")
    assert dotted.text("pkg-1.2/setup.py v=1.2.") == "pkg-\0V/setup.py v=\0V."
    # inside an address, a longer version or a name it stays: they are other values
    kept = "10.1.2.3 1.2.3 v1.2b x1.2"
    assert dotted.text(kept) == kept
    assert dotted.data(b"ip = '10.1.2.3'") == b"ip = '10.1.2.3'"
    # a bare "1" would make every lone 1 in the code equal to the next release's lone 2
    assert _Unversioned("1").text("range(1)") == "range(1)"
