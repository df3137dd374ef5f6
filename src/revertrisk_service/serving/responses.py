"""Lift Wing's response shapes, so that existing clients work unchanged, and KServe's answers
that this service passes on. The OpenAPI document (openapi.py) is generated from these."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from revertrisk_service.errors import ErrorBody, ServiceError

PREDICTION_THRESHOLD = 0.5


class Probabilities(BaseModel):
    true: float = Field(ge=0, le=1)
    false: float = Field(ge=0, le=1)


class Output(BaseModel):
    prediction: bool
    probabilities: Probabilities


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


def prediction_body(
    model_name: str, model_version: str, wiki_db: str, rev_id: int, probability: float
) -> dict[str, Any]:
    p = round(float(probability), 6)
    return Prediction(
        model_name=model_name,
        model_version=model_version,
        wiki_db=wiki_db,
        revision_id=rev_id,
        output=Output(
            prediction=p > PREDICTION_THRESHOLD,
            probabilities=Probabilities(true=p, false=round(1.0 - p, 6)),
        ),
    ).model_dump()


def batch_error_body(
    index: int, lang: object, rev_id: object, error: ServiceError
) -> dict[str, Any]:
    """A BatchError, its keys in the order Lift Wing clients have always received them."""
    body = {"index": index, "lang": lang, "rev_id": rev_id, "status": error.status}
    body.update(error.to_dict())
    return body
