"""`GET /v1/models/<name>/quality` (observed quality, JSON) and
`GET /v1/models/<name>/quality/reliability.svg` (its reliability plot), with the same filters:
`wiki`, `editor=anonymous|registered`, `since`, `until`, `version`.

Both answer 404 `feature_disabled` on a deployment without OUTCOMES_ENABLED, 400
`invalid_quality_query` for a bad filter and 503 `outcomes_unavailable` while the database is
down, in the service's one error shape.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from revertrisk_service.errors import OutcomesDisabled, ServiceError
from revertrisk_service.outcomes.quality_service import QualityService, parse_quality_query
from revertrisk_service.outcomes.reliability_svg import reliability_svg

DISABLED = OutcomesDisabled(
    "Outcomes are not tracked on this service (the operator sets OUTCOMES_ENABLED)."
)


def _error(error: ServiceError) -> JSONResponse:
    return JSONResponse(error.to_dict(), status_code=error.status, headers=dict(error.headers))


def build_quality_router(service: QualityService | None) -> APIRouter:
    router = APIRouter(tags=["quality"])

    async def answer(name: str, request: Request) -> dict:
        if service is None:
            raise DISABLED
        service.check_model(name)
        return await service.aquality(name, parse_quality_query(request.query_params))

    @router.get("/v1/models/{name}/quality")
    async def quality(name: str, request: Request) -> JSONResponse:
        try:
            return JSONResponse(await answer(name, request))
        except ServiceError as error:
            return _error(error)

    @router.get("/v1/models/{name}/quality/reliability.svg")
    async def reliability(name: str, request: Request) -> Response:
        try:
            body = await answer(name, request)
        except ServiceError as error:
            return _error(error)
        return Response(reliability_svg(body), media_type="image/svg+xml")

    return router
