"""Name look-ups of the data-flow pass read once per archive (issue 16, ADR 0061).

The cross-file pass asked the same questions of the same trees thousands of times (which
statement defines ``run`` in this module, which method ``__init__`` in this class), each by a
walk of the statements. The answers are now read once; they must be the answers the walks gave.
"""

from __future__ import annotations

import ast

from airlock.imports.packages import across
from airlock.imports.packages.flow import Interpreter
from airlock.imports.packages.local import LocalModules, TopNames

MODULE = """
from __future__ import annotations
import os
from .net import send
def run(): pass
class run: pass
from .b import send as post, other
from . import tool
from .c import send
async def fetch(): pass
"""


def test_the_first_definition_and_the_first_import_of_a_name_count() -> None:
    tree = ast.parse(MODULE)
    names = TopNames.of(tree)
    first_run = next(s for s in tree.body if getattr(s, "name", "") == "run")
    assert names.defined["run"] is first_run
    assert isinstance(names.defined["fetch"], ast.AsyncFunctionDef)
    assert names.imported == {
        "send": ".net.send",  # not the later ``from .c import send``
        "post": ".b.send",
        "other": ".b.other",
        "tool": ".tool",
    }


def test_the_names_of_a_module_the_archive_does_not_parse_are_none() -> None:
    package = LocalModules.of({"pkg/a.py": MODULE.encode()}, sdist=False)
    names = package.top_names("pkg.a")
    assert names is not None
    assert "run" in names.defined
    assert package.top_names("pkg.missing") is None
    assert package.top_names("pkg.a") is names  # read once


CLASS = """
class K:
    def a(self): pass
    x = 1
    def b(self): pass
    async def c(self): pass
    def a(self, value): pass
    class a: pass
"""


def test_methods_come_in_body_order_as_the_walk_gave_them() -> None:
    cls = ast.parse(CLASS).body[0]
    assert isinstance(cls, ast.ClassDef)
    body = cls.body
    interp = Interpreter(install_time=False)
    assert interp.methods(cls, ("a",)) == [body[0], body[4]]  # both, the nested class not
    assert interp.methods(cls, ("b", "a", "c")) == [body[0], body[2], body[3], body[4]]
    assert interp.methods(cls, ("a", "a")) == [body[0], body[4]]
    assert interp.methods(cls, ("missing",)) == []
    assert interp.methods(None, ("a",)) == []


def test_a_function_body_is_read_once_for_its_globals_and_returns() -> None:
    func = ast.parse(
        "def f(x):\n    global g, h\n    if x:\n        return 1\n"
        "    def inner():\n        global z\n        yield 4\n        return 3\n"
        "    yield 5\n    return x\n"
    ).body[0]
    assert isinstance(func, ast.FunctionDef)
    package = LocalModules({})
    interp = Interpreter(install_time=False, package=package)
    declared, returns, handed = interp.body_of(func)
    assert declared == ("g", "h")  # not the nested function's
    assert sorted(ast.unparse(r) for r in returns) == ["1", "x"]
    assert [ast.unparse(y) for y in handed] == ["(yield 5)"]  # not the nested function's
    # Kept for the archive: another walk of it (another start module) reads it again.
    again = Interpreter(install_time=False, package=package).body_of(func)
    assert again == (declared, returns, handed)
    assert id(func) in package.bodies


def test_a_function_of_another_module_is_looked_up_once_per_archive() -> None:
    package = LocalModules.of(
        {
            "pkg/__init__.py": b"from .util import run as go\n",
            "pkg/util.py": b"import subprocess\n\n\ndef run():\n    subprocess.run('id')\n",
        },
        sdist=False,
    )
    first = Interpreter(install_time=False, package=package, module="pkg")
    found = across.local_function(first, ".go", "pkg", 0)  # re-exported: followed into pkg.util
    assert found is not None
    assert (found[0], found[1].name) == ("pkg.util", "run")
    # Another start module's walk gets the same answer, from the archive's record.
    again = Interpreter(install_time=False, package=package, module="pkg")
    assert across.local_function(again, ".go", "pkg", 0) is found
    assert package.definitions[".go", "pkg", 0] is found
    assert across.local_function(again, ".missing", "pkg", 0) is None
