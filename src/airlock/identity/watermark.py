"""Per-copy forensic watermarks in model weights: keyed dither modulation and its test.

Each copy of a protected model gets a key (HKDF of the enclave secret, the model's digest
and the copy's name). The key picks, per tensor, a keyed subset of the elements and a keyed
dither ``r`` in [0, 1) per element; a marked element is pulled part of the way (``strength``)
towards the nearest point of the shifted lattice ``step * (k + r)``, where ``step`` is a small
fraction of the tensor's RMS. This is dither modulation with distortion compensation
(Chen & Wornell, "Quantization index modulation", IEEE Trans. IT 47(4), 2001), used as a
one-bit keyed mark, in the spirit of EmMark (arXiv 2402.17938) and GaussMark (keyed
perturbation + a statistical test): see docs/adr/0022-per-copy-watermarks.md.

The test needs no original: per marked element, ``cos(2 pi (x / step - r))`` is near 1 for
the copy's own key and, for any file not derived from that copy, has mean 0 and variance
1/2 *whatever the weights are*, because the dither is uniform and independent of them. The
p-value is a Bernstein bound on that sum, valid for any model, so an unmarked model (or the
original) is named with probability below the threshold by construction.

The lattice step is measured on elements the mark never touches (every ``SCALE_STRIDE``-th),
so it is the same on the marked copy as on the original, and it scales with the tensor: a
copy multiplied by a constant (an int8 tensor read without its scale) keeps its mark.

What it does not survive: 4-bit quantisation (its error exceeds the lattice step), a fine-tune
that moves weights by more than about a tenth of the step, renamed or re-shaped tensors, an
additive offset of a whole tensor, and averaging of several copies (collusion).

Pure: values in, values out; reading and writing files is :mod:`airlock.identity.marking`.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from airlock.errors import InvalidInput

Floats = npt.NDArray[np.float64]
SCHEME = "dm-qim/v1"
SCALE_STRIDE = 16  # every 16th element stays unmarked and sets the lattice step
CHUNK = 1 << 16  # elements per keyed chunk: each has its own generator, so any can be made alone
TRACE_CHUNKS = 16  # a trace scores at most this many chunks (1 Mi elements) per tensor
_KEY_INFO = b"airlock/watermark/copy-key/v1"
_COMMIT_CONTEXT = b"airlock/watermark/commitment/v1"


@dataclass(frozen=True, slots=True)
class MarkParams:
    """How strong a mark is. ``step`` is the lattice step as a fraction of the tensor's RMS;
    ``fraction`` the share of elements marked; ``strength`` how far (0-1] a marked element
    moves to its lattice point; tensors with fewer than ``min_elements`` or one dimension
    (biases, norms) are left alone."""

    # As strong as a bf16 round trip on the test model (bench/eval_watermark.py, ADR 0022).
    step: float = 0.06
    fraction: float = 0.1
    strength: float = 0.3
    min_elements: int = 1024

    def __post_init__(self) -> None:
        if not (0.0 < self.step <= 1.0 and 0.0 < self.fraction <= 1.0):
            raise InvalidInput("a watermark needs 0 < step <= 1 and 0 < fraction <= 1")
        if not (0.0 < self.strength <= 1.0) or self.min_elements < SCALE_STRIDE:
            raise InvalidInput(
                f"a watermark needs 0 < strength <= 1, min_elements >= {SCALE_STRIDE}"
            )

    def describe(self) -> dict[str, str]:
        """The parameters as ledger details (strings, thousandths: records hold no floats)."""
        return {
            "scheme": SCHEME,
            "step_milli": str(round(self.step * 1000)),
            "fraction_milli": str(round(self.fraction * 1000)),
            "strength_milli": str(round(self.strength * 1000)),
        }


def copy_key(secret: bytes, model_digest: str, copy: str) -> bytes:
    """The 32-byte key of one copy: HKDF-SHA256 (RFC 5869) of the enclave secret, salted with
    the model's digest, with the copy's name in the info."""
    if len(secret) < 32 or not copy or not model_digest:
        raise InvalidInput("a copy key needs a 32-byte secret, a model digest and a copy name")
    kdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=model_digest.encode(),
        info=_KEY_INFO + b"\0" + copy.encode(),
    )
    return kdf.derive(secret)


def key_commitment(key: bytes) -> str:
    """A binding, hiding commitment to a copy key (the key is 256 uniform bits): what the
    ledger keeps, so a later trace can show it used the key recorded at marking time."""
    return hashlib.sha256(_COMMIT_CONTEXT + key).hexdigest()


def markable(shape: Sequence[int], params: MarkParams) -> bool:
    return len(shape) >= 2 and math.prod(shape) >= params.min_elements


def _tensor_seed(key: bytes, name: str, shape: Sequence[int]) -> bytes:
    label = f"{name}\0{'x'.join(str(d) for d in shape)}".encode()
    return hmac.new(key, b"tensor\0" + label, hashlib.sha256).digest()


def _chunks(
    seed: bytes, size: int, params: MarkParams, limit: int | None = None
) -> Iterator[tuple[npt.NDArray[np.intp], Floats]]:
    """Per chunk of the flat tensor: the flat indices of its keyed marked elements and their
    keyed dithers. Chunk ``c`` has its own generator, so no chunk needs another's state; with
    ``limit``, only that many chunks, evenly spread over the tensor."""
    count = -(-size // CHUNK)
    picked = range(count) if limit is None or count <= limit else np.linspace(0, count - 1, limit)
    for c in sorted({int(i) for i in picked}):
        start = c * CHUNK
        stop = min(size, start + CHUNK)
        chunk_seed = hmac.new(seed, start.to_bytes(8, "big"), hashlib.sha256).digest()
        rng = np.random.Generator(np.random.Philox(int.from_bytes(chunk_seed, "big")))
        n = stop - start
        mask = rng.random(n, dtype=np.float32) < params.fraction
        mask[(-start) % SCALE_STRIDE :: SCALE_STRIDE] = False
        where = np.flatnonzero(mask)
        yield where + start, rng.random(where.size)


def lattice_step(flat: npt.NDArray[Any], params: MarkParams) -> float:
    """The lattice step of a tensor: ``step`` times the RMS of its never-marked elements."""
    sample = np.asarray(flat[::SCALE_STRIDE], dtype=np.float64)
    rms = float(np.sqrt(np.mean(np.square(sample)))) if sample.size else 0.0
    return params.step * rms if math.isfinite(rms) else 0.0


def mark_tensor(
    key: bytes, name: str, values: npt.NDArray[Any], params: MarkParams
) -> tuple[Floats, int]:
    """The marked tensor (float64, same shape) and how many elements carry the mark.

    A tensor that is not :func:`markable`, or is constant, comes back unchanged with 0.
    """
    out = np.array(values, dtype=np.float64)
    if not markable(out.shape, params):
        return out, 0
    flat = out.reshape(-1)
    step = lattice_step(flat, params)
    if step <= 0.0:
        return out, 0
    marked = 0
    for where, dither in _chunks(_tensor_seed(key, name, out.shape), flat.size, params):
        x = flat[where]
        lattice = step * (np.round(x / step - dither) + dither)
        flat[where] = x + params.strength * (lattice - x)
        marked += where.size
    return out, marked


@dataclass(frozen=True, slots=True)
class Evidence:
    """The sum of per-element scores over ``elements`` marked positions of one key."""

    elements: int = 0
    score: float = 0.0

    def __add__(self, other: Evidence) -> Evidence:
        return Evidence(self.elements + other.elements, self.score + other.score)

    @property
    def z(self) -> float:
        return self.score / math.sqrt(self.elements / 2) if self.elements else 0.0

    @property
    def log10_p(self) -> float:
        """log10 of a one-sided p-value: Bernstein's bound for a sum of independent scores in
        [-1, 1] with mean 0 and variance 1/2 (exact under the null for any weights)."""
        if self.elements == 0 or self.score <= 0:
            return 0.0
        t = self.score
        return -(t * t) / (2 * (self.elements / 2 + t / 3)) / math.log(10)


def tensor_evidence(
    key: bytes,
    name: str,
    values: npt.NDArray[Any],
    params: MarkParams,
    limit: int | None = TRACE_CHUNKS,
) -> Evidence:
    """How strongly one suspect tensor carries ``key``'s mark (no original needed), scored on
    at most ``limit`` chunks of it: a trace's cost is bounded per tensor, not per byte."""
    if not markable(values.shape, params):
        return Evidence()
    flat = np.asarray(values).reshape(-1)
    step = lattice_step(flat, params)
    if step <= 0.0:
        return Evidence()
    total = Evidence()
    seed = _tensor_seed(key, name, values.shape)
    for where, dither in _chunks(seed, flat.size, params, limit):
        x = np.asarray(flat[where], dtype=np.float64)
        phases = np.cos(2 * np.pi * (x / step - dither))
        total += Evidence(int(x.size), float(np.nansum(phases)))
    return total


@dataclass(frozen=True, slots=True)
class Candidate:
    """A recorded copy: who it was given to (``copy``), of which model, its key and the
    parameters it was marked with."""

    copy: str
    model_digest: str
    key: bytes
    params: MarkParams = MarkParams()


@dataclass(frozen=True, slots=True)
class CopyScore:
    copy: str
    model_digest: str
    elements: int
    z: float
    log10_p: float


@dataclass(frozen=True, slots=True)
class TraceResult:
    """Every candidate's score (best first) and the copy named, if any.

    ``named`` is set only when the best copy's p-value is below ``alpha`` divided by the
    number of candidates (Bonferroni); otherwise the file is not traced to any copy.
    """

    scores: tuple[CopyScore, ...]
    alpha: float
    named: CopyScore | None
    tensors: int

    @property
    def log10_threshold(self) -> float:
        return math.log10(self.alpha / max(1, len(self.scores)))


def trace(
    tensors: Iterable[tuple[str, npt.NDArray[Any]]],
    candidates: Sequence[Candidate],
    alpha: float = 1e-6,
) -> TraceResult:
    """Score every candidate copy against a suspect's tensors (matched by name and shape,
    as the key derivation binds both; read one at a time), and name the best one if it is
    significant."""
    if not 0.0 < alpha < 1.0:
        raise InvalidInput("the trace threshold alpha must be between 0 and 1")
    totals = [Evidence() for _ in candidates]
    seen = 0
    for name, values in tensors:
        seen += 1
        for i, c in enumerate(candidates):
            totals[i] += tensor_evidence(c.key, name, values, c.params)
    scores = sorted(
        (
            CopyScore(c.copy, c.model_digest, t.elements, t.z, t.log10_p)
            for c, t in zip(candidates, totals, strict=True)
        ),
        key=lambda s: (s.log10_p, -s.z),
    )
    threshold = math.log10(alpha / max(1, len(candidates)))
    named = scores[0] if scores and scores[0].log10_p < threshold else None
    return TraceResult(tuple(scores), alpha, named, seen)
