"""An optional sink for `airlock ledger export`: POST each batch to a SIEM's webhook.

Each POST carries newline-delimited JSON events and ``X-Airlock-Signature: t=TS,v1=HEX``,
an HMAC-SHA256 over ``TS.`` followed by the body, keyed with a secret shared with the
receiver, so the receiver can reject forged or replayed batches (the scheme Stripe and
GitHub webhooks use). ``X-Airlock-Batch`` names the first and last ledger index.

Retries: connection failures, 429 and 5xx are retried with exponential back-off; any other
answer stops the export (the receiver refuses the data; retrying would not help). The
cursor moves only after a 2xx, so a batch is delivered at least once.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from airlock.errors import ConfigError, SourceError

SIGNATURE_HEADER = "X-Airlock-Signature"
MIN_SECRET_BYTES = 16


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass(frozen=True, slots=True)
class WebhookSink:
    url: str
    secret: bytes
    attempts: int = 8
    first_delay: float = 0.5
    max_delay: float = 30.0

    def __post_init__(self) -> None:
        if not self.url.startswith(("https://", "http://")):
            raise ConfigError(f"webhook URL {self.url!r} must be http(s)://")
        if len(self.secret) < MIN_SECRET_BYTES:
            raise ConfigError(f"the webhook secret needs at least {MIN_SECRET_BYTES} bytes")
        if self.attempts < 1:
            raise ConfigError("webhook attempts must be at least 1")

    def deliver(
        self,
        client: httpx.Client,
        first: int,
        lines: Sequence[str],
        *,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
    ) -> int:
        """POST one batch; returns the attempts it took.

        Raises:
            SourceError: the receiver refused the batch, or every attempt failed.
        """
        body = "".join(line + "\n" for line in lines).encode()
        delay = self.first_delay
        problem = ""
        for attempt in range(1, self.attempts + 1):
            headers = {
                "Content-Type": "application/x-ndjson",
                SIGNATURE_HEADER: signature(self.secret, int(now()), body),
                "X-Airlock-Batch": f"{first}-{first + len(lines) - 1}",
            }
            try:
                answer = client.post(self.url, content=body, headers=headers)
            except httpx.HTTPError as e:
                problem = f"{type(e).__name__}: {e}"
            else:
                if answer.is_success:
                    return attempt
                if answer.status_code != 429 and answer.status_code < 500:
                    raise SourceError(
                        f"the webhook refused entries {first}-{first + len(lines) - 1} "
                        f"({answer.status_code}): fix the receiver, then resume from the cursor"
                    )
                problem = f"HTTP {answer.status_code}"
            if attempt < self.attempts:
                sleep(delay)
                delay = min(delay * 2, self.max_delay)
        raise SourceError(
            f"the webhook did not take entries from {first} after {self.attempts} attempts "
            f"({problem}); resume from the cursor"
        )
