"""What a function reads besides its arguments (:mod:`applied`, ADR 0185)."""

from __future__ import annotations

import ast

from airlock.imports.packages import applied


def _func(source: str) -> ast.FunctionDef | ast.Lambda:
    node = ast.parse(source).body[0]
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Lambda):
        return node.value
    assert isinstance(node, ast.FunctionDef)
    return node


def test_free_names_are_read_and_bound_ones_are_not() -> None:
    names, attributes = applied.reads(
        _func("def run(c, *a, **k):\n    y = c\n    return X(y, a, k, len(Z))\n")
    )
    assert names == ("X", "Z", "len")
    assert attributes == ()


def test_a_method_reads_its_first_parameter_s_attributes() -> None:
    names, attributes = applied.reads(
        _func("def go(self, c):\n    other.g(c)\n    return self.f(c) + self.n\n")
    )
    assert names == ("other",)
    assert attributes == ("f", "n")


def test_a_lambda_and_a_nested_function_read_the_same_scope() -> None:
    assert applied.reads(_func("lambda c: X(c)")) == (("X",), ())
    nested = _func(
        "def outer(c):\n    import os\n    def inner(d):\n        return Y(c, d, os)\n"
        "    return inner\n"
    )
    assert applied.reads(nested)[0] == ("Y",)
