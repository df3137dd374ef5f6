"""Every answer of the real server is a score or `{error, code, detail}`: KServe's routes, unknown
paths, wrong methods, hostile bodies. Real `revertrisk serve` over HTTP, a loopback synthetic wiki."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from revertrisk_devtools.flaky_api import FlakyApi, SyntheticWiki, running
from revertrisk_devtools.service_process import RunningService, run_service
from revertrisk_service.http.routes import delegated

pytestmark = pytest.mark.e2e

LA = "revertrisk-language-agnostic"
PREDICT = f"/v1/models/{LA}:predict"
MISSING_REV = 777_001


@pytest.fixture(scope="module")
def wiki_api() -> Iterator[FlakyApi]:
    wiki = SyntheticWiki()
    wiki.missing.add(MISSING_REV)
    with running(wiki) as api:
        yield api


@pytest.fixture(scope="module")
def service(
    wiki_api: FlakyApi, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningService]:
    env = {"WIKI_URL": wiki_api.url, "MODELS": LA, "MAX_BODY_BYTES": "20000"}
    with run_service(env, tmp_path_factory.mktemp("contract-logs")) as running_service:
        yield running_service


def assert_error_shape(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["error"], str) and body["error"]
    assert body["detail"] == body["error"]
    assert "Traceback" not in response.text
    return body


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/no/such/path", 404, "not_found"),
        ("GET", "/v2/health/ready", 404, "not_found"),
        ("POST", f"/v2/models/{LA}/infer", 404, "not_found"),
        ("GET", f"/v2/models/{LA}", 404, "not_found"),
        ("POST", f"/v1/models/{LA}:explain", 404, "not_found"),
        ("GET", "/docs", 404, "not_found"),
        ("GET", f"/v1/models/{LA}:predict", 405, "method_not_allowed"),
        ("PUT", PREDICT, 405, "method_not_allowed"),
        ("DELETE", "/v1/models", 405, "method_not_allowed"),
        ("POST", "/", 405, "method_not_allowed"),
        ("OPTIONS", f"/v1/models/{LA}", 405, "method_not_allowed"),
        ("POST", "/v1/models/no-such-model:predict", 404, "model_not_found"),
        ("GET", "/v1/models/no-such-model", 404, "model_not_found"),
        ("GET", "/v1/models/no-such-model/thresholds", 404, "model_not_found"),
    ],
)
def test_routes_we_do_not_serve(
    service: RunningService, method: str, path: str, status: int, code: str
) -> None:
    response = httpx.request(method, service.base_url + path, json={"lang": "en", "rev_id": 1})
    assert_error_shape(response, status, code)
    if status == 405:
        assert response.headers["allow"]


NESTED = b'{"lang": "en", "rev_id": 1, "x": ' + b"[" * 1000 + b"]" * 1000 + b"}"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (NESTED, "malformed_json"),
        (b"[" * 5000, "malformed_json"),
        (b'{"lang": "en", "rev_id": NaN}', "malformed_json"),
        (b'{"lang": "en", "rev_id": Infinity}', "malformed_json"),
        (b'{"lang": "en", "rev_id": -Infinity}', "malformed_json"),
        (b'\xef\xbb\xbf{"lang": "en", "rev_id": 1}', "malformed_json"),
        (b'{"lang": "\\ud800", "rev_id": 1}', "malformed_json"),
        (b'{"lang": "en", "rev_id": 1', "malformed_json"),
        (b"\xff\xfe{", "malformed_json"),
        (b"", "malformed_json"),
        (b'{"lang": "en", "rev_id": 99999999999999999999999}', "invalid_rev_id"),
        (b'{"lang": "en", "rev_id": 4294967296}', "invalid_rev_id"),
        (b'{"lang": "en", "rev_id": 1e3}', "invalid_rev_id"),
        (b'"just a string"', "invalid_request"),
        (b"[]", "invalid_request"),
        (b"null", "invalid_request"),
    ],
)
@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_hostile_bodies_are_400(
    service: RunningService, content: bytes, code: str, content_type: str
) -> None:
    response = httpx.post(
        service.base_url + PREDICT, content=content, headers={"content-type": content_type}
    )
    assert_error_shape(response, 400, code)


def test_largest_mediawiki_revision_id_is_accepted(service: RunningService) -> None:
    response = httpx.post(service.base_url + PREDICT, json={"lang": "en", "rev_id": 2**32 - 1})
    assert response.status_code == 200, response.text


def test_event_with_an_impossible_revision_id_is_rejected(service: RunningService) -> None:
    event = {
        "meta": {"stream": "mediawiki.page_change.v1", "domain": "en.wikipedia.org"},
        "wiki_id": "enwiki",
        "page_change_kind": "edit",
        "page": {"page_id": 1, "page_title": "A", "namespace_id": 0},
        "performer": {"user_text": "A", "user_is_bot": False},
        "revision": {"rev_id": 2**40, "rev_parent_id": 1},
    }
    response = httpx.post(service.base_url + PREDICT, json={"event": event})
    assert_error_shape(response, 400, "invalid_event")


def test_cloudevent_headers_do_not_change_how_the_body_is_read(service: RunningService) -> None:
    response = httpx.post(
        service.base_url + PREDICT,
        content=b'{"lang": "en", "rev_id": 4321}',
        headers={"content-type": "application/json", "ce-specversion": "1.0", "ce-id": "x"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["revision_id"] == 4321


def test_single_errors_carry_x_cache_including_negative_hits(service: RunningService) -> None:
    first = httpx.post(service.base_url + PREDICT, json={"lang": "en", "rev_id": MISSING_REV})
    assert_error_shape(first, 400, "revision_not_found")
    assert first.headers["x-cache"] == "miss"
    second = httpx.post(service.base_url + PREDICT, json={"lang": "en", "rev_id": MISSING_REV})
    assert_error_shape(second, 400, "revision_not_found")
    assert second.headers["x-cache"] == "hit"
    assert second.headers["x-cache-hits"] == "1/1"


def _counter(service: RunningService, code: str) -> float:
    metrics = httpx.get(service.base_url + "/metrics").text
    for line in metrics.splitlines():
        if line.startswith("revertrisk_revisions_total{") and f'outcome="{code}"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_single_validation_errors_are_counted(service: RunningService) -> None:
    before = _counter(service, "invalid_rev_id")
    response = httpx.post(service.base_url + PREDICT, json={"lang": "en", "rev_id": -1})
    assert_error_shape(response, 400, "invalid_rev_id")
    assert _counter(service, "invalid_rev_id") == before + 1


def test_openapi_document_is_ours(service: RunningService) -> None:
    document = httpx.get(service.base_url + "/openapi.json").json()
    assert "/v1/models/{model_name}:predict" in document["paths"]
    assert not any(p.startswith("/v2") for p in document["paths"])
    single = document["components"]["schemas"]["SingleRequest"]
    assert single["properties"]["rev_id"]["maximum"] == 2**32 - 1
    # The routers answering their own paths are listed too.
    for path in ("/v3/scores/", "/v3/scores/{wiki}/", "/v3/scores/{wiki}/{rev_id}/{model}/",
                 "/patrol/", "/patrol/stream", "/patrol/presets"):
        assert path in document["paths"], path
    assert "post" in document["paths"]["/v3/scores/{wiki}/"]


def test_every_documented_route_is_served_and_named_in_the_404_hint(
    service: RunningService,
) -> None:
    document = httpx.get(service.base_url + "/openapi.json").json()
    hint = httpx.get(service.base_url + "/no/such/path").json()["error"]
    for template, operations in document["paths"].items():
        if delegated(template):
            continue  # the ORES layer and the patrol page (a live stream): their own tests
        path = template.replace("{model_name}", LA)
        for method in operations:
            assert f"{method.upper()} {template.replace('{model_name}', '<name>')}" in hint
            response = httpx.request(method, service.base_url + path, json={"lang": "en", "rev_id": 3})
            # Served: an answer the document promises for this operation, never the guard's
            # unknown-path or wrong-method refusal (feedback routes, off in this service, answer
            # their documented 404 feature_disabled).
            documented = operations[method]["responses"]
            assert str(response.status_code) in documented, (method, path, response.text)
            if response.status_code != 200:
                code = response.json()["code"]
                assert code not in {"not_found", "method_not_allowed"}, (method, path, code)


def test_served_routes_still_answer(service: RunningService) -> None:
    assert httpx.get(service.base_url + "/").status_code == 200
    assert httpx.get(service.base_url + "/v1/models").json()["models"] == [LA]
    assert httpx.get(service.base_url + f"/v1/models/{LA}").json()["ready"] is True
    assert "revertrisk_revisions_total" in httpx.get(service.base_url + "/metrics").text


def test_ores_and_patrol_routes_keep_their_own_answers(service: RunningService) -> None:
    assert httpx.get(service.base_url + "/v3/scores/").status_code == 200
    assert httpx.get(service.base_url + "/patrol/").status_code == 200
    # ORES clients get ORES's error shape, not ours.
    unknown = httpx.get(service.base_url + "/v3/scores/nosuchwiki/?revids=1")
    assert unknown.status_code == 404, unknown.text
    assert isinstance(unknown.json()["error"], dict)
    for content in (NESTED, b'{"revids": NaN}'):
        deep = httpx.post(
            service.base_url + "/v3/scores/enwiki/",
            content=content,
            headers={"content-type": "application/json"},
        )
        assert deep.status_code == 400, deep.text
        assert isinstance(deep.json()["error"], dict)
    # Paths under the patrol page that do not exist are ours to shape.
    assert_error_shape(httpx.get(service.base_url + "/patrol/nope"), 404, "not_found")
    assert_error_shape(httpx.get(service.base_url + "/patrol/static/nope.js"), 404, "not_found")


def test_no_traceback_in_the_server_log(service: RunningService) -> None:
    # Runs last in this module: nothing above may have produced an unhandled error.
    log = service.log()
    assert "Traceback" not in log, log[-3000:]
    assert "RecursionError" not in log
    # KServe's ORJSONResponse warned on the first request and the first score of each process.
    assert "DeprecationWarning" not in log, log[-3000:]


def test_contract_holds_for_json_dumped_batches(service: RunningService) -> None:
    body = {"instances": [{"lang": "en", "rev_id": MISSING_REV}, {"lang": "xx", "rev_id": 5}]}
    response = httpx.post(service.base_url + PREDICT, content=json.dumps(body))
    assert response.status_code == 200, response.text
    for error in response.json()["errors"]:
        assert error["detail"] == error["error"] and error["code"]


