"""A predict request's body, decoded and parsed once for every layer that reads it.

Three layers read a predict body: the held hits (http.local_hits) to answer a score held in
memory at the door, the guard (http.predict_guard) to refuse a body that is not JSON with a
stable code, and the model's preprocess. The first of them wraps the bytes in a `PredictInput`,
which decodes them (serving.body) and parses the request (serving.requests) once, when first
asked, and keeps what it found, the error included. It travels with the request in a context
variable (`carrying`), since KServe hands a model only the body and the headers.

KServe decodes a JSON body itself before the model sees it. The guard hands the body on as
opaque bytes (`opaque_to_kserve`), so that it does not; the model reads the carried input
instead. A CloudEvent (`application/cloudevents+json`) keeps KServe's decoding, which also wraps
the answer as an event. Like KServe, the model reads a structured CloudEvent's `data`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from kserve.utils.utils import is_structured_cloudevent
from starlette.types import Scope

from revertrisk_service.errors import ServiceError
from revertrisk_service.serving.body import parse_json_body
from revertrisk_service.serving.requests import ParsedRequest, parse_request

_CONTENT_TYPE = b"content-type"
# The content types KServe decodes as JSON, but a CloudEvent's (see the module docstring).
_KSERVE_DECODES = {b"application/json", b"application/ld+json"}
_OPAQUE = b"application/octet-stream"
_UNSET: Any = object()


class PredictInput:
    def __init__(self, raw: bytes | None, payload: Any = _UNSET) -> None:
        """From the body's bytes, decoded when first asked; or from a payload decoded already
        (a model called directly, without the HTTP edge)."""
        self.raw = raw
        self._payload = payload
        self._error: ServiceError | None = None
        # Keyed by the parser's settings, which every served model shares.
        self._parsed: dict[tuple[int, bool], ParsedRequest | ServiceError] = {}

    def payload(self) -> Any:
        """The decoded body; raises MalformedJson (the same error each time)."""
        if self._error is not None:
            raise self._error
        if self._payload is _UNSET:
            assert self.raw is not None
            try:
                self._payload = parse_json_body(self.raw)
            except ServiceError as error:
                self._error = error
                raise
        return self._payload

    @property
    def is_cloudevent(self) -> bool:
        payload = self.payload()
        return isinstance(payload, dict) and is_structured_cloudevent(payload)

    def request_payload(self) -> Any:
        """What the request asks: a structured CloudEvent's `data`, as KServe unwraps it."""
        return self.payload()["data"] if self.is_cloudevent else self.payload()

    def parsed(self, *, max_batch_size: int, presave_enabled: bool) -> ParsedRequest:
        """The parsed request; raises its ServiceError (the same error each time)."""
        settings = (max_batch_size, presave_enabled)
        if settings not in self._parsed:
            try:
                self._parsed[settings] = parse_request(
                    self.request_payload(),
                    max_batch_size=max_batch_size,
                    presave_enabled=presave_enabled,
                )
            except ServiceError as error:
                self._parsed[settings] = error
        found = self._parsed[settings]
        if isinstance(found, ServiceError):
            raise found
        return found


_CARRIED: ContextVar[PredictInput | None] = ContextVar("predict_input", default=None)


@contextmanager
def carrying(predict: PredictInput | None) -> Iterator[None]:
    """`predict` is the current request's input while the layers behind run."""
    if predict is None:
        yield
        return
    token = _CARRIED.set(predict)
    try:
        yield
    finally:
        _CARRIED.reset(token)


def carried() -> PredictInput | None:
    return _CARRIED.get()


def input_for(raw: bytes) -> PredictInput:
    """The input an outer layer made for these same bytes, or a new one."""
    current = _CARRIED.get()
    return current if current is not None and current.raw == raw else PredictInput(raw)


def opaque_to_kserve(scope: Scope) -> Scope:
    """The request with a content type KServe does not decode (the model reads the carried
    input); a CloudEvent's and any other content type are left as they are."""
    headers = scope.get("headers", [])
    types = [value for name, value in headers if name == _CONTENT_TYPE]
    if types and types[-1] not in _KSERVE_DECODES:
        return scope
    kept = [h for h in headers if h[0] != _CONTENT_TYPE]
    return {**scope, "headers": [*kept, (_CONTENT_TYPE, _OPAQUE)]}
