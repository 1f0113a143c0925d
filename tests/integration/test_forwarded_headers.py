"""X-Forwarded-For is believed only from the reverse proxies the config names, over real
HTTP on 127.0.0.1 (docs/adr/0055).

The attacker here is a local user with a shell on the gateway's host: every connection
they open comes from 127.0.0.1, which uvicorn believes by default. With that, a new
forwarded address per attempt reset the sign-in throttle and put any address they liked
in the access log and the ledger's refusal entries.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from airlock.api.throttle import MAX_FAILURES
from tests.support.gateway import CliRunner, Gateway, serve_home


def _gateway(cli: CliRunner, server_keys: str) -> Iterator[Gateway]:
    config = cli.home / "config.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[server]\n", f"[server]\n{server_keys}", 1), "utf-8")
    yield from serve_home(cli)


@pytest.fixture
def plain(initialised_cli: CliRunner) -> Iterator[Gateway]:
    yield from _gateway(initialised_cli, "")


@pytest.fixture
def behind_proxy(initialised_cli: CliRunner) -> Iterator[Gateway]:
    yield from _gateway(initialised_cli, 'trusted_proxies = ["127.0.0.0/8"]\n')


def _bad_sign_ins(gateway: Gateway, forwarded: list[str]) -> list[httpx.Response]:
    """One request with a wrong token per entry, each claiming to be forwarded for it."""
    with httpx.Client(base_url=gateway.url, timeout=30) as http:
        return [
            http.get(
                "/locks",
                headers={"Authorization": f"Bearer alk_wrong{n}", "X-Forwarded-For": claimed},
            )
            for n, claimed in enumerate(forwarded)
        ]


def test_a_local_client_cannot_reset_the_throttle_by_naming_new_addresses(
    plain: Gateway,
) -> None:
    claimed = [f"10.0.0.{n}" for n in range(1, MAX_FAILURES + 3)]
    answers = _bad_sign_ins(plain, claimed)
    codes = [a.status_code for a in answers]
    assert codes[:MAX_FAILURES] == [401] * MAX_FAILURES
    assert codes[MAX_FAILURES:] == [429, 429], codes
    refused = answers[-1].json()["error"]["message"]
    assert "127.0.0.1" in refused
    assert "10.0.0." not in refused


def test_a_named_proxy_is_believed(behind_proxy: Gateway) -> None:
    answers = _bad_sign_ins(behind_proxy, ["192.0.2.7"] * (MAX_FAILURES + 1))
    assert [a.status_code for a in answers][-1] == 429
    assert "192.0.2.7" in answers[-1].json()["error"]["message"]
    # Another client behind the same proxy is not throttled by the first one's failures.
    other = _bad_sign_ins(behind_proxy, ["192.0.2.8"])
    assert other[0].status_code == 401
