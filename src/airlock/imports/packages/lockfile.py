"""Lock files: which package files an environment may be built from (issue 16).

Pure. A lock pins each package to a version and to the SHA-256 of every file that may
install it: ``requirements.txt`` written with hashes (``pip-compile --generate-hashes``,
``uv pip compile --generate-hashes``) or a PEP 751 ``pylock.toml``. Vetting a folder of files
against a lock answers three questions at once: is every file one the lock names (a file
that is not is refused: it may have been swapped), is every locked package present, and what
does vetting say of each file.

What it does not do: resolve dependencies (the lock did that), read ``-c`` constraints, or
trust a lock entry without a hash (it is refused, not skipped). A ``-r`` include or an ``-e``
editable line is refused too: pip installs what it brings, and the environment would be
called vetted with packages in it that no one saw.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from airlock.errors import InvalidInput
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.typosquat import normalise
from airlock.imports.packages.vet import VetReport

MAX_LOCK_CHARS = 16 * 1024 * 1024
_HASH = re.compile(r"--hash[=\s]+sha256:([0-9a-fA-F]{64})")
_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([^\s;\\]+)")


@dataclass(frozen=True, slots=True)
class LockedPackage:
    name: str  # normalised
    version: str
    sha256: frozenset[str]  # lower-case hex, one per allowed file


@dataclass(frozen=True, slots=True)
class LockMatch:
    """Files matched to the lock, files it does not name, and locked packages with no file."""

    matched: Mapping[str, LockedPackage]  # file name -> its locked package
    unlocked: Sequence[str]  # file names whose digest no lock entry lists
    missing: Sequence[LockedPackage]


def parse_lock(text: str, filename: str) -> list[LockedPackage]:
    """A ``pylock.toml`` (by name: ``pylock.toml`` or ``pylock.*.toml``) or hashed
    requirements.

    Raises:
        InvalidInput: too large, unparsable, an entry without a pinned version or a SHA-256
            hash, or no entries at all.
    """
    if len(text) > MAX_LOCK_CHARS:
        raise InvalidInput(f"{filename} is over {MAX_LOCK_CHARS} characters")
    base = filename.rsplit("/", 1)[-1]
    is_pylock = base == "pylock.toml" or (base.startswith("pylock.") and base.endswith(".toml"))
    locked = _pylock(text, filename) if is_pylock else _requirements(text, filename)
    if not locked:
        raise InvalidInput(f"{filename} locks no packages")
    return locked


def match_files(locked: Sequence[LockedPackage], digests: Mapping[str, str]) -> LockMatch:
    """Match ``digests`` (file name -> SHA-256 hex) against ``locked``."""
    by_digest = {digest: package for package in locked for digest in package.sha256}
    matched = {name: by_digest[d.lower()] for name, d in digests.items() if d.lower() in by_digest}
    unlocked = sorted(name for name in digests if name not in matched)
    present = {(p.name, p.version) for p in matched.values()}
    missing = [p for p in locked if (p.name, p.version) not in present]
    return LockMatch(matched, unlocked, missing)


def _requirements(text: str, filename: str) -> list[LockedPackage]:
    # Continuation lines ("\" at the end) join a requirement to its --hash options.
    joined = re.sub(r"\\\r?\n", " ", text)
    out = []
    for number, raw in enumerate(joined.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            _refuse_bringing(line, filename, number)
            continue  # options (--index-url, -c ...): no packages
        pin = _PIN.match(line)
        hashes = frozenset(h.lower() for h in _HASH.findall(line))
        if pin is None:
            raise InvalidInput(
                f"{filename}:{number}: {line[:80]!r} is not pinned with == (a lock pins each "
                "package to one version)"
            )
        if not hashes:
            raise InvalidInput(
                f"{filename}:{number}: {pin.group(1)} has no --hash=sha256:...; regenerate the "
                "file with --generate-hashes"
            )
        out.append(LockedPackage(normalise(pin.group(1)), pin.group(2), hashes))
    return out


# pip options that add packages the lock does not list: ``-r base.txt``, ``-rbase.txt``,
# ``--requirement=base.txt``, ``-e ./src``, ``--editable git+https://...``.
_BRINGING = re.compile(r"^(?:-[re]|--(?:requirement|editable)(?=[\s=]|$))")


def _refuse_bringing(line: str, filename: str, number: int) -> None:
    if _BRINGING.match(line):
        raise InvalidInput(
            f"{filename}:{number}: {line[:80]!r} brings packages the lock does not list (an "
            "included file or an editable source); give airlock one lock that lists every "
            "package with its hashes (pip-compile --generate-hashes writes one)"
        )


def _pylock(text: str, filename: str) -> list[LockedPackage]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InvalidInput(f"{filename} is not TOML: {e}") from e
    packages = document.get("packages")
    if not isinstance(packages, list):
        raise InvalidInput(f"{filename} has no [[packages]] (PEP 751)")
    out = []
    for entry in packages:
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("version"):
            raise InvalidInput(f"{filename}: a [[packages]] entry has no name or version")
        files = [*_list(entry.get("wheels")), *_list([entry.get("sdist")])]
        hashes = frozenset(
            str(f["hashes"]["sha256"]).lower()
            for f in files
            if isinstance(f, dict)
            and isinstance(f.get("hashes"), dict)
            and isinstance(f["hashes"].get("sha256"), str)
        )
        if not hashes:
            raise InvalidInput(
                f"{filename}: {entry['name']} {entry['version']} lists no file with a sha256 "
                "hash (a VCS or directory source cannot be vetted as a file)"
            )
        out.append(LockedPackage(normalise(str(entry["name"])), str(entry["version"]), hashes))
    return out


def _list(value: object) -> list[object]:
    return [v for v in value if v is not None] if isinstance(value, list) else []


def apply_lock(
    reports: Sequence[VetReport], locked: Sequence[LockedPackage]
) -> tuple[list[VetReport], list[LockedPackage]]:
    """Each report with the lock's judgement added, and the locked packages no file brought.

    A file whose digest the lock does not list, or whose metadata names another project or
    version than the lock entry with its digest, is denied: either the file was swapped or
    the lock does not describe it.
    """
    match = match_files(locked, {r.filename: r.sha256 for r in reports})
    judged = []
    for report in reports:
        entry = match.matched.get(report.filename)
        finding = None
        if entry is None:
            finding = PackageFinding(
                "not-locked",
                report.filename,
                0,
                Severity.CRITICAL,
                f"sha256 {report.sha256[:16]}... is not among the lock's hashes: the file is "
                "not the one locked (swapped or rebuilt), or the lock is out of date",
            )
        elif (normalise(report.name), report.version) != (entry.name, entry.version):
            finding = PackageFinding(
                "lock-mismatch",
                report.filename,
                0,
                Severity.CRITICAL,
                f"the file says {report.name} {report.version} but the lock gives its hash to "
                f"{entry.name} {entry.version}",
            )
        judged.append(
            report if finding is None else replace(report, findings=(finding, *report.findings))
        )
    return judged, list(match.missing)
