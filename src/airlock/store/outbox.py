"""Content-addressed storage of artifacts waiting to leave (the outbox).

An export is written once, named by its SHA-256, and can only leave through a release that
re-checks that digest while streaming it out.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple, Protocol

from airlock.domain.names import Sha256Hex, sha256_hex
from airlock.errors import InvalidInput, LedgerIntegrityError, NotFound, StoreError

PIECE = 1024 * 1024
INCOMING_PREFIX = ".incoming-"


class Staged(NamedTuple):
    """An upload written in full (and synced) under a private name, not yet in the outbox:
    what an undecided request is inspected from. :meth:`Outbox.commit` puts it in place by
    digest; :meth:`Outbox.drop` removes it (a denial, issue 22) without touching a blob of
    the same digest that another request brought."""

    path: Path
    digest: Sha256Hex
    size: int


class Staging:
    """An upload being written under a private name, counted and hashed as it comes."""

    def __init__(self, path: Path, handle: BinaryIO, max_bytes: int) -> None:
        self.path = path
        self._handle = handle
        self._max_bytes = max_bytes
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, piece: bytes) -> None:
        """Raises: InvalidInput past the limit (the caller aborts), StoreError."""
        self.size += len(piece)
        if self.size > self._max_bytes:
            raise InvalidInput(
                f"the upload exceeds {self._max_bytes} bytes, more than any budget allows"
            )
        self._digest.update(piece)
        try:
            self._handle.write(piece)
        except OSError as e:
            raise StoreError(f"cannot write to the outbox: {e.strerror}") from e

    def finish(self) -> Staged:
        """The upload, synced. Raises: StoreError."""
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
        except OSError as e:
            raise StoreError(f"cannot write to the outbox: {e.strerror}") from e
        return Staged(self.path, sha256_hex(self._digest.hexdigest()), self.size)

    def abort(self) -> None:
        """Remove what was written; safe to call more than once."""
        with contextlib.suppress(OSError):
            self._handle.close()
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)


class Outbox(Protocol):
    def put(self, stream: BinaryIO, max_bytes: int) -> tuple[Sha256Hex, int]:
        """Store a stream; returns its digest and size. Raises InvalidInput past max_bytes."""
        ...

    def stage(self, stream: BinaryIO, max_bytes: int) -> Staged:
        """Write a stream under a private name. Raises InvalidInput past max_bytes (never cut
        short) and StoreError; a failed or abandoned upload leaves nothing behind."""
        ...

    def begin(self, max_bytes: int) -> Staging:
        """:meth:`stage` for bytes that come in pieces (an upload read as it streams).
        Raises StoreError."""
        ...

    def commit(self, staged: Staged) -> None:
        """Put a staged upload in place by its digest, durably. Raises StoreError."""
        ...

    def drop(self, staged: Staged) -> None:
        """Remove a staged upload's bytes; absent is fine."""
        ...

    def path(self, digest: Sha256Hex) -> Path:
        """Where the blob lives, for reading. Raises NotFound."""
        ...

    def stream(self, digest: Sha256Hex) -> Iterator[bytes]:
        """The blob in pieces, verified against its digest as it goes out.

        Raises NotFound, or LedgerIntegrityError when the stored bytes no longer match.
        """
        ...


class FileOutbox:
    """Blobs as files named by digest under one folder (0700)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, stream: BinaryIO, max_bytes: int) -> tuple[Sha256Hex, int]:
        staged = self.stage(stream, max_bytes)
        try:
            self.commit(staged)
        finally:
            self.drop(staged)  # gone already once committed
        return staged.digest, staged.size

    def stage(self, stream: BinaryIO, max_bytes: int) -> Staged:
        staging = self.begin(max_bytes)
        try:
            while piece := stream.read(PIECE):
                staging.write(piece)
            return staging.finish()
        except BaseException:
            # Over the limit, or the client went away mid-body (issue 22): an abandoned
            # upload leaves no bytes behind.
            staging.abort()
            raise

    def begin(self, max_bytes: int) -> Staging:
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.root, prefix=INCOMING_PREFIX)
        except OSError as e:
            raise StoreError(f"cannot write to the outbox {self.root}: {e.strerror}") from e
        return Staging(Path(temporary), os.fdopen(fd, "wb"), max_bytes)

    def commit(self, staged: Staged) -> None:
        try:
            staged.path.replace(self.root / staged.digest)
            _sync_folder(self.root)
        except OSError as e:
            raise StoreError(f"cannot write to the outbox {self.root}: {e.strerror}") from e

    def drop(self, staged: Staged) -> None:
        try:
            staged.path.unlink(missing_ok=True)
        except OSError as e:
            raise StoreError(f"cannot remove an upload from the outbox: {e.strerror}") from e

    def path(self, digest: Sha256Hex) -> Path:
        target = self.root / sha256_hex(digest)
        if not target.is_file():
            raise NotFound(f"the outbox holds no artifact {digest[:16]}...")
        return target

    def stream(self, digest: Sha256Hex) -> Iterator[bytes]:
        # Verify before the first byte goes out: a response cannot be taken back.
        check = hashlib.sha256()
        path = self.path(digest)
        with path.open("rb") as handle:
            while piece := handle.read(PIECE):
                check.update(piece)
        if check.hexdigest() != digest:
            raise LedgerIntegrityError(
                f"outbox artifact {digest[:16]}... changed after it was inspected; not released"
            )
        return _pieces(path)


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder's entry is: without this, a crash after the
    # decision is recorded could lose the artifact it names.
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _pieces(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while piece := handle.read(PIECE):
            yield piece


def probe_writable(root: Path) -> None:
    """Create and remove one empty file under ``root``: what an export's first write needs.

    Raises: StoreError when the folder cannot be created or written (full disk, read-only
    mount, permissions).
    """
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=root, prefix=".probe-")
        os.close(fd)
        Path(temporary).unlink()
    except OSError as e:
        raise StoreError(f"cannot write to the outbox {root}: {e.strerror}") from e
