"""ORES v3 endpoints over this service's models.

    GET      /v3/scores/                                   contexts (wikis) and their models
    GET|POST /v3/scores/{wiki}/?models=a|b&revids=1|2      up to 50 revisions
    GET      /v3/scores/{wiki}/{rev_id}/[{model}/]          one revision
    ...&features                                           each model's feature values too
    ...&model_info=version|type|statistics.thresholds.true."maximum recall @ precision >= 0.9"

Every revision goes through the scoring engine of the KServe endpoints (scoring.revision_scoring),
with every model named at once, so ORES requests share their cache and de-duplication, and a
revision asked of two models is fetched and parsed once. Each path is also
registered without its trailing slash: Huggle sends `/v3/scores/<wiki>?revids=<id>`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from revertrisk_service.errors import PayloadTooLarge, ServiceError
from revertrisk_service.explanations.options import ExplainOptions
from revertrisk_service.explanations.shaping import shown_result
from revertrisk_service.models.scorer import Scorer
from revertrisk_service.ores.query import (
    ModelInfoRequest,
    OresRequestError,
    parse_model_info,
    parse_revids,
    split_pipes,
)
from revertrisk_service.ores.shapes import score_entry
from revertrisk_service.scoring.revision_scoring import RevisionScoring
from revertrisk_service.serving.body import parse_json_body, read_body_within
from revertrisk_service.serving.model import RevertRiskModel, count_answers
from revertrisk_service.transparency.caution_flags import VersionDir
from revertrisk_service.transparency.routes import ModelFiles
from revertrisk_service.transparency.threshold_query import answer_threshold_query
from revertrisk_service.wikis import Wiki, all_wikis, wiki_by_dbname

log = logging.getLogger(__name__)

# model name -> the version answering one request, read once when the request arrives: its
# listing, model info and scores all name that version even if a promotion lands meanwhile.
Champions = Mapping[str, Scorer]


@dataclass
class OresModels:
    """The models ORES requests can name: served models under their own names plus aliases."""

    models: Mapping[str, RevertRiskModel]
    aliases: Mapping[str, str]
    model_dirs: Mapping[str, Path]
    # The engine the models answer through: every model an ORES request names, in one call.
    scoring: RevisionScoring
    # With model versions: each version's own directory, so that model_info's thresholds are
    # those of the version that answers; None, or a version it does not know: `model_dirs`.
    version_dir: VersionDir | None = None
    _files: dict[Path, ModelFiles] = field(default_factory=dict, init=False, repr=False)

    def _files_of(self, name: str, version: str) -> ModelFiles:
        found = self.version_dir(name, version) if self.version_dir is not None else None
        directory = Path(found or self.model_dirs[name])
        return self._files.setdefault(directory, ModelFiles(directory))

    def target(self, name: str) -> RevertRiskModel:
        return self.models[self.aliases.get(name, name)]

    def champions(self) -> Champions:
        """Each served model's version of the moment, for one request."""
        return {name: model.loaded for name, model in self.models.items()}

    def names_for(self, wiki: Wiki, champions: Champions) -> list[str]:
        names = [n for n in self.models if champions[n].supports(wiki)]
        return names + [a for a, t in self.aliases.items() if t in names]

    def info(
        self, name: str, request: ModelInfoRequest | None, champions: Champions
    ) -> dict[str, Any]:
        model = self.target(name)
        version = champions[model.name].version
        files = self._files_of(model.name, version)
        fields = request.fields if request else ("version",)
        info: dict[str, Any] = {}
        if "version" in fields:
            info["version"] = version
        if "type" in fields:
            manifest = files.manifest() or {}
            info["type"] = manifest.get("artifact", {}).get("format")
        if request and request.threshold_queries:
            loaded = files.thresholds()
            answers = [
                answer_threshold_query(loaded[0], q) if loaded else None
                for q in request.threshold_queries
            ]
            info["statistics"] = {"thresholds": {"true": answers}}
        return info


def _error(error: OresRequestError) -> JSONResponse:
    return JSONResponse(status_code=error.status, content=error.body())


def build_ores_router(ores: OresModels, max_body_bytes: int) -> APIRouter:
    router = APIRouter(tags=["ores"])

    def context(wiki_name: str, champions: Champions) -> tuple[Wiki, list[str]]:
        wiki = wiki_by_dbname(wiki_name)
        names = ores.names_for(wiki, champions) if wiki else []
        if wiki is None or not names:
            raise OresRequestError(404, f"No scorers available for {wiki_name[:60]}")
        return wiki, names

    def pick_models(wiki: Wiki, available: list[str], asked: list[str]) -> list[str]:
        if not asked:
            return available
        unknown = [m for m in asked if m not in available]
        if unknown:
            raise OresRequestError(
                404,
                f"Models {tuple(unknown)} not available for {wiki.dbname}; "
                f"available: {', '.join(available)}",
            )
        return list(dict.fromkeys(asked))

    async def scores(
        wiki_name: str, params: Mapping[str, Any], only_model: str | None = None
    ) -> JSONResponse:
        champions = ores.champions()
        try:
            wiki, available = context(wiki_name, champions)
            asked = [only_model] if only_model else split_pipes(params.get("models"))
            names = pick_models(wiki, available, asked)
            rev_ids = parse_revids(params.get("revids"))
            model_info = parse_model_info(params.get("model_info"))
        except OresRequestError as error:
            return _error(error)
        body: dict[str, Any] = {
            "models": {n: ores.info(n, model_info, champions) for n in names}
        }
        if rev_ids:
            # ORES read `features` by its presence alone (`?features`, `?features=true`).
            body["scores"] = await score_all(
                wiki, names, rev_ids, "features" in params, champions
            )
        return JSONResponse({wiki.dbname: body})

    async def score_all(
        wiki: Wiki, names: list[str], rev_ids: list[int], features: bool, champions: Champions
    ) -> dict[str, Any]:
        # An alias and its model are one computation; every served model in one call.
        targets = list(dict.fromkeys(ores.target(n).name for n in names))
        scorers = [champions[t] for t in targets]
        # The feature values come with an explanation, stored with the score in the cache.
        answers = await ores.scoring.score(
            scorers, [(wiki, r) for r in rev_ids], explain=features
        )
        shown = ExplainOptions(with_values=True) if features else None
        by_target: dict[str, list[dict[str, Any]]] = {}
        for target, scorer, answer in zip(targets, scorers, answers, strict=True):
            count_answers(target, answer.outcomes)
            by_target[target] = [
                _as_answer(o, scorer.feature_names, shown) for o in answer.outcomes
            ]
        return {
            str(rev_id): {
                n: score_entry(by_target[ores.target(n).name][i], features) for n in names
            }
            for i, rev_id in enumerate(rev_ids)
        }

    @router.get("/v3/scores")
    @router.get("/v3/scores/")
    async def contexts(model_info: str | None = None) -> JSONResponse:
        try:
            info_request = parse_model_info(model_info)
        except OresRequestError as error:
            return _error(error)
        listing = {}
        champions = ores.champions()
        for wiki in all_wikis():
            names = ores.names_for(wiki, champions)
            if names:
                listing[wiki.dbname] = {
                    "models": {n: ores.info(n, info_request, champions) for n in names}
                }
        return JSONResponse(listing)

    @router.get("/v3/scores/{wiki}")
    @router.get("/v3/scores/{wiki}/")
    async def scores_get(wiki: str, request: Request) -> JSONResponse:
        return await scores(wiki, request.query_params)

    @router.post("/v3/scores/{wiki}")
    @router.post("/v3/scores/{wiki}/")
    async def scores_post(wiki: str, request: Request) -> JSONResponse:
        params: dict[str, Any] = dict(request.query_params)
        try:
            params.update(await _body_params(request, max_body_bytes))
        except OresRequestError as error:
            return _error(error)
        return await scores(wiki, params)

    @router.get("/v3/scores/{wiki}/{rev_id}")
    @router.get("/v3/scores/{wiki}/{rev_id}/")
    async def one_revision(wiki: str, rev_id: str, request: Request) -> JSONResponse:
        return await scores(wiki, {**request.query_params, "revids": rev_id})

    @router.get("/v3/scores/{wiki}/{rev_id}/{model}")
    @router.get("/v3/scores/{wiki}/{rev_id}/{model}/")
    async def one_revision_model(
        wiki: str, rev_id: str, model: str, request: Request
    ) -> JSONResponse:
        return await scores(wiki, {**request.query_params, "revids": rev_id}, only_model=model)

    return router


def _as_answer(
    outcome: object, feature_names: Sequence[str], shown: ExplainOptions | None
) -> dict[str, Any]:
    """A prediction body (its explanation shaped as `shown` asks: the feature values by name
    for `?features`), or an error in the shape score_entry reads."""
    if isinstance(outcome, ServiceError):
        return {"error": outcome.to_dict()}
    assert isinstance(outcome, dict)  # every named model serves the wiki (checked above)
    return shown_result(outcome, feature_names, shown)


async def _body_params(request: Request, max_body_bytes: int) -> dict[str, Any]:
    """ORES took POST parameters as a form; JSON bodies with the same keys are read too."""
    try:
        raw = await read_body_within(request, max_body_bytes)
    except PayloadTooLarge as error:
        raise OresRequestError(413, error.message) from None
    content_type = request.headers.get("content-type", "")
    if "json" in content_type:
        try:
            # The service's one body parser: strict JSON with a depth limit (1,000 nested arrays
            # made json.loads raise RecursionError, a 500).
            body = parse_json_body(raw or b"{}")
        except ServiceError as error:
            raise OresRequestError(400, error.message) from None
        if not isinstance(body, dict):
            raise OresRequestError(400, "The JSON body must be an object")
        return {k: v if isinstance(v, list) else str(v) for k, v in body.items()}
    form = await request.form()
    return {k: str(v) for k, v in form.items()}
