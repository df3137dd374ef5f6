"""Explanations over real HTTP, against the real service (two replicas sharing a real Redis, each
scoring in a worker process) and the real local MediaWiki: additivity for both models against
log-odds computed here independently, batches, the query parameter, refusals, the cache (a second
request, on either replica, fetches nothing), a score cached without an explanation computed again
and counted, and ORES's `?features`."""

from __future__ import annotations

import asyncio
import math
import shutil
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from support.log_odds import catboost_log_odds, xgboost_log_odds

from revertrisk_devtools.redis_server import RedisServer
from revertrisk_devtools.service_process import RunningService, run_service
from revertrisk_service.config import Settings
from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC, MULTILINGUAL
from revertrisk_service.models.language_agnostic.features import feature_matrix, feature_vector
from revertrisk_service.models.language_agnostic.model import LanguageAgnosticModel
from revertrisk_service.models.multilingual.features import CATEGORICAL_FEATURES, feature_frame
from revertrisk_service.models.multilingual.model import MultilingualModel
from revertrisk_service.models.scorer import signals_for
from revertrisk_service.signals import SignalValues
from revertrisk_service.wikis import resolve_lang

pytestmark = pytest.mark.e2e

LA, ML = LANGUAGE_AGNOSTIC, MULTILINGUAL
EDITS = [("en", "registered_edit"), ("en", "anonymous_edit"), ("en", "identity_revert"),
         ("ru", "cyrillic_edit"), ("ar", "arabic_edit")]  # fmt: skip


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture(scope="module")
def replicas(
    local_wiki, redis: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningService, RunningService]]:
    env = {"WIKI_URL": local_wiki.base_url, "MODELS": f"{LA},{ML}", "REDIS_URL": redis.url,
           "SCORING_PROCESSES": "1"}  # fmt: skip
    with (
        run_service(env, tmp_path_factory.mktemp("replica-a")) as a,
        run_service(env, tmp_path_factory.mktemp("replica-b")) as b,
    ):
        yield a, b


@pytest.fixture(scope="module")
def service(replicas: tuple[RunningService, RunningService]) -> RunningService:
    return replicas[0]


@pytest.fixture(scope="module")
def facts(local_wiki, models: dict[str, Any]) -> dict[str, SignalValues]:
    """Each edit's signals, fetched and solved here, apart from the service."""

    async def fetch() -> list[EditContext]:
        client = MediaWikiClient(local_wiki.base_url, "revertrisk-service tests")
        try:
            wanted = [(resolve_lang(lang), local_wiki.revs[kind]) for lang, kind in EDITS]
            return await client.fetch_edits(wanted)  # type: ignore[return-value]
        finally:
            await client.aclose()

    contexts = asyncio.run(fetch())
    assert all(isinstance(c, EditContext) for c in contexts)
    both = list(models.values())
    return {kind: signals_for(c, both) for (_, kind), c in zip(EDITS, contexts, strict=True)}


@pytest.fixture(scope="module")
def models() -> dict[str, Any]:
    return {
        LA: LanguageAgnosticModel.load(Settings().model_dir(LA)),
        ML: MultilingualModel.load(Settings().model_dir(ML)),
    }


def independent(model_name: str, models: dict[str, Any], one: SignalValues) -> tuple[float, dict]:
    """(log-odds, feature values by name) of one edit, computed in this process."""
    model = models[model_name]
    if model_name == LA:
        values = [None if math.isnan(v) else v for v in feature_vector(one)]
        log_odds = xgboost_log_odds(model._booster, feature_matrix([one]))[0]
    else:
        frame = feature_frame([one], None, model.feature_names)
        values = [None if isinstance(v, float) and math.isnan(v) else v for v in frame.iloc[0]]
        log_odds = catboost_log_odds(model._booster, frame, list(CATEGORICAL_FEATURES))[0]
    return log_odds, dict(zip(model.feature_names, values, strict=True))


def predict(service: RunningService, model: str, body: object, **params: str) -> httpx.Response:
    return httpx.post(
        f"{service.base_url}/v1/models/{model}:predict", json=body, params=params, timeout=120
    )


def metric(service: RunningService, name: str, **labels: str) -> float:
    """The sum of a counter's samples whose labels include `labels` (0 when none exist yet)."""
    text = httpx.get(f"{service.base_url}/metrics", timeout=30).text
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def fetches(service: RunningService) -> float:
    return metric(service, "revertrisk_mediawiki_requests_total")


def check_explanation(explanation: dict, log_odds: float, values: dict, top: int) -> None:
    assert set(explanation) == {"base_value", "contributions", "others"}
    shown = explanation["contributions"]
    assert 0 < len(shown) <= top
    sizes = [abs(c["contribution"]) for c in shown]
    assert sizes == sorted(sizes, reverse=True) and all(s > 0 for s in sizes)
    for c in shown:
        assert set(c) == {"signal", "value", "contribution", "description"}
        assert c["value"] == values[c["signal"]] and len(c["description"]) > 10
    total = explanation["base_value"] + math.fsum(c["contribution"] for c in shown)
    assert abs(total + explanation["others"] - log_odds) <= 1e-6


@pytest.mark.parametrize("model_name", [LA, ML])
def test_explanations_add_up_to_each_models_log_odds(
    service: RunningService, local_wiki, facts, models, model_name: str
) -> None:
    for lang, kind in EDITS:
        response = predict(
            service, model_name, {"lang": lang, "rev_id": local_wiki.revs[kind], "explain": True}
        )
        assert response.status_code == 200, response.text
        output = response.json()["output"]
        log_odds, values = independent(model_name, models, facts[kind])
        check_explanation(output["explanation"], log_odds, values, top=10)
        # The served probability is that log-odds' sigmoid, rounded to 6 decimals as always.
        assert abs(output["probabilities"]["true"] - 1 / (1 + math.exp(-log_odds))) <= 1e-6


def test_the_query_parameter_and_explain_top(service: RunningService, local_wiki, facts, models) -> None:
    rev = local_wiki.revs["anonymous_edit"]
    response = predict(service, LA, {"lang": "en", "rev_id": rev}, explain="true", explain_top="2")
    assert response.status_code == 200, response.text
    log_odds, values = independent(LA, models, facts["anonymous_edit"])
    check_explanation(response.json()["output"]["explanation"], log_odds, values, top=2)
    assert len(response.json()["output"]["explanation"]["contributions"]) == 2


def test_batch_explanations(service: RunningService, local_wiki, facts, models) -> None:
    instances = [{"lang": lang, "rev_id": local_wiki.revs[kind]} for lang, kind in EDITS[:3]]
    instances.append({"lang": "en", "rev_id": -4})
    response = predict(service, ML, {"instances": instances, "explain": True, "explain_top": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [e["index"] for e in body["errors"]] == [3]
    assert len(body["predictions"]) == 3
    for (_, kind), prediction in zip(EDITS, body["predictions"], strict=False):
        log_odds, values = independent(ML, models, facts[kind])
        check_explanation(prediction["output"]["explanation"], log_odds, values, top=3)


@pytest.mark.parametrize(
    ("body", "params"),
    [
        ({"explain": "yes"}, {}),
        ({"explain": 1}, {}),
        ({"explain": True, "explain_top": 0}, {}),
        ({"explain": True, "explain_top": 10_000}, {}),
        ({"explain": True, "explain_top": "5"}, {}),
        ({"instances": [{"lang": "en", "rev_id": 1}], "explain": True, "explain_top": -1}, {}),
        ({}, {"explain": "maybe"}),
        ({}, {"explain": "yes"}),
        ({}, {"explain": "1"}),
        ({}, {"explain": "true", "explain_top": "lots"}),
    ],
)
def test_bad_explain_values_are_refused(service: RunningService, body: dict, params: dict) -> None:
    response = predict(service, LA, {"lang": "en", "rev_id": 1, **body}, **params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_explain"
    assert "explain" in response.json()["error"]


def test_cache_keeps_the_explanation_and_recomputes_an_unexplained_score(
    replicas: tuple[RunningService, RunningService], local_wiki
) -> None:
    a, b = replicas
    rev = local_wiki.revs["minor_edit"]
    single = {"lang": "en", "rev_id": rev}
    recomputed = metric(a, "revertrisk_explanations_recomputed_total", model=LA)

    plain = predict(a, LA, single)
    assert plain.headers["X-Cache"] == "miss" and "explanation" not in plain.json()["output"]

    # Cached without an explanation: asking for one computes the score again, and counts it.
    before = fetches(a)
    explained = predict(a, LA, {**single, "explain": True})
    assert explained.status_code == 200 and "explanation" in explained.json()["output"]
    assert fetches(a) > before
    assert metric(a, "revertrisk_explanations_recomputed_total", model=LA) == recomputed + 1
    assert explained.json()["output"]["probabilities"] == plain.json()["output"]["probabilities"]

    # Stored with the score: again on this replica, and on the other one, nothing is fetched.
    before_a, before_b = fetches(a), fetches(b)
    again = predict(a, LA, {**single, "explain": True})
    elsewhere = predict(b, LA, {**single, "explain": True})
    assert again.headers["X-Cache"] == "hit" and elsewhere.headers["X-Cache"] == "hit"
    assert again.content == explained.content and elsewhere.content == explained.content
    assert fetches(a) == before_a and fetches(b) == before_b
    assert metric(a, "revertrisk_explanations_recomputed_total", model=LA) == recomputed + 1

    # Without `explain`, the cached entry (now explained) answers exactly the bytes as before.
    assert predict(b, LA, single).content == plain.content
    assert predict(a, LA, single).content == plain.content


def test_ores_features(service: RunningService, local_wiki, facts, models) -> None:
    rev = local_wiki.revs["identity_revert"]
    url = f"{service.base_url}/v3/scores/enwiki/{rev}/"
    plain = httpx.get(url, timeout=120).json()["enwiki"]["scores"][str(rev)]
    with_features = httpx.get(url + "?features", timeout=120).json()["enwiki"]["scores"][str(rev)]
    assert set(with_features) == set(plain) and {LA, ML} <= set(plain)
    for name, entry in with_features.items():
        assert "features" not in plain[name]
        assert entry["score"] == plain[name]["score"]
        target = {"reverted": LA}.get(name, name)  # the default alias (ores.aliases)
        _, values = independent(target, models, facts["identity_revert"])
        assert entry["features"] == values
    posted = httpx.post(url.replace(f"{rev}/", ""), data={"revids": str(rev), "features": "true"},
                        timeout=120)  # fmt: skip
    assert posted.json()["enwiki"]["scores"][str(rev)][LA]["features"] == with_features[LA]["features"]
