"""A real `pip install` from the vetted index on 127.0.0.1: vetted installs, unvetted fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from airlock.domain.principals import Role
from airlock.service import Actor
from scripts.make_test_packages import BENIGN, MALICIOUS
from tests.support.gateway import CliRunner, Gateway


def index_url(gateway: Gateway, token: str) -> str:
    """The index with a token as HTTP Basic password, as pip sends it (issue 14)."""
    return gateway.url.replace("http://", f"http://__token__:{token}@") + "/simple/"


def pip_install(gateway: Gateway, project: str, target: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env |= {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INPUT": "1"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--index-url",
            index_url(gateway, gateway.admin_token),
            "--trusted-host",
            "127.0.0.1",
            "--target",
            str(target),
            project,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_pip_installs_vetted_packages_only(gateway: Gateway, tmp_path: Path) -> None:
    airlock = gateway.airlock
    ops = airlock.add_principal(Actor.local_operator(), "ops", Role.RESEARCHER).principal
    clean = airlock.admit_package(
        ops, "tidy-1.0-py3-none-any.whl", BENIGN["tidy-1.0-py3-none-any.whl"]
    )
    assert clean.request.status.value == "released"
    squat_name, squat = MALICIOUS["typosquat"]
    held = airlock.admit_package(ops, squat_name, squat)
    assert held.request.status.value == "held"

    installed = pip_install(gateway, "tidy", tmp_path / "ok")
    assert installed.returncode == 0, installed.stderr
    assert (tmp_path / "ok" / "tidy" / "__init__.py").is_file()

    unvetted = pip_install(gateway, "plain", tmp_path / "no")
    assert unvetted.returncode != 0
    held_install = pip_install(gateway, "reqeusts", tmp_path / "held")
    assert held_install.returncode != 0

    with httpx.Client(base_url=gateway.url) as client:
        assert client.get("/simple/").status_code == 401  # the index needs a token
    with gateway.client(gateway.admin_token) as client:
        listing = client.get("/simple/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
        assert listing.json()["projects"] == [{"name": "tidy"}]
        page = client.get("/simple/tidy/").text
        assert f"#sha256={clean.request.digest}" in page
    assert airlock.verify_ledger().ok


def test_vet_name_version_fetches_with_pip(
    gateway: Gateway, initialised_cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [k for k in os.environ if k.startswith("PIP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    ops = gateway.airlock.add_principal(Actor.local_operator(), "ops", Role.RESEARCHER).principal
    gateway.airlock.admit_package(
        ops, "tidy-1.0-py3-none-any.whl", BENIGN["tidy-1.0-py3-none-any.whl"]
    )
    fetched = initialised_cli(
        "package",
        "vet",
        "--json",
        "--index-url",
        index_url(gateway, gateway.admin_token),
        "tidy==1.0",
    )
    assert fetched.code == 0, fetched.err
    assert json.loads(fetched.out)[0]["name"] == "tidy"
    missing = initialised_cli(
        "package", "vet", "--index-url", index_url(gateway, gateway.admin_token), "plain==2.1"
    )
    assert missing.code == 2 and "pip could not download plain==2.1" in missing.err
