"""Reads ORES v3 query parameters (`models`, `revids`, `model_info`) and rejects bad ones."""

from __future__ import annotations

from dataclasses import dataclass

from revertrisk_service.errors import InvalidThresholdQuery
from revertrisk_service.transparency.threshold_query import ThresholdQuery, parse_threshold_query

MAX_REVIDS = 50
THRESHOLDS_PREFIX = "statistics.thresholds.true."
SIMPLE_FIELDS = ("version", "type")


class OresRequestError(Exception):
    """A request ORES would refuse as a whole: answered with ORES's status and error shape."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    @property
    def ores_code(self) -> str:
        return {400: "bad request", 404: "not found", 413: "payload too large"}.get(
            self.status, "server error"
        )

    def body(self) -> dict[str, object]:
        return {"error": {"code": self.ores_code, "message": self.message}}


@dataclass(frozen=True)
class ModelInfoRequest:
    fields: tuple[str, ...]
    threshold_queries: tuple[ThresholdQuery, ...]


def split_pipes(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    parts = value if isinstance(value, list) else str(value).split("|")
    return [str(p).strip() for p in parts if str(p).strip()]


def parse_revids(value: str | list[str] | None) -> list[int]:
    raw = split_pipes(value)
    rev_ids: list[int] = []
    for item in raw:
        if not item.isdigit() or int(item) <= 0:
            raise OresRequestError(400, f"Could not interpret revid {item[:40]!r}: not a positive integer")
        rev_ids.append(int(item))
    if len(rev_ids) > MAX_REVIDS:
        raise OresRequestError(
            400, f"Too many revids: {len(rev_ids)}; at most {MAX_REVIDS} per request"
        )
    # ORES answers each revision once, keyed by id; keep the first occurrence's order.
    return list(dict.fromkeys(rev_ids))


def parse_model_info(value: str | list[str] | None) -> ModelInfoRequest | None:
    if value is None:
        return None
    fields: list[str] = []
    queries: list[ThresholdQuery] = []
    for item in split_pipes(value) or ["version"]:
        if item in SIMPLE_FIELDS:
            fields.append(item)
        elif item.startswith(THRESHOLDS_PREFIX):
            text = item[len(THRESHOLDS_PREFIX) :].strip().strip("'\"")
            try:
                queries.append(parse_threshold_query(text))
            except InvalidThresholdQuery as error:
                raise OresRequestError(400, error.message) from None
        else:
            raise OresRequestError(
                400,
                f"Unknown model_info field {item[:60]!r}: use version, type or "
                f"{THRESHOLDS_PREFIX}\"maximum recall @ precision >= 0.9\"",
            )
    return ModelInfoRequest(tuple(dict.fromkeys(fields)), tuple(queries))
