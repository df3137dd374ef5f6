"""Lift Wing's response shapes, so that existing clients work unchanged."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from revertrisk_service.errors import ServiceError

PREDICTION_THRESHOLD = 0.5


class Probabilities(BaseModel):
    true: float
    false: float


class Output(BaseModel):
    prediction: bool
    probabilities: Probabilities


class Prediction(BaseModel):
    model_name: str
    model_version: str
    wiki_db: str
    revision_id: int
    output: Output


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
    body = {"index": index, "lang": lang, "rev_id": rev_id, "status": error.status}
    body.update(error.to_dict())
    return body
