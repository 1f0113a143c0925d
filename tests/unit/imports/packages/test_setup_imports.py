"""The modules ``setup.py`` imports (its install helpers are among them): by statement
wherever a statement can stand, by ``__import__``/``import_module``, or in code it execs.

A text that is ASCII and names none of those calls has only its statements walked (issue 16:
speed); every case here is also checked against the walk over every node."""

from __future__ import annotations

import ast
from types import SimpleNamespace

import pytest

from airlock.imports.packages import analysis
from airlock.imports.packages.analysis import _imported_names, setup_imports

NESTED = """\
import a1
try:
    import a2
except ImportError:
    from a3.sub import x
else:
    import a5
finally:
    import a6
try:
    pass
except* OSError:
    import a4
for _ in range(2):
    import a7
else:
    import a8
while False:
    import a9
with open("f") as f:
    from a10 import y
match 1:
    case 1:
        import a11
    case _:
        import a12
def f():
    def g():
        import a13
class C:
    class D:
        import a14
async def h():
    async with x:
        import a15
    async for _ in y:
        import a16
if True:
    import a17
else:
    from . import z
"""


def test_imports_in_every_kind_of_statement_list_are_found() -> None:
    expected = {f"a{n}" for n in range(1, 18)}
    assert setup_imports(NESTED) == expected
    tree = ast.parse(NESTED)
    assert _imported_names(tree, NESTED) == _imported_names(tree) == expected | {""}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = __import__('os')\n", {"os"}),
        ("import importlib\nm = importlib.import_module('helper.sub')\n", {"importlib", "helper"}),
        ("exec('import secret_helper')\n", {"secret_helper"}),
        ("y = [lambda: __import__('socket') for _ in ()]\n", {"socket"}),
        ("exec('exec(\"import deep\")')\n", {"deep"}),
    ],
)
def test_calls_that_import_are_found_anywhere(source: str, expected: set[str]) -> None:
    assert setup_imports(source) == expected
    tree = ast.parse(source)
    assert _imported_names(tree, source) == _imported_names(tree)


def test_a_call_spelled_in_other_characters_is_still_found() -> None:
    # NFKC folds full-width letters into the identifier ``__import__``: the text does not
    # contain the name, so the statements-only walk must not be taken for it.
    source = "x = __\uff49\uff4d\uff50\uff4f\uff52\uff54__('os')\ne\uff58ec('import hidden')\n"
    assert setup_imports(source) == {"os", "hidden"}


def test_an_obfuscated_setup_py_has_only_its_statements_walked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    arithmetic = " + ".join(f"((({n} << 2) - 1) ^ {n})" for n in range(400))
    source = f"import sys\nfrom distutils.core import setup\nv = [{arithmetic}]\nsetup(name='x')\n"

    def every_node(tree: ast.AST) -> None:
        raise AssertionError("walked every node of a text that names no importing call")

    # The analysis module's view of ``ast`` only: pytest itself walks trees to report.
    monkeypatch.setattr(analysis, "ast", SimpleNamespace(**{**vars(ast), "walk": every_node}))
    assert setup_imports(source) == {"sys", "distutils"}
