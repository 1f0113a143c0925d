"""A browser opened when called on a URL made at run time is no hidden endpoint (ADR 0135).

Pure. :mod:`calls` marks a module imported by ``__import__('name')`` as reached through
hidden names, since ``__import__('os').system`` is how a payload hides what it calls.
Haxe's Python target writes every import of the standard library that way (daff 1.4.2:
``__import__('webbrowser').open('file://' + f.name)`` to show a diff it wrote to a
temporary file), so a generated module's ``webbrowser.open`` held as a hidden endpoint.
Nothing is hidden there: the module's name is written out, and the URL is a value made at
run time (the flow pass folds no text from it), so no address sits in the code to hide.
When that happens only when called, with nothing carried (no decoded, downloaded, secret,
host or environment data), the call is judged as the same call written with
``import webbrowser``: a network call when called (low).

What it does not do: excuse a browser opened on import or at install (a window popping up
when a package loads is a beacon's or an ad's shape; it stays held or denied); a URL with
any text the flow pass folded (an address written, decoded or assembled in the code, even
``file:``: a fold can drop a decoded piece's mark); any other sink reached through
``__import__``.
"""

from __future__ import annotations

from airlock.imports.packages.flowtypes import Event, When
from airlock.imports.packages.sinks import HIDDEN

BROWSERS = frozenset({"webbrowser.open", "webbrowser.open_new", "webbrowser.open_new_tab"})


def local_page(event: Event) -> bool:
    """A browser opened when called on a URL made at run time, its only mark the import."""
    return (
        event.callee in BROWSERS
        and event.when is When.LATER
        and event.labels <= {HIDDEN}
        and not event.text
    )
