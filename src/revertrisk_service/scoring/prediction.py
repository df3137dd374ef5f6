"""The body a score is answered and cached as: Lift Wing's prediction, whose bytes clients have
always received. The engine builds it (a cached score is this body); serving.responses declares
its shape for the OpenAPI document."""

from __future__ import annotations

from typing import Any

PREDICTION_THRESHOLD = 0.5


def prediction_body(
    model_name: str, model_version: str, wiki_db: str, rev_id: int, probability: float
) -> dict[str, Any]:
    """No `explanation` key: a request that asks for one has it added (explanations.shaping)."""
    p = round(float(probability), 6)
    return {
        "model_name": model_name,
        "model_version": model_version,
        "wiki_db": wiki_db,
        "revision_id": int(rev_id),
        "output": {
            "prediction": p > PREDICTION_THRESHOLD,
            "probabilities": {"true": p, "false": round(1.0 - p, 6)},
        },
    }
