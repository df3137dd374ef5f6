"""The routes this service answers, declared once.

KServe's routers and ours (transparency, ORES, patrol) serve them; this table says which of
them are public and what they take and answer. From it come:
- route_guard.RouteGuard, which answers every other path and method (404/405 in the error
  shape), and its 404 hint;
- openapi.openapi_document, the OpenAPI document (FastAPI's generator, on these entries and the
  pydantic models they name);
- the predict-path match of the layers that treat predict requests apart.

KServe registers more than is listed here (V2 inference, `:explain`, its own docs), which the
guard turns off. The ORES v3 layer and the patrol page answer their own paths (DELEGATED).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from revertrisk_service.feedback.judgments import JudgmentRequest
from revertrisk_service.serving.responses import (
    BatchResponse,
    Liveness,
    ModelList,
    ModelReady,
    Prediction,
)
from revertrisk_service.versions.operator_requests import PromoteRequest, RollbackRequest

MODEL_NAME = "model_name"


@dataclass(frozen=True)
class Query:
    name: str
    type: Any
    description: str
    example: str | None = None


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    """FastAPI's path template; `{model_name}` is one of the served models."""
    name: str
    summary: str
    response: Any = None
    """The 200 answer's type; None for a body that is not JSON (text/plain)."""
    errors: tuple[int, ...] = ()
    query: tuple[Query, ...] = ()
    predict_body: bool = False
    response_headers: dict[str, str] = field(default_factory=dict)
    documented: bool = True
    body: Any = None
    """The JSON body's type for a route other than predict (its own parser checks it)."""
    success_status: int = 200
    media_type: str = "text/plain"
    """The 200 answer's media type when it is not JSON (`response` is None)."""

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compiled(self.path)

    @property
    def names_a_model(self) -> bool:
        return "{" + MODEL_NAME + "}" in self.path

    def hint(self) -> str:
        return f"{self.method} {self.path.replace('{' + MODEL_NAME + '}', '<name>')}"


def _compiled(path: str) -> re.Pattern[str]:
    # A model name never holds ':' or '/', so `/v1/models/{model_name}` cannot swallow
    # `…:predict` (a GET there is a 405, not an unknown model).
    pieces = re.split(r"\{(\w+)\}", path)
    regex = "".join(
        re.escape(piece) if i % 2 == 0 else rf"(?P<{piece}>[^/:]+)" for i, piece in enumerate(pieces)
    )
    return re.compile(f"^{regex}$")


# The path of one served model, below which its own routes are.
MODEL = "/v1/models/{" + MODEL_NAME + "}"

PREDICT = Route(
    "POST",
    f"{MODEL}:predict",
    "predict",
    "Score one revision, a batch, an event's revision or a pre-save edit.",
    response=Prediction | BatchResponse,
    errors=(400, 404, 413, 429, 500, 502, 504),
    query=(
        Query("refresh", bool, "Bypass the score cache and refresh it (as `Cache-Control: "
              "no-cache`)."),
        Query("explain", bool, "As `explain` in the body: add each score's explanation."),
        Query("explain_top", int, "As `explain_top` in the body (1-500, default 10)."),
    ),
    predict_body=True,
    response_headers={"X-Cache": "hit, miss, shared, bypass, partial or none"},
)
# Operators' acts on a model's versions say how they are authorised.
_OPERATOR = "(an operator's act: needs `Authorization: Bearer <operator token>`)"

# One declaration per route, read by the guard and the OpenAPI document alike.
ROUTES: tuple[Route, ...] = (
    Route("GET", "/", "live", "Liveness.", response=Liveness),
    Route("GET", "/metrics", "metrics", "Prometheus metrics (text format)."),
    Route("GET", "/openapi.json", "openapi", "This document.", documented=False),
    Route("GET", "/v1/models", "models", "Served models.", response=ModelList),
    Route("GET", MODEL, "model_ready", "Whether a model is ready.", response=ModelReady,
          errors=(404, 503)),
    PREDICT,
    Route("GET", f"{MODEL}/info", "model_info", "The model card.", response=dict[str, Any],
          errors=(404, 500)),
    Route(
        "GET",
        f"{MODEL}/thresholds",
        "model_thresholds",
        "Threshold statistics, the answer to an ORES-style query, or a caution level's threshold.",
        response=dict[str, Any],
        errors=(400, 404, 500),
        query=(
            Query("query", str, "An ORES threshold query; without it, the whole table.",
                  "maximum recall @ precision >= 0.9"),
            Query("level", str, "A caution level (very-cautious, cautious, balanced, loose): the "
                  "serving version's own threshold for it, with its basis (evaluation or "
                  "observed).", "cautious"),
        ),
    ),
    Route("GET", f"{MODEL}/feedback", "model_feedback",
          "Judgment counts and the precision observed in use at each threshold preset.",
          response=dict[str, Any], errors=(404, 503)),
    Route(
        "GET",
        f"{MODEL}/quality",
        "model_quality",
        "Observed quality of each model version on stream edits whose outcome is decided: "
        "AUC, precision and recall at each caution level, calibration, each with its count of "
        "decided edits and a 95% interval.",
        response=dict[str, Any],
        errors=(400, 404, 503),
        query=(
            Query("wiki", str, "Only this wiki's edits (a database name).", "enwiki"),
            Query("editor", str, "Only `anonymous` or `registered` editors' edits.", "anonymous"),
            Query("since", str, "Only edits scored at or after this ISO 8601 time.",
                  "2026-03-01T00:00:00Z"),
            Query("until", str, "Only edits scored before this ISO 8601 time."),
            Query("version", str, "Only this model version (default: every recorded one)."),
        ),
    ),
    Route("GET", f"{MODEL}/quality/reliability.svg", "model_reliability_plot",
          "The reliability plot of observed quality (SVG), with the same filters.",
          errors=(400, 404, 503), media_type="image/svg+xml"),
    Route("POST", f"{MODEL}/promote", "model_promote",
          f"Make a version the champion behind the promotion gate {_OPERATOR}.",
          response=dict[str, Any], errors=(400, 401, 404, 409, 413, 503), body=PromoteRequest),
    Route("POST", f"{MODEL}/rollback", "model_rollback",
          f"Return to the previous champion {_OPERATOR}.",
          response=dict[str, Any], errors=(400, 401, 404, 409, 413), body=RollbackRequest),
    Route(
        "POST",
        "/v1/feedback",
        "feedback",
        "Record a patroller's judgment of a revision (needs `Authorization: Bearer <token>`).",
        response=dict[str, Any],
        errors=(400, 401, 404, 413, 429, 503),
        body=JudgmentRequest,
        success_status=201,
    ),
)

# Routers mounted beside KServe's own (client_endpoints): the ORES v3 layer and the patrol page
# answer their own paths and methods; FastAPI's 404/405 inside them are still reshaped.
DELEGATED = {"/v3": "the ORES v3 layer", "/patrol": "the patrol page"}
_DELEGATED = re.compile("^(?:" + "|".join(re.escape(p) for p in DELEGATED) + ")(?:/|$)")


def delegated(path: str) -> bool:
    return _DELEGATED.match(path) is not None


def matching(path: str) -> list[tuple[Route, re.Match[str]]]:
    return [(route, m) for route in ROUTES if (m := route.pattern.match(path))]


def predict_model(path: str) -> str | None:
    """The model a predict path names, or None for any other path."""
    found = PREDICT.pattern.match(path)
    return found[MODEL_NAME] if found else None


def served_summary() -> str:
    """Every route, for the hint of a 404."""
    own = ", ".join(route.hint() for route in ROUTES)
    others = ", ".join(f"{prefix}/… ({what})" for prefix, what in DELEGATED.items())
    return f"{own}; and {others}"
