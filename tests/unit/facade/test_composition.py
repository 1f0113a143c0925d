"""Airlock is its mixins on one core (ADR 0092). A name two of them defined would be decided
silently by their order in Airlock's bases, and a mixin left out of the bases would take its
actions off the facade with nothing failing until an adapter called one."""

from __future__ import annotations

import ast
import importlib
import inspect
import itertools
import pkgutil

import airlock.facade
from airlock.facade.core import FacadeCore
from airlock.service import Airlock


def _own_names(cls: type) -> set[str]:
    return {n for n in vars(cls) if not (n.startswith("__") and n.endswith("__"))}


def test_no_two_parts_of_the_facade_define_the_same_name() -> None:
    parts = [*Airlock.__bases__, Airlock]
    for a, b in itertools.combinations(parts, 2):
        shared = _own_names(a) & _own_names(b)
        assert not shared, (a.__name__, b.__name__, sorted(shared))


def test_every_mixin_of_the_facade_package_is_a_base_of_airlock() -> None:
    found = set()
    for info in pkgutil.iter_modules(airlock.facade.__path__):
        module = importlib.import_module(f"airlock.facade.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, FacadeCore):
                found.add(cls)
    assert FacadeCore in found  # the probe sees the package at all
    assert found == set(Airlock.__bases__)


def test_what_the_core_declares_for_the_type_checker_a_part_defines() -> None:
    tree = ast.parse(inspect.getsource(FacadeCore))
    declared = [
        f.name
        for node in ast.walk(tree)
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
        for f in node.body
        if isinstance(f, ast.FunctionDef)
    ]
    assert "inspector" in declared  # the probe reads the declarations at all
    for name in declared:
        assert not hasattr(FacadeCore, name), name  # a declaration only, never at run time
        assert callable(getattr(Airlock, name, None)), name
