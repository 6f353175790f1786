"""Structured logs, one JSON object per line in Cloud Logging's format.

Personal data never reaches a log: callers pass a constant message and identifiers only, and any field
that is not on the allow-list below is dropped before the line is written.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime

# Identifiers and counters only. Names, phones, addresses and message text have no field here on purpose.
ALLOWED_FIELDS = frozenset(
    {
        "event_id",
        "event_name",
        "case_id",
        "tracking_code",
        "agency_id",
        "delivery_key",
        "message_id",
        "subscription",
        "topic",
        "step",
        "code",
        "reason",
        "status",
        "attempt",
        "count",
        "duration_ms",
        "kind",
        "function",
    }
)

_trace: contextvars.ContextVar[str | None] = contextvars.ContextVar("trace", default=None)


def bind_trace(cloud_trace_header: str | None, project: str | None) -> None:
    """Remember the request's trace (header `X-Cloud-Trace-Context: TRACE/SPAN;o=1`) for this context."""
    trace_id = (cloud_trace_header or "").split("/", 1)[0]
    _trace.set(f"projects/{project}/traces/{trace_id}" if trace_id and project else None)


class StructuredLogger:
    """A thin logger whose only free text is a constant message."""

    def __init__(self, name: str):
        self._name = name

    def _write(self, severity: str, message: str, fields: dict) -> None:
        entry = {
            "severity": severity,
            "message": message,
            "time": datetime.now(UTC).isoformat(),
            "logger": self._name,
        }
        dropped = sorted(key for key in fields if key not in ALLOWED_FIELDS)
        entry.update((key, value) for key, value in fields.items() if key in ALLOWED_FIELDS)
        if dropped:
            entry["dropped_fields"] = dropped
        trace = _trace.get()
        if trace:
            entry["logging.googleapis.com/trace"] = trace
        # Looked up on each call: whoever owns stdout now (the runtime, a test) gets the line.
        sys.stdout.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
        sys.stdout.flush()

    def info(self, message: str, **fields) -> None:
        self._write("INFO", message, fields)

    def warning(self, message: str, **fields) -> None:
        self._write("WARNING", message, fields)

    def error(self, message: str, **fields) -> None:
        self._write("ERROR", message, fields)

    def exception(self, message: str, exc: BaseException, **fields) -> None:
        # The type and the place are enough to find a bug; an exception's text may quote personal data.
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else None
        self._write("ERROR", message, {**fields, "reason": f"{type(exc).__name__} at {where}"})


def get_logger(name: str) -> StructuredLogger:
    # Libraries log through `logging`; keep them quiet so their messages (which may echo payloads) stay out.
    logging.getLogger().setLevel(logging.WARNING)
    return StructuredLogger(name)
