"""Logging for a container: one JSON object per line on stderr (see observability.json_logs)."""

from __future__ import annotations

from revertrisk_service.observability.json_logs import configure_json_logging


def configure_logging() -> None:
    configure_json_logging()
