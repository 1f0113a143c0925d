"""Code put in memory and run there on Linux and macOS, and bytecode built from literals
(ADR 0113). Every denied and held sample here was allowed on ``f2b3010``; the near-misses
are what ctypes bindings, file readers and caches write."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

MMAP_LOADER = (
    "import mmap, ctypes\n"
    "buf = b'\\x90' * 64\n"
    "m = mmap.mmap(-1, len(buf), prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n"
    "m.write(buf)\n"
    "f = ctypes.CFUNCTYPE(None)(ctypes.addressof(ctypes.c_char.from_buffer(m)))\n"
    "f()\n"
)
DENIED = {
    "mmap-loader-on-import": init(MMAP_LOADER),
    "mmap-loader-when-called": init(
        "import mmap, ctypes\n"
        "def run(buf):\n"
        "    m = mmap.mmap(-1, len(buf), prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n"
        "    m.write(buf)\n"
        "    ctypes.CFUNCTYPE(None)(ctypes.addressof(ctypes.c_char.from_buffer(m)))()\n"
    ),
    "mmap-loader-positional-prot-7": init(
        "import mmap\n"
        "from ctypes import CFUNCTYPE, addressof, c_char\n"
        "m = mmap.mmap(-1, 4096, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, 7)\n"
        "m.write(b'\\xc3')\n"
        "addr = addressof(c_char.from_buffer(m))\n"
        "CFUNCTYPE(None)(addr)()\n"
    ),
    "mprotect-then-cast": init(
        "import ctypes\n"
        "libc = ctypes.CDLL('libc.so.6')\n"
        "buf = ctypes.create_string_buffer(b'\\x90' * 64)\n"
        "libc.mprotect(ctypes.addressof(buf) & ~0xfff, 0x1000, 7)\n"
        "ctypes.cast(buf, ctypes.CFUNCTYPE(None))()\n"
    ),
    "mprotect-named-flags-setup": {
        "setup.py": (
            "import ctypes, mmap\n"
            "from setuptools import setup\n"
            "libc = ctypes.CDLL(None)\n"
            "sc = ctypes.create_string_buffer(b'\\x31\\xc0' * 16)\n"
            "libc.mprotect(ctypes.addressof(sc) & ~4095, 4096,"
            " mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n"
            "ctypes.cast(sc, ctypes.CFUNCTYPE(ctypes.c_void_p))()\n"
            "setup(name='evpkg')\n"
        )
    },
    # Bytecode of another Python version does not load here: what matters is that it is
    # code written as bytes and run.
    "marshal-of-built-bytes-run": init(
        "import marshal\nexec(marshal.loads(b'\\xe3' + b'\\x00' * 40))\n"
    ),
}
HELD = {
    "executable-mapping-on-import": init(
        "import mmap\nm = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_EXEC)\n"
    ),
}
ALLOWED = {
    "mmap-of-a-file": init(
        "import mmap\n"
        "def read(path):\n"
        "    with open(path, 'rb') as f:\n"
        "        return mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)[:16]\n"
    ),
    "anonymous-buffer-and-callback": init(
        "import ctypes, mmap\n"
        "shared = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE)\n"
        "def _on_event(code):\n"
        "    return 0\n"
        "ON_EVENT = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)(_on_event)\n"
    ),
    "binding-by-name-on-import": init(
        "import ctypes, ctypes.util\n"
        "lib = ctypes.CDLL(ctypes.util.find_library('m') or 'libm.so.6')\n"
        "proto = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double)\n"
        "cos = proto(('cos', lib))\n"
        "cmp = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)(lambda a, b: 0)\n"
    ),
    "function-pointer-from-a-library-when-called": init(
        "import ctypes\n"
        "def call(lib, name):\n"
        "    addr = ctypes.cast(getattr(lib, name), ctypes.c_void_p).value\n"
        "    return ctypes.CFUNCTYPE(ctypes.c_int)(addr)()\n"
    ),
    "pickle-round-trip-on-import": init(
        "import pickle\nDEFAULTS = pickle.loads(pickle.dumps({'a': 1}))\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_exec_memory_and_built_bytecode(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
