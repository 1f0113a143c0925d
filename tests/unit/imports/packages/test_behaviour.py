"""Issue 16 behaviours: chains seen in real malware deny, their benign look-alikes pass.

Fixtures are inert and come from scripts/make_test_packages.py (nothing here reads ../shared).
"""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import BENIGN, MALICIOUS

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
