"""Registered derivative sketches: their stored form and the index exports are matched on.

A model's sketches travel in :attr:`ModelFingerprint.identity` (JSON text, with the
lossless ratio measured at registration, see :mod:`airlock.identity.registration`):
``{"v": 1, "lossless_ratio": r, "sketches": [{"tensor": name, "sides": [[n, b64], ...]}]}``
and, since issue 15's anchor chains, an optional ``"anchors": b64`` (sorted uint64 keys).
:class:`DerivativeIndex` groups every registered side by row length; :meth:`match` takes one
tensor found in an export and names the registered tensors it derives from.
Pure: values in, values out.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from airlock.errors import InvalidInput
from airlock.identity.anchors import decode_keys, encode_keys
from airlock.identity.sketch import (
    BITS,
    CANDIDATES,
    KEEP,
    MAX_DISTANCE,
    MIN_HITS,
    Projections,
    Side,
    as_matrix,
    distances,
    one_thread,
    sketch_side,
)

if TYPE_CHECKING:
    from airlock.exports.model_fingerprint import ModelFingerprint
    from airlock.identity.anchors import Keys
    from airlock.identity.dtypes import Floats

IDENTITY_VERSION = 1


def encode_identity(
    lossless_ratio: float,
    sketches: Sequence[tuple[str, list[Side]]],
    anchors: Keys | None = None,
) -> str:
    """The JSON text stored with a model (sorted keys: equal inputs, equal text).

    ``anchors``: the sampled anchor-chain keys (:mod:`airlock.identity.anchors`), stored as
    an optional ``"anchors"`` field; identities written before it have none.
    """
    extra = {} if anchors is None else {"anchors": encode_keys(anchors)}
    return json.dumps(
        {
            **extra,
            "v": IDENTITY_VERSION,
            "lossless_ratio": round(lossless_ratio, 4),
            "sketches": [
                {
                    "tensor": name,
                    "sides": [
                        [s.length, base64.b64encode(s.hashes.tobytes()).decode()] for s in sides
                    ],
                }
                for name, sides in sketches
            ],
        },
        sort_keys=True,
        separators=(",", ":"),
    )


@dataclass(frozen=True, slots=True)
class Identity:
    lossless_ratio: float
    sketches: tuple[tuple[str, tuple[Side, ...]], ...]
    anchors: Keys = field(default_factory=lambda: np.empty(0, dtype=np.uint64))


def decode_identity(text: str) -> Identity | None:
    """The parsed identity, or None for a model registered without one.

    Raises:
        InvalidInput: the text is not an identity of a known version.
    """
    if not text:
        return None
    try:
        value = json.loads(text)
        if value.get("v") != IDENTITY_VERSION:
            raise InvalidInput(f"model identity version {value.get('v')!r} is unknown")
        sketches = []
        for entry in value["sketches"]:
            sides = []
            for length, packed in entry["sides"]:
                raw = base64.b64decode(packed)
                hashes = np.frombuffer(raw, dtype=np.uint64).reshape(-1, BITS // 64)
                sides.append(Side(int(length), hashes))
            sketches.append((str(entry["tensor"]), tuple(sides)))
        anchors = decode_keys(str(value["anchors"])) if "anchors" in value else None
        if anchors is None:
            return Identity(float(value["lossless_ratio"]), tuple(sketches))
        return Identity(float(value["lossless_ratio"]), tuple(sketches), anchors)
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise InvalidInput(f"model identity is malformed: {e}") from e


@dataclass(frozen=True, slots=True)
class TensorMatch:
    """An export tensor found to derive from a registered tensor."""

    model: str
    tensor: str  # the registered tensor's name
    found: str  # the export tensor's name
    score: float  # share of the registered sampled rows found, 0-1
    distance: float  # mean Hamming distance of the found rows, in bits of 128


class DerivativeIndex:
    """Every registered side, by row length; see the module docstring."""

    def __init__(self, key: bytes, models: Sequence[ModelFingerprint]) -> None:
        self.projections = Projections(key)
        self._by_length: dict[int, list[tuple[str, str, Side]]] = {}
        for model in models:
            identity = decode_identity(model.identity)
            if identity is None:
                continue
            for tensor, sides in identity.sketches:
                for side in sides:
                    self._by_length.setdefault(side.length, []).append((model.name, tensor, side))

        # One stacked array of hashes per row length: an export's side is compared with every
        # registered side of its length in one vectorised step (not one call per side).
        self._stacked = {
            length: (
                np.concatenate([side.hashes for _, _, side in entries]),
                np.cumsum([0] + [side.hashes.shape[0] for _, _, side in entries])[:-1],
            )
            for length, entries in self._by_length.items()
        }

    def __bool__(self) -> bool:
        return bool(self._by_length)

    def wants(self, shape: Sequence[int]) -> bool:
        """Whether a tensor of ``shape`` could match anything (checked before reading it)."""
        if len(shape) < 2:
            return False
        rows = int(shape[0])
        columns = int(np.prod(shape[1:]))
        return rows in self._by_length or columns in self._by_length

    def match(self, name: str, values: Floats) -> list[TensorMatch]:
        """The registered tensors ``values`` (an export's tensor called ``name``) derives from."""
        matrix = as_matrix(values)
        if matrix is None:
            return []
        with one_thread():
            return self._match(name, matrix)

    def _match(self, name: str, matrix: Floats) -> list[TensorMatch]:
        found: dict[tuple[str, str], TensorMatch] = {}
        for rows in (matrix, matrix.T):
            if rows.shape[1] not in self._by_length:
                continue
            candidate = sketch_side(rows, self.projections, CANDIDATES)
            if candidate is None:
                continue
            stacked, starts = self._stacked[rows.shape[1]]
            best = distances(candidate.hashes, stacked).min(axis=0).astype(np.int64)
            close = best <= MAX_DISTANCE
            hits = np.add.reduceat(close.astype(np.int64), starts)
            for i in np.flatnonzero(hits >= MIN_HITS).tolist():
                model, tensor, side = self._by_length[rows.shape[1]][i]
                segment = slice(int(starts[i]), int(starts[i]) + side.hashes.shape[0])
                near = best[segment][close[segment]]
                score = int(hits[i]) / KEEP
                known = found.get((model, tensor))
                if known is None or score > known.score:
                    found[model, tensor] = TensorMatch(
                        model, tensor, name, score, float(near.mean())
                    )
        return sorted(found.values(), key=lambda m: (-m.score, m.model, m.tensor))
