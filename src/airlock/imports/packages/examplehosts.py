"""Addresses reserved for documentation, which no one can serve a payload from (ADR 0141).

RFC 2606 (and RFC 6761, section 6) reserves ``example.com``, ``example.net`` and
``example.org`` and the top-level names ``.example`` and ``.invalid`` for examples: no
registrar will hand them to an attacker, so a URL whose host is one of them cannot reach
one. ``.test`` is reserved too, but development tools resolve it to machines of their own
(Laravel Valet, dnsmasq set-ups), so it is left out, as is ``localhost``. Standards quote
the reserved names in their test vectors (RFC 7519's JWT claims
``"http://example.com/is_root"``), and libraries decode those vectors in their tests. A
decoded string that names only such hosts therefore holds no endpoint.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from airlock.imports.packages.lazyre import LazyPattern

# A URL as far as a string holds one unquoted. A backslash ends it, so in
# ``http://evil.example.ru\@example.com`` (some clients read ``\`` as ``/``) the host judged
# is the one before the backslash.
URL = LazyPattern(r"https?://[^\s\"'<>\\`{}|^]+", re.IGNORECASE)
RESERVED_NAMES = ("example.com", "example.net", "example.org")
RESERVED_TLDS = ("example", "invalid")


def is_example_host(url: str) -> bool:
    """Whether ``url``'s host is a reserved example name; an unparsable URL is not."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if not host:
        return False
    host = host.rstrip(".")
    labels = host.split(".")
    in_name = any(host == name or host.endswith("." + name) for name in RESERVED_NAMES)
    return in_name or (len(labels) > 1 and labels[-1] in RESERVED_TLDS)


def without_example_urls(text: str) -> str:
    """``text`` with every URL to a reserved example host blanked out."""

    def blanked(url: re.Match[str]) -> str:
        return "" if is_example_host(url.group(0)) else url.group(0)

    return URL.compiled.sub(blanked, text)
