"""A function applied again with another function or name (issue 16; ADR 0184).

The walk keeps what a function returned for the arguments it was given, so that a helper
called a hundred times alike is read once. The key held only the arguments' text and
labels: ``run(print, CMD)`` and ``run(os.system, CMD)`` were one call to it, and the
second was answered from the first, with no event. A function too deep to walk at once was
kept to walk later with the first call's arguments alone. An adversary calls the helper with
something harmless first. Every sample is inert: vetting only reads files."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import verdict_cases, vet_package
from tests.unit.imports.packages.test_vet_redteam7 import handed, one_file

RUN = "def run(f, c):\n    return f(c)\n"
GO = "import subprocess\ndef go(c):\n    subprocess.call(c, shell=True)\n"
OK = "def ok(c):\n    return c\n"

DENIED: dict[str, Mapping[str, str]] = {
    "builtin-first-then-a-sink": one_file("run(print, CMD)\nrun(os.system, CMD)\n", RUN),
    "len-first-then-a-sink": one_file("run(len, CMD)\nrun(os.system, CMD)\n", RUN),
    "own-function-first-then-the-payload": one_file("run(ok, CMD)\nrun(go, CMD)\n", GO + OK + RUN),
    "own-function-first-across-modules": handed(
        "from .zz import run\nfrom .a import ok\nrun(ok, CMD)\nrun(go, CMD)\n", GO + RUN, a=OK
    ),
    "by-keyword-first-harmless": one_file("run(f=print, c=CMD)\nrun(f=os.system, c=CMD)\n", RUN),
}


def chain(count: int) -> str:
    """``f0(c)`` calls ``f1(c)`` ... calls ``os.system(c)``: deeper than the walk goes on
    import, so it is walked after the module (ADR 0096) and held at most."""
    names = [f"f{i}" for i in range(count)] + ["os.system"]
    return "".join(f"def {a}(c):\n    {b}(c)\n" for a, b in itertools.pairwise(names))


# Past the depth, a function was kept to walk later once per moment, with the first call's
# arguments: ``f0('true')`` first, and ``f0(CMD)`` was never walked.
HELD: dict[str, Mapping[str, str]] = {
    "deep-chain-called-harmlessly-first": one_file("f0('true')\nf0(CMD)\n", chain(8)),
}

ALLOWED: dict[str, Mapping[str, str]] = {
    # A helper applied to many harmless functions alike stays a helper.
    "helper-applied-to-harmless-functions": one_file(
        "run(print, 'a')\nrun(len, 'a')\nrun(ok, 'a')\nrun(str.upper, 'a')\n", OK + RUN
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_a_function_applied_again_with_another_function(
    files: Mapping[str, str], expected: Outcome
) -> None:
    assert vet_package(files) is expected
