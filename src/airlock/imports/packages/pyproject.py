"""One parse of an archive's ``pyproject.toml`` for every pass that reads it (issue 16).

Four passes read the same ``pyproject.toml`` of an sdist (the build backend and install
commands, console scripts, auto-loaded entry points, build requirements); each parsed it
again with ``tomllib``, a parser written in Python: 1-6 ms of a popular sdist's vetting.

Pure. What it deliberately does not do: copy. The table it returns is the one ``tomllib``
made and is shared by every caller; callers only read it.
"""

from __future__ import annotations

import functools
from typing import Any

# A package's passes ask one after another, so one remembered text is enough; two let a
# nested archive's pyproject.toml interleave without evicting its outer one. Each entry
# holds the text (bounded by the member limit) and its table, nothing more.
REMEMBERED = 2


@functools.lru_cache(maxsize=REMEMBERED)
def pyproject_table(text: str) -> dict[str, Any] | None:
    """``tomllib.loads(text)``, or None when the text is not TOML (``TOMLDecodeError``, or a
    ``ValueError`` such as a date out of range): every caller reads that as "nothing declared".

    Raises: what ``tomllib.loads`` raises besides those (``RecursionError``), every time, as
    before; an error is never remembered.
    """
    import tomllib  # noqa: PLC0415 -- only an archive with a pyproject.toml (starts faster)

    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return None
