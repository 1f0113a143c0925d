"""The inspection engine's public entry points, as the CLI and the gateway call them.

``airlock scan PATH... [--json]`` is: one :func:`inspect_stream` per file, then
:func:`overall_verdict` for the exit code (0 allow, 10 hold, 11 deny -- the CLI's table)
and :func:`report_to_json` for ``--json``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from airlock.domain.requests import Outcome
from airlock.exports.engine import Inspector
from airlock.exports.findings import FileReport, worst
from airlock.exports.limits import InspectionLimits
from airlock.exports.model_fingerprint import ModelFingerprint
from airlock.exports.readers import Readable

Verdict = Outcome  # allow / hold / deny; one enum across requests and inspection


def inspect_stream(
    name: str,
    stream: Readable,
    *,
    limits: InspectionLimits,
    protected: Sequence[ModelFingerprint] = (),
    size: int = 0,
) -> FileReport:
    """Inspect one export candidate read from ``stream``; ``name`` only labels the report.

    The format is recognised from content, never from ``name``. ``size`` is the stream's
    length when known (0: unknown). Never raises for bad content -- malformed, truncated
    and over-limit inputs hold with a finding. For many files, build one
    :class:`~airlock.exports.engine.Inspector` and call its ``inspect`` instead, so the
    protected-model index is built once.
    """
    return Inspector(limits, protected).inspect(name, stream, size)


def overall_verdict(reports: Iterable[FileReport]) -> Verdict:
    """The most restrictive verdict of all files; ``allow`` only if every file allows."""
    return worst(r.verdict for r in reports)
