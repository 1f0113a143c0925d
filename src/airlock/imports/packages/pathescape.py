"""A member whose path leaves the install folder (issue 16; ADR 0167).

``../../.bashrc``, ``/etc/cron.d/job``: an installer that does not refuse such a member
writes it wherever the path points, a start file or a system folder. ADR 0063 held every
damaged name; a ``..`` part or an absolute path (``/``, ``\\``, a drive letter) is more than
damage: no build tool writes one, only a hand-made archive does, and its only use is to
escape. It denies. Control characters in a name stay a hold (a damaged name, not an aim).

What it deliberately does not cover: links inside an sdist that point outside it (read as
unread members, held), and where the member would land (pip refuses both shapes today).
"""

from __future__ import annotations

from airlock.imports.packages.rules import PackageFinding, Severity


def escapes(name: str) -> bool:
    """Whether the member ``name`` is absolute or climbs out with a ``..`` part."""
    posix = name.replace("\\", "/")
    drive = len(posix) > 1 and posix[1] == ":" and posix[0].isalpha()
    return posix.startswith("/") or drive or ".." in posix.split("/")


def escape_finding(name: str) -> PackageFinding | None:
    """``path-escape`` (critical) for a member that leaves the install folder, else None."""
    if not escapes(name):
        return None
    why = (
        f"archive member {name[:120]!r} is written outside the install folder (an absolute "
        "path or a '..' part): no build tool makes one, only an archive made to escape"
    )
    return PackageFinding("path-escape", name, 0, Severity.CRITICAL, why)
