"""Findings of identical files, computed once per process (issue 16: bounded work).

A wheel and the sdist of the same release, vendored copies (pip inside virtualenv, six in a
dozen projects) and a lock file naming many packages repeat the same modules byte for byte.
A member's findings depend only on its bytes and on what its path says about it (its base
name, whether ``setup.py`` runs it, whether it is side code), so they are kept under the
SHA-256 of the bytes and that context, with the path left out and put back on the way out.

Bounded: at most ``MAX_ENTRIES`` results (findings only, never the bytes), least recently
used first out. Each is kept under one 32-byte digest of its key (ADR 0065: a batch of the
calibration half's popular wheels and sdists holds ~50 000 distinct members; at 16 384
entries an sdist's modules were evicted before it came, after its wheel, and were all read
again). Pure apart from that cache; nothing is written anywhere.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import Generic, TypeVar

from airlock.imports.packages.rules import PackageFinding

MAX_ENTRIES = 65_536  # ~150 bytes each (measured, empty findings): ~10 MB when full
# The member's SHA-256, its base name, then what its path says: imported by setup.py, the
# sdist's own setup.py, side code (tests, docs), an inert script, a wheel's command file.
Key = tuple[bytes, str, bool, bool, bool, bool, bool]
V = TypeVar("V")


def _stored(key: Key) -> bytes:
    """One digest for the whole key: the fixed-length parts first, the base name (the only
    part of varying length) last, so no two keys share an encoding; a collision would need
    one of SHA-256."""
    digest, base, *flags = key
    head = digest + bytes(flags)
    return hashlib.sha256(head + base.encode("utf-8", "surrogatepass")).digest()


class DigestMemo(Generic[V]):
    """A bounded least-recently-used map from a digest of some bytes to what a pure function
    of those bytes answered (:data:`MAX_ENTRIES` of them)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[bytes, V] = OrderedDict()

    def __contains__(self, digest: bytes) -> bool:
        """Whether ``digest`` is kept (asking does not count as a use)."""
        return digest in self._entries

    def get(self, digest: bytes) -> V | None:
        found = self._entries.get(digest)
        if found is not None:
            with contextlib.suppress(KeyError):  # another thread may have just evicted it
                self._entries.move_to_end(digest)
        return found

    def put(self, digest: bytes, value: V) -> None:
        self._entries[digest] = value
        if len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


class FindingsMemo:
    """A bounded least-recently-used map from (digest, context) to findings."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._memo: DigestMemo[tuple[PackageFinding, ...]] = DigestMemo(max_entries)
        self.hits = 0

    def knows(self, key: Key) -> bool:
        """Whether ``key``'s findings are kept (asking does not count as a use)."""
        return _stored(key) in self._memo

    def clear(self) -> None:
        self._memo.clear()

    def findings(
        self, key: Key, path: str, compute: Callable[[], list[PackageFinding]]
    ) -> list[PackageFinding]:
        """``compute()``'s findings for ``path``, from the memo when ``key`` was seen."""
        key_digest = _stored(key)
        stored = self._memo.get(key_digest)
        if stored is None:
            found = compute()
            kept = tuple(replace(f, path="") if f.path == path else f for f in found)
            self._memo.put(key_digest, kept)
            return found
        self.hits += 1
        return [replace(f, path=path) if not f.path else f for f in stored]


# One per process, like the compiled YARA rules: results of pure functions of the bytes.
MEMO = FindingsMemo()
