"""What a gateway process caches between requests, and how soon it sees other processes' changes."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest

from airlock import service
from airlock.domain.principals import Role
from airlock.errors import AuthenticationRequired
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from scripts.make_inspection_corpus import weights
from tests.support.gateway import CliRunner


@pytest.fixture
def two_processes(initialised_cli: CliRunner) -> tuple[Airlock, Airlock]:
    settings = Settings.load(initialised_cli.env, initialised_cli.home)
    return Airlock.from_settings(settings), Airlock.from_settings(settings)


def test_a_model_registered_elsewhere_is_matched_within_the_freshness_window(
    two_processes: tuple[Airlock, Airlock], monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway, cli = two_processes
    ticks = itertools.count(1000.0, 0.01)  # a monotonic clock that moves 10 ms per reading
    monkeypatch.setattr(service, "_monotonic", lambda: next(ticks))
    rita = gateway.add_principal(Actor.local_operator(), "rita", Role.RESEARCHER).principal
    model = weights(np.random.default_rng(9), 2 << 20, "float16")
    piece = b"header" + model[200_000:500_000]
    assert gateway.inspector().index is not None  # loaded before the model exists

    cli.register_protected_model(Actor.local_operator(), "frontier-q", [model])
    stale = gateway.inspector().inspect("p.bin", io.BytesIO(piece), len(piece))
    assert not any("frontier-q" in f.detail for f in stale.findings)  # within the window

    for _ in range(int(service.FRESHNESS_SECONDS / 0.01) + 1):
        next(ticks)
    fresh = gateway.submit_export(rita, io.BytesIO(piece), "p.bin", "eval")
    assert fresh.decision.outcome.value == "deny"
    assert any("frontier-q" in f.detail for f in fresh.report.findings)


def test_a_model_registered_here_is_matched_at_once(
    two_processes: tuple[Airlock, Airlock],
) -> None:
    gateway, _ = two_processes
    gateway.inspector()
    model = weights(np.random.default_rng(10), 2 << 20, "float16")
    gateway.register_protected_model(Actor.local_operator(), "frontier-r", [model])
    piece = b"header" + model[200_000:500_000]
    report = gateway.inspector().inspect("p.bin", io.BytesIO(piece), len(piece))
    assert any("frontier-r" in f.detail for f in report.findings)


def test_known_tokens_are_cached_and_unknown_ones_asked_each_time(
    two_processes: tuple[Airlock, Airlock],
) -> None:
    gateway, cli = two_processes
    with pytest.raises(AuthenticationRequired):
        gateway.authenticate("alk_" + "x" * 43)
    issued = cli.add_principal(Actor.local_operator(), "sam", Role.RESEARCHER)
    assert gateway.authenticate(issued.token).name == "sam"  # a new token works at once
    assert gateway.authenticate(issued.token).name == "sam"
