"""A credential a client signs in with, told from one that is sent away (issue 16, ADR 0067).

A service client reads its token from the environment and sends it in an ``Authorization``
header to the service the token is for (``GITHUB_API_TOKEN`` to ``api.github.com``); a
stealer sends the same token in a body, a URL, or to another host. The flow pass
(:mod:`flow`) marks a value from the environment stored under an authentication header's
name with :data:`SIGNED` and the service its variable names; at a network sink the mark is
dropped when the request goes to that service's registered domain (:func:`registered`), and
becomes :data:`sinks.SECRET` (exfiltration) when it goes anywhere else or its host does not
fold. Any other sink reads
the mark as the environment data it came from.

Pure: labels and text in, labels out. What it deliberately does not do: trust a header
whose credential's name says nothing (``TOKEN``), a host that does not fold, or a body.
"""

from __future__ import annotations

import ast
import re

from airlock.imports.packages import incluster, signedaway
from airlock.imports.packages.flowtypes import Val
from airlock.imports.packages.sinks import ENV, SECRET

SIGNED = "signed-in:"  # label prefix: a credential in an auth header, for the service named
# Header names that carry a credential to the server (not ``Proxy-Authorization``: that one
# goes to a proxy, whatever host the request names).
AUTH_HEADERS = frozenset({"authorization", "x-api-key", "private-token", "x-auth-token"})
# Words of a variable's name that name no service (``MY_API_TOKEN`` names none).
GENERIC = frozenset({
    "api", "auth", "access", "secret", "token", "key", "my", "the", "app", "user", "oauth",
    "bearer", "private", "personal", "client", "service", "password", "pass", "pat", "env",
})  # fmt: skip
VARIABLE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]{0,63})")
HOST = re.compile(r"https?://(?:[^/@\s]*@)?([A-Za-z0-9.-]{1,253})", re.I)
MIN_SERVICE = 3


def service_of(shape: str) -> str:
    """The service a credential's environment variable names (``$GITHUB_API_TOKEN`` ->
    ``github``), or "" when its name names none."""
    found = VARIABLE.search(shape)
    if found is None:
        return ""
    for word in found.group(1).lower().split("_"):
        if len(word) >= MIN_SERVICE and word not in GENERIC:
            return word
    return ""


def signed(labels: frozenset[str], shape: str) -> frozenset[str]:
    """``labels`` of a value stored under an authentication header's name: environment
    data or a secret whose variable names a service is marked as sent to that service."""
    if not labels & {ENV, SECRET}:
        return labels
    if incluster.POD_TOKEN in labels and SECRET in labels:
        # A pod's own token, for its cluster's API server (ADR 0129).
        return (labels - {SECRET, incluster.POD_TOKEN}) | {SIGNED + incluster.CLUSTER}
    service = service_of(shape)
    if not service:
        return labels
    return (labels - {ENV, SECRET}) | {SIGNED + service}


def marks(labels: frozenset[str]) -> frozenset[str]:
    """The :data:`SIGNED` labels among ``labels``."""
    return frozenset(label for label in labels if label.startswith(SIGNED))


def settle(kind: str, text: str, labels: frozenset[str]) -> frozenset[str]:
    """A sink's labels with its :data:`SIGNED` marks judged: a network request whose URL's
    host names the credential's service carries none (a client signing in); one to any
    other or unknown host carries a secret; any other sink, the environment data."""
    found = marks(labels)
    if not found:
        return labels
    rest = labels - found
    if kind != "network":
        return rest | {ENV}
    host = HOST.match(text.lstrip())  # the URL a request is made to is its first argument
    domain = registered(host.group(1)) if host else ""
    if incluster.cluster_api(text):
        domain = incluster.CLUSTER  # the kubelet's address of the API server (ADR 0129)
    if domain and all(label.removeprefix(SIGNED) == domain for label in found):
        return rest
    return rest | signedaway.sent(text, rest)  # ADR 0139


# Second-level labels under which a country's registry sells names (``example.co.uk``).
SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu"})
COUNTRY = 2  # characters of a country code top-level domain


def registered(host: str) -> str:
    """The name a host's owner registered, without its suffix: ``api.github.com`` ->
    ``github``, ``x.example.co.uk`` -> ``example``; "" for a bare address or one label. Only
    this label counts: ``github.example.invalid`` is not GitHub's."""
    labels = host.lower().rstrip(".").split(".")
    if len(labels) < 2 or labels[-1].isdigit():
        return ""
    if len(labels) >= 3 and len(labels[-1]) == COUNTRY and labels[-2] in SECOND_LEVEL:
        return labels[-3]
    return labels[-2]


def auth_header(key: ast.expr | None) -> bool:
    """A written-out authentication header's name (:data:`AUTH_HEADERS`)."""
    return (
        isinstance(key, ast.Constant)
        and isinstance(key.value, str)
        and key.value.lower() in AUTH_HEADERS
    )


def header_val(key: ast.expr | None, value: Val) -> Val:
    """A dict literal's value, marked as a credential signing in under an auth header."""
    if auth_header(key) and value.labels:
        return Val(labels=signed(value.labels, value.shape))
    return value
