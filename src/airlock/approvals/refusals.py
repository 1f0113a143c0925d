"""Which refusals of access to write into the ledger, and when (issue 14).

Every refusal an insider meets (a role that does not reach a route, someone else's release,
a lock on oneself, an upload over its bound, an unknown token) belongs in the audit trail,
but a refusal costs the refused nothing: written one entry each, a loop of requests would
grow the ledger and hold the gateway on its write lock. This tally coalesces them:

* A refusal of a signed-in principal is written at once the first time its key
  (principal, action, reason) is seen in a window; the same refusal again within the window
  is only counted, and the count is written as one summary entry when the window closes.
* A refusal of an unauthenticated caller (no token, an unknown, expired or revoked one, a
  throttled address) is keyed by client address and reason only, and never written at once:
  it is counted, and each address gets one summary per window.
* At most ``max_entries`` entries (immediate and summaries together) are written per
  window; what does not fit, and the counts of keys forgotten when more than ``max_keys``
  are open, go into one overflow summary per window. Memory and ledger growth are bounded
  whatever the callers send.

Pure: the caller passes monotonic seconds and writes what :meth:`RefusalTally.note` and
:meth:`RefusalTally.due` return. It does not decide anything: the refusal was answered
before it is tallied, and nothing here can turn it into an allow.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

WINDOW_SECONDS = 60.0
MAX_KEYS = 4096
MAX_ENTRIES_PER_WINDOW = 120
MAX_MESSAGE_CHARS = 500
MAX_FIELD_CHARS = 200
ANONYMOUS = "anonymous"  # the ledger actor of unauthenticated refusals (a reserved name)
OVERFLOW = "*"


@dataclass(frozen=True, slots=True)
class Refusal:
    """One refused request, as the ledger will name it.

    ``who`` is the signed-in principal, or "" when the caller was not authenticated;
    ``action`` the route (``"POST /exports"``) or the table's action; ``reason`` the kind of
    error (``PermissionDenied``, ``AuthenticationRequired``, ...); ``message`` what the
    caller was told; ``auth`` how ``who`` was authenticated (``token``, ``peercred``) or
    ``none``.
    """

    who: str
    address: str
    action: str
    reason: str
    message: str
    status: int
    auth: str = "none"
    subject: str = ""  # the path asked for, e.g. /releases/REQ-...

    def __post_init__(self) -> None:
        for name in ("who", "address", "action", "reason", "auth", "subject"):
            object.__setattr__(self, name, str(getattr(self, name))[:MAX_FIELD_CHARS])
        object.__setattr__(self, "message", self.message[:MAX_MESSAGE_CHARS])

    @property
    def authenticated(self) -> bool:
        return bool(self.who)

    @property
    def key(self) -> tuple[str, str, str]:
        if self.authenticated:
            return (self.who, self.action, self.reason)
        return ("", self.address, self.reason)


@dataclass(frozen=True, slots=True)
class Entry:
    """What to write: the first refusal of a key and how many refusals the entry stands
    for (``count``). ``summary`` is False for an entry written at the first refusal,
    True for one written when a window closes (its refusals came after the first, or were
    never written at once); ``overflow`` for the entry that counts what did not fit."""

    first: Refusal
    count: int
    summary: bool
    overflow: bool = False


@dataclass(slots=True)
class _Open:
    first: Refusal
    opened: float
    pending: int  # refusals counted but not yet written


@dataclass(slots=True)
class _Overflow:
    first: Refusal | None = None
    count: int = 0


@dataclass(slots=True)
class RefusalTally:
    """Coalesces refusals; safe to call from several threads."""

    window_seconds: float = WINDOW_SECONDS
    max_keys: int = MAX_KEYS
    max_entries: int = MAX_ENTRIES_PER_WINDOW
    _open: OrderedDict[tuple[str, str, str], _Open] = field(default_factory=OrderedDict)
    _overflow: _Overflow = field(default_factory=_Overflow)
    _budget_opened: float | None = None
    _written: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, refusal: Refusal, now: float) -> list[Entry]:
        """Count ``refusal``; returns the entries to write now (closed windows first, then
        this refusal's own entry if it is the first of its key and fits the budget)."""
        with self._lock:
            out = self._close_due(now)
            opened = self._open.get(refusal.key)
            if opened is not None:
                opened.pending += 1
                return out
            immediate = refusal.authenticated and self._spend(now)
            self._open[refusal.key] = _Open(refusal, now, 0 if immediate else 1)
            while len(self._open) > self.max_keys:
                _, forgotten = self._open.popitem(last=False)
                self._spill(forgotten.first, forgotten.pending, now)
            if immediate:
                out.append(Entry(refusal, 1, summary=False))
            return out

    def due(self, now: float) -> list[Entry]:
        """The summaries of windows that have closed by ``now`` (call it periodically)."""
        with self._lock:
            return self._close_due(now)

    def drain(self) -> list[Entry]:
        """Every summary still pending, whatever its window (when the gateway stops)."""
        with self._lock:
            out = [
                Entry(o.first, o.pending, summary=True) for o in self._open.values() if o.pending
            ]
            self._open.clear()
            out.extend(self._take_overflow())
            return out

    @property
    def open_keys(self) -> int:
        return len(self._open)

    def _close_due(self, now: float) -> list[Entry]:
        out: list[Entry] = []
        while self._open:
            key, oldest = next(iter(self._open.items()))
            if now - oldest.opened < self.window_seconds:
                break
            del self._open[key]
            if oldest.pending and self._spend(now):
                out.append(Entry(oldest.first, oldest.pending, summary=True))
            else:
                self._spill(oldest.first, oldest.pending, now)
        if self._budget_opened is not None and now - self._budget_opened >= self.window_seconds:
            out.extend(self._take_overflow())
            self._budget_opened, self._written = None, 0
        return out

    def _spend(self, now: float) -> bool:
        """Whether one more entry fits this window's budget (and spends it)."""
        if self._budget_opened is None:
            self._budget_opened, self._written = now, 0
        if self._written >= self.max_entries:
            return False
        self._written += 1
        return True

    def _spill(self, first: Refusal, count: int, now: float) -> None:
        if count <= 0:
            return
        if self._budget_opened is None:  # the overflow is written when this window closes
            self._budget_opened, self._written = now, 0
        if self._overflow.first is None:
            self._overflow.first = first
        self._overflow.count += count

    def _take_overflow(self) -> list[Entry]:
        found = self._overflow
        self._overflow = _Overflow()
        if found.first is None or found.count == 0:
            return []
        return [Entry(found.first, found.count, summary=True, overflow=True)]
