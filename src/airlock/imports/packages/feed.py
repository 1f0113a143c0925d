"""Known-bad packages from an offline OSV feed (OpenSSF malicious-packages ``MAL-*`` records).

Pure: it parses text handed to it. A record names an ecosystem, a package and the versions it
covers; only PyPI records are kept. A record that lists no versions (the usual case for a
package that was malicious from its first upload) covers every version. An exact match of name
and version denies; the vetting rules never see the file's contents as evidence of innocence.

Accepted shapes: one OSV JSON object, a JSON list of them, or JSON lines. What it does not do:
fetch the feed (an operator copies it in), or evaluate semver/PEP 440 ranges beyond
"introduced 0, never fixed" (everything).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from airlock.errors import InvalidInput
from airlock.imports.packages.typosquat import normalise

MAX_FEED_BYTES = 256 * 1024 * 1024
MAX_RECORDS = 1_000_000
EVERY_VERSION = "*"


@dataclass(frozen=True, slots=True)
class KnownBad:
    """(normalised name, version or ``*``) -> advisory id."""

    entries: Mapping[tuple[str, str], str]

    def match(self, name: str, version: str) -> str | None:
        key = normalise(name)
        return self.entries.get((key, version)) or self.entries.get((key, EVERY_VERSION))

    def __len__(self) -> int:
        return len(self.entries)


def parse_osv(text: str) -> list[tuple[str, str, str]]:
    """(advisory id, package name, version or ``*``) for each PyPI entry in ``text``.

    Raises:
        InvalidInput: not JSON / JSON lines, over the size bound, or no OSV records at all.
    """
    if len(text) > MAX_FEED_BYTES:
        raise InvalidInput(f"feed is over {MAX_FEED_BYTES} bytes; split it")
    try:
        loaded = json.loads(text)
        records = loaded if isinstance(loaded, list) else [loaded]
    except json.JSONDecodeError:
        try:
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as e:
            raise InvalidInput(f"feed is neither JSON nor JSON lines: {e}") from e
    if len(records) > MAX_RECORDS:
        raise InvalidInput(f"feed holds over {MAX_RECORDS} records")
    out: list[tuple[str, str, str]] = []
    for record in records:
        if not isinstance(record, dict) or "id" not in record:
            raise InvalidInput("feed entry is not an OSV record (no 'id')")
        out += list(_entries(record))
    return out


def _entries(record: dict[str, object]) -> Iterable[tuple[str, str, str]]:
    advisory = str(record["id"])
    if record.get("withdrawn"):  # a retracted report (a false positive) denies nothing
        return
    affected = record.get("affected")
    for item in affected if isinstance(affected, list) else []:
        package = item.get("package") if isinstance(item, dict) else None
        if not isinstance(package, dict) or package.get("ecosystem") != "PyPI":
            continue
        name = str(package.get("name", ""))
        versions = item.get("versions")
        listed = [str(v) for v in versions] if isinstance(versions, list) else []
        for version in listed or [EVERY_VERSION]:
            yield advisory, name, version


def feed_entries(texts: Iterable[str]) -> list[tuple[str, str, str]]:
    """(advisory, normalised name, version or ``*``) of every PyPI entry in ``texts``, in
    order, the first advisory kept for a name and version listed twice.

    Raises:
        InvalidInput: see :func:`parse_osv`; a feed with no PyPI record is refused (fail
        closed: an operator who meant to load one must notice).
    """
    entries: dict[tuple[str, str], str] = {}
    for text in texts:
        for advisory, name, version in parse_osv(text):
            entries.setdefault((normalise(name), version), advisory)
    if not entries:
        raise InvalidInput("the feed holds no PyPI records")
    return [(advisory, name, version) for (name, version), advisory in entries.items()]


def known_bad(texts: Iterable[str]) -> KnownBad:
    """One lookup table from several feed files.

    Raises: InvalidInput, as :func:`feed_entries`.
    """
    return KnownBad({(name, version): advisory for advisory, name, version in feed_entries(texts)})
