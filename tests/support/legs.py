"""The suite's optional legs: what each needs, how it is skipped, and the closing summary.

``make test`` runs every leg the machine can run. A leg that cannot run is skipped with a
reason tagged ``[NAME leg]`` (in CI, where ``.ci/run`` installs everything, it fails instead),
and the session ends with one line naming each skipped leg and how to enable it (issue 13).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from typing import NoReturn

import pytest


@dataclass(frozen=True, slots=True)
class Leg:
    name: str
    enable: str


POSTGRES = Leg(
    "postgres",
    "install Debian's postgresql package (the suite then starts a throwaway server) "
    "or set AIRLOCK_TEST_POSTGRES_URL to a test database",
)
BROWSER = Leg("browser", "install Debian's chromium package")
EMBEDDINGS = Leg("embeddings", "run .venv/bin/pip install -e '.[dev,embeddings]'")
HSM = Leg("hsm", "install Debian's softhsm2 package and pip install -e '.[dev]' (python-pkcs11)")
OUTPUTS = Leg("outputs", "run .venv/bin/pip install -e '.[dev,outputs]'")
FORMATS = Leg("formats", "run .venv/bin/pip install -e '.[dev,formats]'")
LEGS = (POSTGRES, BROWSER, EMBEDDINGS, OUTPUTS, HSM, FORMATS)
_TAG = re.compile(r"\[(\w+) leg\]")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def skip_leg(leg: Leg, why: str) -> NoReturn:
    """Skip this test because ``leg`` cannot run here; in CI that is a failure."""
    if in_ci():
        pytest.fail(f"the {leg.name} leg must run in CI ({why}): .ci/run must {leg.enable}")
    pytest.skip(f"[{leg.name} leg] {why}: {leg.enable}")


def skipped_legs(reasons: list[str]) -> Counter[str]:
    """How many skipped tests each leg had, from the skip reasons."""
    return Counter(match.group(1) for reason in reasons if (match := _TAG.search(reason)))


def summary_line(counts: Counter[str]) -> str:
    if not counts:
        return "legs: none skipped (" + ", ".join(leg.name for leg in LEGS) + ")"
    parts = [
        f"{leg.name} ({counts[leg.name]} tests; to run it, {leg.enable})"
        for leg in LEGS
        if counts[leg.name]
    ]
    return "LEGS SKIPPED: " + "; ".join(parts)


def write_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The closing line: which legs were skipped and how to enable each."""
    reasons = []
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        if isinstance(longrepr, tuple) and len(longrepr) == 3:
            reasons.append(str(longrepr[2]))
    counts = skipped_legs(reasons)
    terminalreporter.write_sep("=", summary_line(counts), yellow=bool(counts), green=not counts)
