"""Pickles inside the containers and compressions model files come in (ADR 0120, issue 16).

Pure. ``torch.save`` has written a zip since PyTorch 1.6: its ``<name>/data.pkl`` member is
the pickle ``torch.load`` runs, whatever the outer file is called (``model.pt``,
``pytorch_model.bin``, ``x.ckpt``). numpy keeps an object array as a pickle after the
``.npy`` header, and an ``.npz`` is a zip of ``.npy`` files; ``np.load(..., allow_pickle=
True)`` runs it. The member pass (:mod:`ownpass`) reads a pickle only when the package ships
it bare, and :mod:`nested` reads only code inside a zip, so a model saved the ordinary way
was never disassembled (the fake Alibaba AI SDKs of 2025 hid their stealer in one).

``joblib.dump(..., compress=3)`` writes the pickle through zlib (or gzip, bz2, xz, lzma)
under the same ``.joblib`` name, and pandas' ``read_pickle`` inflates ``.pkl.gz``,
``.pkl.bz2``, ``.pkl.xz`` by their suffix: a compressed pickle was not read either. It is
inflated here, bounded, and a compression airlock does not read (lz4, zstd) holds.

Each pickle found is judged by :func:`pickles.scan_pickle`, as a bare one is; its path is
``OUTER!INNER`` inside a zip. What it does not do: open a zip nested two deep, or a zip
whose central directory lists no pickle name (a plain data archive costs one directory
read). A zip that does not read is :mod:`nested`'s finding, not this module's.
"""

from __future__ import annotations

import io
import re

from airlock.errors import InvalidInput
from airlock.imports.packages.archive import Member, read_members
from airlock.imports.packages.pickles import scan_pickle
from airlock.imports.packages.rules import PackageFinding, Severity

ZIP_MAGIC = b"PK\x03\x04"
NPY_MAGIC = b"\x93NUMPY"
PICKLED_NAMES = (".pkl", ".pickle", ".npy")
SEP = "!"
# Names whose loaders unpickle what they inflate (joblib compresses in place under
# ``.joblib``), and the suffixes a compression adds (pandas picks the codec by them).
PICKLE_STEMS = (".pkl", ".pickle", ".joblib", ".dill", ".sav")
COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".lzma", ".z", ".zlib", ".lz4", ".zst", ".zstd")
# Bytes one compressed pickle is inflated to, and all of a package's together: past them
# the stream is judged as far as it was read (a cut pickle holds unless a call was seen).
MAX_INFLATED = 64 * 1024 * 1024
MAX_INFLATED_TOTAL = 256 * 1024 * 1024
PROTO = 0x80
# The dtype of an ``.npy`` header that numpy writes its data for as a pickle: ``|O`` alone
# or as a field of a structured dtype (``('f', 'O')``).
_OBJECT_DTYPE = re.compile(rb"""['"]\|?O['"]""")


def zipped_pickle_findings(members: list[Member]) -> list[PackageFinding]:
    """Findings of the pickles in the zip containers among ``members`` (one level deep),
    and of object arrays in ``.npy`` files the package ships."""
    found: list[PackageFinding] = []
    budget = MAX_INFLATED_TOTAL
    for outer in members:
        data = outer.data
        if data is None:
            continue
        if outer.name.endswith(".npy"):
            found += _npy_findings(outer.name, data)
        elif data.startswith(ZIP_MAGIC) and _lists_pickles(data):
            found += _zip_findings(outer.name, data)
        elif _compressed_pickle_name(outer.name) and data[:1] != bytes([PROTO]):
            inflated, why = inflate(data, min(MAX_INFLATED, budget))
            budget -= len(inflated)
            found += _inflated_findings(outer.name, inflated, why)
    return found


def _compressed_pickle_name(name: str) -> bool:
    base = name.rsplit("/", 1)[-1].lower()
    stem = base.removesuffix(next((s for s in COMPRESSION_SUFFIXES if base.endswith(s)), ""))
    return stem.endswith(PICKLE_STEMS) and (stem != base or base.endswith(".joblib"))


def _inflated_findings(path: str, inflated: bytes, why: str) -> list[PackageFinding]:
    if why:
        return [
            PackageFinding(
                "unreadable-pickle",
                path,
                0,
                Severity.HIGH,
                f"pickle {why}: loading it runs whatever it holds, unread",
            )
        ]
    return scan_pickle(path, inflated) if inflated else []


def inflate(data: bytes, limit: int) -> tuple[bytes, str]:  # noqa: PLR0911 -- one per codec
    """``data`` inflated by the compression its first bytes name, up to ``limit`` bytes,
    and why it could not be (empty when it was, or when ``data`` is not compressed: an
    uncompressed ``.joblib`` that is not a pickle is no concern of this module)."""
    import bz2  # noqa: PLC0415 -- each codec only for a member compressed with it
    import lzma  # noqa: PLC0415
    import zlib  # noqa: PLC0415

    try:
        if data[:2] == b"\x1f\x8b":
            return zlib.decompressobj(31).decompress(data, limit), ""
        if data[:1] == b"\x78" and int.from_bytes(data[:2], "big") % 31 == 0:
            return zlib.decompressobj().decompress(data, limit), ""
        if data[:3] == b"BZh":
            return bz2.BZ2Decompressor().decompress(data, limit), ""
        if data[:6] == b"\xfd7zXZ\x00" or data[:3] == b"\x5d\x00\x00":
            return lzma.LZMADecompressor().decompress(data, limit), ""
    except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError) as e:
        return b"", f"does not inflate ({type(e).__name__})"
    if data[:4] in (b"\x04\x22\x4d\x18", b"\x28\xb5\x2f\xfd"):
        return b"", "is compressed with lz4 or zstd, which airlock does not read"
    return b"", ""


def _lists_pickles(data: bytes) -> bool:
    """Whether the zip's central directory names a pickle (cheap: nothing is inflated)."""
    import zipfile  # noqa: PLC0415 -- only for a zip member: an sdist's vetting never needs it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(n.lower().endswith(PICKLED_NAMES) for n in archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False  # :mod:`nested` reports a zip that does not read


def _zip_findings(name: str, data: bytes) -> list[PackageFinding]:
    found: list[PackageFinding] = []
    try:
        inner = [m for m in read_members(data) if not m.damaged and m.data is not None]
    except InvalidInput:
        return found
    for member in inner:
        path = f"{name}{SEP}{member.name}"
        lowered = member.name.lower()
        if lowered.endswith(".npy"):
            found += _npy_findings(path, member.data or b"")
        elif lowered.endswith((".pkl", ".pickle")):
            found += scan_pickle(path, member.data or b"")
    return found


def npy_pickle(data: bytes) -> bytes | None:
    """The pickle an ``.npy`` file of objects holds after its header, or None when its
    dtype is not an object one (plain numbers are no code) or the header does not read."""
    if not data.startswith(NPY_MAGIC) or len(data) < 10:
        return None
    major = data[6]
    size_bytes = 2 if major == 1 else 4
    start = 8 + size_bytes
    header_len = int.from_bytes(data[8:start], "little")
    header = data[start : start + header_len]
    if not _OBJECT_DTYPE.search(header):
        return None
    return data[start + header_len :]


def _npy_findings(path: str, data: bytes) -> list[PackageFinding]:
    pickled = npy_pickle(data)
    return [] if pickled is None else scan_pickle(path, pickled)
