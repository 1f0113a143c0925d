"""The exposition behind `GET /metrics`: the store's figures plus the decision latency.

The latency histogram is the one figure each process measures itself. With several
gateway workers, prometheus_client's multiprocess mode keeps it in files under
``PROMETHEUS_MULTIPROC_DIR`` (set by the supervisor before it spawns the workers) and a
scrape sums the files of every worker, live or restarted, so whichever worker answers
reports the whole gateway.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from airlock.errors import AuthenticationRequired, NotFound
from airlock.ops.metrics import LATENCY_BUCKETS, BoundaryFigures, families


class DecisionTimer:
    """Decision latency by request kind, for one gateway process."""

    def __init__(self, multiprocess_dir: str | None) -> None:
        self.multiprocess_dir = multiprocess_dir
        self._histogram = Histogram(
            "airlock_decision_seconds",
            "Time from a request's body being read to its decision, by request kind.",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=None,  # registered per scrape, never in the process-global registry
        )

    def observe(self, kind: str, seconds: float) -> None:
        self._histogram.labels(kind).observe(seconds)

    def exposition(self, figures: BoundaryFigures) -> bytes:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Figures(figures))
        if self.multiprocess_dir:
            MultiProcessCollector(registry, path=self.multiprocess_dir)  # type: ignore[no-untyped-call]
        else:
            registry.register(self._histogram)
        return generate_latest(registry)


class _Figures(Collector):
    def __init__(self, figures: BoundaryFigures) -> None:
        self._figures = figures

    def collect(self) -> Iterator[Metric]:
        return families(self._figures)


def check_scrape_token(authorization: str | None, expected_sha256: str) -> None:
    """Raises:
    NotFound: metrics are off (no token configured): fail closed, say how to turn them on.
    AuthenticationRequired: the bearer token is absent or wrong.
    """
    if not expected_sha256:
        raise NotFound(
            "metrics are off: set [metrics] scrape_token_sha256 (see `airlock scrape-token`)"
        )
    scheme, _, token = (authorization or "").partition(" ")
    digest = hashlib.sha256(token.strip().encode()).hexdigest()
    if scheme.lower() != "bearer" or not hmac.compare_digest(digest, expected_sha256):
        raise AuthenticationRequired("/metrics needs 'Authorization: Bearer <scrape token>'")
