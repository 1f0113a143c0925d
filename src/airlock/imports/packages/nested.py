"""Code inside the archives a package ships (ADR 0057): a wheel in an sdist that
``setup.py`` or a ``file:`` dependency installs, a zip (under any name, ``data.bin``) that
the package or a ``.pth`` line puts on ``sys.path`` for ``zipimport``.

Pure: the nested archive is read from the outer member's bytes, never extracted, and each
of its Python, ``.pth`` and native members is handed to the caller's scan of one member, as
if the package shipped it itself (a module on ``sys.path`` runs its module level on import).
Its findings' paths are ``OUTER!INNER``.

What it deliberately does not do: read an archive nested two deep (nothing imports from a
zip inside a zip without first writing it out, which the data-flow pass reads as a drop), or
gzipped tars (pip installs an sdist only when named, and an sdist named by a ``file:``
dependency is an URL dependency already).
"""

from __future__ import annotations

from collections.abc import Callable

from airlock.errors import InvalidInput
from airlock.imports.packages.archive import Member, read_members
from airlock.imports.packages.rules import PackageFinding, Severity

ZIP_MAGIC = b"PK\x03\x04"
CODE_SUFFIXES = (".py", ".pyw", ".pth", ".so", ".pyd", ".dylib", ".dll")
# Decompressed bytes of nested members read per outer archive (virtualenv ships four wheels
# of pip and setuptools, 25 MiB): past it, nested code is unread and holds (fail closed).
MAX_NESTED_BYTES = 96 * 1024 * 1024
SEP = "!"

# The caller's scan of one member: its path, its bytes, and the nested archive's members
# (a ``.pth`` line may import what the nested archive ships).
Scan = Callable[[str, bytes, list[Member]], list[PackageFinding]]


def nested_findings(members: list[Member], scan: Scan) -> list[PackageFinding]:
    """Findings of the code in zip archives among ``members``, read one level deep; a
    nested archive that does not read, or code past the budget, holds."""
    found: list[PackageFinding] = []
    budget = MAX_NESTED_BYTES
    for outer in members:
        if outer.data is None or not outer.data.startswith(ZIP_MAGIC):
            continue
        inner = _members(outer.name, outer.data, found)
        for member in inner:
            path = f"{outer.name}{SEP}{member.name}"
            if not _is_code(member.name):
                continue
            if member.data is None or len(member.data) > budget:
                note = member.note or "past the bound on nested code read per archive"
                found.append(PackageFinding("unread-member", path, 0, Severity.HIGH, note))
                continue
            budget -= len(member.data)
            found += scan(path, member.data, inner)
    return found


def _is_code(name: str) -> bool:
    return name.lower().endswith(CODE_SUFFIXES) or ".so." in name


def _members(name: str, data: bytes, found: list[PackageFinding]) -> list[Member]:
    """The members of the zip ``data`` (a problem reading it is a finding: damaged holds,
    data that only starts like a zip is reported)."""
    inner: list[Member] = []
    try:
        for member in read_members(data):
            if member.damaged:
                path = f"{name}{SEP}{member.name}"
                found.append(PackageFinding("unread-member", path, 0, Severity.HIGH, member.note))
            else:
                inner.append(member)
    except InvalidInput as e:
        found.append(PackageFinding("unread-member", name, 0, Severity.MEDIUM, e.message))
    return inner
