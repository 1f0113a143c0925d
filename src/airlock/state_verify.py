"""`airlock ledger verify --state`: every sealed row against its seal and against the ledger.

Three passes (docs/adr/0012-sealed-state.md):

1. Every row of every sealed table has a seal that holds, and every seal still has its row:
   an edited, added or deleted row is named.
2. Every seal points at a ledger entry the log still holds: a truncated log is named.
   Each budget's running total must be the sum of its counted reservations (ADR 0006).
3. The ledger replayed: each entry that made a row (a principal, project, decision, vote,
   lock, budget, protected model) still has that row, and each request's status is the
   outcome of the last decision the ledger holds for it. Deleting a row together with its
   seal, or restoring an older sealed copy of a row, shows up here.

It reports; it never raises for tampering. It does not replay reservations or lineage.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from airlock.errors import LedgerIntegrityError
from airlock.ledger.records import parse_record
from airlock.ledger.state_seal import SPECS, canonical_value, row_key, seal_problem
from airlock.store.ledger_interface import LedgerStore
from airlock.store.seal_interface import Row, SealStore

_STATUS_FOR = {"allow": "released", "deny": "denied", "hold": "held"}
_DECISION_KINDS = {"export.decision", "package.decision", "dataset.import", "approval.expired"}


@dataclass(slots=True)
class StateReport:
    rows_checked: int = 0
    entries_replayed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_state(seals: SealStore, ledger: LedgerStore, key: bytes) -> StateReport:
    """Check every sealed row; see the module docstring."""
    report = StateReport()
    tables = {t: seals.rows(t) for t in SPECS}
    stored = {(s.table, s.row_key): s for s in seals.all()}
    size = ledger.size()
    defaults = {
        (str(r["scope"]), str(r["window_seconds"]), str(r["limit_bytes"]))
        for r in tables["budgets"]
        if r["subject"] == "*" and not r.get("inherited")
    }
    for table, rows in tables.items():
        for row in rows:
            report.rows_checked += 1
            if table == "budgets" and row.get("inherited"):
                # A subject's copy of its scope's default, made by the store on its first
                # reservation (ADR 0015) where no key is at hand: it is right exactly when
                # a sealed default with the same limit and window exists.
                inherited = (str(row["scope"]), str(row["window_seconds"]), str(row["limit_bytes"]))
                if inherited not in defaults:
                    report.problems.append(
                        f"budgets row {row_key(table, row)} claims to inherit a default "
                        "budget that no sealed default matches: it was written outside airlock"
                    )
                continue
            seal = stored.pop((table, row_key(table, row)), None)
            problem = seal_problem(key, table, row, seal)
            if problem is not None:
                report.problems.append(problem)
            elif seal is not None and seal.ledger_index >= size:
                report.problems.append(
                    f"{table} row {seal.row_key} is sealed by ledger entry {seal.ledger_index},"
                    f" but the log holds {size} entries: the ledger was truncated"
                )
    report.problems += _budget_totals(tables["budgets"])
    for seal in stored.values():
        report.problems.append(seal_problem(key, seal.table, None, seal) or "")
    _Replay(tables, report).run(_records(ledger, size))
    return report


def _budget_totals(budgets: list[Row]) -> list[str]:
    """A running total that is not the sum of its reservations was edited (a reset)."""
    return [
        f"budgets row {row_key('budgets', row)} counts {row['used_bytes']} bytes used but its "
        f"reservations add up to {row['counted_bytes']}: its total was reset outside airlock"
        for row in budgets
        if row.get("counted_after") is not None and row["used_bytes"] != row["counted_bytes"]
    ]


def _records(ledger: LedgerStore, size: int) -> Iterator[tuple[int, dict[str, Any]]]:
    for entry in ledger.entries(0, size):
        try:
            yield entry.index, parse_record(entry.body)
        except LedgerIntegrityError:
            continue  # `airlock ledger verify` names it


class _Replay:
    """Pass 3: what the ledger says must exist, against the rows."""

    def __init__(self, tables: dict[str, list[Row]], report: StateReport) -> None:
        self.report = report
        self.keys = {t: {row_key(t, r) for r in rows} for t, rows in tables.items()}
        self.requests = {str(r["id"]): r for r in tables["requests"]}
        self.package_request = {
            str(r["filename"]): str(r["request_id"]) for r in tables["package_files"]
        }
        self.dataset_request = {str(r["id"]): str(r["request_id"]) for r in tables["datasets"]}
        self.votes = {
            row_key("approval_votes", r): bool(r["approve"]) for r in tables["approval_votes"]
        }
        self.locks = Counter(
            (str(r["scope"]), str(r["subject"]), canonical_value(r["created_at"]))
            for r in tables["locks"]
        )
        self.tokens = Counter(str(r["principal"]) for r in tables["api_tokens"])
        self.expected_tokens: Counter[str] = Counter()
        self.outcome: dict[str, tuple[int, str]] = {}
        self.approved: set[str] = set()  # closed by approvers: a failing rescan keeps them

    def run(self, records: Iterator[tuple[int, dict[str, Any]]]) -> None:
        for index, record in records:
            self.report.entries_replayed += 1
            self.entry(index, str(record.get("kind")), str(record.get("subject")), record)
        for rid, (index, outcome) in self.outcome.items():
            row = self.requests.get(rid)
            if row is None:
                self.fail(index, f"requests row {rid} is missing")
            elif row["status"] != _STATUS_FOR[outcome]:
                self.report.problems.append(
                    f"requests row {rid} is {row['status']} but its last decision in the "
                    f"ledger (entry {index}) is {outcome}: its status was changed outside airlock"
                )
        for name, count in self.expected_tokens.items():
            if self.tokens[name] != count:
                self.report.problems.append(
                    f"api_tokens: principal {name} has {self.tokens[name]} tokens, the ledger "
                    f"issued {count}: tokens were added or deleted outside airlock"
                )

    def entry(self, index: int, kind: str, subject: str, record: dict[str, Any]) -> None:
        match kind:
            case "principal.add":
                self.expect(index, "principals", subject)
                self.expected_tokens[subject] += 1
            case "principal.token":
                self.expected_tokens[subject] += 1
            case "project.add":
                self.expect(index, "projects", subject)
            case "budget.set":
                self.expect(index, "budgets", subject.replace(":", "/", 1))
            case "weights.register":
                self.expect(index, "protected_models", subject)
            case "lock.add":
                self.lock(index, subject, str(record.get("at")))
            case "approval.vote":
                self.vote(index, subject, str(record.get("actor")), record.get("outcome"))
            case "dataset.scan":
                rid = self.dataset_request.get(subject)
                outcome = str(record.get("outcome"))
                released = rid is not None and self.outcome.get(rid, (0, ""))[1] == "allow"
                if released and rid not in self.approved and outcome in ("hold", "deny"):
                    self.outcome[str(rid)] = (index, outcome)  # passed before, fails now
            case _ if kind in _DECISION_KINDS:
                self.decision(index, kind, subject, str(record.get("outcome")))

    def lock(self, index: int, subject: str, at: str) -> None:
        scope, _, who = subject.partition(":")
        if not self.locks[(scope, who, at)]:
            self.fail(index, f"locks row for {subject} imposed at {at}")

    def vote(self, index: int, rid: str, voter: str, outcome: object) -> None:
        vote = self.votes.get(f"{rid}/{voter}")
        if vote is None:
            self.fail(index, f"approval_votes row {rid}/{voter}")
        elif vote != (outcome == "approve"):
            self.report.problems.append(
                f"approval_votes row {rid}/{voter} does not say what ledger entry {index} "
                "recorded: it was changed outside airlock"
            )

    def decision(self, index: int, kind: str, subject: str, outcome: str) -> None:
        rid = subject
        if kind in ("package.decision", "dataset.import"):
            table = "package_files" if kind == "package.decision" else "datasets"
            found = self.package_request if table == "package_files" else self.dataset_request
            if subject not in found:
                self.fail(index, f"{table} row {subject}")
                return
            rid = found[subject]
        if kind == "approval.expired":
            outcome = "deny"
        if outcome not in _STATUS_FOR:
            return
        if kind == "export.decision" and outcome == "allow":
            self.approved.add(rid)
        self.outcome[rid] = (index, outcome)
        if outcome == "hold":
            self.expect(index, "approval_cases", rid)

    def expect(self, index: int, table: str, key: str) -> None:
        if key not in self.keys[table]:
            self.fail(index, f"{table} row {key}")

    def fail(self, index: int, what: str) -> None:
        self.report.problems.append(
            f"{what} is missing but ledger entry {index} made it: deleted outside airlock"
        )
