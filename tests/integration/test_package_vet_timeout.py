"""A package whose vetting runs past ``uploads.vet_seconds`` is held with its reason, and the
decision is recorded like any other (ADR 0173)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from airlock import package_ingress
from airlock.domain.principals import Role
from airlock.errors import ConfigError
from airlock.imports.packages.bounded import vet_within
from airlock.imports.packages.vet import VetReport
from airlock.service import Actor, Airlock
from airlock.settings import Settings, UploadSettings
from scripts.make_test_packages import wheel
from tests.support.gateway import CliRunner


def test_a_vetting_past_the_limit_is_held_and_recorded(
    initialised_cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings.load(initialised_cli.env, initialised_cli.home)
    settings = dataclasses.replace(
        settings, uploads=dataclasses.replace(settings.uploads, vet_seconds=7)
    )
    asked: list[float] = []

    def too_slow(filename: str, path: Path, *, digest: str, seconds: float) -> VetReport:
        asked.append(seconds)  # the configured limit reaches the vetting
        return vet_within(filename, path, digest=digest, seconds=0.0001)  # no file is this fast

    monkeypatch.setattr(package_ingress, "vet_within", too_slow)
    airlock = Airlock.from_settings(settings)
    try:
        rita = airlock.add_principal(Actor.local_operator(), "rita", Role.RESEARCHER).principal
        blob = wheel("zephyrine", "1.0", {"zephyrine/__init__.py": "X = 1\n"})
        admitted = airlock.admit_package(rita, "zephyrine-1.0-py3-none-any.whl", blob)
        assert asked == [7]
        assert admitted.request.status.value == "held"
        assert [r.code for r in admitted.decision.reasons] == ["analysis-timeout"]
        assert airlock.verify_ledger().ok
    finally:
        airlock.close()


def test_a_limit_of_no_time_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"uploads\.vet_seconds"):
        UploadSettings(vet_seconds=0)
