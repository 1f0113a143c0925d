"""Patterns compiled when first used (issue 16): the same answers as ``re.compile``, and
every lazy pattern of the vetting modules compiles (a typo fails here, not mid-vetting)."""

from __future__ import annotations

import importlib
import pkgutil
import re

import airlock.imports.packages
from airlock.imports.packages.lazyre import LazyPattern


def test_a_lazy_pattern_answers_as_the_compiled_one() -> None:
    lazy = LazyPattern(r"(?P<word>ab+)c", re.IGNORECASE)
    eager = re.compile(r"(?P<word>ab+)c", re.IGNORECASE)
    text = "xxABBC abc ac abbbc"
    assert lazy.search(text, 3) is not None
    assert lazy.search(text, 3).span() == eager.search(text, 3).span()  # type: ignore[union-attr]
    assert lazy.match(text) is None and eager.match(text) is None
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in eager.finditer(text)]
    assert lazy.findall(text, 0, 12) == eager.findall(text, 0, 12)
    assert lazy.fullmatch("abbc") is not None and lazy.pattern == eager.pattern
    assert LazyPattern(rb"\x00+").search(b"a\x00\x00") is not None


def test_every_lazy_pattern_of_the_vetting_modules_compiles() -> None:
    found = 0
    for info in pkgutil.iter_modules(airlock.imports.packages.__path__):
        module = importlib.import_module(f"airlock.imports.packages.{info.name}")
        for value in vars(module).values():
            rules = value if isinstance(value, tuple) else (value,)
            for item in rules:
                for pattern in item if isinstance(item, tuple) else (item,):
                    if isinstance(pattern, LazyPattern):
                        assert isinstance(pattern.compiled, re.Pattern)
                        found += 1
    assert found >= 30  # the modules above keep theirs lazily
