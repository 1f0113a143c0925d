"""Text hidden behind percent-escapes, told from a URL's quoting (issue 16, ADR 0131).

``urllib.parse.quote`` escapes only what a URL cannot carry as it is (spaces, ``/`` in a
segment, non-ASCII); it never escapes a letter or a digit (RFC 3986 section 2.3: unreserved
characters "should not be created by URI producers"). ``os.system(unquote('%63%75%72%6c
...'))`` spells ``curl`` as escapes nobody's quoting makes: a command hidden from a reader,
as base64 hides one. That call was allowed (``unquote`` did not fold, so the command read
as empty).

:func:`unquoted` folds an unquote of a written-out string; :func:`hides` says whether the
string escapes letters or digits, which makes what it spells decoded data. An unquote of
a value received at run time (a request's path) folds to nothing and marks nothing.

Pure.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable

UNQUOTES: dict[str, Callable[[str], str | bytes]] = {
    "urllib.parse.unquote": urllib.parse.unquote,
    "urllib.parse.unquote_plus": urllib.parse.unquote_plus,
    "urllib.parse.unquote_to_bytes": urllib.parse.unquote_to_bytes,
    "urllib.unquote": urllib.parse.unquote,  # Python 2's names
    "urllib.unquote_plus": urllib.parse.unquote_plus,
}
# A letter or a digit written as an escape: no URL quoting produces one.
ESCAPED_UNRESERVED = re.compile(r"%(?:3[0-9]|4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a])", re.IGNORECASE)
MIN_HIDDEN = 3  # escapes of letters or digits: ``%41`` alone may be a test of the decoder
MAX_TEXT = 65_536


def unquoted(ref: str, c: list[object]) -> str | bytes | None:
    """What an unquote of a written-out string returns, or None."""
    fn = UNQUOTES.get(ref)
    if fn is None or len(c) != 1 or not isinstance(c[0], str) or len(c[0]) > MAX_TEXT:
        return None
    return fn(c[0])


def hides(ref: str, c: list[object]) -> bool:
    """An unquote of a written-out string that escapes letters or digits."""
    return (
        ref in UNQUOTES
        and len(c) == 1
        and isinstance(c[0], str)
        and len(ESCAPED_UNRESERVED.findall(c[0][:MAX_TEXT])) >= MIN_HIDDEN
    )
