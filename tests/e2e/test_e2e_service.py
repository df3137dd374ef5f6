"""The real service, in a subprocess, against a real MediaWiki: every outcome over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support.outcomes import MEDIAWIKI_OUTCOMES

from revertrisk_devtools.ports import free_port
from revertrisk_devtools.service_process import RunningService, run_service

pytestmark = pytest.mark.e2e

LA = "revertrisk-language-agnostic"


@pytest.fixture(scope="module")
def service(local_wiki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    logs = tmp_path_factory.mktemp("service-logs")
    env = {"WIKI_URL": local_wiki.base_url, "MODELS": LA, "MAX_BODY_BYTES": "20000"}
    with run_service(env, logs) as running:
        yield running


def predict(service: RunningService, body: object, model: str = LA, **kw: object) -> httpx.Response:
    return httpx.post(f"{service.base_url}/v1/models/{model}:predict", json=body, timeout=30, **kw)


def assert_prediction(body: dict, rev_id: int, wiki_db: str = "enwiki") -> None:
    assert body["model_name"] == LA
    assert body["model_version"]
    assert body["wiki_db"] == wiki_db
    assert body["revision_id"] == rev_id
    p = body["output"]["probabilities"]
    assert 0.0 <= p["true"] <= 1.0
    assert p["true"] + p["false"] == pytest.approx(1.0, abs=1e-5)
    assert body["output"]["prediction"] == (p["true"] > 0.5)


@pytest.mark.parametrize("kind", ["registered_edit", "anonymous_edit", "bot_edit", "sysop_edit"])
def test_scores_real_revisions(service: RunningService, local_wiki, kind: str) -> None:
    rev_id = local_wiki.revs[kind]
    response = predict(service, {"lang": "en", "rev_id": rev_id})
    assert response.status_code == 200, response.text
    assert_prediction(response.json(), rev_id)


def test_same_revision_same_score(service: RunningService, local_wiki) -> None:
    rev_id = local_wiki.revs["registered_edit"]
    first = predict(service, {"lang": "en", "rev_id": rev_id}).json()
    second = predict(service, {"lang": "en", "rev_id": rev_id}).json()
    assert first == second


def test_other_language_is_sent_with_its_host(service: RunningService, local_wiki) -> None:
    # The local wiki answers whatever Host it is sent; the response names the wiki asked for.
    rev_id = local_wiki.revs["registered_edit"]
    response = predict(service, {"lang": "de", "rev_id": rev_id})
    assert response.status_code == 200, response.text
    assert_prediction(response.json(), rev_id, wiki_db="dewiki")


@pytest.mark.parametrize(("kind", "status", "code"), MEDIAWIKI_OUTCOMES)
def test_mediawiki_outcomes(service: RunningService, local_wiki, kind: str, status: int, code: str) -> None:
    response = predict(service, {"lang": "en", "rev_id": local_wiki.revs[kind]})
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    assert body["error"]


def test_batch_with_failures_does_not_fail(service: RunningService, local_wiki) -> None:
    revs = local_wiki.revs
    instances = [
        {"lang": "en", "rev_id": revs["registered_edit"]},
        {"lang": "en", "rev_id": revs["missing"]},
        {"lang": "fr", "rev_id": revs["anonymous_edit"]},
        {"lang": "enwiki", "rev_id": revs["anonymous_edit"]},
        {"lang": "en", "rev_id": revs["page_creation"]},
    ]
    response = predict(service, {"instances": instances})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [p["revision_id"] for p in body["predictions"]] == [revs["registered_edit"], revs["anonymous_edit"]]
    assert [p["wiki_db"] for p in body["predictions"]] == ["enwiki", "frwiki"]
    errors = {e["index"]: e["code"] for e in body["errors"]}
    assert errors == {1: "revision_not_found", 3: "invalid_lang", 4: "parent_revision_missing"}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"lang": "enwiki", "rev_id": 1}, 400, "invalid_lang"),
        ({"lang": "qq", "rev_id": 1}, 400, "invalid_lang"),
        ({"lang": "en", "rev_id": "12"}, 400, "invalid_rev_id"),
        ({"lang": "en", "rev_id": -3}, 400, "invalid_rev_id"),
        ({"lang": "en", "rev_id": 2.5}, 400, "invalid_rev_id"),
        ({"lang": ["en"], "rev_id": 1}, 400, "invalid_lang"),
        ({"rev_id": 1}, 400, "invalid_request"),
        ({"instances": {"lang": "en"}}, 400, "invalid_request"),
        ({"instances": [{"lang": "en", "rev_id": i + 1} for i in range(51)]}, 400, "too_many_instances"),
        ({"revision_data": {"lang": "en"}}, 400, "feature_disabled"),
        ({"event": {"meta": {}}}, 400, "invalid_event"),
    ],
)
def test_bad_inputs(service: RunningService, body: object, status: int, code: str) -> None:
    response = predict(service, body)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code


def test_malformed_json(service: RunningService) -> None:
    response = httpx.post(
        f"{service.base_url}/v1/models/{LA}:predict",
        content=b'{"lang": "en", "rev_id": ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


def test_oversized_body(service: RunningService) -> None:
    response = httpx.post(
        f"{service.base_url}/v1/models/{LA}:predict",
        content=b'{"lang": "en", "rev_id": 1, "pad": "' + b"x" * 30000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_unknown_model(service: RunningService) -> None:
    response = predict(service, {"lang": "en", "rev_id": 1}, model="no-such-model")
    assert response.status_code == 404
    assert response.json()["code"] == "model_not_found"


def test_kserve_listing_and_metrics(service: RunningService) -> None:
    assert httpx.get(f"{service.base_url}/v1/models").json()["models"] == [LA]
    assert httpx.get(f"{service.base_url}/v1/models/{LA}").json()["ready"] is True
    metrics = httpx.get(f"{service.base_url}/metrics").text
    assert "revertrisk_revisions_total" in metrics


def test_mediawiki_down_is_502_not_500(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    env = {"WIKI_URL": dead, "MODELS": LA, "MEDIAWIKI_DEADLINE_S": "3", "MEDIAWIKI_MAX_RETRIES": "1"}
    with run_service(env, tmp_path) as running:
        response = predict(running, {"lang": "en", "rev_id": 5})
        assert response.status_code == 502, response.text
        assert response.json()["code"] == "mediawiki_unavailable"
        assert "Traceback" not in response.text


def page_change_event(wiki_id: str, rev_id: int, parent_id: int) -> dict:
    return {
        "$schema": "/mediawiki/page/change/1.1.0",
        "meta": {"stream": "mediawiki.page_change.v1", "domain": "en.wikipedia.org", "dt": "2026-11-22T10:00:00Z"},
        "dt": "2026-11-22T10:00:00Z",
        "wiki_id": wiki_id,
        "page_change_kind": "edit",
        "page": {"page_id": 1, "page_title": "Alpha", "namespace_id": 0},
        "performer": {"user_text": "Alice", "user_is_bot": False, "groups": ["*", "user"]},
        "revision": {"rev_id": rev_id, "rev_parent_id": parent_id},
    }


def test_event_input_scores_the_announced_revision(service: RunningService, local_wiki) -> None:
    rev_id = local_wiki.revs["registered_edit"]
    response = predict(service, {"event": page_change_event("enwiki", rev_id, rev_id - 1)})
    assert response.status_code == 200, response.text
    assert_prediction(response.json(), rev_id)


def test_event_for_unknown_wiki_is_rejected(service: RunningService) -> None:
    response = predict(service, {"event": page_change_event("nosuchwiki", 10, 9)})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_event"


PRESAVE = {
    "lang": "en",
    "id": -1,
    "bytes": 120,
    "comment": "added a fact",
    "text": "'''Alpha''' is a letter.<ref>Source</ref> It is [[Greek]].",
    "timestamp": "2026-11-22T10:00:00Z",
    "tags": ["visualeditor"],
    "user": {"id": 0},
    "page": {"id": 7, "title": "Alpha", "first_edit_timestamp": "2020-01-01T00:00:00Z"},
    "parent": {
        "id": 41,
        "bytes": 60,
        "comment": "start",
        "text": "'''Alpha''' is a letter.",
        "timestamp": "2026-11-20T10:00:00Z",
        "tags": [],
    },
}


def test_presave_scoring_when_enabled(local_wiki, tmp_path: Path) -> None:
    env = {"WIKI_URL": local_wiki.base_url, "MODELS": LA, "ENABLE_PRESAVE": "true"}
    with run_service(env, tmp_path) as running:
        response = predict(running, {"revision_data": PRESAVE})
        assert response.status_code == 200, response.text
        assert_prediction(response.json(), -1)
        bad = predict(running, {"revision_data": {**PRESAVE, "bytes": "lots"}})
        assert bad.status_code == 400
        assert bad.json()["code"] == "invalid_request"


def test_model_card_and_threshold_query_over_http(service: RunningService) -> None:
    info = httpx.get(f"{service.base_url}/v1/models/{LA}/info")
    assert info.status_code == 200, info.text
    card = info.json()
    assert card["name"] == LA
    assert card["features"]
    query = "maximum recall @ precision >= 0.5"
    answer = httpx.get(f"{service.base_url}/v1/models/{LA}/thresholds", params={"query": query})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["query"] == query
    assert body["threshold"] is None or body["threshold"]["precision"] >= 0.5
    bad = httpx.get(f"{service.base_url}/v1/models/{LA}/thresholds", params={"query": "best f1"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_threshold_query"
    missing = httpx.get(f"{service.base_url}/v1/models/nope/info")
    assert missing.status_code == 404
    assert missing.json()["code"] == "model_not_found"


def test_slow_mediawiki_is_504_and_a_flaky_one_is_retried(tmp_path: Path) -> None:
    from revertrisk_devtools.flaky_api import running, slow, unavailable

    with running() as api:
        env = {
            "WIKI_URL": api.url,
            "MODELS": LA,
            "HTTP_TIMEOUT_S": "0.3",
            "MEDIAWIKI_DEADLINE_S": "4",
            "MEDIAWIKI_MAX_RETRIES": "2",
        }
        with run_service(env, tmp_path) as running_service:
            # One slow answer per attempt: the first try and both retries time out.
            api.push(*[slow(2.0)] * 3)
            response = predict(running_service, {"lang": "en", "rev_id": 5001})
            assert response.status_code == 504, response.text
            assert response.json()["code"] == "mediawiki_timeout"
            api.push(unavailable(503))
            recovered = predict(running_service, {"lang": "en", "rev_id": 5002})
            assert recovered.status_code == 200, recovered.text
            assert recovered.json()["revision_id"] == 5002
