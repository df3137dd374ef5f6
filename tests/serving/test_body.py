"""The request body parser and the error-shape layer, without a server."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest

from revertrisk_service.errors import MalformedJson, ServiceError
from revertrisk_service.http.errors import reshaped
from revertrisk_service.serving.body import MAX_DEPTH, nesting_depth, parse_json_body


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("depth", [1000, 1024, 1025, 100_000])
def test_deep_nesting_is_malformed_json_not_a_recursion_error(depth: int) -> None:
    with pytest.raises(MalformedJson):
        parse_json_body(nested(depth))


def test_nesting_up_to_the_limit_is_accepted() -> None:
    assert nesting_depth(parse_json_body(nested(MAX_DEPTH)), MAX_DEPTH) == MAX_DEPTH
    with pytest.raises(MalformedJson, match=f"more than {MAX_DEPTH} levels"):
        parse_json_body(nested(MAX_DEPTH + 1))


@pytest.mark.parametrize(
    "raw",
    [b"NaN", b"[Infinity]", b"[-Infinity]", b'\xef\xbb\xbf{"a": 1}', b'"\\udc00"', b"{", b"\xff"],
)
def test_what_json_does_not_allow_is_refused(raw: bytes) -> None:
    with pytest.raises(MalformedJson):
        parse_json_body(raw)


def test_huge_integers_become_floats_that_validation_rejects() -> None:
    assert parse_json_body(b'{"rev_id": 99999999999999999999999}') == {"rev_id": 1e23}


def test_str_bodies_are_parsed_the_same() -> None:
    assert parse_json_body('{"lang": "en", "rev_id": 1}') == {"lang": "en", "rev_id": 1}


def test_error_body_has_detail_equal_to_error() -> None:
    body = ServiceError("boom", field="x").to_dict()
    assert body == {"error": "boom", "code": "internal_error", "detail": "boom", "field": "x"}


@pytest.mark.parametrize(
    ("status", "raw", "code", "message"),
    [
        (404, b'{"detail": "Not Found"}', "not_found", "Not Found"),
        (405, b'{"detail": "Method Not Allowed"}', "method_not_allowed", "Method Not Allowed"),
        (400, b'{"error": "Unrecognized request format"}', "invalid_request", "Unrecognized request format"),
        (503, b'{"error": "Model with name x is not ready."}', "service_unavailable", "Service Unavailable"),
        (500, b"Internal Server Error", "internal_error", "Internal Server Error"),
        (500, b'{"error": "KeyError: \'x\' at /srv/app.py:12"}', "internal_error", "Internal Server Error"),
        (422, b'{"detail": [{"loc": ["body"], "msg": "bad"}]}', "invalid_request", HTTPStatus(422).phrase),
    ],
)
def test_foreign_error_answers_get_the_error_shape(
    status: int, raw: bytes, code: str, message: str
) -> None:
    body = json.loads(reshaped(status, raw))
    assert body == {"error": message, "code": code, "detail": message}


def test_our_error_answers_pass_unchanged() -> None:
    raw = json.dumps(ServiceError("x").to_dict()).encode()
    assert reshaped(500, raw) is raw
