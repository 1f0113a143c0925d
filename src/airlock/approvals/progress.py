"""What a person needs to see about one boundary request: its progress and its next step.

One pure view model (issue 18) that every surface renders the same way: `airlock request
show` (text and JSON), `GET /requests/{id}`, the answer to a vote, and the approver's page.
It says what the item is (file name, size, type), why it was held (findings in plain words
with their member and offset), approvals in and needed, who voted and how, who else may
still vote, when the case expires, and the exact next step for the person looking.

No store, clock or I/O here: the caller passes the request, its decisions and case, the
principals (to know who is eligible), what the deciding ledger entry recorded about the
file (its name, type and findings), who is looking, and the time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import assert_never

from airlock.approvals.workflow import ApprovalCase, CaseStatus
from airlock.domain.principals import Principal
from airlock.domain.requests import BoundaryRequest, Decision, RequestKind, RequestStatus
from airlock.render.units import format_bytes, format_seconds

MAX_FINDINGS_SHOWN = 50

# Finding kinds and reason codes in words a new approver understands without the code book.
PLAIN_WORDS: Mapping[str, str] = {
    "tensor-format": "a model or tensor file (safetensors, GGUF, NumPy...)",
    "raw-tensor": "header-less bytes that look like model weights",
    "tensor-as-text": "many numbers written out as text, as weights would be",
    "protected-model": "a piece of a registered protected model",
    "opaque-data": "high-entropy bytes of no known format (encrypted or compressed?)",
    "malformed": "a truncated or invalid file structure",
    "limit-exceeded": "an inspection limit was hit (size, depth, members or a bomb)",
    "unsafe-member-name": "an archive member with an unsafe path",
    "small-tensor": "a small amount of tensor data",
    "weight-like-values": "a column of numbers as spread as model weights (counted)",
    "unknown-format": "binary data of no recognised format",
    "budget-exceeded": "over an export budget",
    "no-budget": "no export budget is configured",
    "locked": "the sender or project is locked",
    "refused-content": "content refused before, to someone else",
    "approved": "approved by the required approvers",
    "rejected": "rejected by an approver",
    "expired": "nobody decided before the deadline",
}


@dataclass(frozen=True, slots=True)
class FindingView:
    """One reason for the decision: its code, plain words, the detail, and where it is."""

    code: str
    plain: str
    detail: str
    member: str = ""
    offset: int | None = None

    @property
    def where(self) -> str:
        """``in a.zip/w.bin at byte 1024``, or empty when the finding has no location."""
        parts = []
        if self.member:
            parts.append(f"in {self.member}")
        if self.offset is not None and (self.offset or self.member):
            parts.append(f"at byte {self.offset:,}")
        return " ".join(parts)

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "plain": self.plain,
            "detail": self.detail,
            "member": self.member,
            "offset": self.offset,
            "where": self.where,
        }


@dataclass(frozen=True, slots=True)
class VoteView:
    voter: str
    approve: bool
    reason: str
    cast_at: datetime

    def to_json(self) -> dict[str, object]:
        return {
            "voter": self.voter,
            "vote": "approve" if self.approve else "deny",
            "reason": self.reason,
            "cast_at": self.cast_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class RequestProgress:
    """Everything one screen about a request shows, already worded. ``viewer`` is who is
    looking (None: an operator at the console); ``summary`` reads like ``1 of 2 (you)``."""

    request_id: str
    kind: str
    principal: str
    project: str | None
    purpose: str
    status: str
    digest: str
    name: str | None
    size_bytes: int
    size_text: str
    media_type: str | None
    created_at: datetime
    waited_text: str
    findings: tuple[FindingView, ...]
    approvals: int
    required: int | None
    summary: str
    votes: tuple[VoteView, ...]
    eligible: tuple[str, ...]
    expires_at: datetime | None
    expires_text: str | None
    viewer: str | None
    viewer_may_vote: bool
    next_step: str

    def to_json(self) -> dict[str, object]:
        return {
            "request_id": self.request_id,
            "kind": self.kind,
            "principal": self.principal,
            "project": self.project,
            "purpose": self.purpose,
            "status": self.status,
            "digest": self.digest,
            "name": self.name,
            "size_bytes": self.size_bytes,
            "size_text": self.size_text,
            "media_type": self.media_type,
            "created_at": self.created_at.isoformat(),
            "waited_text": self.waited_text,
            "findings": [f.to_json() for f in self.findings],
            "approvals": self.approvals,
            "required": self.required,
            "summary": self.summary,
            "votes": [v.to_json() for v in self.votes],
            "eligible": list(self.eligible),
            "expires_at": None if self.expires_at is None else self.expires_at.isoformat(),
            "expires_text": self.expires_text,
            "viewer": self.viewer,
            "viewer_may_vote": self.viewer_may_vote,
            "next_step": self.next_step,
        }

    def text_lines(self) -> list[str]:
        """The text `airlock request show` prints (and an e-mail body reuses)."""
        what = self.name or "(name not recorded)"
        kind = f"{self.kind}, {self.media_type}" if self.media_type else self.kind
        lines = [
            f"request    {self.request_id}",
            f"what       {what} ({self.size_text}; {kind})",
            f"from       {self.principal}"
            + (f" for project {self.project}" if self.project else ""),
            f"purpose    {self.purpose}",
            f"status     {self.status} (submitted {self.waited_text} ago)",
            f"digest     {self.digest}",
        ]
        if self.required is not None:
            lines.append(f"approvals  {self.summary}")
            lines.extend(
                f"  vote     {v.voter}: {'approve' if v.approve else 'deny'}"
                + (f" - {v.reason}" if v.reason else "")
                for v in self.votes
            )
            if self.eligible:
                lines.append(f"eligible   {', '.join(self.eligible)}")
        if self.expires_text is not None:
            lines.append(f"expires    {self.expires_text}")
        if self.findings:
            lines.append("why")
            for f in self.findings:
                where = f" ({f.where})" if f.where else ""
                lines.append(f"  {f.plain}{where}: {f.detail}")
        lines.append(f"next       {self.next_step}")
        return lines


def progress(
    request: BoundaryRequest,
    decisions: Sequence[Decision],
    case: ApprovalCase | None,
    principals: Sequence[Principal],
    *,
    origin: Mapping[str, object] | None,
    viewer: str | None,
    now: datetime,
) -> RequestProgress:
    """The progress view of ``request`` as ``viewer`` sees it at ``now``.

    ``origin`` is the details of the ledger entry that decided the request (``name``,
    ``media_type`` and ``findings`` when it recorded them); without it the name reads as not
    recorded and the findings come from the first decision's reasons.
    """
    details = origin or {}
    status = request.status
    if (
        case is not None
        and status is RequestStatus.HELD
        and case.status_at(now) is (CaseStatus.EXPIRED)
    ):
        status = RequestStatus.EXPIRED
    votes = (
        tuple(VoteView(v.voter, v.approve, v.reason, v.cast_at) for v in case.votes) if case else ()
    )
    voted = {v.voter for v in votes}
    eligible: tuple[str, ...] = ()
    if case is not None and status is RequestStatus.HELD:
        eligible = tuple(
            sorted(
                p.name
                for p in principals
                if p.role in case.rule.roles and p.name != case.requester and p.name not in voted
            )
        )
    viewer_may_vote = viewer is not None and viewer in eligible
    approvals = case.approvals if case else 0
    required = case.rule.required if case else None
    expires_at = case.deadline if case is not None and status is RequestStatus.HELD else None
    return RequestProgress(
        request_id=request.id,
        kind=request.kind.value,
        principal=request.principal,
        project=request.project,
        purpose=request.purpose,
        status=status.value,
        digest=request.digest,
        name=_text(details.get("name")),
        size_bytes=request.size_bytes,
        size_text=format_bytes(request.size_bytes),
        media_type=_text(details.get("media_type")),
        created_at=request.created_at,
        waited_text=format_seconds(max(0.0, (now - request.created_at).total_seconds())),
        findings=_findings(details.get("findings"), decisions),
        approvals=approvals,
        required=required,
        summary=approval_summary(approvals, required, votes, viewer),
        votes=votes,
        eligible=eligible,
        expires_at=expires_at,
        expires_text=None
        if expires_at is None
        else f"in {format_seconds((expires_at - now).total_seconds())} "
        f"({expires_at.isoformat(timespec='minutes')})",
        viewer=viewer,
        viewer_may_vote=viewer_may_vote,
        next_step=next_step(
            request,
            status=status,
            case=case,
            eligible=eligible,
            viewer=viewer,
            approvals=approvals,
            required=required,
        ),
    )


def approval_summary(
    approvals: int, required: int | None, votes: Sequence[VoteView], viewer: str | None
) -> str:
    """``0 of 2``, ``1 of 2 (you)``, ``1 of 2 (you denied)``; ``no approval needed``."""
    if required is None:
        return "no approval needed"
    mine = next((v for v in votes if v.voter == viewer), None)
    suffix = ""
    if mine is not None:
        suffix = " (you)" if mine.approve else " (you denied)"
    return f"{approvals} of {required}{suffix}"


def next_step(  # noqa: PLR0911 -- one answer per state
    request: BoundaryRequest,
    *,
    status: RequestStatus,
    case: ApprovalCase | None,
    eligible: Sequence[str],
    viewer: str | None,
    approvals: int,
    required: int | None,
) -> str:
    """The one thing to do next, as a command where there is one."""
    rid = request.id
    match status:
        case RequestStatus.PENDING:
            return "it is being inspected: look again in a moment"
        case RequestStatus.RELEASED:
            if request.kind is RequestKind.EXPORT:
                return (
                    f"released: {request.principal} fetches it with "
                    f"`airlock fetch-release {rid} -o FILE`"
                )
            return "released: nothing left to do"
        case RequestStatus.DENIED:
            return (
                "denied: read why above; change the file or ask for a budget, then submit a new "
                "request (a denial is not appealed by resubmitting the same bytes)"
            )
        case RequestStatus.EXPIRED:
            return "expired before enough approvals: submit it again if it is still needed"
        case RequestStatus.HELD:
            if case is None or required is None:
                return "held: an administrator must review it"
            missing = max(0, required - approvals)
            who = ", ".join(eligible)
            if viewer is not None and viewer in eligible:
                return (
                    f"review it, then `airlock approve {rid} --reason ...` or "
                    f"`airlock reject {rid} --reason ...` ({missing} more approval"
                    f"{'' if missing == 1 else 's'} needed)"
                )
            if not eligible:
                return (
                    f"needs {missing} more approval{'' if missing == 1 else 's'} but nobody "
                    "eligible is left to vote: an admin adds an approver "
                    "(`airlock principal add NAME --role approver`)"
                )
            waiting = f"waiting for {missing} more approval{'' if missing == 1 else 's'} from {who}"
            if viewer == request.principal:
                return f"{waiting}; you need do nothing (you cannot approve your own request)"
            if viewer is not None and any(v.voter == viewer for v in case.votes):
                return f"you voted; {waiting}"
            return f"{waiting}: `airlock approve {rid} --reason ...` as one of them"
        case _:
            assert_never(status)


def _findings(recorded: object, decisions: Sequence[Decision]) -> tuple[FindingView, ...]:
    views: list[FindingView] = []
    if isinstance(recorded, list):
        for item in recorded[:MAX_FINDINGS_SHOWN]:
            if not isinstance(item, dict):
                continue
            code = str(item.get("kind", "finding"))
            offset = item.get("offset")
            views.append(
                FindingView(
                    code,
                    PLAIN_WORDS.get(code, code.replace("-", " ")),
                    str(item.get("detail", "")),
                    str(item.get("member", "")),
                    offset if isinstance(offset, int) else None,
                )
            )
    seen = {(v.code, v.detail[:500]) for v in views}
    first = decisions[0] if decisions else None
    if first is not None:
        for reason in first.reasons[:MAX_FINDINGS_SHOWN]:
            if (reason.code, reason.message) in seen:
                continue
            views.append(
                FindingView(
                    reason.code,
                    PLAIN_WORDS.get(reason.code, reason.code.replace("-", " ")),
                    reason.message,
                )
            )
    return tuple(views[:MAX_FINDINGS_SHOWN])


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
