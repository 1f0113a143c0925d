"""When a response may leave: the timing channel of the model-output channel. Pure.

The upstream chooses when its answer (and each streamed token) arrives; a gateway that
forwards at once hands that choice to whoever reads the answer outside. An upstream that
delays each token by 0-255 ms sends 8 bits per token that no replay can see, more than the
verifier lets through in the tokens themselves (docs/adr/0064).

With ``[outputs] release_quantum_ms = q``, a response leaves only at a *release point*, a
time after the request arrived that the gateway fixes in advance: q, 2q, 3q, 4q, and from
there each point a quarter later than the one before. A stream is read whole, then sent
at the point. A failure leaves at a point too, and the whole answer must arrive by the
upstream timeout. What timing can still carry is which point, and whether it was a
failure: at most log2(2 x points before the timeout) bits per response, about 6 bits for
q = 50 ms and a 300 s timeout. The quarter growth keeps the delay an honest response pays
to at most max(q, 25 %) of its own time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GROWTH = 1.25  # each point after the linear start is this much later than the one before
# An upstream may place each token's arrival anywhere within the read timeout, at the
# millisecond a caller can tell apart over a network (docs/adr/0064: the open channel).
OPEN_RESOLUTION_SECONDS = 0.001


@dataclass(frozen=True, slots=True)
class ReleaseClock:
    """Release points for a quantum (seconds > 0): q, 2q, ... while the step q is at least
    a quarter of the point, then x 1.25."""

    quantum: float

    def __post_init__(self) -> None:
        if not self.quantum > 0:
            raise ValueError("a release quantum must be positive")

    def next_point(self, elapsed: float) -> float:
        """The first release point at or after ``elapsed`` seconds since the request came."""
        point = self.quantum
        while point < elapsed:
            point = _after(point, self.quantum)
        return point

    def points_within(self, horizon: float) -> int:
        """How many release points there are up to ``horizon`` seconds (at least one)."""
        count, point = 1, self.quantum
        while (point := _after(point, self.quantum)) <= horizon:
            count += 1
        return count

    def bits_per_response(self, horizon: float) -> float:
        """What a response's timing can carry when the answer must arrive by ``horizon``:
        which release point, and answer or failure."""
        return math.log2(2 * self.points_within(horizon))


def _after(point: float, quantum: float) -> float:
    return max(point + quantum, point * GROWTH)


def open_bits_per_token(read_timeout: float) -> float:
    """What each streamed token's arrival time can carry when responses leave at once: any
    millisecond within the upstream's read timeout."""
    return math.log2(max(read_timeout / OPEN_RESOLUTION_SECONDS, 1.0) + 1)


@dataclass(frozen=True, slots=True)
class TimingBound:
    """What the timing of responses can carry past the verifier: per response when they
    leave at release points, per streamed token when they leave at once."""

    per_response: float
    per_token: float

    @property
    def open(self) -> bool:
        return self.per_token > 0

    def per_served_token(self, responses: int, tokens: int) -> float:
        """Bits per token served, at the mix of responses and tokens seen so far (one token
        a response before any was served: the most a response can carry per token)."""
        return self.per_token + self.per_response * (responses / tokens if tokens else 1.0)


def timing_bound(release_quantum_ms: int, timeout_seconds: float) -> TimingBound:
    """The timing channel under ``[outputs] release_quantum_ms`` and ``timeout_seconds``."""
    if not release_quantum_ms:
        return TimingBound(per_response=0.0, per_token=open_bits_per_token(timeout_seconds))
    clock = ReleaseClock(release_quantum_ms / 1000)
    return TimingBound(per_response=clock.bits_per_response(timeout_seconds), per_token=0.0)
