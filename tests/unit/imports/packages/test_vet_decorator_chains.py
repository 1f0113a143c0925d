"""Decorators applied one over another, the way Python applies them (ADR 0117): once one
returns data, the next is a call on it. Each denied sample was allowed on ``33643b9``."""

from __future__ import annotations

import base64
import codecs
import zlib

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import RUN, init, verdict_cases, vet_package

CODE = f"import os\n{RUN}\n".encode()
B64 = base64.b64encode(CODE).decode()
PACKED = base64.b64encode(zlib.compress(CODE)).decode()
ROT = codecs.encode(CODE.decode(), "rot13")

DENIED = {
    "decoded-and-run-over-a-class": init(
        f"import base64\n@exec\n@bytes.decode\n@base64.b64decode\n@lambda _: {B64!r}\n"
        "class _:\n    pass\n"
    ),
    "decompressed-and-run-over-a-function": init(
        "import base64, zlib\n@exec\n@zlib.decompress\n@base64.b64decode\n"
        f"@lambda _: {PACKED!r}\ndef _():\n    pass\n"
    ),
    "rot13-and-eval-by-compile": init(
        "import codecs\n@exec\n@lambda s: compile(s, '<x>', 'exec')\n"
        f"@lambda s: codecs.decode(s, 'rot13')\n@lambda _: {ROT!r}\nclass _:\n    pass\n"
    ),
}
ALLOWED = {
    "library-decorators-stacked": init(
        "import functools\nclass C:\n    @property\n    @functools.lru_cache(maxsize=None)\n"
        "    def size(self):\n        return 1\n"
    ),
    "text-decorated-into-text": init("@str.upper\n@lambda _: 'banner'\nclass BANNER:\n    pass\n"),
    "print-of-a-constant": init("@print\n@lambda _: 'loaded'\ndef _():\n    pass\n"),
    "registry-decorator": init(
        "HANDLERS = {}\ndef handler(name):\n    def add(f):\n        HANDLERS[name] = f\n"
        "        return f\n    return add\n@handler('x')\ndef on_x():\n    return 'x'\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_decorator_chains(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
