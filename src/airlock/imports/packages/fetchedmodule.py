"""A download saved as a Python module in a folder the code then puts on ``sys.path``
(issue 16; ADR 0171).

``open('/tmp/stage2.py', 'w').write(requests.get(URL).text)`` / ``sys.path.append('/tmp')``
/ ``import stage2`` runs what the server sends, as ``exec`` of the download would. The
exec of a downloaded file read back is already a dropper at any moment (ADR 0158); the
import of it was a write and a path change, allowed when called. Here a write of downloaded
data to a ``.py`` path whose folder the same module adds to ``sys.path`` is ``dropper``:
critical on install or import, high when called (held for a person: a plugin manager may
fetch a module it then imports, and that is for a person to read). A path that does not
fold is not matched (its folder cannot be compared). Pure, over one module's events.
"""

from __future__ import annotations

from collections.abc import Callable

from airlock.imports.packages.flowtypes import Event, When
from airlock.imports.packages.rules import Severity
from airlock.imports.packages.sinks import REMOTE

PATH_CHANGES = frozenset(
    {"sys.path.append", "sys.path.insert", "sys.path.extend", "site.addsitedir"}
)


def _folder(event: Event) -> str:
    """The folder a ``sys.path`` change adds (``insert``'s text starts with its index)."""
    words = event.text.split()
    if event.callee == "sys.path.insert" and len(words) >= 2:
        return words[1]
    return words[0] if words else ""


def judged(events: list[Event], add: Callable[[str, int, Severity, str], None]) -> None:
    """``dropper`` for each downloaded ``.py`` file whose folder goes on ``sys.path``."""
    folders = {
        _folder(e).rstrip("/")
        for e in events
        if e.kind == "module-load" and e.callee in PATH_CHANGES
    }
    folders.discard("")
    if not folders:
        return
    for event in events:
        if event.kind != "write" or REMOTE not in event.labels:
            continue
        path = event.text.split(" ")[0]
        folder, _, name = path.rpartition("/")
        if not (name.endswith(".py") and folder in folders):
            continue
        eager = event.when is not When.LATER
        add(
            "dropper",
            event.line,
            Severity.CRITICAL if eager else Severity.HIGH,
            f"writes downloaded data to the module {path[:80]!r} and puts its folder on "
            "sys.path: the download is imported and run",
        )
