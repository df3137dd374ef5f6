"""ORES v3 response shapes built from this service's Lift Wing-shaped answers."""

from __future__ import annotations

from typing import Any

# Our error codes -> the error types ORES clients know. Tools branch on `type`; `code` keeps
# our finer distinction (e.g. a page creation and a JSON page are both RevisionNotScorable).
ERROR_TYPES = {
    "revision_not_found": "RevisionNotFound",
    "revision_info_deleted": "TextDeleted",
    "parent_revision_missing": "RevisionNotScorable",
    "unsupported_content_model": "RevisionNotScorable",
    "mediawiki_timeout": "TimeoutError",
    "mediawiki_unavailable": "DependencyError",
}
DEFAULT_ERROR_TYPE = "ScoringError"


def score_entry(answer: dict[str, Any], features: bool = False) -> dict[str, Any]:
    """One model's entry for one revision: its score, or its error. With `features` (ORES's
    `?features`), also the value of every feature the model read, by name (null: unknown)."""
    error = answer.get("error")
    if isinstance(error, dict):
        code = str(error.get("code", "internal_error"))
        return {
            "error": {
                "type": ERROR_TYPES.get(code, DEFAULT_ERROR_TYPE),
                "message": str(error.get("error") or error.get("detail") or code),
                "code": code,
            }
        }
    output = answer["output"]
    probabilities = output["probabilities"]
    entry: dict[str, Any] = {
        "score": {
            "prediction": bool(output["prediction"]),
            "probability": {"true": probabilities["true"], "false": probabilities["false"]},
        }
    }
    if features:
        entry["features"] = output.get("explanation", {}).get("values", {})
    return entry
