"""Vet one package file: walk its members, apply the rules, check RECORD and metadata.

Verdict rule (fail closed): any critical finding denies; any high finding, unreadable member
or archive problem holds; otherwise allow. Missing provenance is reported, never guessed.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from typing import BinaryIO

from airlock.domain.requests import Outcome
from airlock.errors import InvalidInput
from airlock.imports.packages.archive import Member, read_members
from airlock.imports.packages.rules import (
    PackageFinding,
    Severity,
    scan_pth,
    scan_python,
    setup_py_hooks,
)
from airlock.imports.packages.typosquat import normalise, typosquat_of


@dataclass(frozen=True, slots=True)
class VetReport:
    filename: str
    sha256: str
    name: str
    version: str
    findings: tuple[PackageFinding, ...]
    unknown: tuple[str, ...] = field(default_factory=tuple)  # provenance signals not present

    @property
    def verdict(self) -> Outcome:
        worst = max((f.severity for f in self.findings), default=Severity.LOW)
        if worst is Severity.CRITICAL:
            return Outcome.DENY
        if worst is Severity.HIGH:
            return Outcome.HOLD
        return Outcome.ALLOW

    def to_json(self) -> dict[str, object]:
        return {
            "filename": self.filename,
            "sha256": self.sha256,
            "name": self.name,
            "version": self.version,
            "verdict": self.verdict.value,
            "unknown_signals": list(self.unknown),
            "findings": [
                {
                    "rule": f.rule,
                    "path": f.path,
                    "line": f.line,
                    "severity": f.severity.name.lower(),
                    "explanation": f.explanation,
                }
                for f in self.findings
            ],
        }


def vet(filename: str, blob: bytes | BinaryIO) -> VetReport:
    """Vet a wheel or sdist given as bytes or a seekable stream (read in bounded pieces, so
    a large upload need not be in memory, issue 22). Never imports, builds or runs it."""
    if isinstance(blob, bytes):
        digest = hashlib.sha256(blob).hexdigest()
    else:
        blob.seek(0)
        hashing = hashlib.sha256()
        while piece := blob.read(1 << 20):
            hashing.update(piece)
        digest = hashing.hexdigest()
    findings: list[PackageFinding] = []
    members: list[Member] = []
    try:
        members = list(read_members(blob))
    except InvalidInput as e:
        findings.append(PackageFinding("unreadable-archive", filename, 0, Severity.HIGH, e.message))
    metadata = ""
    record = ""
    for member in members:
        if member.data is None:
            findings.append(
                PackageFinding("unread-member", member.name, 0, Severity.HIGH, member.note)
            )
            continue
        findings += _member_findings(member.name, member.data)
        if member.name.endswith((".dist-info/METADATA", "/PKG-INFO")) and not metadata:
            metadata = member.data.decode("utf-8", "replace")
        if member.name.endswith(".dist-info/RECORD"):
            record = member.data.decode("utf-8", "replace")
    name = _header(metadata, "Name") or filename.split("-", maxsplit=1)[0]
    version = _header(metadata, "Version")
    findings += _metadata_findings(filename, name, metadata)
    if record:
        findings += _record_findings(record, members)
    unknown = ["attestations (PEP 740)", "release age", "maintainer count"]
    if filename.endswith(".whl") and not record:
        findings.append(
            PackageFinding(
                "record-missing",
                filename,
                0,
                Severity.HIGH,
                "wheel has no RECORD: file hashes cannot be checked",
            )
        )
    return VetReport(filename, digest, name, version, tuple(findings), tuple(unknown))


def _member_findings(path: str, data: bytes) -> list[PackageFinding]:
    base = path.rsplit("/", 1)[-1]
    if base.endswith(".pth"):
        return list(scan_pth(path, data.decode("utf-8", "replace")))
    if not base.endswith(".py"):
        return []
    source = data.decode("utf-8", "replace")
    install = base == "setup.py"
    found = scan_python(path, source, install_time=install)
    if install:
        found += list(setup_py_hooks(path, source))
    return found


def _header(metadata: str, key: str) -> str:
    match = re.search(rf"^{key}:\s*(.+)$", metadata, re.MULTILINE)
    return match.group(1).strip() if match else ""


def _metadata_findings(filename: str, name: str, metadata: str) -> list[PackageFinding]:
    found = []
    imitated = typosquat_of(name)
    if imitated:
        found.append(
            PackageFinding(
                "typosquat",
                filename,
                0,
                Severity.HIGH,
                f"name {name!r} imitates the popular {imitated!r}",
            )
        )
    if metadata and not _header(metadata, "Summary"):
        found.append(
            PackageFinding("empty-summary", filename, 0, Severity.LOW, "metadata has no summary")
        )
    if metadata and normalise(filename.split("-", maxsplit=1)[0]) != normalise(name):
        found.append(
            PackageFinding(
                "name-mismatch",
                filename,
                0,
                Severity.HIGH,
                f"file name does not match the metadata name {name!r}",
            )
        )
    return found


def _record_findings(record: str, members: list[Member]) -> list[PackageFinding]:
    listed: dict[str, str] = {}
    for row in csv.reader(io.StringIO(record)):
        if row and len(row) >= 2 and row[1]:
            listed[row[0]] = row[1]
    found = []
    for member in members:
        if member.data is None or member.name.endswith(".dist-info/RECORD"):
            continue
        expected = listed.get(member.name)
        if expected is None:
            found.append(
                PackageFinding(
                    "record-incomplete",
                    member.name,
                    0,
                    Severity.HIGH,
                    "file is not listed in RECORD",
                )
            )
            continue
        actual = (
            "sha256="
            + base64.urlsafe_b64encode(hashlib.sha256(member.data).digest()).rstrip(b"=").decode()
        )
        if actual != expected:
            found.append(
                PackageFinding(
                    "record-mismatch",
                    member.name,
                    0,
                    Severity.CRITICAL,
                    "file content does not match its RECORD hash",
                )
            )
    return found
