"""Git packs and bundles read object by object (pure; zlib only).

A bundle is a text header (``# v2 git bundle``, references, a blank line) and then a pack:
``PACK``, version, object count, and per object a type/size header followed by a zlib
stream (a delta object first names its base). Commits, trees and tags are git's own
structure and explained; a blob is handed on as a file; a delta's literal inserts (the
bytes it adds to its base) are handed on the same way. Every inflated byte is charged to
the caller's ``count`` (bombs hit the run's expansion bound); malformed packs raise
:class:`BadPack`, which holds.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator

BLOB, OFS_DELTA, REF_DELTA = 3, 6, 7
OBJECT_TYPES = {1: "commit", 2: "tree", 3: "blob", 4: "tag", 6: "ofs-delta", 7: "ref-delta"}
BUNDLE_HEADS = (b"# v2 git bundle\n", b"# v3 git bundle\n")


class BadPack(Exception):
    """Not a well-formed pack (the reason is the message)."""


def pack_start(data: bytes) -> int:
    """Where the pack begins: 0 for a pack, after the header's blank line for a bundle."""
    if data.startswith(b"PACK"):
        return 0
    end = data.find(b"\n\n")
    if not data.startswith(BUNDLE_HEADS) or end < 0:
        raise BadPack("bundle header has no end")
    return end + 2


def pack_contents(data: bytes, count: Callable[[int], None]) -> Iterator[tuple[str, bytes]]:
    """(label, bytes) of every blob and every delta's inserted bytes, in pack order."""
    position = pack_start(data)
    if data[position : position + 4] != b"PACK" or len(data) < position + 12:
        raise BadPack("no PACK header")
    version, objects = struct.unpack_from(">II", data, position + 4)
    if version not in (2, 3):
        raise BadPack(f"pack version {version}")
    position += 12
    for index in range(objects):
        kind, size, position = _object_header(data, position)
        if kind == OFS_DELTA:
            while position < len(data) and data[position] & 0x80:
                position += 1
            position += 1
        elif kind == REF_DELTA:
            position += 20
        if kind not in OBJECT_TYPES:
            raise BadPack(f"object {index} has type {kind}")
        content, position = _inflate(data, position, size, count)
        label = f"object{index + 1}-{OBJECT_TYPES[kind]}"
        if kind == BLOB:
            yield label, content
        elif kind in (OFS_DELTA, REF_DELTA):
            inserted = _inserts(content)
            if inserted:
                yield label, inserted


def _object_header(data: bytes, position: int) -> tuple[int, int, int]:
    if position >= len(data):
        raise BadPack("the pack ends before its last object")
    byte = data[position]
    kind, size, shift = (byte >> 4) & 7, byte & 0x0F, 4
    position += 1
    while byte & 0x80:
        if position >= len(data) or shift > 63:
            raise BadPack("an object header is truncated")
        byte = data[position]
        size |= (byte & 0x7F) << shift
        shift += 7
        position += 1
    return kind, size, position


def _inflate(
    data: bytes, position: int, size: int, count: Callable[[int], None]
) -> tuple[bytes, int]:
    inflater = zlib.decompressobj()
    try:
        count(size)  # charged before inflating: a declared bomb stops here
        content = inflater.decompress(data[position:], size + 1)
    except zlib.error as e:
        raise BadPack(f"an object does not inflate: {e}") from e
    if len(content) != size or not inflater.eof:
        raise BadPack("an object's size differs from its header")
    return content, len(data) - len(inflater.unused_data)


def _inserts(delta: bytes) -> bytes:
    """The literal bytes a delta inserts (copy instructions only point into its base)."""
    position = 0
    for _ in range(2):  # base size, result size
        while position < len(delta) and delta[position] & 0x80:
            position += 1
        position += 1
    out = bytearray()
    while position < len(delta):
        op = delta[position]
        position += 1
        if op & 0x80:
            position += bin(op & 0x7F).count("1")  # offset and size bytes present
        elif op:
            out += delta[position : position + op]
            position += op
        else:
            raise BadPack("a delta has a reserved instruction")
    return bytes(out)
