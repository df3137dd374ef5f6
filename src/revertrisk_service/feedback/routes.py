"""`POST /v1/feedback` (a judgment, with a tool's bearer token) and
`GET /v1/models/<name>/feedback` (counts and the precision observed at each preset).

Both answer 404 `feature_disabled` on a deployment without FEEDBACK_TOKENS_FILE. Errors are
rendered here, in the service's one error shape, as the transparency router does, so the router
behaves the same in any FastAPI app.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter

from revertrisk_service.errors import FeedbackDisabled, ServiceError
from revertrisk_service.feedback.service import FeedbackService
from revertrisk_service.serving.body import parse_json_body, read_body_within

log = logging.getLogger(__name__)

JUDGMENTS_TOTAL = Counter(
    "revertrisk_feedback_judgments_total",
    "POST /v1/feedback answers by outcome: recorded, or the error code (feedback_unavailable "
    "counts database failures).",
    ["outcome"],
)
DISABLED = FeedbackDisabled(
    "Feedback is not configured on this service (the operator sets FEEDBACK_TOKENS_FILE)."
)


def _error(error: ServiceError) -> JSONResponse:
    return JSONResponse(error.to_dict(), status_code=error.status, headers=dict(error.headers))


def build_feedback_router(feedback: FeedbackService | None, max_body_bytes: int) -> APIRouter:
    router = APIRouter(tags=["feedback"])

    @router.post("/v1/feedback")
    async def record(request: Request) -> JSONResponse:
        try:
            if feedback is None:
                raise DISABLED
            # The token first: nobody learns anything about the fields without one.
            tool = feedback.authorize(request.headers.get("authorization"))
            body = parse_json_body(await read_body_within(request, max_body_bytes))
            judgment = feedback.judgment(tool, body)
            judgment_id = await feedback.store.arecord(judgment)
        except ServiceError as error:
            JUDGMENTS_TOTAL.labels(error.code).inc()
            return _error(error)
        JUDGMENTS_TOTAL.labels("recorded").inc()
        # Only now, after the commit returned: the judgment is kept.
        return JSONResponse(
            {
                "id": judgment_id,
                "wiki_db": judgment.wiki_db,
                "rev_id": judgment.rev_id,
                "reviewer": judgment.reviewer,
                "judgment": judgment.judgment,
                "tool": judgment.tool,
                "judged_at": judgment.judged_at.isoformat(),
            },
            status_code=201,
        )

    @router.get("/v1/models/{name}/feedback")
    async def observed(name: str) -> JSONResponse:
        try:
            if feedback is None:
                raise DISABLED
            return JSONResponse(await feedback.observed(name))
        except ServiceError as error:
            return _error(error)

    return router
