"""What of a module runs on import, read by names (ADR 0132): each line of a payload below is
asked whether importing the module reaches it."""

from __future__ import annotations

import ast

import pytest

from airlock.imports.packages.importruns import enclosing_names, import_run, innermost_name

PAYLOAD = "os.system('id')"


def runs(source: str) -> bool:
    """Whether the line holding :data:`PAYLOAD` runs when ``source`` is imported."""
    line = next(i for i, text in enumerate(source.splitlines(), 1) if PAYLOAD in text)
    return line in import_run(ast.parse(source)).lines


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(f"import os\n{PAYLOAD}\n", id="module-level"),
        pytest.param(f"def f():\n    {PAYLOAD}\n\nf()\n", id="called-at-module-level"),
        pytest.param(f"def f():\n    {PAYLOAD}\n\ndef g():\n    f()\n\nX = g()\n", id="two-deep"),
        pytest.param(f"def f():\n    {PAYLOAD}\n\n@deco(f)\ndef t():\n    pass\n", id="decorator"),
        pytest.param(f"def f():\n    {PAYLOAD}\n\ndef t(x=f()):\n    pass\n", id="default"),
        pytest.param(f"def f():\n    {PAYLOAD}\n\natexit.register(f)\n", id="handed-on"),
        pytest.param(f"atexit.register(lambda: {PAYLOAD})\n", id="lambda"),
        pytest.param(f"class K:\n    def __init__(self):\n        {PAYLOAD}\n\nK()\n", id="class"),
        pytest.param(f"class K:\n    x = {PAYLOAD}\n", id="class-body"),
        pytest.param(f"def __getattr__(name):\n    {PAYLOAD}\n", id="module-getattr"),
        pytest.param(f"def f():\n    {PAYLOAD}\n\ngetattr(m, 'f')()\n", id="named-in-a-string"),
        pytest.param(f"if x:\n    {PAYLOAD}\n", id="under-an-if"),
    ],
)
def test_runs_on_import(source: str) -> None:
    assert runs(source)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(f"def f():\n    {PAYLOAD}\n", id="never-called"),
        pytest.param(f"def test_f():\n    {PAYLOAD}\n", id="a-test"),
        pytest.param(f"def f():\n    {PAYLOAD}\n\ndef test_g():\n    f()\n", id="from-a-test"),
        pytest.param(f"if __name__ == '__main__':\n    {PAYLOAD}\n", id="main-block"),
        pytest.param(
            f"def main():\n    {PAYLOAD}\n\nif '__main__' == __name__:\n    main()\n",
            id="main-called-when-run",
        ),
        pytest.param(f"__all__ = ['f']\n\ndef f():\n    {PAYLOAD}\n", id="exported"),
    ],
)
def test_runs_only_when_called(source: str) -> None:
    assert not runs(source)


def test_enclosing_names_are_what_an_importer_must_use() -> None:
    tree = ast.parse(f"class K:\n    def go(self):\n        {PAYLOAD}\n\ndef other():\n    pass\n")
    assert enclosing_names(tree, 3) == {"K", "go"}
    assert enclosing_names(tree, 6) == {"other"}


def test_the_innermost_name_is_the_function_or_the_class_of_a_dunder() -> None:
    tree = ast.parse(
        f"class K:\n    def __init__(self):\n        {PAYLOAD}\n\n"
        f"    def go(self):\n        {PAYLOAD}\n\n{PAYLOAD}\n"
    )
    assert innermost_name(tree, 3) == "K"
    assert innermost_name(tree, 6) == "go"
    assert innermost_name(tree, 8) == ""
