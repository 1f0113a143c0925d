"""A fault of the analysis itself holds the file and says so (ADR 0166).

A bug in a pass (a merge once made one raise ``TypeError`` on a command list bound in
either branch) raised out of :func:`vet`, and the gateway answered an unexplained server
error. The file is now held with a finding that names the fault, and a batch goes on to
the next file."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages import vet as vet_module
from airlock.imports.packages.verdicts import vet_many
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import wheel


def _broken(*_args: object, **_kwargs: object) -> object:
    raise TypeError("unhashable type: 'list'")


def test_a_fault_of_the_analysis_holds_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    blob = wheel("evpkg", "1.0", {"evpkg/__init__.py": "x = 1\n"})
    monkeypatch.setattr(vet_module, "_vet", _broken)
    report = vet("evpkg-1.0-py3-none-any.whl", blob)
    assert report.verdict is Outcome.HOLD
    [finding] = report.findings
    assert finding.rule == "analysis-failed"
    assert "TypeError" in finding.explanation
    assert len(report.sha256) == 64


def test_a_batch_goes_on_past_a_faulted_file(monkeypatch: pytest.MonkeyPatch) -> None:
    good = wheel("evpkg", "1.0", {"evpkg/__init__.py": "x = 1\n"})
    real = vet_module._vet
    calls: list[Callable[..., object]] = [_broken, real]

    def once_broken(*args: object, **kwargs: object) -> object:
        return calls.pop(0)(*args, **kwargs)

    monkeypatch.setattr(vet_module, "_vet", once_broken)
    reports = vet_many([("a-1.0-py3-none-any.whl", good), ("evpkg-1.0-py3-none-any.whl", good)])
    assert [r.verdict for r in reports] == [Outcome.HOLD, Outcome.ALLOW]
