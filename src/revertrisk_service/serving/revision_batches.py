"""Scores many revisions through a model's own request path, in batches of its size limit.

Other front doors (the ORES layer, in-process precaching) call this instead of re-implementing
fetching and scoring, so they share the model's cache, de-duplication and batching.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from revertrisk_service.errors import ServiceError
from revertrisk_service.explanations.options import ExplainOptions
from revertrisk_service.serving.model import RevertRiskModel
from revertrisk_service.wikis import Wiki


async def score_revisions(
    model: RevertRiskModel,
    revisions: Sequence[tuple[Wiki, int]],
    headers: Mapping[str, str] | None = None,
    explain: ExplainOptions | None = None,
) -> list[dict[str, Any]]:
    """Per revision, in order: Lift Wing's prediction body (with `output.explanation` when
    `explain` is given), or `{"error": <error body>}`."""
    results: list[dict[str, Any]] = []
    size = max(1, model.max_batch_size)
    for start in range(0, len(revisions), size):
        chunk = revisions[start : start + size]
        instances = [{"lang": wiki.lang, "rev_id": rev_id} for wiki, rev_id in chunk]
        request: dict[str, Any] = {"instances": instances}
        if explain is not None:
            request["explain"] = explain
        try:
            body, _ = await model(request, headers=dict(headers or {}))
        except ServiceError as error:
            results.extend({"error": {**error.to_dict(), "status": error.status}} for _ in chunk)
            continue
        failed = {e["index"]: e for e in body["errors"]}
        # Predictions come in input order, skipping the instances that failed.
        predictions = iter(body["predictions"])
        for index in range(len(chunk)):
            results.append({"error": failed[index]} if index in failed else next(predictions))
    return results
