"""Deliver held-item notices to webhooks and by e-mail, off the decision's path (issue 18).

:meth:`Notifier.held` only puts the notice on a queue: a decision never waits for a webhook
or a mail server. One background thread delivers: each webhook POST carries the JSON body
and ``X-Airlock-Signature: t=TS,v1=HEX`` (HMAC-SHA256 over ``TS.`` + body with the group's
secret, the scheme of :mod:`airlock.ops.webhook`); connection failures, 429 and 5xx are
retried with doubling back-off up to ``attempts``; other answers are final. E-mail goes
through ``smtplib`` to the configured relay. Failures are logged for the operator, never
raised into a request. :meth:`close` waits a bounded time for what is queued, so a short
CLI process still sends its notice.
"""

from __future__ import annotations

import logging
import queue
import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from airlock.approvals.notify import EVENT_HELD, email, groups_for, webhook_body
from airlock.approvals.progress import RequestProgress
from airlock.notify_settings import NotifyGroup, NotifySettings
from airlock.ops.webhook import SIGNATURE_HEADER, signature

_log = logging.getLogger("airlock.notify")
FIRST_DELAY = 0.5
MAX_DELAY = 30.0
TIMEOUT_SECONDS = 10.0
MAX_QUEUED = 10_000
_STOP = None


@dataclass
class Deliveries:
    """What the notifier did, for tests and the operator's metrics."""

    webhooks_ok: int = 0
    webhooks_failed: int = 0
    emails_ok: int = 0
    emails_failed: int = 0
    attempts: list[int] = field(default_factory=list)  # tries per webhook delivery


class Notifier:
    """Queues notices and delivers them from one daemon thread."""

    def __init__(
        self,
        settings: NotifySettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._sleep = sleep
        self._now = now
        self._queue: queue.Queue[RequestProgress | None] = queue.Queue(MAX_QUEUED)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.deliveries = Deliveries()

    def held(self, shown: RequestProgress) -> None:
        """Queue the notice of a held request; returns at once. A full queue drops it (and
        says so in the log) rather than slowing decisions."""
        if not groups_for(self._settings.groups, shown.project):
            return
        self._start()
        try:
            self._queue.put_nowait(shown)
        except queue.Full:
            _log.warning("notice of %s dropped: the notify queue is full", shown.request_id)

    def close(self, timeout: float = 10.0) -> None:
        """Deliver what is queued, waiting at most ``timeout`` seconds, then stop."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        try:
            self._queue.put(_STOP, timeout=timeout)
        except queue.Full:
            return
        thread.join(timeout)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="airlock-notify", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            while (shown := self._queue.get()) is not _STOP:
                for group in groups_for(self._settings.groups, shown.project):
                    try:
                        self._deliver(client, group, shown)
                    except Exception:  # noqa: BLE001 -- a bad notice must not stop the ones after it
                        _log.exception(
                            "could not notify group %s of %s", group.name, shown.request_id
                        )

    def _deliver(self, client: httpx.Client, group: NotifyGroup, shown: RequestProgress) -> None:
        if group.webhook_url:
            if self._post(client, group, webhook_body(shown, group.name, self._settings.base_url)):
                self.deliveries.webhooks_ok += 1
            else:
                self.deliveries.webhooks_failed += 1
        if group.email and self._settings.smtp_host:
            if self._mail(group, shown):
                self.deliveries.emails_ok += 1
            else:
                self.deliveries.emails_failed += 1

    def _post(self, client: httpx.Client, group: NotifyGroup, body: bytes) -> bool:
        delay = FIRST_DELAY
        for attempt in range(1, self._settings.attempts + 1):
            stamp = int(self._now())
            try:
                answer = client.post(
                    group.webhook_url,
                    content=body,
                    headers={
                        "Content-Type": "application/json",
                        SIGNATURE_HEADER: signature(group.secret, stamp, body),
                        "X-Airlock-Event": EVENT_HELD,
                    },
                )
                if answer.is_success:
                    self.deliveries.attempts.append(attempt)
                    return True
                retry = answer.status_code == 429 or answer.status_code >= 500
                why = f"HTTP {answer.status_code}"
            except httpx.HTTPError as e:
                retry, why = True, type(e).__name__
            if not retry or attempt == self._settings.attempts:
                _log.warning(
                    "webhook of group %s failed after %d attempt(s): %s", group.name, attempt, why
                )
                self.deliveries.attempts.append(attempt)
                return False
            self._sleep(delay)
            delay = min(delay * 2, MAX_DELAY)
        return False  # pragma: no cover -- the loop returns on its last attempt

    def _mail(self, group: NotifyGroup, shown: RequestProgress) -> bool:
        settings = self._settings
        message = email(shown, group, sender=settings.smtp_from, base_url=settings.base_url)
        try:
            with smtplib.SMTP(
                settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS
            ) as smtp:
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as e:
            _log.warning("e-mail to group %s failed: %s", group.name, e)
            return False
        return True
