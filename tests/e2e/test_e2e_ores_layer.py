"""The ORES v3 endpoints over HTTP: listing, batches, single revisions, model_info, errors, and
the shared cache behind them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from revertrisk_devtools.service_process import RunningService, run_service

pytestmark = pytest.mark.e2e

LA = "revertrisk-language-agnostic"
ML = "revertrisk-multilingual"


@pytest.fixture(scope="module")
def service(local_wiki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    # Both models, and a batch limit below ORES's 50 so that requests are split.
    env = {"WIKI_URL": local_wiki.base_url, "MODELS": f"{LA},{ML}", "MAX_BATCH_SIZE": "4"}
    # Both models load in every scoring process before the service is ready (as in the golden
    # responses' test): a shared, busy CI machine needs more than the default 90 s.
    with run_service(env, tmp_path_factory.mktemp("ores"), ready_timeout_s=180) as running:
        yield running


def get(service: RunningService, path: str, **params: str) -> httpx.Response:
    return httpx.get(f"{service.base_url}{path}", params=params, timeout=60)


def test_listing_names_every_context_and_its_models(service: RunningService) -> None:
    listing = get(service, "/v3/scores/").json()
    assert set(listing["enwiki"]["models"]) == {LA, ML, "reverted"}
    # The multilingual model serves the 47 largest Wikipedias only.
    small = next(w for w, body in listing.items() if ML not in body["models"])
    assert set(listing[small]["models"]) == {LA, "reverted"}
    assert listing["enwiki"]["models"]["reverted"] == listing["enwiki"]["models"][LA]


def test_batch_of_models_and_revisions(service: RunningService, local_wiki) -> None:
    revs = local_wiki.revs
    ids = [revs[k] for k in ("registered_edit", "anonymous_edit", "bot_edit", "sysop_edit",
                             "minor_edit", "missing")]
    response = get(
        service, "/v3/scores/enwiki/", models=f"reverted|{ML}", revids="|".join(map(str, ids))
    )
    assert response.status_code == 200, response.text
    body = response.json()["enwiki"]
    assert set(body["models"]) == {"reverted", ML}
    assert list(body["scores"]) == [str(i) for i in ids]
    for rev_id in ids[:-1]:
        for model in ("reverted", ML):
            probability = body["scores"][str(rev_id)][model]["score"]["probability"]
            assert probability["true"] + probability["false"] == pytest.approx(1.0, abs=1e-5)
    assert body["scores"][str(revs["missing"])][ML]["error"]["type"] == "RevisionNotFound"


def test_post_takes_the_same_parameters(service: RunningService, local_wiki) -> None:
    rev_id = local_wiki.revs["registered_edit"]
    as_get = get(service, "/v3/scores/enwiki/", models="reverted", revids=str(rev_id)).json()
    form = httpx.post(
        f"{service.base_url}/v3/scores/enwiki/", data={"models": "reverted", "revids": str(rev_id)}
    )
    as_json = httpx.post(
        f"{service.base_url}/v3/scores/enwiki/", json={"models": ["reverted"], "revids": [rev_id]}
    )
    assert form.json() == as_get == as_json.json()


def test_single_revision_paths(service: RunningService, local_wiki) -> None:
    rev_id = local_wiki.revs["anonymous_edit"]
    everything = get(service, f"/v3/scores/enwiki/{rev_id}/").json()["enwiki"]
    assert set(everything["scores"][str(rev_id)]) == {LA, ML, "reverted"}
    one = get(service, f"/v3/scores/enwiki/{rev_id}/reverted/").json()["enwiki"]
    assert one["scores"] == {str(rev_id): {"reverted": everything["scores"][str(rev_id)][LA]}}


def test_model_info_answers_threshold_queries(service: RunningService) -> None:
    query = "maximum recall @ precision >= 0.9"
    body = get(
        service,
        "/v3/scores/enwiki/",
        models="reverted",
        model_info=f"version|type|statistics.thresholds.true.\"{query}\"",
    ).json()["enwiki"]
    info = body["models"]["reverted"]
    thresholds = httpx.get(
        f"{service.base_url}/v1/models/{LA}/thresholds", params={"query": query}
    ).json()
    assert info["statistics"]["thresholds"]["true"] == [thresholds["threshold"]]
    assert info["version"] == thresholds["model_version"]
    assert info["type"]
    assert "scores" not in body


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/v3/scores/nosuchwiki/", {"revids": "1"}, 404, "No scorers available for nosuchwiki"),
        ("/v3/scores/enwiki/", {"models": "damaging", "revids": "1"}, 404, "not available"),
        ("/v3/scores/enwiki/", {"revids": "12|x"}, 400, "Could not interpret revid"),
        ("/v3/scores/enwiki/", {"revids": "|".join(map(str, range(1, 52)))}, 400, "Too many"),
        ("/v3/scores/enwiki/abc/", {}, 400, "Could not interpret revid"),
        ("/v3/scores/enwiki/", {"model_info": "features"}, 400, "Unknown model_info"),
        ("/v3/scores/", {"model_info": "statistics.thresholds.true.'best'"}, 400, "threshold"),
    ],
)
def test_request_errors_use_ores_statuses_and_shape(
    service: RunningService, path: str, params: dict, status: int, message: str
) -> None:
    response = get(service, path, **params)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == {400: "bad request", 404: "not found"}[status]
    assert message in error["message"]


def test_ores_requests_share_the_cache(service: RunningService, local_wiki) -> None:
    rev_id = local_wiki.revs["identity_revert"]
    assert get(service, "/v3/scores/enwiki/", models="reverted", revids=str(rev_id)).status_code == 200
    again = httpx.post(
        f"{service.base_url}/v1/models/{LA}:predict", json={"lang": "en", "rev_id": rev_id}
    )
    assert again.headers["X-Cache"] == "hit"


def test_unsupported_context_for_one_model(service: RunningService) -> None:
    listing = get(service, "/v3/scores/").json()
    small = next(w for w, body in listing.items() if ML not in body["models"])
    response = get(service, f"/v3/scores/{small}/", models=ML, revids="1")
    assert response.status_code == 404
    assert "not available" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "application/json"]
)
def test_post_body_past_the_limit_is_refused(service: RunningService, content_type: str) -> None:
    # MAX_BODY_BYTES defaults to 1,000,000: the ORES POST route refuses past it as :predict does.
    padding = "x" * 1_000_100
    content = (
        f"revids=1&pad={padding}"
        if content_type.endswith("urlencoded")
        else f'{{"revids": "1", "pad": "{padding}"}}'
    )
    response = httpx.post(
        f"{service.base_url}/v3/scores/enwiki/",
        content=content.encode(),
        headers={"content-type": content_type},
        timeout=60,
    )
    assert response.status_code == 413, response.text
    error = response.json()["error"]
    assert error["code"] == "payload too large"
    assert "1000000" in error["message"]
