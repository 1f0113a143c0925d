"""The sampling protocol an upstream must follow so that a verifier can replay it exactly.

``airlock-gumbel-v1``: at output position ``t`` (0 for the first generated token) with
logits ``l`` over a vocabulary of ``V`` tokens, temperature ``T`` and seed ``s``::

    u_i   = ((w_i >> 11) + 0.5) / 2**53        w = Philox4x64-10(key=s + 2**64 * t).raw(V)
    G_i   = -ln(-ln(u_i))                      (standard Gumbel noise)
    token = argmax_i (l_i / T + G_i)           (T > 0; ties to the lowest index)
    token = argmax_i l_i                       (T == 0, greedy)

The Gumbel-max trick makes ``token`` an exact sample of softmax(l / T), and the noise is a
keyed PRF of (seed, position, i): anyone holding the seed and the same logits gets the same
token. Honest upstreams differ from a replay only by floating-point non-determinism in
``l``; that is what the verifier's tolerance covers (Rinberg et al., arXiv 2511.02620,
"fixed-seed sampling"). top-p, top-k and penalties are forced off: they would hide choices.

Pure: no I/O. numpy is the only dependency; torch lives in :mod:`airlock.outputs.reference`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from airlock.errors import InvalidInput
from airlock.outputs.transcript import MAX_SEED

MAX_VOCAB = 1 << 22

FloatArray = npt.NDArray[np.float64]


def gumbel_noise(seed: int, position: int, vocab: int) -> FloatArray:
    """The protocol's noise G for one position: a keyed PRF of (seed, position, i)."""
    if not 0 < vocab <= MAX_VOCAB:
        raise InvalidInput(f"vocabulary size {vocab} is out of range")
    if position < 0 or not 0 <= seed <= MAX_SEED:
        raise InvalidInput("seed and position must be non-negative")
    generator = np.random.Philox(key=seed + (position << 64))
    words = generator.random_raw(vocab)
    uniform = ((words >> np.uint64(11)).astype(np.float64) + 0.5) * (2.0**-53)
    noise: FloatArray = -np.log(-np.log(uniform))
    return noise


def perturbed(logits: npt.ArrayLike, temperature: float, seed: int, position: int) -> FloatArray:
    """z = l / T + G (or l itself when greedy): the values whose argmax is the token."""
    values = np.asarray(logits, dtype=np.float64)
    if values.ndim != 1:
        raise InvalidInput("logits of one position must be a vector")
    if temperature == 0.0:
        return values
    z: FloatArray = values / temperature + gumbel_noise(seed, position, values.shape[0])
    return z


def sample(logits: npt.ArrayLike, temperature: float, seed: int, position: int) -> int:
    """The token an honest upstream emits at ``position``."""
    return int(np.argmax(perturbed(logits, temperature, seed, position)))
