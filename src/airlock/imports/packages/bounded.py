"""Vetting a package in a child process with a time limit (ADR 0173).

The analysis is bounded by budgets it counts itself (parse bytes, cross-file steps), but a
fault of its own can still make it run for ever: one did (``import ...`` in a docstring
made the cross-file start test search for an empty name, which ``bytes.find`` finds at
every place). In the gateway that is a worker thread lost for good and an uploader who
never hears back, and anyone who finds such a file can send it again and again. So the
gateway vets in a child process it can stop: a package whose vetting does not finish in
time, or whose child dies, is **held**, saying why, never allowed and never waited on.

The child comes from a fork server started once with the analysis loaded (a fork of the
gateway itself would copy its threads' locks), and answers in JSON, never in pickles:
nothing it sends is executed here."""

from __future__ import annotations

import json
import multiprocessing
from multiprocessing.connection import Connection
from pathlib import Path

from airlock.imports.packages.rules import PackageFinding
from airlock.imports.packages.spread import finding_from_json, finding_json
from airlock.imports.packages.vet import VetReport, held_unread, vet

# The analysis, loaded once in the fork server rather than in every child.
PRELOADED = ["airlock.imports.packages.vet"]
# How long a child that answered may take to leave before it is killed.
EXIT_GRACE_SECONDS = 5.0


def vet_within(filename: str, path: Path, *, digest: str, seconds: float) -> VetReport:
    """:func:`vet` of the file at ``path`` (whose SHA-256 is ``digest``), in a child process
    given ``seconds``: a held report with one finding (``analysis-timeout`` or
    ``analysis-failed``) when it does not answer in time, dies, or answers something
    unreadable."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_vet_in_child, args=(filename, str(path), sender), name="airlock-vet", daemon=True
    )
    try:
        child.start()
    except OSError as error:  # no process to be had (EAGAIN, ENOMEM): held, not run here
        receiver.close()
        sender.close()
        return held_unread(filename, digest, "analysis-failed", _no_child(error))
    sender.close()
    sent: bytes | None = None
    try:
        sent = _answer(receiver, seconds)
    finally:
        receiver.close()
        child.join(EXIT_GRACE_SECONDS if sent is not None else 0)
        if child.is_alive():
            child.kill()
            child.join()
    if sent is None:
        return held_unread(filename, digest, "analysis-timeout", _too_long(seconds))
    try:
        return decoded(sent)
    except (ValueError, KeyError, TypeError) as error:
        why = f"vetting's child process answered something unreadable ({type(error).__name__})"
        return held_unread(filename, digest, "analysis-failed", _explained(why))


def _answer(receiver: Connection, seconds: float) -> bytes | None:
    """The child's answer; None when none came in ``seconds``. A child that died without
    answering sends b"" (read as an unreadable answer, so held)."""
    if not receiver.poll(seconds):
        return None
    try:
        return receiver.recv_bytes()
    except (EOFError, OSError):
        return b""


def _vet_in_child(filename: str, path: str, sender: Connection) -> None:
    with Path(path).open("rb") as handle:
        report = vet(filename, handle)
    sender.send_bytes(json.dumps(encoded(report)).encode())
    sender.close()


def encoded(report: VetReport) -> dict[str, object]:
    """Every field of ``report`` as JSON values (:func:`decoded` reads them back)."""
    return {
        "filename": report.filename,
        "sha256": report.sha256,
        "name": report.name,
        "version": report.version,
        "findings": [finding_json(f) for f in report.findings],
        "unknown": list(report.unknown),
        "publisher": report.publisher,
        "requires": list(report.requires),
        "builds": list(report.builds),
        "marks": [[finding_json(f), mark] for f, mark in report.marks],
    }


def decoded(sent: bytes) -> VetReport:
    """The report :func:`encoded` wrote. Raises ValueError, KeyError or TypeError for
    anything else."""
    body = json.loads(sent)
    if not isinstance(body, dict):
        raise TypeError("a report is an object")
    return VetReport(
        filename=_text(body["filename"]),
        sha256=_text(body["sha256"]),
        name=_text(body["name"]),
        version=_text(body["version"]),
        findings=tuple(finding_from_json(_list(f)) for f in _list(body["findings"])),
        unknown=tuple(_text(u) for u in _list(body["unknown"])),
        publisher=_text(body["publisher"]),
        requires=tuple(_text(r) for r in _list(body["requires"])),
        builds=tuple(_text(b) for b in _list(body["builds"])),
        marks=tuple(_mark(_list(m)) for m in _list(body["marks"])),
    )


def _mark(pair: list[object]) -> tuple[PackageFinding, str]:
    finding, mark = pair
    return finding_from_json(_list(finding)), _text(mark)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return value


def _too_long(seconds: float) -> str:
    return _explained(
        f"vetting did not finish within {seconds:g} s (uploads.vet_seconds) and was stopped"
    )


def _no_child(error: OSError) -> str:
    return _explained(f"vetting could not start its child process ({error.strerror or error})")


def _explained(why: str) -> str:
    return (
        f"{why}; held for review. A file this large may need a longer limit; otherwise"
        " report it with the file's SHA-256"
    )
