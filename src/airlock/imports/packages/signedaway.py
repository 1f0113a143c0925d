"""A credential from the environment sent to a host the code does not name, told from a
secret file (issue 16, ADR 0139).

:func:`signin.settle` turns a credential signed in under an authentication header into
:data:`sinks.SECRET` when the request's host is not the service its variable names, or does
not fold. For the scorer that is exfiltration either way (ADR 0067). But the explanation
said "a secret (credential file, cookies, wallet key)", and ADR 0132's rule for side code
reads that phrase: side code reached by nothing run on install or import is reported, not
held, only when it carries no secret file. pip-requirements-parser's maintainer script
``etc/scripts/utils_dejacode.py`` sends ``$DEJACODE_API_KEY`` in an ``Authorization`` header
to ``f"{DEJACODE_API_URL}packages/"`` (and to links that server returned): no file, cookie
or wallet, and no host in the code. It was held.

:func:`sent` marks such a credential :data:`AWAY` beside ``SECRET`` (so every rule that
weighs a secret still does) when nothing says where it goes: the request's text names no
host, no variable whose name says it holds a credential, and the request carries nothing
decoded, hidden or downloaded. :data:`TOLD` is then what the explanation says instead of a
secret file's phrase.

Pure. What it deliberately does not do: mark a credential sent to a host written in the
code (the code chose that recipient), one whose address was decoded, hidden or downloaded,
or a request that also carries a secret file (its phrase stays).
"""

from __future__ import annotations

import ast
import functools
import re

from airlock.imports.packages.envurl import CREDENTIAL_NAME, VARIABLE
from airlock.imports.packages.fold import text_of
from airlock.imports.packages.grammar import parse_module
from airlock.imports.packages.sinks import DECODED, HIDDEN, REMOTE, SECRET

AWAY = "credential-to-unnamed-host"
TOLD = "a credential from the environment, to a host the code does not name"
# A host written out: a scheme and the first character of a host (not a field ``{}`` or
# a variable ``$U`` standing where the host would be). A name with no scheme is no URL a
# request can be made to.
NAMED_HOST = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s?#{}$]", re.IGNORECASE)
SAYS_WHERE = frozenset({DECODED, HIDDEN, REMOTE})
# An environment variable read with a default that is not empty or None, or followed by
# ``or`` (a default of its own).
ENV_READ = r"(?:getenv|environ\s*\.\s*get|environ\s*\.\s*setdefault)\s*\("
DEFAULTED = re.compile(ENV_READ + r"""[^,()]+,(?!\s*(?:''|""|None)\s*\))""")
OR_DEFAULT = re.compile(ENV_READ + r"[^()]*\)\s*or\b")


def sent(text: str, rest: frozenset[str]) -> frozenset[str]:
    """The labels a credential signed in to a host other than its service's adds to a
    network sink's other labels ``rest``: :data:`sinks.SECRET`, and :data:`AWAY` when
    nothing in the request says where it goes (see the module docstring)."""
    if SECRET in rest or rest & SAYS_WHERE or NAMED_HOST.search(text):
        return frozenset({SECRET})
    if any(CREDENTIAL_NAME.search(name) for name in VARIABLE.findall(text)):
        return frozenset({SECRET})
    return frozenset({SECRET, AWAY})


def kept(labels: frozenset[str], source: str | None) -> frozenset[str]:
    """``labels`` with :data:`AWAY` kept only when the module's text (``source``; none known,
    it is not kept) writes no address an unnamed host could stand for: no string constant
    that names a host (``'https://x.example/'`` as a variable's default, or anywhere), and
    no environment variable read with a default other than empty or ``None`` (``getenv('U',
    'https:/' + '/x.example')``, ``getenv('U') or D``): the event's text does not show a
    variable's default."""
    if AWAY not in labels:
        return labels
    if source is None or not _quiet(source):
        return labels - {AWAY}
    return labels


@functools.lru_cache(maxsize=64)
def _quiet(source: str) -> bool:
    if DEFAULTED.search(source) or OR_DEFAULT.search(source):
        return False
    try:
        tree = parse_module(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return not any(
        isinstance(node, ast.Constant)
        and isinstance(node.value, (str, bytes))
        and NAMED_HOST.search(text_of(node.value)) is not None
        for node in ast.walk(tree)
    )


def told(labels: frozenset[str], tell: dict[str, str]) -> dict[str, str]:
    """The phrases an explanation uses for ``labels``: :data:`TOLD` for the secret when it
    is only a credential sent to an unnamed host."""
    return {**tell, SECRET: TOLD} if AWAY in labels else tell
