"""Bringing datasets in: quarantine, provenance manifest, poisoning scan, release, lineage.

Files go into the content store by SHA-256 (the quarantine: nothing outside airlock reads
them there); the manifest and the scan go into the ledger before the store; a dataset
leaves quarantine only when its scan passed or two approvers overrode it (issue 6).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import secrets
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import BinaryIO, cast

from airlock.approvals.workflow import ApprovalCase, ApprovalRule, CaseStatus
from airlock.audit import AuditLog
from airlock.clock import Clock
from airlock.domain.names import PrincipalName, RequestId, Sha256Hex
from airlock.domain.requests import (
    BoundaryRequest,
    Decision,
    Outcome,
    Reason,
    RequestKind,
    RequestStatus,
)
from airlock.errors import (
    AwaitingApproval,
    ConfigError,
    Conflict,
    InvalidInput,
    NotFound,
    VettingRejected,
)
from airlock.imports.datasets.classifier import Embedder
from airlock.imports.datasets.limits import DatasetLimits, ScanLimits
from airlock.imports.datasets.manifest import (
    FileEntry,
    Manifest,
    SignatureStatus,
    manifest_to_json,
    verify_signature,
)
from airlock.imports.datasets.readers import gzipped_format_for_name, read_dataset
from airlock.imports.datasets.records import Columns, DatasetRecord, ReadResult
from airlock.imports.datasets.results import scan_to_json
from airlock.imports.datasets.rows import every_turn
from airlock.imports.datasets.scan import scan
from airlock.imports.datasets.vetting import DatasetVetting, FileScan, is_documentation, judge
from airlock.ledger.records import LedgerRecord
from airlock.state_seals import StateSeals
from airlock.store.dataset_interface import DatasetEntry, DatasetId, LineageEdge, dataset_id
from airlock.store.interface import Store
from airlock.store.outbox import Outbox

MAX_FILES = 1000
REPORTED_ROWS = 200  # ranked rows kept in the stored scan; the flagged ones come first
APPROVALS_TO_OVERRIDE = 2


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """What the importer says about a dataset, and how its columns map to records."""

    source: str
    license: str = "unknown"
    columns: Columns = field(default_factory=Columns)
    fieldnames: tuple[str, ...] | None = None  # for CSV/TSV files without a header row
    signature: bytes | None = None  # the publisher's Ed25519 signature over the file list
    publisher_key: bytes | None = None  # raw 32-byte Ed25519 public key
    embeddings: bool = False  # add sentence embeddings to the scan's classifier

    def __post_init__(self) -> None:
        if not self.source.strip() or len(self.source) > 255:
            raise InvalidInput("--source must say where the data came from (1-255 characters)")
        if self.signature is not None and self.publisher_key is None:
            raise InvalidInput("a signature needs the publisher's key (--signed-by)")


@dataclass(frozen=True, slots=True)
class DatasetImport:
    """A dataset as it stands after import or a rescan."""

    dataset: DatasetEntry
    request: BoundaryRequest
    vetting: DatasetVetting
    files: tuple[FileScan, ...]
    signature: SignatureStatus


class DataIngress:
    """The dataset flow over the store, the content store and the ledger."""

    def __init__(
        self,
        store: Store,
        *,
        seals: StateSeals,
        outbox: Outbox,
        ledger: AuditLog,
        clock: Clock,
        policy_version: Callable[[], str],
        limits: DatasetLimits | None = None,
        scan_limits: ScanLimits | None = None,
        load_embedder: Callable[[], Embedder] | None = None,
    ) -> None:
        self._store = store
        self._seals = seals
        self._outbox = outbox
        self._ledger = ledger
        self._clock = clock
        self._policy_version = policy_version
        self._limits = limits or DatasetLimits()
        self._scan_limits = scan_limits or ScanLimits()
        self._load_embedder = load_embedder
        self._embedder: Embedder | None = None

    def import_dataset(
        self,
        importer: PrincipalName,
        files: Sequence[tuple[str, BinaryIO]],
        options: ImportOptions,
        auth: Mapping[str, str] | None = None,
    ) -> DatasetImport:
        """Quarantine ``files``, record the manifest, scan, and decide.

        Raises:
            InvalidInput: no files, too many, an unsafe or repeated name, a file over the
                size limit, or a malformed publisher key.
        """
        if not files or len(files) > MAX_FILES:
            raise InvalidInput(f"a dataset needs 1 to {MAX_FILES} files, got {len(files)}")
        entries = sorted(
            (self._quarantine(name, stream) for name, stream in files), key=lambda f: f.name
        )
        now = self._clock.now()
        manifest = Manifest(tuple(entries), options.source, options.license, importer, now)
        signature = SignatureStatus.UNSIGNED
        if options.publisher_key is not None:
            signature = verify_signature(manifest.files, options.signature, options.publisher_key)
        manifest_bytes = json.dumps(
            {**manifest_to_json(manifest), "signature": signature.value},
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
        digest, _ = self._outbox.put(io.BytesIO(manifest_bytes), len(manifest_bytes))
        scans = self._scan_files(manifest.files, options)
        vetting = judge(scans, signature)
        request = BoundaryRequest(
            id=RequestId("req_" + secrets.token_hex(16)),
            kind=RequestKind.DATA_IMPORT,
            principal=importer,
            project=None,
            purpose=f"dataset from {options.source}"[:200],
            digest=digest,
            size_bytes=manifest.total_bytes,
            created_at=now,
        )
        entry = DatasetEntry(
            id=DatasetId("ds_" + secrets.token_hex(12)),
            request_id=request.id,
            source=options.source,
            license=options.license,
            manifest_sha256=digest,
            manifest_json=manifest_bytes.decode(),
            verdict=vetting.verdict.value,
            scan_json=_scan_json(scans, vetting, options),
            created_at=now,
        )
        index = self._log(
            "dataset.import",
            importer,
            entry,
            at=now,
            outcome=vetting.outcome,
            reasons=vetting.reasons,
            manifest=json.loads(manifest_bytes),
            verdict=vetting.verdict.value,
            scan_sha256=hashlib.sha256(entry.scan_json.encode()).hexdigest(),
            **(auth or {}),
        )
        self._store.add_request(request)
        self._store.datasets.add_dataset(entry)
        self._seals.seal("datasets", {"id": entry.id}, index)
        self._decide(request, vetting, index)
        self._store.datasets.add_lineage_edges(
            [LineageEdge("source", options.source, "dataset", entry.id)], importer, now
        )
        return DatasetImport(
            entry, self._store.get_request(request.id), vetting, tuple(scans), signature
        )

    def rescan(
        self, actor: str, raw_id: str, auth: Mapping[str, str] | None = None
    ) -> DatasetImport:
        """Scan a quarantined dataset again (same column mapping); a failing rescan holds it.

        Raises: NotFound, InvalidInput for a malformed id.
        """
        entry = self._store.datasets.get_dataset(dataset_id(raw_id))
        stored = json.loads(entry.scan_json)
        manifest = json.loads(entry.manifest_json)
        options = ImportOptions(
            source=entry.source,
            license=entry.license,
            columns=Columns(**stored["columns"]),
            fieldnames=tuple(stored["fieldnames"]) if stored["fieldnames"] else None,
            embeddings=bool(stored.get("embeddings", False)),
        )
        files = _manifest_files(entry)
        scans = self._scan_files(files, options)
        vetting = judge(scans, SignatureStatus(manifest.get("signature", "unsigned")))
        scan_json = _scan_json(scans, vetting, options)
        index = self._log(
            "dataset.scan",
            actor,
            entry,
            at=self._clock.now(),
            outcome=vetting.outcome,
            reasons=vetting.reasons,
            verdict=vetting.verdict.value,
            scan_sha256=hashlib.sha256(scan_json.encode()).hexdigest(),
            **(auth or {}),
        )
        self._store.datasets.set_scan(entry.id, vetting.verdict.value, scan_json)
        self._seals.seal("datasets", {"id": entry.id}, index)
        request = self._store.get_request(entry.request_id)
        if (
            request.status is RequestStatus.RELEASED
            and not vetting.passed
            and self._approved(request.id) is None
        ):
            self._decide(request, vetting, index)  # passed before, fails now: back to held
        return DatasetImport(
            self._store.datasets.get_dataset(entry.id),
            self._store.get_request(entry.request_id),
            vetting,
            tuple(scans),
            SignatureStatus(manifest.get("signature", "unsigned")),
        )

    def release(
        self, actor: str, raw_id: str, auth: Mapping[str, str] | None = None
    ) -> tuple[DatasetEntry, str, list[tuple[FileEntry, Iterator[bytes]]]]:
        """Take a dataset out of quarantine: its files, digest-checked, and the basis.

        Releasing again hands out the same files (another copy) with its own ledger entry.

        Raises:
            NotFound: no such dataset.
            Conflict: the scan did not pass and no approvals overrode it, or it was denied.
        """
        entry = self._store.datasets.get_dataset(dataset_id(raw_id))
        request = self._store.get_request(entry.request_id)
        # The verdict and status the release rests on must be as airlock sealed them.
        self._seals.check("datasets", {"id": entry.id})
        self._seals.check(
            "requests", {"id": request.id}, subjects=(entry.id, request.id, request.digest)
        )
        basis = self._release_basis(entry, request)
        now = self._clock.now()
        first = entry.released_at is None
        index = self._log(
            "dataset.release" if first else "dataset.copy",
            actor,
            entry,
            at=now,
            outcome=Outcome.ALLOW,
            reasons=(Reason("basis", basis[:500]),),
            **(auth or {}),
        )
        if first:
            # Released by someone else a moment ago: the copy is still allowed.
            with contextlib.suppress(Conflict):
                self._store.datasets.mark_released(entry.id, actor, now)
            self._seals.seal("datasets", {"id": entry.id}, index)
        files = _manifest_files(entry)
        return (
            self._store.datasets.get_dataset(entry.id),
            basis,
            [(f, self._outbox.stream(Sha256Hex(f.sha256))) for f in files],
        )

    # --- helpers ----------------------------------------------------------------------

    def _log(
        self,
        kind: str,
        actor: str,
        entry: DatasetEntry,
        *,
        at: datetime,
        outcome: Outcome,
        reasons: Sequence[Reason],
        **details: object,
    ) -> int:
        """The ledger entry of a dataset step, bound to its manifest digest; its index."""
        return self._ledger.append(
            LedgerRecord(
                kind=kind,
                actor=actor,
                at=at,
                subject=entry.id,
                request_digest=entry.manifest_sha256,
                policy_version=self._policy_version(),
                outcome=outcome.value,
                reasons=tuple(r.to_json() for r in reasons),
                details=details,
            )
        )

    def _quarantine(self, name: str, stream: BinaryIO) -> FileEntry:
        FileEntry(name, 0, "0" * 64)  # the name checks, before any byte is stored
        digest, size = self._outbox.put(stream, self._limits.max_total_bytes)
        return FileEntry(name, size, digest)

    def _scan_files(self, files: Sequence[FileEntry], options: ImportOptions) -> list[FileScan]:
        """Read every file, then scan all their rows as one dataset.

        A trainer reads the files together, so they are scanned together: a trigger planted
        in a few rows of each of many files is below the scan's thresholds in any one file.
        With one data file the file's scan is the dataset's; with more, each file keeps its
        read report and one further entry holds the scan of all rows (numbered on from file
        to file, in name order).
        """
        embedder = self._embeddings() if options.embeddings else None
        out: list[FileScan] = []
        read: list[tuple[FileEntry, ReadResult]] = []
        for file in files:
            outcome = self._read_file(file, options)
            if isinstance(outcome, FileScan):
                out.append(outcome)
            else:
                read.append((file, outcome))
        pooled: list[DatasetRecord] = []
        for _, result in read:
            offset = pooled[-1].row if pooled else 0
            pooled += [replace(r, row=r.row + offset) for r in result.records]
        if not read:
            return out
        found = scan(every_turn(pooled), self._scan_limits, embedder=embedder)
        if len(read) == 1:
            file, result = read[0]
            return [*out, FileScan(file.name, result.report, found)]
        out += [FileScan(file.name, result.report) for file, result in read]
        return [*out, FileScan(f"all {len(read)} data files as one", result=found)]

    def _read_file(self, file: FileEntry, options: ImportOptions) -> FileScan | ReadResult:
        """A file's rows, or why it was not read (documentation, unknown format, bad gzip)."""
        try:
            fmt, compressed = gzipped_format_for_name(file.name)
        except InvalidInput as e:
            if is_documentation(file.name):
                return FileScan(file.name)
            return FileScan(file.name, refusal=str(e))
        raw: BinaryIO = io.BufferedReader(
            _IteratorStream(self._outbox.stream(Sha256Hex(file.sha256))), 1 << 20
        )
        if compressed:  # the readers' byte limit then bounds the inflated bytes
            raw = cast(BinaryIO, gzip.GzipFile(fileobj=raw, mode="rb"))
        try:
            return read_dataset(
                raw, fmt, columns=options.columns, fieldnames=options.fieldnames,
                limits=self._limits,
            )  # fmt: skip
        except (OSError, EOFError, zlib.error) as e:
            return FileScan(file.name, refusal=f"corrupt or truncated gzip: {e}")

    def _embeddings(self) -> Embedder:
        """The sentence model, loaded once. Raises: ConfigError when none is configured."""
        if self._embedder is None:
            if self._load_embedder is None:
                raise ConfigError("this airlock has no sentence-embedding model configured")
            self._embedder = self._load_embedder()
        return self._embedder

    def _decide(self, request: BoundaryRequest, vetting: DatasetVetting, index: int) -> None:
        now = self._clock.now()
        self._store.record_decision(
            Decision(
                request.id,
                vetting.outcome,
                vetting.reasons,
                now,
                "dataset-scan",
                self._policy_version(),
            )
        )
        self._seals.seal("requests", {"id": request.id}, index)
        if vetting.outcome is Outcome.HOLD:
            # A case is open already when a held dataset is scanned again.
            with contextlib.suppress(Conflict):
                self._store.approvals.open_case(
                    ApprovalCase(
                        request.id,
                        request.principal,
                        request.digest,
                        ApprovalRule(APPROVALS_TO_OVERRIDE),
                        now,
                    )
                )
            self._seals.seal("approval_cases", {"request_id": request.id}, index)

    def _approved(self, request: RequestId) -> ApprovalCase | None:
        """The request's approval case if approvers closed it as approved, else None."""
        try:
            case = self._store.approvals.get_case(request)
        except NotFound:
            return None
        if case.closed is not CaseStatus.APPROVED:
            return None
        # An approved case overrides the scan: it must be the one airlock sealed (issue 22).
        self._seals.check("approval_cases", {"request_id": request})
        return case

    def _release_basis(self, entry: DatasetEntry, request: BoundaryRequest) -> str:
        stored = json.loads(entry.scan_json)
        case = self._approved(request.id)
        if case is not None:
            votes = "; ".join(f"{v.voter}: {v.reason or 'no reason given'}" for v in case.votes)
            return f"scan overridden by {len(case.votes)} approvals ({votes})"
        if stored["outcome"] == Outcome.ALLOW.value and request.status is RequestStatus.RELEASED:
            return "poisoning scan passed"
        if request.status is RequestStatus.DENIED:
            raise VettingRejected(
                f"dataset {entry.id} was denied, or its approvals expired ({request.id}); it "
                "cannot leave quarantine: `airlock data show` says why; import it again to "
                "start over"
            )
        raise AwaitingApproval(
            f"dataset {entry.id} is held: its scan says {entry.verdict}; it needs "
            f"{APPROVALS_TO_OVERRIDE} approvals: each approver runs `airlock approve "
            f"{request.id} --reason TEXT` with their own token (`airlock request show "
            f"{request.id}` says who may)"
        )


def _manifest_files(entry: DatasetEntry) -> tuple[FileEntry, ...]:
    return tuple(
        FileEntry(f["name"], f["size"], f["sha256"])
        for f in json.loads(entry.manifest_json)["files"]
    )


class _IteratorStream(io.RawIOBase):
    """A read-only raw stream over byte pieces (the digest-checked content store)."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._pieces = pieces
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._left:
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._left = piece
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n


def _scan_json(scans: Sequence[FileScan], vetting: DatasetVetting, options: ImportOptions) -> str:
    files = []
    for file in scans:
        item: dict[str, object] = {"name": file.name, "refusal": file.refusal}
        if file.report is not None:
            item["read"] = {
                **{k: v for k, v in asdict(file.report).items() if k != "rejected"},
                "rejected": {p.value: n for p, n in file.report.rejected},
                "stopped": file.report.stopped.value if file.report.stopped else None,
                "examples": [
                    {"row": e.row, "problem": e.problem.value} for e in file.report.examples
                ],
            }
        if file.result is not None:
            found = scan_to_json(file.result)
            found["rows"] = list(found["rows"])[:REPORTED_ROWS]  # type: ignore[call-overload]
            item["scan"] = found
        files.append(item)
    return json.dumps(
        {
            "outcome": vetting.outcome.value,
            "verdict": vetting.verdict.value,
            "reasons": [r.to_json() for r in vetting.reasons],
            "columns": asdict(options.columns),
            "fieldnames": list(options.fieldnames) if options.fieldnames else None,
            "embeddings": options.embeddings,
            "files": files,
        },
        sort_keys=True,
    )
