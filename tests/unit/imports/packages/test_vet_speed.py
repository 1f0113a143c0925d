"""Vetting does less work for the same findings (issue 16: vetting speed, ADR 0050)."""

from __future__ import annotations

import ast
import collections
from collections.abc import Callable
from typing import Any

import pytest

from airlock.imports.packages.rules import PackageFinding
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist, wheel

SEND = (
    "import urllib.request\ndef run():\n    urllib.request.urlopen('https://example.invalid/x')\n"
)


def _followed(findings: tuple[PackageFinding, ...], when: str) -> bool:
    """Whether the cross-file pass followed the call into ``_b.py`` (its sink runs ``when``)."""
    return any(f.path.endswith("o/_b.py") and f.explanation.endswith(when) for f in findings)


def _counting_parses(monkeypatch: pytest.MonkeyPatch) -> collections.Counter[str]:
    """Counts of ``ast.parse`` by the text parsed, for the rest of the test."""
    counts: collections.Counter[str] = collections.Counter()
    parse: Callable[..., ast.Module] = ast.parse

    def counted(source: str, *args: Any, **kwargs: Any) -> ast.Module:
        counts[source] += 1
        return parse(source, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counted)
    return counts


@pytest.mark.parametrize(
    "init",
    [
        "from ._b import run\nrun()\n",  # the start names no sink: parsed by the cross-file pass
        "import os\nfrom ._b import run\nrun()\nos.getenv('X')\n",  # its own pass parses it
    ],
)
def test_a_module_followed_into_from_another_is_parsed_once(
    monkeypatch: pytest.MonkeyPatch, init: str
) -> None:
    counts = _counting_parses(monkeypatch)
    module = f"# {init!r}\n{SEND}"  # its own bytes: no other test's findings are reused
    files = {"o/__init__.py": init, "o/_b.py": module}
    report = vet("o-1.0-py3-none-any.whl", wheel("o", "1.0", files))
    assert _followed(report.findings, "on import"), report.to_json()
    assert counts[module] == 1
    assert max(counts.values()) == 1


def test_a_module_followed_into_from_an_sdist_setup_is_parsed_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counts = _counting_parses(monkeypatch)
    module = f"# setup\n{SEND}"
    files = {"setup.py": "from o._b import run\nrun()\n", "o/__init__.py": "", "o/_b.py": module}
    report = vet("o-1.0.tar.gz", sdist("o", "1.0", files))
    assert _followed(report.findings, "at install time"), report.to_json()
    assert counts[module] == 1
