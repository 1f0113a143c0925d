"""Pickles inside the containers model files come in (ADR 0120, issue 16).

Pure. ``torch.save`` has written a zip since PyTorch 1.6: its ``<name>/data.pkl`` member is
the pickle ``torch.load`` runs, whatever the outer file is called (``model.pt``,
``pytorch_model.bin``, ``x.ckpt``). numpy keeps an object array as a pickle after the
``.npy`` header, and an ``.npz`` is a zip of ``.npy`` files; ``np.load(..., allow_pickle=
True)`` runs it. The member pass (:mod:`ownpass`) reads a pickle only when the package ships
it bare, and :mod:`nested` reads only code inside a zip, so a model saved the ordinary way
was never disassembled (the fake Alibaba AI SDKs of 2025 hid their stealer in one).

Each pickle found is judged by :func:`pickles.scan_pickle`, as a bare one is; its path is
``OUTER!INNER``. What it does not do: open a zip nested two deep, or a zip whose central
directory lists no pickle name (a plain data archive costs one directory read). A zip that
does not read is :mod:`nested`'s finding, not this module's.
"""

from __future__ import annotations

import io
import re

from airlock.errors import InvalidInput
from airlock.imports.packages.archive import Member, read_members
from airlock.imports.packages.pickles import scan_pickle
from airlock.imports.packages.rules import PackageFinding

ZIP_MAGIC = b"PK\x03\x04"
NPY_MAGIC = b"\x93NUMPY"
PICKLED_NAMES = (".pkl", ".pickle", ".npy")
SEP = "!"
# The dtype of an ``.npy`` header that numpy writes its data for as a pickle: ``|O`` alone
# or as a field of a structured dtype (``('f', 'O')``).
_OBJECT_DTYPE = re.compile(rb"""['"]\|?O['"]""")


def zipped_pickle_findings(members: list[Member]) -> list[PackageFinding]:
    """Findings of the pickles in the zip containers among ``members`` (one level deep),
    and of object arrays in ``.npy`` files the package ships."""
    found: list[PackageFinding] = []
    for outer in members:
        data = outer.data
        if data is None:
            continue
        if outer.name.endswith(".npy"):
            found += _npy_findings(outer.name, data)
        elif data.startswith(ZIP_MAGIC) and _lists_pickles(data):
            found += _zip_findings(outer.name, data)
    return found


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
