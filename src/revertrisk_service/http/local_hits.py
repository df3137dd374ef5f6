"""Answers a single-revision predict whose score this replica holds in memory, at the door.

Such a hit needs nothing of what lies behind this layer: not the per-client limit (it takes no
scoring capacity), not the route table (the path names a served model), not the
body guard or error contract (the body parsed and nothing failed), not FastAPI's routing or KServe's
dataplane. Walking them all made a hit cost more than a KServe model that does nothing;
answered here, it costs less. Everything else, and every request this layer is unsure of, goes on
unchanged with its body replayed: batches, events, pre-save edits, explanations, refreshes, any
query string, CloudEvent headers, bodies over a few KiB, scores held only in Redis, negative
entries and every error.

The answer is the one KServe would give: the same body bytes (orjson, as KServe's ORJSONResponse
renders it), the same X-Cache headers, the same counters (revertrisk_revisions_total, the cache's
lookups, the predict metrics and request id outside this layer). KServe's own per-model latency
histograms (request_preprocess_seconds and the rest) do not see these requests: they time the
model's steps, and a hit here runs none.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from revertrisk_service.http.routes import predict_model
from revertrisk_service.serving.predict_input import PredictInput, carrying

log = logging.getLogger(__name__)

# A single-revision request is about 40 bytes; anything much longer is not one this layer answers.
MAX_HELD_REQUEST_BYTES = 4096
# What KServe's ORJSONResponse passes to orjson.dumps, so that the bytes are the same.
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


class HeldAnswers(Protocol):
    """A served model's side of this layer (serving.model.RevertRiskModel)."""

    def answer_held(
        self, predict: PredictInput, headers: Mapping[str, str]
    ) -> tuple[dict[str, Any], dict[str, str]] | None: ...


class LocalHits:
    def __init__(self, app: ASGIApp, models: Mapping[str, HeldAnswers]) -> None:
        self.app = app
        self.models = models

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        model = self._model_for(scope)
        if model is None:
            await self.app(scope, receive, send)
            return
        message = await receive()
        predict = _small_input(scope, message)
        answer = None
        if predict is not None:
            try:
                answer = model.answer_held(predict, _headers(scope))
            except Exception:
                # Never an error of this layer's own: the full path answers, in the error
                # contract.
                log.exception("answering a held score failed; the request takes the full path")
        if answer is None:
            # The layers behind read the body decoded here, not decoding it again.
            with carrying(predict):
                await self.app(scope, _replaying(message, receive), send)
            return
        body, cache_headers = answer
        content = orjson.dumps(body, option=_ORJSON_OPTIONS)
        # Starlette's Response puts the given headers first, then content-length and
        # content-type: the order KServe's answer has.
        headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in cache_headers.items()
        ]
        headers += [
            (b"content-length", str(len(content)).encode()),
            (b"content-type", b"application/json"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    def _model_for(self, scope: Scope) -> HeldAnswers | None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope.get("query_string"):
            return None
        name = predict_model(scope["path"])
        return self.models.get(name) if name is not None else None


def _small_input(scope: Scope, message: Message) -> PredictInput | None:
    """The body, when it came whole in one message, small enough to be a single-revision
    request, and not a binary CloudEvent (the guard's and KServe's business); else None."""
    if message["type"] != "http.request" or message.get("more_body", False):
        return None
    body: bytes = message.get("body", b"")
    if len(body) > MAX_HELD_REQUEST_BYTES:
        return None
    if any(name.startswith(b"ce-") for name, _ in scope.get("headers", [])):
        return None
    return PredictInput(body)


def _headers(scope: Scope) -> dict[str, str]:
    return {
        name.decode("latin-1").lower(): value.decode("latin-1")
        for name, value in scope.get("headers", [])
    }


def _replaying(first: Message, receive: Receive) -> Callable[[], Awaitable[Message]]:
    """`receive`, with the message this layer has already read handed out first."""
    pending: list[Message] = [first]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay
