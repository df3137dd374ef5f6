"""serving.predict_input: a predict body decoded and parsed once, carried from the HTTP edge to
the model, and handed to KServe as bytes it does not decode again."""

from __future__ import annotations

import orjson
import pytest

from revertrisk_service.errors import MalformedJson, TooManyInstances
from revertrisk_service.serving import predict_input
from revertrisk_service.serving.predict_input import (
    PredictInput,
    carried,
    carrying,
    input_for,
    opaque_to_kserve,
)

SINGLE = b'{"lang": "en", "rev_id": 12345}'
PARSER = {"max_batch_size": 2, "presave_enabled": False}


def test_the_body_is_decoded_once_and_the_request_parsed_once(monkeypatch) -> None:
    decoded: list[bytes] = []
    real = predict_input.parse_json_body

    def counting(raw: bytes) -> object:
        decoded.append(raw)
        return real(raw)

    monkeypatch.setattr(predict_input, "parse_json_body", counting)
    predict = PredictInput(SINGLE)
    first = predict.parsed(**PARSER)
    assert predict.parsed(**PARSER) is first
    assert predict.payload() == {"lang": "en", "rev_id": 12345}
    assert decoded == [SINGLE]
    (item,) = first.items
    assert (first.kind, item.wiki.dbname, item.rev_id) == ("single", "enwiki", 12345)


def test_a_bad_body_raises_the_same_error_each_time() -> None:
    predict = PredictInput(b'{"lang": "en", ')
    with pytest.raises(MalformedJson) as first:
        predict.payload()
    with pytest.raises(MalformedJson) as again:
        predict.parsed(**PARSER)
    assert again.value is first.value


def test_a_rejected_request_raises_its_error_each_time() -> None:
    body = orjson.dumps({"instances": [{"lang": "en", "rev_id": n} for n in (1, 2, 3)]})
    predict = PredictInput(body)
    with pytest.raises(TooManyInstances) as first:
        predict.parsed(**PARSER)
    with pytest.raises(TooManyInstances) as again:
        predict.parsed(**PARSER)
    assert again.value is first.value


def test_a_structured_cloudevent_is_read_by_its_data_as_kserve_does() -> None:
    event = {
        "specversion": "1.0", "id": "1", "source": "s", "type": "t", "time": "2024-01-01T00:00:00Z",
        "data": {"lang": "en", "rev_id": 7},
    }  # fmt: skip
    predict = PredictInput(orjson.dumps(event))
    assert predict.is_cloudevent
    assert predict.request_payload() == {"lang": "en", "rev_id": 7}
    assert predict.parsed(**PARSER).items[0].rev_id == 7  # type: ignore[union-attr]


def test_the_input_is_carried_while_the_inner_layers_run() -> None:
    outer = PredictInput(SINGLE)
    assert carried() is None
    with carrying(outer):
        assert carried() is outer
        assert input_for(SINGLE) is outer
        assert input_for(b'{"lang": "fr", "rev_id": 1}') is not outer
    assert carried() is None
    assert input_for(SINGLE) is not outer


@pytest.mark.parametrize(
    ("sent", "kserve_sees"),
    [
        (None, b"application/octet-stream"),
        (b"application/json", b"application/octet-stream"),
        (b"application/ld+json", b"application/octet-stream"),
        # KServe answers a CloudEvent as one: it keeps decoding it.
        (b"application/cloudevents+json", b"application/cloudevents+json"),
        # Content types KServe leaves undecoded already.
        (b"application/x-www-form-urlencoded", b"application/x-www-form-urlencoded"),
        (b"application/json; charset=utf-8", b"application/json; charset=utf-8"),
    ],
)
def test_kserve_is_handed_a_content_type_it_does_not_decode(
    sent: bytes | None, kserve_sees: bytes
) -> None:
    headers = [(b"host", b"example")] + ([(b"content-type", sent)] if sent else [])
    scope = opaque_to_kserve({"type": "http", "headers": headers})
    types = [v for k, v in scope["headers"] if k == b"content-type"]
    assert types == [kserve_sees]
    assert (b"host", b"example") in scope["headers"]
