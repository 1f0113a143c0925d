"""Git packs and bundles read object by object, deltas resolved (pure; zlib and sha1 only).

A bundle is a text header (``# v2 git bundle``, references, a blank line) and then a pack:
``PACK``, version, object count, and per object a type/size header followed by a zlib
stream (a delta object first names its base). A delta is resolved against its base, so what
is judged is the object git would check out: a blob whatever its delta chain, a tree or a
commit likewise (issue 15: a tree delta's inserts are raw object ids, which read as
unknown binary). Commits and tags are handed on as text (a message can carry base64);
a tree is git's own structure once parsed, except the names of its entries (text) and the
ids of entries that name no object in the pack (20 free bytes each, handed on as binary).

Objects are kept as delta bases (a delta may name any earlier object) up to ``max_kept``
bytes; past that, and for a delta whose base is not in the pack (a thin pack), the delta's
literal inserts are handed on instead, as before: the bytes it adds are all it can carry. Every
inflated and every resolved byte is charged to the caller's ``count`` (bombs hit the run's
expansion bound); malformed packs and deltas raise :class:`BadPack`, which holds.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

COMMIT, TREE, BLOB, TAG, OFS_DELTA, REF_DELTA = 1, 2, 3, 4, 6, 7
OBJECT_TYPES = {1: "commit", 2: "tree", 3: "blob", 4: "tag", 6: "ofs-delta", 7: "ref-delta"}
BUNDLE_HEADS = (b"# v2 git bundle\n", b"# v3 git bundle\n")
MAX_KEPT = 256 * 1024 * 1024  # resolved objects kept as delta bases
ID_BYTES = 20


class BadPack(Exception):
    """Not a well-formed pack (the reason is the message)."""


@dataclass(frozen=True, slots=True)
class _Entry:
    index: int
    kind: int  # the stored kind: a delta until resolved
    content: bytes  # inflated: the object, or a delta's instructions
    base: int | bytes | None  # an ofs-delta's base offset, a ref-delta's base id


def pack_start(data: bytes) -> int:
    """Where the pack begins: 0 for a pack, after the header's blank line for a bundle."""
    if data.startswith(b"PACK"):
        return 0
    end = data.find(b"\n\n")
    if not data.startswith(BUNDLE_HEADS) or end < 0:
        raise BadPack("bundle header has no end")
    return end + 2


def pack_contents(
    data: bytes, count: Callable[[int], None], max_kept: int = MAX_KEPT
) -> Iterator[tuple[str, bytes]]:
    """(label, bytes) to judge like files: every blob (deltas resolved), commit and tag;
    of every tree its entry names and the ids that name no object in the pack; of every
    delta that cannot be resolved, its inserted bytes. Labels name the object
    (``object7-blob``, ``object9-blob-from-delta``). One pass in pack order: objects are
    handed on as they are read, and only delta bases, trees (judged at the end, when every
    id in the pack is known) and waiting ref-deltas are kept, up to ``max_kept`` bytes.

    Raises:
        BadPack: the pack or one of its deltas is malformed.
    """
    pack = _Pack(count, max_kept)
    for offset, entry in _entries(data, count):
        yield from pack.add(offset, entry)
    yield from pack.finish()


class _Pack:
    """The objects read so far: kept bases by offset, ids, and what waits for the end."""

    def __init__(self, count: Callable[[int], None], max_kept: int) -> None:
        self.count, self.room = count, max_kept
        self.bases: dict[int, tuple[int, bytes]] = {}  # offset -> (kind, content)
        self.ids: dict[bytes, int] = {}  # every object id seen -> its offset
        self.waiting: dict[int, _Entry] = {}  # ref-deltas whose base is not read yet
        self.trees: list[tuple[str, bytes]] = []

    def _keep(self, size: int) -> bool:
        if size > self.room:
            return False
        self.room -= size
        return True

    def add(self, offset: int, entry: _Entry) -> Iterator[tuple[str, bytes]]:
        label = f"object{entry.index + 1}-{OBJECT_TYPES[entry.kind]}"
        if entry.kind not in (OFS_DELTA, REF_DELTA):
            yield from self._resolved(offset, label, entry.kind, entry.content)
            return
        base = self.ids.get(entry.base) if isinstance(entry.base, bytes) else entry.base
        if base in self.bases:
            kind, source = self.bases[base]
            content = _apply(source, entry.content, self.count)
            label = f"object{entry.index + 1}-{OBJECT_TYPES[kind]}-from-delta"
            yield from self._resolved(offset, label, kind, content)
        elif base is None and self._keep(len(entry.content)):
            self.waiting[offset] = entry  # a ref-delta may name an object later in the pack
        else:
            yield from _unresolved(label, entry)

    def _resolved(
        self, offset: int, label: str, kind: int, content: bytes
    ) -> Iterator[tuple[str, bytes]]:
        head = b"%s %d\x00" % (OBJECT_TYPES[kind].encode(), len(content))
        self.ids[hashlib.sha1(head + content).digest()] = offset  # noqa: S324 -- git's id
        if self._keep(len(content)):
            self.bases[offset] = (kind, content)
            if kind == TREE:
                self.trees.append((label, content))
                return
        if kind == TREE:  # no room to wait: judged against the ids read so far
            yield from _tree(label, content, self.ids)
        else:  # blobs as files; commits and tags as the text they are
            yield label, content

    def finish(self) -> Iterator[tuple[str, bytes]]:
        progress = True
        while self.waiting and progress:
            progress = False
            for offset, entry in list(self.waiting.items()):
                base = self.ids.get(entry.base) if isinstance(entry.base, bytes) else None
                if base is not None and base in self.bases:
                    del self.waiting[offset]
                    progress = True
                    yield from self.add(offset, entry)
        for entry in self.waiting.values():
            yield from _unresolved(f"object{entry.index + 1}-{OBJECT_TYPES[entry.kind]}", entry)
        for label, tree in self.trees:
            yield from _tree(label, tree, self.ids)


def _unresolved(label: str, entry: _Entry) -> Iterator[tuple[str, bytes]]:
    inserted = _inserts(entry.content)
    if inserted:
        yield f"{label}-unresolved", inserted


def _entries(data: bytes, count: Callable[[int], None]) -> Iterator[tuple[int, _Entry]]:
    position = pack_start(data)
    if data[position : position + 4] != b"PACK" or len(data) < position + 12:
        raise BadPack("no PACK header")
    version, objects = struct.unpack_from(">II", data, position + 4)
    if version not in (2, 3):
        raise BadPack(f"pack version {version}")
    start, position = position, position + 12
    for index in range(objects):
        offset = position - start
        kind, size, position = _object_header(data, position)
        base: int | bytes | None = None
        if kind == OFS_DELTA:
            back, position = _base_offset(data, position)
            if not 0 < back <= offset:
                raise BadPack(f"object {index} names a base outside the pack")
            base = offset - back
        elif kind == REF_DELTA:
            base, position = data[position : position + ID_BYTES], position + ID_BYTES
        if kind not in OBJECT_TYPES:
            raise BadPack(f"object {index} has type {kind}")
        content, position = _inflate(data, position, size, count)
        yield offset, _Entry(index, kind, content, base)


def _base_offset(data: bytes, position: int) -> tuple[int, int]:
    """An ofs-delta's distance back to its base (git's offset encoding, not LEB128)."""
    if position >= len(data):
        raise BadPack("the pack ends inside a delta header")
    byte = data[position]
    value = byte & 0x7F
    position += 1
    while byte & 0x80:
        if position >= len(data) or value > 1 << 56:
            raise BadPack("a delta's base offset is truncated")
        byte = data[position]
        value = ((value + 1) << 7) | (byte & 0x7F)
        position += 1
    return value, position


def _tree(label: str, tree: bytes, ids: dict[bytes, int]) -> Iterator[tuple[str, bytes]]:
    """A tree's entry names (text) and the ids that name no object in the pack."""
    names, foreign = bytearray(), bytearray()
    position = 0
    while position < len(tree):
        end = tree.find(b"\x00", position)
        if end < 0 or end + 1 + ID_BYTES > len(tree) or b" " not in tree[position:end]:
            raise BadPack("a tree entry is malformed")
        names += tree[position:end] + b"\n"
        object_id = tree[end + 1 : end + 1 + ID_BYTES]
        if object_id not in ids:
            foreign += object_id
        position = end + 1 + ID_BYTES
    if names:
        yield f"{label}-names", bytes(names)
    if foreign:
        yield f"{label}-foreign-ids", bytes(foreign)


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


def _varint(delta: bytes, position: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if position >= len(delta) or shift > 63:
            raise BadPack("a delta's header is truncated")
        byte = delta[position]
        value |= (byte & 0x7F) << shift
        shift += 7
        position += 1
        if not byte & 0x80:
            return value, position


def _apply(base: bytes, delta: bytes, count: Callable[[int], None]) -> bytes:
    """The object a delta makes of its base; its declared size is charged first."""
    base_size, position = _varint(delta, 0)
    size, position = _varint(delta, position)
    if base_size != len(base):
        raise BadPack("a delta's base has another size")
    count(size)
    out = bytearray()
    while position < len(delta):
        op = delta[position]
        position += 1
        if op & 0x80:
            fields = [0] * 7
            for bit in range(7):
                if op & (1 << bit):
                    if position >= len(delta):
                        raise BadPack("a delta's copy instruction is truncated")
                    fields[bit] = delta[position]
                    position += 1
            start = int.from_bytes(bytes(fields[:4]), "little")
            length = int.from_bytes(bytes(fields[4:]), "little") or 0x10000
            if start + length > len(base):
                raise BadPack("a delta copies from beyond its base")
            out += base[start : start + length]
        elif op:
            out += delta[position : position + op]
            position += op
        else:
            raise BadPack("a delta has a reserved instruction")
        if len(out) > size:
            raise BadPack("a delta makes more than it declares")
    if len(out) != size:
        raise BadPack("a delta makes another size than it declares")
    return bytes(out)


def _inserts(delta: bytes) -> bytes:
    """The literal bytes a delta inserts (copy instructions only point into its base)."""
    _, position = _varint(delta, 0)  # base size
    _, position = _varint(delta, position)  # result size
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
