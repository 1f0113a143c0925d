"""The watermark workflow around :mod:`airlock.identity.watermark`: files, keys, ledger.

``mark`` copies a safetensors model and perturbs the copy in place, tensor by tensor, with
the copy's key; ``trace`` scores a suspect file against every copy the ledger records. The
ledger (``weights.mark`` entries, written by :meth:`airlock.service.Airlock.mark_weights`) is
the registry of copies: it holds the copy's name, the model's and the marked file's SHA-256,
the mark's parameters and a commitment to the key -- never the key, which is re-derived from
the enclave secret when a trace needs it (HKDF, :func:`airlock.identity.watermark.copy_key`).
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airlock.audit import derived_secret
from airlock.errors import InvalidInput, SourceError
from airlock.identity.watermark import (
    SCHEME,
    Candidate,
    MarkParams,
    TraceResult,
    key_commitment,
    mark_tensor,
    markable,
    trace,
)
from airlock.identity.watermark_io import FLOAT_DTYPES, SafetensorsFile

if TYPE_CHECKING:
    from airlock.ledger.signed_note import LedgerKey

MARK_KIND = "weights.mark"
_SECRET_CONTEXT = b"airlock/watermark-secret/v1"
READ_PIECE = 1024 * 1024


def watermark_secret(signing_key: LedgerKey) -> bytes:
    """The enclave secret copy keys derive from, taken from the ledger key as the entry seal
    key is (:func:`airlock.audit.seal_key`)."""
    return derived_secret(signing_key, _SECRET_CONTEXT)


def file_digest(path: Path) -> str:
    """SHA-256 of a file, streamed. Raises: SourceError if it cannot be read."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for piece in iter(lambda: handle.read(READ_PIECE), b""):
                digest.update(piece)
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e.strerror}") from e
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class MarkedFile:
    """A marked copy written to a temporary path, before it is recorded and moved in place."""

    staged: Path
    digest: str
    tensors: int
    elements: int


def write_marked(source: Path, staged: Path, key: bytes, params: MarkParams) -> MarkedFile:
    """Copy ``source`` to ``staged`` and mark every markable float tensor of the copy.

    Raises:
        SourceError: a file cannot be read or written.
        InvalidInput: ``source`` is not safetensors, or has no tensor large enough to mark.
    """
    try:
        shutil.copyfile(source, staged)
    except OSError as e:
        raise SourceError(f"cannot copy {source} to {staged}: {e.strerror}") from e
    tensors = elements = 0
    try:
        with SafetensorsFile(staged, writable=True) as model:
            for entry, values in model.tensors():
                if entry.dtype not in FLOAT_DTYPES or not markable(entry.shape, params):
                    continue
                marked, count = mark_tensor(key, entry.name, values, params)
                if count:
                    model.write(entry, marked)
                    tensors, elements = tensors + 1, elements + count
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    if not elements:
        staged.unlink(missing_ok=True)
        raise InvalidInput(
            f"{source} has no float tensor of {params.min_elements}+ elements and 2+ "
            "dimensions to carry a mark"
        )
    return MarkedFile(staged, file_digest(staged), tensors, elements)


@dataclass(frozen=True, slots=True)
class MarkReceipt:
    """What ``airlock weights mark`` reports: the copy, both digests, what was marked and the
    ledger entry that records it."""

    copy: str
    model_digest: str
    marked_digest: str
    tensors: int
    elements: int
    ledger_index: int


def publish(marked: MarkedFile, out: Path) -> None:
    """Move the staged copy to ``out`` (same folder, so the rename is atomic)."""
    try:
        marked.staged.replace(out)
    except OSError as e:
        marked.staged.unlink(missing_ok=True)
        raise SourceError(f"cannot write {out}: {e.strerror}") from e


def mark_details(
    model_digest: str, key: bytes, marked: MarkedFile, params: MarkParams
) -> dict[str, str]:
    """The ``weights.mark`` ledger details: what identifies the copy, never its key."""
    return {
        "model_digest": model_digest,
        "key_commitment": key_commitment(key),
        "marked_digest": marked.digest,
        "tensors": str(marked.tensors),
        "elements": str(marked.elements),
        **params.describe(),
    }


@dataclass(frozen=True, slots=True)
class RecordedMark:
    """A ``weights.mark`` entry read back from the ledger."""

    index: int
    copy: str
    model_digest: str
    key_commitment: str
    marked_digest: str
    params: MarkParams


def recorded_mark(index: int, record: Mapping[str, Any]) -> RecordedMark | None:
    """The mark a parsed ledger record describes, or None if it is not a ``weights.mark``."""
    if record.get("kind") != MARK_KIND:
        return None
    d = record.get("details", {})
    if d.get("scheme") != SCHEME:
        return None
    params = MarkParams(
        step=int(d["step_milli"]) / 1000,
        fraction=int(d["fraction_milli"]) / 1000,
        strength=int(d["strength_milli"]) / 1000,
    )
    return RecordedMark(
        index,
        str(record.get("subject", "")),
        str(d["model_digest"]),
        str(d["key_commitment"]),
        str(d["marked_digest"]),
        params,
    )


def candidates(
    marks: Iterable[RecordedMark], key_of: Callable[[str, str], bytes]
) -> list[Candidate]:
    """Each recorded copy with its re-derived key; a key whose commitment disagrees with the
    ledger (the enclave secret changed) is refused rather than silently never matching.

    Raises:
        InvalidInput: a re-derived key does not match its recorded commitment.
    """
    out: list[Candidate] = []
    for m in marks:
        key = key_of(m.model_digest, m.copy)
        if key_commitment(key) != m.key_commitment:
            raise InvalidInput(
                f"the key of copy {m.copy!r} (ledger entry {m.index}) no longer matches its "
                "commitment: trace with the ledger key that was in use when it was marked"
            )
        out.append(Candidate(m.copy, m.model_digest, key, m.params))
    return out


def trace_file(path: Path, copies: list[Candidate], alpha: float = 1e-6) -> TraceResult:
    """Score a suspect safetensors file against every candidate copy.

    Every numeric tensor is read (an int8 tensor stored without its scale still carries the
    mark: the test is scale-free). Raises: SourceError, InvalidInput as :class:`SafetensorsFile`.
    """
    with SafetensorsFile(path) as suspect:
        return trace(((e.name, v) for e, v in suspect.tensors()), copies, alpha)
