"""Score each replayed token by how well legitimate sampling explains it.

For every output position the verifier recomputes ``z = l / T + G`` from the reference
model's logits and the logged seed (:mod:`airlock.outputs.protocol`). With ``a`` the
replayed argmax and ``c`` the token the upstream emitted, the margin ``z_a - z_c`` is 0 for
an exact replay. Floating-point non-determinism moves each logit by at most ``tolerance``
(in logit units), so ``z`` moves by at most ``tolerance / T`` and a margin up to
``2 * tolerance / T`` is still consistent with honest sampling.

* Fixed-seed sampling likelihood (Rinberg et al., arXiv 2511.02620, section 4): the chance
  that logit noise of standard deviation ``tolerance / 3`` per logit turns ``c`` into the
  argmax, ``Phi(-margin / s)`` with ``s`` the standard deviation of the margin; reported as
  its negative log2 (``surprise_bits``), 0 for an exact match.
* Unexplained bits: a token outside the tolerance could have been any of the ``r + 1``
  tokens ranked at or above it, so it can have carried ``log2(r + 1)`` chosen bits.
* Tolerance capacity: at each position the tokens within tolerance of the argmax are ones
  a cheating upstream could pick undetected; ``log2`` of their number is the payload rate
  it could sustain under verification (reported, never hidden).

Pure: arrays in, values out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from airlock.errors import InvalidInput
from airlock.outputs.protocol import perturbed

DEFAULT_TOLERANCE = 0.05  # logit units; what bf16 GPU kernels may move a logit by
MAX_SURPRISE_BITS = 1024.0


class Fit(StrEnum):
    EXACT = "exact"  # the replayed token
    WITHIN_TOLERANCE = "within-tolerance"  # a near tie that float noise could flip
    UNEXPLAINED = "unexplained"  # legitimate sampling does not produce this token


@dataclass(frozen=True, slots=True)
class TokenScore:
    position: int
    token: int
    replayed: int
    fit: Fit
    margin: float  # z_replayed - z_token, in z units (>= 0)
    rank: int  # tokens with a larger z than the emitted one
    surprise_bits: float  # -log2 fixed-seed sampling likelihood
    unexplained_bits: float
    capacity_bits: float  # log2 of the tokens within tolerance of the argmax

    def __post_init__(self) -> None:
        if self.margin < 0 or self.rank < 0 or self.unexplained_bits < 0:
            raise InvalidInput("a token score's margin, rank and bits are non-negative")


@dataclass(frozen=True, slots=True)
class ResponseScore:
    tokens: tuple[TokenScore, ...]

    @property
    def unexplained_bits(self) -> float:
        return sum(t.unexplained_bits for t in self.tokens)

    @property
    def capacity_bits(self) -> float:
        return sum(t.capacity_bits for t in self.tokens)

    @property
    def surprise_bits(self) -> float:
        return sum(t.surprise_bits for t in self.tokens)

    @property
    def unexplained(self) -> tuple[TokenScore, ...]:
        return tuple(t for t in self.tokens if t.fit is Fit.UNEXPLAINED)


def score_token(
    logits: npt.ArrayLike,
    token: int,
    *,
    temperature: float,
    seed: int,
    position: int,
    tolerance: float = DEFAULT_TOLERANCE,
) -> TokenScore:
    """Score one emitted token against the replay at ``position``.

    Raises:
        InvalidInput: the token is outside the vocabulary (it cannot have been sampled).
    """
    z = perturbed(logits, temperature, seed, position)
    if not 0 <= token < z.shape[0]:
        raise InvalidInput(f"token {token} is outside the vocabulary of {z.shape[0]}")
    if tolerance < 0:
        raise InvalidInput("the tolerance cannot be negative")
    replayed = int(np.argmax(z))
    top = float(z[replayed])
    margin = max(0.0, top - float(z[token]))
    bound = 2 * tolerance / temperature if temperature > 0 else 2 * tolerance
    rank = int(np.count_nonzero(z > z[token]))
    near = int(np.count_nonzero(z >= top - bound))
    if token == replayed:
        fit, unexplained = Fit.EXACT, 0.0
    elif margin <= bound:
        fit, unexplained = Fit.WITHIN_TOLERANCE, 0.0
    else:
        fit, unexplained = Fit.UNEXPLAINED, math.log2(rank + 1)
    return TokenScore(
        position=position,
        token=token,
        replayed=replayed,
        fit=fit,
        margin=margin,
        rank=rank,
        surprise_bits=_surprise_bits(margin, bound),
        unexplained_bits=unexplained,
        capacity_bits=math.log2(max(1, near)),
    )


def score_response(
    logits: npt.ArrayLike,
    tokens: Sequence[int],
    *,
    temperature: float,
    seed: int,
    tolerance: float = DEFAULT_TOLERANCE,
) -> ResponseScore:
    """Score every output token; ``logits[t]`` are the reference logits before token t.

    Raises:
        InvalidInput: the logits do not cover the tokens one for one.
    """
    rows = np.asarray(logits, dtype=np.float64)
    if rows.ndim != 2 or rows.shape[0] != len(tokens):
        raise InvalidInput(
            f"replay produced {rows.shape[0] if rows.ndim else 0} positions for "
            f"{len(tokens)} tokens"
        )
    return ResponseScore(
        tuple(
            score_token(
                rows[t],
                token,
                temperature=temperature,
                seed=seed,
                position=t,
                tolerance=tolerance,
            )
            for t, token in enumerate(tokens)
        )
    )


def _surprise_bits(margin: float, bound: float) -> float:
    """-log2 Phi(-margin / s), s = the margin's noise deviation (bound is 3 * sqrt(2) s)."""
    if margin <= 0:
        return 0.0
    if bound <= 0:
        return MAX_SURPRISE_BITS
    x = margin / (bound / (3 * math.sqrt(2)))
    tail = 0.5 * math.erfc(x / math.sqrt(2))
    if tail > 0:
        return min(MAX_SURPRISE_BITS, -math.log2(tail))
    # Mills ratio: ln Phi(-x) ~ -x^2/2 - ln(x sqrt(2 pi)) for large x
    log_tail = -x * x / 2 - math.log(x * math.sqrt(2 * math.pi))
    return min(MAX_SURPRISE_BITS, -log_tail / math.log(2))
