"""The transparency endpoints over real HTTP: a FastAPI app under uvicorn on a loopback port."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import uvicorn
from fastapi import FastAPI

from revertrisk_devtools.ports import free_port
from revertrisk_service.evaluation.report import evaluate_predictions
from revertrisk_service.evaluation.thresholds import compute_threshold_table, save_threshold_table
from revertrisk_service.locations import EVALUATION_JSON
from revertrisk_service.transparency.routes import build_transparency_router
from revertrisk_service.transparency.threshold_query import answer_threshold_query
from revertrisk_service.transparency.threshold_table import load_threshold_table


def _write_manifest(model_dir: Path, name: str) -> None:
    model_dir.mkdir(parents=True)
    manifest = {
        "name": name,
        "version": "1.2.3",
        "features": ["user_is_anonymous", "bytes_diff"],
        "training_data": {"file": "sample.csv"},
        "metrics": {},
        "library_versions": {"numpy": "2"},
    }
    (model_dir / "model.json").write_text(json.dumps(manifest))


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("models")
    rng = np.random.default_rng(11)
    labels = (rng.random(200) < 0.2).astype(int)
    scores = np.clip(0.4 * labels + rng.random(200) * 0.6, 0, 1)
    evaluated = root / "evaluated"
    _write_manifest(evaluated, "evaluated")
    report = evaluate_predictions(
        labels, scores, ["enwiki"] * 200, rng.random(200) < 0.3, resamples=50
    )
    (evaluated / EVALUATION_JSON).write_text(json.dumps(report))
    save_threshold_table(compute_threshold_table(labels, scores), evaluated)
    _write_manifest(root / "fresh", "fresh")
    (root / "broken").mkdir()
    return {"evaluated": evaluated, "fresh": root / "fresh", "broken": root / "broken"}


@pytest.fixture(scope="module")
def base_url(model_dirs) -> Iterator[str]:
    app = FastAPI()
    app.include_router(build_transparency_router(model_dirs))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture()
def client(base_url) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10) as http:
        yield http


def test_info_returns_the_model_card(client):
    response = client.get("/v1/models/evaluated/info")
    assert response.status_code == 200
    card = response.json()
    assert card["name"] == "evaluated" and card["version"] == "1.2.3"
    assert card["features"] == ["user_is_anonymous", "bytes_diff"]
    assert card["evaluation"]["roc_auc"]["value"] > 0.5
    assert any("automatically" in line for line in card["do_not_use"])
    assert card["plots"]["pr_curve"] == "plots/pr_curve.png"


def test_info_without_evaluation_still_answers_from_the_manifest(client):
    card = client.get("/v1/models/fresh/info").json()
    assert card["name"] == "fresh" and card["evaluation"] is None and card["evaluation_status"]


@pytest.mark.parametrize("path", ["/v1/models/nope/info", "/v1/models/nope/thresholds"])
def test_unknown_model_is_404_json(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "model_not_found" and response.json()["error"]


def test_missing_manifest_is_json_error_not_traceback(client):
    response = client.get("/v1/models/broken/info")
    assert response.status_code == 500
    assert response.json()["code"] == "model_artifact_error"


def test_threshold_query_answer(client, model_dirs):
    query = "maximum recall @ precision >= 0.9"
    response = client.get("/v1/models/evaluated/thresholds", params={"query": query})
    assert response.status_code == 200
    body = response.json()
    assert body["model_name"] == "evaluated" and body["model_version"] == "1.2.3"
    assert body["query"] == query
    expected = answer_threshold_query(
        load_threshold_table(model_dirs["evaluated"] / "thresholds.json"), query
    )
    assert body["threshold"] == expected
    assert body["threshold"]["precision"] >= 0.9


def test_unsatisfiable_query_answers_null(client):
    body = client.get(
        "/v1/models/evaluated/thresholds", params={"query": "maximum recall @ fpr <= -1"}
    ).json()
    assert body["threshold"] is None


def test_malformed_query_is_400_with_grammar(client):
    response = client.get("/v1/models/evaluated/thresholds", params={"query": "best recall please"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_threshold_query"
    assert "(maximum|minimum)" in body["error"] and "precision" in body["error"]


def test_whole_table_without_query(client):
    body = client.get("/v1/models/evaluated/thresholds").json()
    assert body["model_name"] == "evaluated"
    assert len(body["columns"]["threshold"]) == 1001 and body["n"] == 200


def test_thresholds_of_unevaluated_model(client):
    response = client.get(
        "/v1/models/fresh/thresholds", params={"query": "maximum recall @ precision >= 0.9"}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "evaluation_not_available"


@pytest.mark.parametrize("name", ["revertrisk-language-agnostic", "revertrisk-multilingual"])
def test_each_shipped_card_says_what_the_model_is(name):
    from revertrisk_service.evaluation.model_card import render_model_card_markdown
    from revertrisk_service.locations import ARTIFACTS_DIR
    from revertrisk_service.transparency.model_card import build_model_card

    model_dir = ARTIFACTS_DIR / name
    manifest = json.loads((model_dir / "model.json").read_text())
    card = build_model_card(manifest, json.loads((model_dir / EVALUATION_JSON).read_text()))
    assert card["description"].startswith("The probability that an edit")
    # The shipped MODEL_CARD.md opens with the same words.
    rendered = render_model_card_markdown(card).split("\n\n")[1]
    assert rendered == card["description"]
    assert (model_dir / "MODEL_CARD.md").read_text().split("\n\n")[1] == rendered
