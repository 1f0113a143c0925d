"""Code the language runs with no call written at module level (ADR 0057): ``match`` cases,
default values and annotations, special methods of a local instance, descriptors'
``__set_name__``, ``from os import *``, ``__builtins__['exec']``, libc through ``ctypes``
and bytecode written into the source. Each runs an (inert, never executed) command on
import, and each was allowed before."""

from __future__ import annotations

import marshal

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.analysis import scan_python
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import wheel

RUN = "os.system('id')"
CODE = marshal.dumps(compile("import os\nos.system('id')\n", "x", "exec"))

RUNS_ON_IMPORT = {
    "match-case": f"import os\nmatch 1:\n    case _:\n        {RUN}\n",
    "match-guard": f"import os\nmatch 1:\n    case 1 if {RUN}:\n        pass\n",
    "default-value": f"import os\n\n\ndef f(x={RUN}):\n    return x\n",
    "keyword-default": f"import os\n\n\ndef f(*, x={RUN}):\n    return x\n",
    "lambda-default": f"import os\nf = lambda x={RUN}: x\n",
    "annotation": f"import os\nx: {RUN} = 1\n",
    "parameter-annotation": f"import os\n\n\ndef f(x: {RUN}):\n    return x\n",
    "with-exit": (
        "import os\n\n\nclass C:\n    def __enter__(self):\n        return self\n\n"
        f"    def __exit__(self, *a):\n        {RUN}\n\n\nwith C():\n    pass\n"
    ),
    "property": (
        "import os\n\n\nclass C:\n    @property\n    def p(self):\n"
        f"        return {RUN}\n\n\nC().p\n"
    ),
    "operator": (
        f"import os\n\n\nclass C:\n    def __add__(self, o):\n        return {RUN}\n\n\nC() + 1\n"
    ),
    "reflected-operator": (
        f"import os\n\n\nclass C:\n    def __radd__(self, o):\n        return {RUN}\n\n\n1 + C()\n"
    ),
    "iteration": (
        "import os\n\n\nclass C:\n    def __iter__(self):\n"
        f"        {RUN}\n        return iter([])\n\n\nfor _ in C():\n    pass\n"
    ),
    "str": (
        f"import os\n\n\nclass C:\n    def __str__(self):\n        {RUN}\n        return ''\n\n\n"
        "str(C())\n"
    ),
    "instance-call": (
        f"import os\n\n\nclass C:\n    def __call__(self):\n        {RUN}\n\n\nc = C()\nc()\n"
    ),
    "getitem": (
        f"import os\n\n\nclass C:\n    def __getitem__(self, k):\n        {RUN}\n\n\nC()[0]\n"
    ),
    "set-name": (
        "import os\n\n\nclass D:\n    def __set_name__(self, owner, name):\n"
        f"        {RUN}\n\n\nclass A:\n    x = D()\n"
    ),
    "star-import": "from os import *\nsystem('id')\n",
    "builtins-dict": "__builtins__['ex' + 'ec'](\"import os; os.system('id')\")\n",
    "globals-builtins": "globals()['__builtins__']['exec'](\"import os; os.system('id')\")\n",
    "ctypes-unnamed-library": "import ctypes\nctypes.CDLL(None).system(b'id')\n",
    "ctypes-found-library": (
        "import ctypes, ctypes.util\nlibc = ctypes.CDLL(ctypes.util.find_library('c'))\n"
        "libc.system(b'id')\n"
    ),
    "bytes-literal-exec": "exec(b\"import os; os.system('id')\")\n",
    "escaped-code": (
        "exec(b'"
        + "".join(f"\\\\x{b:02x}" for b in b"import os; os.system('id')")
        + "'.decode('unicode_escape'))\n"
    ),
    "static-method": (
        f"import os\n\n\nclass A:\n    @staticmethod\n    def go():\n        {RUN}\n\n\nA.go()\n"
    ),
    "class-method": (
        "import os\n\n\nclass A:\n    @classmethod\n    def go(cls, c):\n"
        "        os.system(c)\n\n\nA.go('id')\n"
    ),
    "post-init": (
        "import os\nfrom dataclasses import dataclass\n\n\n@dataclass\nclass A:\n    x: int = 1\n\n"
        f"    def __post_init__(self):\n        {RUN}\n\n\nA()\n"
    ),
    "class-getitem": (
        f"import os\n\n\nclass A:\n    def __class_getitem__(cls, k):\n        {RUN}\n\n\nA[int]\n"
    ),
    "gc-callback": f"import gc, os\ngc.callbacks.append(lambda phase, info: {RUN})\n",
    "timeit": "import timeit\ntimeit.timeit(\"__import__('os').system('id')\", number=1)\n",
    "profiler": "import cProfile\ncProfile.run(\"__import__('os').system('id')\")\n",
    "python-api": (
        "import ctypes\nctypes.pythonapi.PyRun_SimpleString(b\"import os; os.system('id')\")\n"
    ),
    "eval-returns-a-lambda": "f = eval(\"lambda: __import__('os').system('id')\")\nf()\n",
    "exec-given-globals": "import os\nexec(\"s('id')\", {'s': os.system})\n",
    "exec-given-a-table": "import os\ng = {'s': os.system}\nexec(\"s('id')\", g)\n",
    "marshal-literal": f"import marshal\nexec(marshal.loads({CODE!r}))\n",
    "function-of-code": (
        f"import marshal, types\ntypes.FunctionType(marshal.loads({CODE!r}), {{}})()\n"
    ),
}

# The same shapes where nothing runs the command on import: they stay below a hold.
QUIET = {
    "match-other-sink-free": "match 1:\n    case _:\n        x = 2\n",
    "default-constant": "import os\n\n\ndef f(x=1):\n    os.system('id')\n",
    "lazy-annotation": f"from __future__ import annotations\nimport os\nx: {RUN} = 1\n",
    "with-no-instance": f"import os\n\n\nclass C:\n    def __exit__(self, *a):\n        {RUN}\n",
    "property-never-read": (
        f"import os\n\n\nclass C:\n    @property\n    def p(self):\n        return {RUN}\n\n\nC()\n"
    ),
    "operator-in-function": (
        f"import os\n\n\nclass C:\n    def __add__(self, o):\n        return {RUN}\n\n\n"
        "def later():\n    return C() + 1\n"
    ),
    "star-import-non-sink": "from os import *\nx = getcwd()\n",
    "static-method-never-called": (
        f"import os\n\n\nclass A:\n    @staticmethod\n    def go():\n        {RUN}\n"
    ),
    "eval-lambda-never-called": "f = eval(\"lambda: __import__('os').system('id')\")\n",
    "marshal-from-file": "import marshal\n\n\ndef load(f):\n    return marshal.loads(f.read())\n",
}


def _worst(findings: list[PackageFinding]) -> Severity:
    return max((f.severity for f in findings), default=Severity.LOW)


@pytest.mark.parametrize("key", sorted(RUNS_ON_IMPORT))
def test_code_run_with_no_call_written_holds(key: str) -> None:
    assert _worst(scan_python("evpkg/__init__.py", RUNS_ON_IMPORT[key])) >= Severity.HIGH


@pytest.mark.parametrize("key", sorted(QUIET))
def test_the_same_shapes_running_nothing_on_import_stay_below_a_hold(key: str) -> None:
    assert _worst(scan_python("evpkg/__init__.py", QUIET[key])) < Severity.HIGH


@pytest.mark.parametrize("key", ["match-case", "with-exit", "star-import", "marshal-literal"])
def test_a_wheel_running_them_on_import_is_not_allowed(key: str) -> None:
    data = wheel("evpkg", "1.0", {"evpkg/__init__.py": RUNS_ON_IMPORT[key]})
    report = vet("evpkg-1.0-py3-none-any.whl", data)
    assert report.verdict is not Outcome.ALLOW, report.to_json()


def test_bytecode_written_into_the_source_and_run_denies() -> None:
    found = scan_python("evpkg/__init__.py", RUNS_ON_IMPORT["marshal-literal"])
    assert _worst(found) is Severity.CRITICAL
