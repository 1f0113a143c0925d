from __future__ import annotations

import os
from pathlib import Path

import pytest

from airlock.domain.identity import STRONG_METHODS, AuthMethod
from airlock.errors import ConfigError
from airlock.settings import Settings, default_home


def write_config(home: Path, text: str) -> None:
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(text, encoding="utf-8")


def test_defaults_use_sqlite_in_home(tmp_path: Path) -> None:
    write_config(tmp_path, "")
    settings = Settings.load({}, tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'airlock.db'}"
    assert (settings.server.host, settings.server.port) == ("127.0.0.1", 8750)


def test_environment_overrides_database_url(tmp_path: Path) -> None:
    write_config(tmp_path, 'database_url = "sqlite:///from-file.db"\n')
    assert Settings.load({}, tmp_path).database_url == "sqlite:///from-file.db"
    env = {"AIRLOCK_DATABASE_URL": "postgresql://u@127.0.0.1/db"}
    assert Settings.load(env, tmp_path).database_url == "postgresql://u@127.0.0.1/db"


def test_workers_default_to_one_per_cpu(tmp_path: Path) -> None:
    write_config(tmp_path, "")
    assert Settings.load({}, tmp_path).server.worker_count == min(os.cpu_count() or 1, 64)
    write_config(tmp_path, "[server]\nworkers = 3\n")
    assert Settings.load({}, tmp_path).server.worker_count == 3


def test_access_log_keeps_refusals_unless_told(tmp_path: Path) -> None:
    write_config(tmp_path, "")
    assert Settings.load({}, tmp_path).server.access_log == "refusals"
    write_config(tmp_path, '[server]\naccess_log = "all"\n')
    assert Settings.load({}, tmp_path).server.access_log == "all"


def test_no_proxy_is_trusted_unless_named(tmp_path: Path) -> None:
    write_config(tmp_path, "")
    assert Settings.load({}, tmp_path).server.trusted_proxies == ()
    write_config(tmp_path, '[server]\ntrusted_proxies = ["10.0.0.5", "fd00::/64"]\n')
    assert Settings.load({}, tmp_path).server.trusted_proxies == ("10.0.0.5", "fd00::/64")
    assert Settings.load({}, tmp_path).server.proxy_networks == ["10.0.0.5/32", "fd00::/64"]
    write_config(tmp_path, '[server]\ntrusted_proxies = ["10.0.0.5/24"]\n')
    assert Settings.load({}, tmp_path).server.proxy_networks == ["10.0.0.0/24"]


def test_home_from_environment(tmp_path: Path) -> None:
    assert default_home({"AIRLOCK_HOME": str(tmp_path)}) == tmp_path
    assert default_home({}).name == ".airlock"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("port = ", "not valid TOML"),
        ("colour = 1\n", "unknown config key"),
        ("[server]\nport = 70000\n", "out of range"),
        ('[server]\nport = "8750"\n', "must be an integer"),
        ("[server]\nworkers = -1\n", "server.workers -1 is out of range"),
        ("[server]\nworkers = 65\n", "out of range"),
        ('[server]\naccess_log = "some"\n', "server.access_log 'some' is not one of refusals"),
        ("server = 3\n", "must be a table"),
        ('[server]\ntrusted_proxies = ["*"]\n', "'*' is not an IP address or network"),
        ('[server]\ntrusted_proxies = ["proxy.local"]\n', "name each reverse proxy"),
        ('[server]\ntrusted_proxies = "10.0.0.5"\n', "must be a list of strings"),
        ('enclave_name = "has space"\n', "no spaces"),
        ("[ledger]\ncheckpoint_interval_seconds = 0\n", "at least 1"),
        ("[datasets]\nmax_rows = 0\n", "datasets.max_rows must be a positive"),
        ("[datasets]\nmax_lines = 5\n", "unknown config key"),
        ("[approvals]\nvote_methods = []\n", "would refuse every vote"),
        ('[approvals]\nvote_methods = ["token", "local-operator"]\n', "not local-operator"),
        ('[approvals]\nvote_methods = "token"\n', "must be a list of strings"),
        ("[approvals]\nquorum = 3\n", "unknown config key"),
        ('[approvals]\ncarry_package_approvals = "no"\n', "must be true or false"),
        ('[identity]\nos_users = ["alice"]\n', "must be a table of strings"),
        ("[identity]\nos_users = { alice = 3 }\n", "must be a table of strings"),
        ('[identity]\nos_users = { alice = "" }\n', "maps OS user names to principal"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    write_config(tmp_path, text)
    with pytest.raises(ConfigError, match=message):
        Settings.load({}, tmp_path)


def test_dataset_bounds_are_read(tmp_path: Path) -> None:
    write_config(tmp_path, "[datasets]\nmax_file_bytes = 1024\nscan_max_rows = 99\n")
    datasets = Settings.load({}, tmp_path).datasets
    assert (datasets.max_file_bytes, datasets.max_rows, datasets.scan_max_rows) == (
        1024,
        5_000_000,
        99,
    )


def test_missing_home_and_missing_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="airlock init"):
        Settings.load({}, tmp_path / "absent")
    with pytest.raises(ConfigError, match=r"config\.toml is missing"):
        Settings.load({}, tmp_path)


def test_vote_methods_default_to_the_strong_ones_and_may_be_narrowed(tmp_path: Path) -> None:
    write_config(tmp_path, "")
    methods = Settings.load({}, tmp_path).approvals.vote_methods
    assert {AuthMethod(m) for m in methods} == STRONG_METHODS
    write_config(tmp_path, '[approvals]\nvote_methods = ["peercred"]\n')
    assert Settings.load({}, tmp_path).approvals.vote_methods == ("peercred",)


def test_carrying_package_approvals_is_on_unless_turned_off(tmp_path: Path) -> None:
    write_config(tmp_path, "")
    assert Settings.load({}, tmp_path).approvals.carry_package_approvals is True
    write_config(tmp_path, "[approvals]\ncarry_package_approvals = false\n")
    assert Settings.load({}, tmp_path).approvals.carry_package_approvals is False


def test_os_users_map_os_user_names_to_principals(tmp_path: Path) -> None:
    write_config(tmp_path, '[identity]\nos_users = { alice = "alice", svc-ci = "ci-bot" }\n')
    identity = Settings.load({}, tmp_path).identity
    assert identity.principal_of("svc-ci") == "ci-bot"
    assert identity.principal_of("alice") == "alice" and identity.principal_of("bob") is None
