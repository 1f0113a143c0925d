"""What a module's top level does on import, read from its tree (ADR 0176): only the module
level counts, never a function's body, which runs when called."""

from __future__ import annotations

import ast

import pytest

from airlock.imports.packages.toplevel import ModuleLevel, module_level


def level(source: str) -> ModuleLevel:
    return module_level(ast.parse(source))


@pytest.mark.parametrize(
    ("source", "used_from"),
    [
        ("from .zz import go\ngo()\n", {".zz"}),
        ("from .zz import go\ng = go\n", {".zz"}),  # handed on, not called
        ("import evpkg.zz\nevpkg.zz.go()\n", {"evpkg.zz"}),
        ("import evpkg.zz as z\nz.go()\n", {"evpkg.zz"}),
        ("from . import zz\nclass K(zz.Base):\n    pass\n", {"."}),
        ("from .zz import go\n@go\ndef f():\n    pass\n", {".zz"}),
        ("from .zz import go\ndef f(x=go()):\n    pass\n", {".zz"}),
        ("from .zz import go\nx = f'{go()}'\n", {".zz"}),
        (
            "from .zz import go\nif True:\n    try:\n        go()\n    finally:\n        pass\n",
            {".zz"},
        ),
        ("from .zz import go\nclass K:\n    x = go()\n", {".zz"}),
        # Not module level: a function's body, a method's body.
        ("from .zz import go\ndef f():\n    go()\n", set()),
        ("from .zz import go\nclass K:\n    def m(self):\n        go()\n", set()),
        # Named, never used: the import itself, a string, an attribute of something else.
        ("from .zz import go\n__all__ = ['go']\nx = y.go\n", set()),
        # Used, never imported here: a function's own import binds a local name.
        ("def f():\n    from .zz import go\ngo = 1\nprint(go)\n", set()),
    ],
)
def test_an_imported_name_counts_where_the_module_level_uses_it(
    source: str, used_from: set[str]
) -> None:
    assert level(source).used_from == used_from


@pytest.mark.parametrize(
    ("source", "calls_own"),
    [
        ("class K:\n    pass\nK()\n", True),
        ("def deco(f):\n    return f\n@deco\ndef g():\n    pass\n", True),
        ("class M(type):\n    pass\nclass K(metaclass=M):\n    pass\n", True),
        ("class B:\n    pass\nclass K(B):\n    pass\n", True),
        ("class B:\n    pass\nB[int]\n", True),
        ("exec(code)\n", True),
        ("import atexit\natexit.register(print)\n", True),
        # Defined, never called on import; a def statement is not a call of it.
        ("def f(x):\n    return f(x - 1)\nclass K:\n    def m(self):\n        K()\n", False),
        ("print(len([]))\n", False),
    ],
)
def test_a_call_of_the_module_s_own_code_on_import(source: str, calls_own: bool) -> None:
    assert level(source).calls_own is calls_own


def test_a_program_run_and_an_import_by_literal_name_on_import() -> None:
    assert level("import subprocess\nsubprocess.run(['x'])\n").runs_file
    assert level("import os\nos.system('x')\n").runs_file
    assert not level("import os\ndef f():\n    os.system('x')\n").runs_file
    assert level("z = __import__('evpkg.zz')\n").imports_by_name
    assert level("import importlib\nz = importlib.import_module(b'.zz')\n").imports_by_name
    assert not level("z = __import__(name)\n").imports_by_name
    assert not level("def f():\n    __import__('evpkg.zz')\n").imports_by_name


def test_a_name_deleted_or_bound_again_is_not_used() -> None:
    assert level("from .zz import go\ndel go\n").used_from == frozenset()
    assert level("from .zz import go\nfor go in []:\n    pass\n").used_from == frozenset()
