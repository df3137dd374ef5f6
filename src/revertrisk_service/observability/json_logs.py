"""One JSON object per log line on stderr, with the request id of the request being handled."""

from __future__ import annotations

import json
import logging
import os
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

# The id of the request being handled, set by the HTTP edge (http.request_id) for its duration.
current_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# Loggers that the libraries give handlers of their own; theirs are removed so that every line
# goes through the root handler once, as JSON.
_LIBRARY_LOGGERS = ("kserve", "kserve.trace", "uvicorn", "uvicorn.error", "uvicorn.access")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id.get()
        if request_id is not None:
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_json_logging(level: str | None = None) -> None:
    """Idempotent: KServe configures its loggers when its server starts, so this runs again then."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel((level or os.environ.get("LOG_LEVEL", "INFO")).upper())
    # Library warnings (deprecations) as JSON lines too, not bare text on stderr.
    logging.captureWarnings(True)
    for name in _LIBRARY_LOGGERS:
        library_logger = logging.getLogger(name)
        library_logger.handlers = []
        library_logger.propagate = True
