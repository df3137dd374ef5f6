"""Promotion and rollback over HTTP, an operator's acts:

    POST /v1/models/{name}/promote   {"version": "...", "force": false, "reason": "..."}
    POST /v1/models/{name}/rollback  {"reason": "..."}

Both need `Authorization: Bearer <token>` with a token from OPERATOR_TOKENS_FILE (the feedback
tokens' format, a file of its own). They are off (404 feature_disabled) without that file or
without a registry; never open. A feedback token is never an operator's: a token whose hash is
in both files is refused, so reusing one by mistake grants nothing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from revertrisk_service.errors import FeedbackDisabled, InvalidRequest, ServiceError, Unauthorized
from revertrisk_service.feedback.tokens import FeedbackTokens, hash_token
from revertrisk_service.outcomes.store import OutcomeStore
from revertrisk_service.serving.body import parse_json_body, read_body_within
from revertrisk_service.versions.catalog import ModelVersions
from revertrisk_service.versions.operator_requests import PromoteRequest, RollbackRequest
from revertrisk_service.versions.promotion import plain, promote

log = logging.getLogger(__name__)

DISABLED = FeedbackDisabled(
    "Promotion over HTTP is not configured here (the operator sets OPERATOR_TOKENS_FILE and "
    "MODEL_REGISTRY_DIR); `revertrisk models promote` works from a shell."
)


def operator_tokens(path: Any) -> FeedbackTokens:
    return FeedbackTokens(
        path,
        setting="OPERATOR_TOKENS_FILE",
        missing="Promotion and rollback need 'Authorization: Bearer <operator token>'.",
        unknown="This token is not an operator token of this service.",
    )


def _error(error: ServiceError) -> JSONResponse:
    return JSONResponse(error.to_dict(), status_code=error.status, headers=dict(error.headers))


def _body(raw: bytes, shape: type[BaseModel]) -> Any:
    try:
        return shape.model_validate(parse_json_body(raw) if raw.strip() else {})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise InvalidRequest(f"{where}: {first['msg']}", field=where) from None


def build_operator_router(
    versions: ModelVersions | None,
    store: OutcomeStore | None,
    tokens: FeedbackTokens | None,
    feedback_tokens: FeedbackTokens | None,
    served: list[str],
    max_body_bytes: int,
) -> APIRouter:
    router = APIRouter(tags=["operator"])

    def authorize(request: Request) -> str:
        if versions is None or store is None or tokens is None:
            raise DISABLED
        name = tokens.tool_for(request.headers.get("authorization"))
        if feedback_tokens is not None:
            presented = hash_token(
                request.headers.get("authorization", "").partition(" ")[2].strip()
            )
            if presented in feedback_tokens.load().values():
                log.error("operator %s presented a token that is also a feedback token", name)
                raise Unauthorized("This token is also a feedback token: it is not accepted "
                                   "for operator acts. Give operators tokens of their own.")
        return name

    async def act(request: Request, name: str, doing) -> JSONResponse:
        try:
            operator = authorize(request)
            if name not in served:
                raise InvalidRequest(f"Model {name!r} is not served here.", field="name")
            raw = await read_body_within(request, max_body_bytes)
            return JSONResponse(plain(await doing(operator, raw)))
        except ServiceError as error:
            return _error(error)

    @router.post("/v1/models/{name}/promote")
    async def promote_version(name: str, request: Request) -> JSONResponse:
        async def doing(operator: str, raw: bytes) -> dict[str, Any]:
            asked: PromoteRequest = _body(raw, PromoteRequest)
            assert versions is not None and store is not None
            done = await asyncio.to_thread(
                promote, versions, store, name, asked.version, operator,
                force=asked.force, reason=asked.reason,
            )  # fmt: skip
            log.info("%s promoted %s %s (forced: %s)", operator, name, asked.version, done.forced)
            return {"model": name, "champion": done.aliases.champion,
                    "challenger": done.aliases.challenger, "by": operator,
                    "forced": done.forced, "gate": done.comparison.to_json()}

        return await act(request, name, doing)

    @router.post("/v1/models/{name}/rollback")
    async def rollback(name: str, request: Request) -> JSONResponse:
        async def doing(operator: str, raw: bytes) -> dict[str, Any]:
            asked: RollbackRequest = _body(raw, RollbackRequest)
            assert versions is not None
            aliases = await asyncio.to_thread(versions.rollback, name, operator, asked.reason)
            log.info("%s rolled %s back to %s", operator, name, aliases.champion)
            return {"model": name, "champion": aliases.champion, "by": operator}

        return await act(request, name, doing)

    return router
