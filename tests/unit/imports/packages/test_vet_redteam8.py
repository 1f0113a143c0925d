"""An eighth red-team pass (issue 16; ADR 0181): what ADR 0177 left open about a function
or class handed on.

* A local class called by name with keywords (``K(c=cmd)``): its ``__init__`` was run
  without them.
* ``re.sub(p, f, text)``, ``re.subn`` and a compiled pattern's ``sub``: ``f`` is called on
  a match of the text, and ``m.group()`` hands the text back.
* ``functools.cmp_to_key(f)`` as a sort key: ``f`` is called on pairs of items.
* ``functools.wraps(w)(f)``: the wrapper made is ``f``.

Already denied on main, so not here: ``weakref.finalize(o, go, cmd)`` (a hander since ADR
0048), a function decorated with ``@functools.wraps(w)`` and called, a class looked up in a
dict written at the call (``{'x': K}['x'](cmd)``). Near-misses a real package writes stay
allowed. Every sample is inert: vetting only reads files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import GIT_VERSION, verdict_cases, vet_package
from tests.unit.imports.packages.test_vet_redteam7 import handed, helped, one_file

# ``go`` runs the text of the match it is handed: alone, it makes no chain.
MATCHED = (
    "import subprocess\ndef go(m):\n    subprocess.call(m.group(0), shell=True)\n    return ''\n"
)
# A comparison that runs its second item.
COMPARES = "import subprocess\ndef go(a, b):\n    subprocess.call(b, shell=True)\n    return 0\n"
# A class whose ``__init__`` runs what it is given by keyword.
BY_KEYWORD = (
    "import subprocess\nclass K:\n"
    "    def __init__(self, c=''):\n        subprocess.call(c, shell=True)\n"
)
SORTED = "import functools\nsorted(['a', CMD], key=functools.cmp_to_key(go))\n"

DENIED: dict[str, Mapping[str, str]] = {
    # A local class called by name with keywords.
    "class-called-with-a-keyword": one_file("K(c=CMD)\n", BY_KEYWORD),
    "class-called-with-a-keyword-in-a-function": one_file(
        "def main():\n    return K(c=CMD)\nmain()\n", BY_KEYWORD
    ),
    # A function handed a match.
    "re-sub": handed("import re\nre.sub('.+', go, CMD)\n", MATCHED),
    "re-subn": handed("import re\nre.subn('.+', go, CMD)\n", MATCHED),
    "compiled-pattern-sub": handed("import re\nre.compile('.+').sub(go, CMD)\n", MATCHED),
    "compiled-pattern-kept-then-sub": handed(
        "import re\nP = re.compile('.+')\nP.sub(go, CMD)\n", MATCHED
    ),
    "re-sub-in-one-file": one_file("import re\nre.sub('.+', go, CMD)\n", MATCHED),
    "re-sub-by-a-lambda": one_file(
        "import re\nre.sub('.+', lambda m: os.system(m.group(0)) and '', CMD)\n", ""
    ),
    # A comparison function made a key.
    "cmp-to-key": handed(SORTED, COMPARES),
    "cmp-to-key-in-one-file": one_file(SORTED, COMPARES),
    # A wrapper made by ``functools.wraps``.
    "wraps-called": handed("import functools\ndef w(c):\n    pass\nfunctools.wraps(w)(go)(CMD)\n"),
    "wraps-called-in-one-file": one_file(
        "import functools\ndef w(c):\n    pass\nfunctools.wraps(w)(go)(CMD)\n"
    ),
    # What a keyword of those calls runs is read too (denied on main as well: it guards
    # the order of the reads).
    "keyword-of-wraps-runs": one_file(
        "import functools\ndef w(c):\n    pass\nfunctools.wraps(w, updated=os.system(CMD))\n", ""
    ),
}

ALLOWED: dict[str, Mapping[str, str]] = {
    "runner-class-given-a-git-command-by-keyword": one_file(
        "R = Runner(cmd=['git', 'describe', '--tags'])\n",
        "import subprocess\nclass Runner:\n"
        "    def __init__(self, cmd=('git', 'rev-parse', 'HEAD')):\n"
        "        self.out = subprocess.check_output(list(cmd))\n",
    ),
    "template-filled-from-the-environment-by-re-sub": one_file(
        "import re\nT = re.sub(r'\\$(\\w+)', lambda m: os.environ.get(m.group(1), ''), '$HOME/x')\n"
    ),
    "names-normalised-by-a-compiled-pattern": helped(
        "import re\nfrom .zz import norm\n"
        "N = re.compile('[A-Z]+').sub(lambda m: norm(m.group(0)), 'AbC')\n"
    ),
    "versions-sorted-by-a-comparison": {
        "evpkg/__init__.py": "import functools\n"
        + GIT_VERSION
        + "def cmp(a, b):\n    return (a > b) - (a < b)\n"
        "V = sorted(['1.0', '2.0'], key=functools.cmp_to_key(cmp))\n",
    },
    "revision-read-through-wraps": helped(
        "import functools\nfrom .zz import git_rev\n"
        "def _w():\n    pass\nREV = functools.wraps(_w)(git_rev)()\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_a_class_by_keyword_a_match_a_comparison_or_a_wrapper_handed_on(
    files: Mapping[str, str], expected: Outcome
) -> None:
    assert vet_package(files) is expected
