"""Issue 16 behaviours: chains seen in real malware deny, their benign look-alikes pass.

Fixtures are inert and come from scripts/make_test_packages.py (nothing here reads ../shared).
"""

from __future__ import annotations

import ast
import base64
import io
import zipfile
from collections import OrderedDict
from typing import Any

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.analysis import scan_python
from airlock.imports.packages.archive import read_members
from airlock.imports.packages.chains import score
from airlock.imports.packages.flow import trace
from airlock.imports.packages.memo import FindingsMemo, Key
from airlock.imports.packages.prefilter import may_act
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import BENIGN, MALICIOUS, sdist, wheel

DENIED = [
    "dropper:download-write-run",  # fetched bytes saved, made executable and run
    "dropper:decoded-to-literal-path",  # transformed download written to a path then started
    "exfiltration:file-to-bare-ip",  # a local file posted by an httpx client to a bare address
    "network-call:install-beacon",  # an install hook calling a webhook site
    "shell-spawn",  # a bare shell spawned on import
    "persistence:profile-write-at-install",  # setup.py writing into $APPDATA
    "stealer-kit",  # browser cookies plus a webhook, even in a file that does not parse
    "disguised-bytecode",  # an opaque blob named .pyc
]


@pytest.mark.parametrize("key", DENIED)
def test_chain_denies(key: str) -> None:
    filename, data = MALICIOUS[key]
    report = vet(filename, data)
    assert report.verdict is Outcome.DENY, report.to_json()
    assert key.split(":", maxsplit=1)[0] in {f.rule for f in report.findings if f.severity == 4}


def test_download_saved_but_not_run_and_bytecode_with_source_pass() -> None:
    name = "fetcher-1.0-py3-none-any.whl"
    report = vet(name, BENIGN[name])
    assert report.verdict is Outcome.ALLOW, report.to_json()


def test_identical_members_are_read_once_and_keep_their_own_paths() -> None:
    memo = FindingsMemo()
    calls: list[str] = []

    def compute(path: str) -> list[PackageFinding]:
        calls.append(path)
        return [PackageFinding("network-call", path, 3, Severity.LOW, "why")]

    key: Key = (b"d" * 32, "net.py", False, False, False, False, False)
    first = memo.findings(key, "a-1.0/a/net.py", lambda: compute("a-1.0/a/net.py"))
    second = memo.findings(key, "a/net.py", lambda: compute("a/net.py"))
    assert calls == ["a-1.0/a/net.py"]
    assert [f.path for f in first] == ["a-1.0/a/net.py"]
    assert [f.path for f in second] == ["a/net.py"]
    other = memo.findings((b"e" * 32, *key[1:]), "b.py", lambda: compute("b.py"))
    assert [f.path for f in other] == ["b.py"]
    assert memo.hits == 1


def test_step_budget_holds_instead_of_passing_what_it_did_not_read() -> None:
    source = "import os\n" + "x = [1, 2, 3] + [4, 5, 6]\n" * 50 + "os.system('id')\n"
    spent = trace(ast.parse(source), install_time=False, max_steps=40)
    assert spent.budget_spent
    findings = score("m.py", spent)
    assert any(f.rule == "analysis-budget" and f.severity == Severity.HIGH for f in findings)
    assert not trace(ast.parse(source), install_time=False).budget_spent


def test_later_functions_without_sink_words_are_not_walked_but_others_are() -> None:
    source = (
        "import requests\n\n\ndef quiet(rows):\n    return sorted(rows)\n\n\n"
        "def send(data):\n    requests.post('https://example.invalid', data=data)\n"
    )
    tree = ast.parse(source)
    walked = trace(tree, install_time=False, source=source)
    assert [e.callee for e in walked.events] == ["requests.post"]
    assert not may_act("def quiet(rows):\n    return model.eval(rows)\n")
    assert may_act("exec(code)") and may_act("open(os.path.expanduser('~/.ssh/id_rsa'))")


def test_pth_that_imports_its_own_shim_passes_and_sdk_config_read_is_not_held() -> None:
    name = "shim-1.0-py3-none-any.whl"
    report = vet(name, BENIGN[name])
    assert report.verdict is Outcome.ALLOW, report.to_json()
    rules = {f.rule: f.severity for f in report.findings}
    assert rules["pth-exec"] == Severity.MEDIUM
    assert rules["credential-read"] == Severity.MEDIUM


def test_vendored_record_in_an_sdist_is_not_checked_against_the_sdist() -> None:
    vendored = "vendor/dep-1.0.dist-info/RECORD"
    data = sdist(
        "vend", "1.0", {"vend/__init__.py": "", vendored: "vendor/dep/__init__.py,sha256=x,0\n"}
    )
    report = vet("vend-1.0.tar.gz", data)
    assert "record-incomplete" not in {f.rule for f in report.findings}, report.to_json()


def test_decoded_binary_with_a_url_inside_is_data_not_a_payload() -> None:
    for body in (bytes(range(256)), b"Raw profile type exif " * 40):  # noise, then metadata
        png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + body + b"http://x.invalid/").decode()
        source = f"import base64\nIMAGE = base64.b64decode('{png}')\n"
        assert "hidden-payload" not in {f.rule for f in scan_python("pkg/img.py", source)}
    code = base64.b64encode(b"import os; os.system('id')").decode()
    hidden = scan_python("pkg/x.py", f"import base64\nX = base64.b64decode('{code}')\n")
    assert "hidden-payload" in {f.rule for f in hidden}


def test_a_small_padded_native_library_is_read() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pad/_core.so", b"\x7fELF" + bytes(2 * 1024 * 1024))
    members = {m.name: m for m in read_members(buffer.getvalue())}
    assert members["pad/_core.so"].data is not None


def test_pth_running_a_command_through_exec_of_a_literal_still_holds() -> None:
    pth = "import sys; exec('import os\\nos.system(\"id\")')\n"
    data = wheel("sneak", "0.1", {"sneak.pth": pth, "sneak/__init__.py": ""})
    report = vet("sneak-0.1-py3-none-any.whl", data)
    assert report.verdict is not Outcome.ALLOW, report.to_json()


def test_a_memo_hit_evicted_by_another_thread_meanwhile_is_still_an_answer() -> None:
    # Between the lookup and the move to the end, another thread's insert may evict the key
    # (vetting runs in the gateway's worker threads): the hit stands, nothing raises.
    class EvictedAfterLookup(OrderedDict[bytes, tuple[PackageFinding, ...]]):
        def get(self, key: bytes, default: object = None) -> Any:
            stored = super().get(key, default)
            self.pop(key, None)
            return stored

    memo = FindingsMemo()
    key: Key = (b"d" * 32, "net.py", False, False, False, False, False)
    finding = PackageFinding("network-call", "a/net.py", 3, Severity.HIGH, "x")
    memo.findings(key, "a/net.py", lambda: [finding])
    memo._memo._entries = EvictedAfterLookup(memo._memo._entries)
    assert [f.path for f in memo.findings(key, "b/net.py", list)] == ["b/net.py"]
