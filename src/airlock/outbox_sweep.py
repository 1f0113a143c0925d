"""The sweep of the outbox at start: what a crash or a dropped upload left behind (issue 22).

Two kinds of file are swept, each only once it has been left untouched for ``min_age``
seconds (an upload in progress writes at least every ``uploads.body_idle_seconds``; a blob
just stored waits a moment for its request row, perhaps in another gateway process):

* ``.incoming-*`` files: uploads that were being written when a process died. One whose
  digest a request names while no blob of that digest exists is not removed but put in
  place: the process died after recording the decision and before moving the file;
* blobs named by a SHA-256 that no request and no dataset manifest refers to: stored, then
  the process died before the decision was recorded.

Anything else in the folder is left alone. If the store's references cannot be read in
full, nothing is swept: a missing blob is worse than a stale one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

from airlock.errors import StoreError
from airlock.store.interface import Store
from airlock.store.outbox import INCOMING_PREFIX

_log = logging.getLogger("airlock.outbox")
_BLOB_NAME = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class SweepReport:
    incoming: int  # partial uploads removed
    orphans: int  # blobs with no request removed
    bytes_freed: int
    recovered: int = 0  # decided uploads put in place


def referenced_digests(store: Store) -> set[str]:
    """Every outbox blob the store refers to: request digests (exports, packages, dataset
    manifests) and the files a dataset manifest lists.

    Raises: StoreError when a manifest cannot be read (so the caller sweeps nothing).
    """
    digests = set(store.request_digests())
    for dataset in store.datasets.list_datasets():
        digests.add(dataset.manifest_sha256)
        try:
            files = json.loads(dataset.manifest_json)["files"]
            digests.update(str(f["sha256"]) for f in files)
        except (ValueError, KeyError, TypeError) as e:
            raise StoreError(
                f"dataset {dataset.id} has an unreadable manifest ({e}); the outbox was not swept"
            ) from e
    return digests


def sweep_outbox(root: Path, store: Store, min_age: float, now: float | None = None) -> SweepReport:
    """Remove partial uploads and unreferenced blobs older than ``min_age`` seconds.

    Raises: StoreError when the store cannot say what it refers to.
    """
    if not root.is_dir():
        return SweepReport(0, 0, 0)
    cutoff = (time.time() if now is None else now) - min_age
    candidates = [p for p in root.iterdir() if _old_file(p, cutoff)]
    incoming = [p for p in candidates if p.name.startswith(INCOMING_PREFIX)]
    blobs = [p for p in candidates if _BLOB_NAME.fullmatch(p.name)]
    referenced = referenced_digests(store) if blobs or incoming else set()
    orphans = [p for p in blobs if p.name not in referenced]
    recovered = [p for p in incoming if _recover(p, root, referenced)]
    incoming = [p for p in incoming if p not in recovered]
    freed = 0
    for path in incoming + orphans:
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as e:
            _log.warning("could not sweep %s from the outbox: %s", path.name, e.strerror)
            continue
        freed += size
    report = SweepReport(len(incoming), len(orphans), freed, len(recovered))
    if incoming or orphans or recovered:
        _log.info(
            "outbox sweep: %d partial upload(s) and %d orphan blob(s) removed (%d bytes); "
            "%d decided upload(s) put in place",
            report.incoming,
            report.orphans,
            report.bytes_freed,
            report.recovered,
        )
    return report


def _recover(incoming: Path, root: Path, referenced: set[str]) -> bool:
    """Put ``incoming`` in place if a request names its digest and no blob has it."""
    digest = hashlib.sha256()
    try:
        with incoming.open("rb") as handle:
            while piece := handle.read(1 << 20):
                digest.update(piece)
        name = digest.hexdigest()
        if name not in referenced or (root / name).exists():
            return False
        incoming.replace(root / name)
    except OSError as e:
        _log.warning("could not recover %s in the outbox: %s", incoming.name, e.strerror)
        return False
    return True


def _old_file(path: Path, cutoff: float) -> bool:
    try:
        stat = path.lstat()
    except OSError:
        return False
    return path.is_file() and not path.is_symlink() and stat.st_mtime <= cutoff
