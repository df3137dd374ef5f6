"""Lift Wing's response shapes, so that existing clients work unchanged, and KServe's answers
that this service passes on. The OpenAPI document (http.openapi) is generated from these; the
prediction body itself is built by the engine (scoring.prediction), which caches it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from revertrisk_service.errors import ErrorBody, ServiceError


class Probabilities(BaseModel):
    true: float = Field(ge=0, le=1)
    false: float = Field(ge=0, le=1)


class Contribution(BaseModel):
    signal: str
    value: float | str | None = Field(description="What the model read; null: unknown.")
    contribution: float = Field(description="In log-odds.")
    description: str


class Explanation(BaseModel):
    """base_value + the contributions + others = the model's log-odds (explanations.shaping)."""

    base_value: float
    contributions: list[Contribution] = Field(description="Largest absolute size first.")
    others: float = Field(description="The sum of the contributions not listed.")


class Output(BaseModel):
    prediction: bool
    probabilities: Probabilities
    explanation: Explanation | None = Field(
        default=None, description="Only when `explain` was asked for."
    )


class Prediction(BaseModel):
    model_name: str
    model_version: str
    wiki_db: str
    revision_id: int
    output: Output


class BatchError(ErrorBody):
    """A revision of a batch that could not be scored; the others still are."""

    index: int = Field(ge=0, description="Its position in `instances`.")
    status: int = Field(description="The status a single request for it would have had.")
    lang: Any = Field(description="As sent.")
    rev_id: Any = Field(description="As sent.")


class BatchResponse(BaseModel):
    predictions: list[Prediction]
    errors: list[BatchError]


# KServe's own answers, passed on unchanged.
class Liveness(BaseModel):
    status: str


class ModelList(BaseModel):
    models: list[str]


class ModelReady(BaseModel):
    name: str
    ready: bool


def batch_error_body(
    index: int, lang: object, rev_id: object, error: ServiceError
) -> dict[str, Any]:
    """A BatchError, its keys in the order Lift Wing clients have always received them."""
    body = {"index": index, "lang": lang, "rev_id": rev_id, "status": error.status}
    body.update(error.to_dict())
    return body
