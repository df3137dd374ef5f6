"""The engine's prediction body is exactly the shape serving declares (and OpenAPI documents)."""

from __future__ import annotations

import json

import pytest

from revertrisk_service.scoring.prediction import prediction_body
from revertrisk_service.serving.responses import Prediction


@pytest.mark.parametrize("probability", [0.0, 0.123456789, 0.5, 0.5000004, 0.9999999, 1.0])
def test_body_is_the_declared_prediction_shape(probability: float) -> None:
    body = prediction_body("revertrisk-language-agnostic", "3", "enwiki", 12345, probability)
    declared = Prediction.model_validate(body).model_dump(exclude_unset=True)
    # Same keys in the same order, same values: the bytes clients receive.
    assert json.dumps(body) == json.dumps(declared)


def test_prediction_is_true_above_the_threshold_only() -> None:
    assert prediction_body("m", "1", "enwiki", 1, 0.5)["output"]["prediction"] is False
    assert prediction_body("m", "1", "enwiki", 1, 0.5000006)["output"]["prediction"] is True
    assert prediction_body("m", "1", "enwiki", 1, 0.25)["output"]["probabilities"] == {
        "true": 0.25,
        "false": 0.75,
    }
