"""A native library past the old 256 MiB bound is read and scanned, not held unread (ADR 0141:
jaxlib's libjax_common.so is 334 MiB)."""

from __future__ import annotations

import io
import zipfile

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import wheel

BIG = 300 * 1024 * 1024


def _with_library(tail: bytes) -> bytes:
    base = wheel("bigext", "1.0", {"bigext/__init__.py": "from bigext import _core\n"})
    library = bytearray(BIG)  # zeros, stored: a low ratio, so not judged a bomb
    library[:4] = b"\x7fELF"
    library[-len(tail) :] = tail
    out = io.BytesIO(base)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("bigext/_core.cpython-311-x86_64-linux-gnu.so", bytes(library))
    return out.getvalue()


def test_a_large_library_is_read_to_its_end() -> None:
    clean = vet("bigext-1.0-py3-none-any.whl", _with_library(b"\0" * 16))
    assert "unread-member" not in {f.rule for f in clean.findings}, clean.to_json()
    planted = b"https://discord.com/api/webhooks/1234567890/abcdef\0"
    bad = vet("bigext-1.0-py3-none-any.whl", _with_library(planted))
    assert any(f.rule.startswith("native-") for f in bad.findings), bad.to_json()
    assert bad.verdict is not Outcome.ALLOW
