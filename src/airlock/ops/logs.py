"""Structured logs for operators: one JSON object per line (issue 21).

JSON is the default when standard error is not a terminal (a service manager, a container,
a file a shipper tails); a terminal gets the readable text format. ``AIRLOCK_LOG_FORMAT``
(``json`` or ``text``) overrides. Each event carries the request id of the HTTP request
it belongs to (``X-Request-Id``, taken from the caller when sane, else made up) and, for
boundary decisions, the principal and the outcome.

Logs are not the audit trail: the ledger is. Nothing here is signed, and nothing in a
log line is needed to verify a decision.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REQUEST_ID: ContextVar[str] = ContextVar("airlock_request_id", default="")
LOG_FORMAT_ENV = "AIRLOCK_LOG_FORMAT"
EVENT_FIELDS = ("principal", "outcome", "request", "kind", "size")
_ACCESS_ARGS = 5  # uvicorn's access record: client, method, path, http version, status


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON with stable keys."""

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if request_id := REQUEST_ID.get():
            event["request_id"] = request_id
        for name in EVENT_FIELDS:
            if name in record.__dict__:
                event[name] = record.__dict__[name]
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            event |= dict(zip(("client", "method", "path", "http", "status"), args, strict=True))
        if record.exc_info:
            event["error"] = self.formatException(record.exc_info)
        return json.dumps(event, default=str, ensure_ascii=False)


def wants_json(environ: Mapping[str, str], stream_is_terminal: bool) -> bool:
    choice = environ.get(LOG_FORMAT_ENV, "").strip().lower()
    if choice in {"json", "text"}:
        return choice == "json"
    return not stream_is_terminal


def configure_logging(environ: Mapping[str, str]) -> None:
    """One handler on the root logger for airlock's and uvicorn's loggers alike."""
    handler = logging.StreamHandler(sys.stderr)
    if wants_json(environ, sys.stderr.isatty()):
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        for old in list(uvicorn_logger.handlers):
            uvicorn_logger.removeHandler(old)
        uvicorn_logger.propagate = True
    logging.getLogger("alembic").setLevel(logging.WARNING)  # readiness probes would spam it
