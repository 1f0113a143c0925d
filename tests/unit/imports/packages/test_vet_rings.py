"""A fork bomb by recursion through a ring of three or more functions (ADR 0103): ADR 0098
read one step (``a -> b -> a``), so ``a -> b -> c -> a`` was allowed. Samples are inert:
vetting only reads files."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package


def ring(size: int, *, last: str = "") -> str:
    """``f0`` forks and calls ``f1``, ..., ``f{size-1}`` calls ``f0`` (``last`` before it)."""
    body = ["import os", "def f0():", "    os.fork()", "    f1()"]
    for i in range(1, size):
        after = f"f{(i + 1) % size}()"
        body += [
            f"def f{i}():",
            *([f"    {last}"] if last and i == size - 1 else []),
            f"    {after}",
        ]
    return "\n".join([*body, "f0()", ""])


DENIED = {
    "fork-bomb-round-three-functions": init(ring(3)),
    "fork-bomb-round-six-functions": init(ring(6)),
    "process-bomb-round-three-functions": init(
        "import multiprocessing\n"
        "def a():\n    multiprocessing.Process(target=b).start()\n    b()\n"
        "def b():\n    c()\n"
        "def c():\n    a()\n"
        "a()\n"
    ),
}
ALLOWED = {
    # One function of the ring returns first: the recursion has a way out.
    "ring-with-a-return": init(ring(3, last="return")),
    # ... or waits for its child, as a supervisor restarting a worker does.
    "ring-that-waits": init(ring(3, last="os.wait()")),
    # A ring that makes no process is a parser's or a state machine's.
    "ring-without-a-fork": init(
        "def a(n):\n    b(n)\ndef b(n):\n    c(n)\ndef c(n):\n    if n:\n        a(n - 1)\na(3)\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_verdict(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
