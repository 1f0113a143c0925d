"""A package with thousands of flagged lines is still decided and recorded, its reasons
bounded (the decision's ledger entry is at most 256 KiB)."""

from __future__ import annotations

from airlock.domain.principals import Role
from airlock.package_ingress import MAX_REASONS
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from scripts.make_test_packages import sdist
from tests.support.gateway import CliRunner


def test_thousands_of_findings_are_recorded_with_bounded_reasons(
    initialised_cli: CliRunner,
) -> None:
    airlock = Airlock.from_settings(Settings.load(initialised_cli.env, initialised_cli.home))
    try:
        rita = airlock.add_principal(Actor.local_operator(), "rita", Role.RESEARCHER).principal
        calls = "\n".join(
            f"subprocess.check_output(['npm', 'run', 'a-rather-long-step-name-{i}'])"
            for i in range(4000)
        )
        setup = f"import subprocess\nfrom setuptools import setup\n{calls}\nsetup()\n"
        blob = sdist("zephyrine", "1.0", {"setup.py": setup})
        admitted = airlock.admit_package(rita, "zephyrine-1.0.tar.gz", blob)
        assert admitted.request.status.value in {"held", "denied"}
        reasons = admitted.decision.reasons
        assert len(reasons) == MAX_REASONS
        assert reasons[-1].code == "more-findings"
        assert "airlock package vet zephyrine-1.0.tar.gz" in reasons[-1].message
        assert airlock.verify_ledger().ok
    finally:
        airlock.close()
