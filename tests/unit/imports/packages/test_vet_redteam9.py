"""A ninth red-team pass (issue 16; ADR 0183): two of ADR 0181's open shapes.

* ``m[0]`` of the match ``re.sub`` hands its function read the text's first letter, not the
  match: ``m.group(0)`` was followed, the subscript was not.
* ``functools.update_wrapper(go, w)`` hands back ``go``: calling it lost ``go``.

Near-misses a real package writes stay allowed. Every sample is inert: vetting only reads
files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import verdict_cases, vet_package
from tests.unit.imports.packages.test_vet_redteam7 import handed, helped, one_file

# ``go`` runs the text of the match it is handed, read by a subscript.
SUBSCRIPTED = (
    "import subprocess\ndef go(m):\n    subprocess.call(m[0], shell=True)\n    return ''\n"
)
UPDATED = "import functools\ndef w(c):\n    pass\nfunctools.update_wrapper(go, w)(CMD)\n"

DENIED: dict[str, Mapping[str, str]] = {
    "re-sub-match-subscripted": handed("import re\nre.sub('.+', go, CMD)\n", SUBSCRIPTED),
    "re-sub-match-subscripted-in-one-file": one_file(
        "import re\nre.sub('.+', go, CMD)\n", SUBSCRIPTED
    ),
    "re-sub-by-a-lambda-subscripted": one_file(
        "import re\nre.sub('.+', lambda m: os.system(m[0]) and '', CMD)\n", ""
    ),
    "update-wrapper-called": handed(UPDATED),
    "update-wrapper-called-in-one-file": one_file(UPDATED),
}

ALLOWED: dict[str, Mapping[str, str]] = {
    "template-filled-from-the-environment-by-a-subscript": one_file(
        "import re\nT = re.sub(r'\\$(\\w+)', lambda m: os.environ.get(m[1], ''), '$HOME/x')\n"
    ),
    "revision-read-through-update-wrapper": helped(
        "import functools\nfrom .zz import git_rev\n"
        "def _w():\n    pass\nREV = functools.update_wrapper(git_rev, _w)()\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_a_subscripted_match_or_an_updated_wrapper_handed_on(
    files: Mapping[str, str], expected: Outcome
) -> None:
    assert vet_package(files) is expected
