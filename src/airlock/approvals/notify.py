"""What approvers are told when something is held (issue 18): the notice, as data.

Pure: the webhook body (JSON), the e-mail (subject and text) and which groups a held
request concerns, all built from the same :class:`~airlock.approvals.progress.
RequestProgress` every other surface shows. Delivery (HTTP, SMTP, retries) is
:mod:`airlock.ops.notifier`'s job.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from email.message import EmailMessage

from airlock.approvals.progress import RequestProgress
from airlock.notify_settings import NotifyGroup

EVENT_HELD = "request.held"


def link(base_url: str, request_id: str) -> str:
    """The approver's page of the request, when the gateway's address is configured."""
    return f"{base_url}/ui/requests/{request_id}" if base_url else ""


def webhook_body(shown: RequestProgress, group: str, base_url: str) -> bytes:
    """The JSON a group's webhook receives: the event, the group, a one-line text (chat
    tools show ``text``) and the request's progress as ``GET /requests/{id}`` gives it."""
    return json.dumps(
        {
            "event": EVENT_HELD,
            "group": group,
            "text": headline(shown),
            "link": link(base_url, shown.request_id),
            "request": shown.to_json(),
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def headline(shown: RequestProgress) -> str:
    """``rita's export weights.zip (3 MiB) is held: 0 of 2 approvals``."""
    what = shown.name or shown.request_id
    return (
        f"{shown.principal}'s {shown.kind} {what} ({shown.size_text}) is held: "
        f"{shown.summary} approvals"
    )


def email(
    shown: RequestProgress, group: NotifyGroup, *, sender: str, base_url: str
) -> EmailMessage:
    """The e-mail to a group's addresses: the headline as subject, the full view as body."""
    message = EmailMessage()
    message["Subject"] = f"[airlock] {headline(shown)}"[:200]
    message["From"] = sender
    message["To"] = ", ".join(group.email)
    page = link(base_url, shown.request_id)
    body = [*shown.text_lines(), "", f"open it: {page}" if page else ""]
    message.set_content("\n".join(body).rstrip() + "\n")
    return message


def groups_for(groups: Sequence[NotifyGroup], project: str | None) -> list[NotifyGroup]:
    """The groups a request of ``project`` concerns."""
    return [g for g in groups if g.covers(project)]
