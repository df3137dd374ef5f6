"""In-process precaching: score stream revisions with the serving models, filling their cache.

Going through RevertRiskModel's own request path means the precacher and the HTTP server share
one definition of fetching, scoring, cache keys and de-duplication.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from revertrisk_service.errors import ServiceError
from revertrisk_service.events import EventRevision
from revertrisk_service.serving.model import RevertRiskModel
from revertrisk_service.wikis import Wiki


class InProcessScorer:
    def __init__(self, models: Sequence[RevertRiskModel]) -> None:
        self.models = list(models)

    def supports(self, wiki: Wiki) -> bool:
        return any(m.scorer.supports(wiki) for m in self.models)

    async def __call__(self, revisions: list[EventRevision]) -> list[Any]:
        """Per revision: {"scores": {model: prediction}}, or {"error": ...} if no model scored it."""
        scores: list[dict[str, Any]] = [{} for _ in revisions]
        errors: list[dict[str, Any]] = [{} for _ in revisions]
        for model in self.models:
            picked = [i for i, r in enumerate(revisions) if model.scorer.supports(r.wiki)]
            if not picked:
                continue
            instances = [
                {"lang": revisions[i].wiki.lang, "rev_id": revisions[i].rev_id} for i in picked
            ]
            try:
                body, _ = await model({"instances": instances}, headers={})
            except ServiceError as error:
                for i in picked:
                    errors[i][model.name] = error.to_dict()
                continue
            by_rev = {(p["wiki_db"], p["revision_id"]): p for p in body["predictions"]}
            failed = {e["index"]: e for e in body["errors"]}
            for position, i in enumerate(picked):
                key = (revisions[i].wiki.dbname, revisions[i].rev_id)
                if key in by_rev:
                    scores[i][model.name] = by_rev[key]
                else:
                    errors[i][model.name] = failed.get(position, {"code": "unknown"})
        return [
            {"scores": s} if s else {"error": e or {"code": "unsupported"}}
            for s, e in zip(scores, errors, strict=True)
        ]
