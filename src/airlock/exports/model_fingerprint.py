"""The fingerprint of a protected model, as stored and compared (no numpy).

Kept apart from :mod:`airlock.exports.chunking`, which computes fingerprints with numpy,
so that the store can read fingerprints, and `airlock status` count protected models,
without importing numpy (issue 13). ``airlock.exports.chunking.ModelFingerprint`` is the
same class.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from airlock.errors import InvalidInput

SAMPLED_WIDTH = 8  # bytes of one keyed sampled value (airlock.identity.sampled)


@dataclass(frozen=True, slots=True)
class ModelFingerprint:
    """The chunk digests of one protected model, and what its file declares.

    ``chunks`` holds the SHA-256 of every informative content-defined chunk of the file's
    raw bytes, or -- for a sampled fingerprint (issue 19, :mod:`airlock.identity.sampled`) --
    the 8-byte keyed values of a keyed 1/32 sample of them; ``tensors`` one description per
    tensor where the format is known (see
    :func:`airlock.exports.fingerprint.fingerprint_model`; JSON objects with name, dtype,
    shape and size), or free text. Serialisable with :meth:`to_json` / :meth:`from_json`.
    """

    name: str
    size: int
    chunks: frozenset[bytes]
    tensors: tuple[str, ...] = ()
    # JSON text: derivative sketches and the lossless ratio (airlock.identity.record), or ""
    identity: str = ""

    def __post_init__(self) -> None:
        if not self.name or self.size < 0:
            raise InvalidInput("a model fingerprint needs a name and a size of 0 or more bytes")
        widths = {len(d) for d in self.chunks}
        if not widths <= {32} and widths != {SAMPLED_WIDTH}:
            raise InvalidInput(
                f"fingerprint of {self.name!r} mixes digests or holds one that is neither a "
                "SHA-256 nor an 8-byte sampled value"
            )

    @property
    def sampled(self) -> bool:
        """Whether ``chunks`` are keyed sampled values rather than every chunk's SHA-256."""
        return any(len(d) == SAMPLED_WIDTH for d in self.chunks)

    @classmethod
    def of(
        cls, name: str, pieces: Iterable[bytes], tensors: tuple[str, ...] = ()
    ) -> ModelFingerprint:
        """Chunk ``pieces`` (the model file, front to back, in any sizes) and hash the chunks."""
        from airlock.exports.chunking import chunk_stream  # numpy, only to fingerprint

        size = 0
        digests: set[bytes] = set()
        for chunk in chunk_stream(pieces):
            size += chunk.size
            if chunk.informative:
                digests.add(chunk.digest)
        return cls(name, size, frozenset(digests), tensors)

    def to_json(self) -> dict[str, object]:
        """A JSON-ready form: digests in sorted hex, so equal fingerprints serialise equally."""
        return {
            "name": self.name,
            "size": self.size,
            "chunks": sorted(d.hex() for d in self.chunks),
            "tensors": list(self.tensors),
            "identity": self.identity,
        }

    @classmethod
    def from_json(cls, value: object) -> ModelFingerprint:
        """The inverse of :meth:`to_json`.

        Raises:
            InvalidInput: the value is not a fingerprint in that shape.
        """
        if not isinstance(value, dict):
            raise InvalidInput("a model fingerprint must be a JSON object")
        name, size = value.get("name"), value.get("size")
        chunks, tensors = value.get("chunks"), value.get("tensors", [])
        if not (
            isinstance(name, str)
            and isinstance(size, int)
            and isinstance(chunks, list)
            and isinstance(tensors, list)
            and all(isinstance(c, str) for c in chunks)
        ):
            raise InvalidInput("a model fingerprint needs name, size, chunks and tensors")
        try:
            digests = frozenset(bytes.fromhex(c) for c in chunks)
        except ValueError as e:
            raise InvalidInput(f"a model fingerprint chunk is not hex: {e}") from e
        identity = value.get("identity", "")
        return cls(name, size, digests, tuple(str(t) for t in tensors), str(identity or ""))


def lossless_ratio(model: ModelFingerprint) -> float:
    """The lossless compression ratio measured when ``model`` was registered (1.0 when it was
    registered before issue 19 recorded one, or the record is unreadable)."""
    try:
        value = json.loads(model.identity) if model.identity else {}
        ratio = float(value.get("lossless_ratio", 1.0))
    except (ValueError, TypeError, AttributeError):
        return 1.0
    return max(1.0, ratio)
