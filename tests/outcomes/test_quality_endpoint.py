"""GET /v1/models/<name>/quality and its reliability plot over a real SQLite outcome store: the
figures per version with their counts, the filters, every bad value's one-line 400, and the
gauges."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sklearn.metrics import roc_auc_score

from revertrisk_devtools.ports import free_port
from revertrisk_service.outcomes.quality_gauges import refresh_gauges
from revertrisk_service.outcomes.quality_service import QualityService
from revertrisk_service.outcomes.records import DecisionSource, Outcome, RecordedScore
from revertrisk_service.outcomes.routes import build_quality_router
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore

LA = "revertrisk-language-agnostic"
T0 = datetime(2026, 3, 1, tzinfo=UTC)
# (rev_id, wiki, anonymous, score of version 1, score of version 2, reverted)
EDITS = [
    (1, "enwiki", True, 0.92, 0.97, True),
    (2, "enwiki", True, 0.81, 0.35, False),
    (3, "enwiki", False, 0.40, 0.88, True),
    (4, "enwiki", False, 0.12, 0.05, False),
    (5, "dewiki", False, 0.66, 0.71, True),
    (6, "dewiki", True, 0.30, 0.20, False),
    (7, "dewiki", False, 0.05, 0.10, False),
]


def service(store: SqlOutcomeStore) -> QualityService:
    return QualityService(
        store=store, served_versions={LA: "1"},
        evaluation_thresholds=lambda name, v: {"cautious": 0.9, "loose": 0.5} if v == "1" else None,
        window=timedelta(hours=48), radius=15,
    )


@pytest.fixture
def store(tmp_path: Path) -> SqlOutcomeStore:
    store = SqlOutcomeStore.from_url(f"sqlite:///{tmp_path / 'o.sqlite3'}", 5)
    for rev_id, wiki, anonymous, p1, p2, reverted in EDITS:
        at = T0 + timedelta(hours=rev_id)
        for version, p in (("1", p1), ("2", p2)):
            store.record_score(RecordedScore(wiki, rev_id, 10, LA, version, p, anonymous, at,
                                             shadow=version == "2", saved_at=at))
        store.record_outcome(Outcome(wiki, rev_id, reverted,
                                     DecisionSource.SHA1 if reverted else DecisionSource.WINDOW,
                                     at + timedelta(days=2)))
    # Scored, not decided yet: in no figure.
    store.record_score(RecordedScore("enwiki", 8, 10, LA, "1", 0.5, False, T0, saved_at=T0))
    return store


@pytest.fixture
def client(store: SqlOutcomeStore) -> TestClient:
    app = FastAPI()
    app.include_router(build_quality_router(service(store)))
    return TestClient(app)


def test_each_version_is_measured_on_the_same_decided_edits(client: TestClient) -> None:
    body = client.get(f"/v1/models/{LA}/quality").json()
    assert body["intervals"] == {"auc": "DeLong 95%", "proportions": "Wilson 95%"}
    one, two = body["versions"]
    assert (one["version"], one["serving"], two["version"], two["serving"]) == (
        "1", True, "2", False)
    labels = [e[5] for e in EDITS]
    for version, column in ((one, 3), (two, 4)):
        assert (version["decided"], version["reverted"]) == (7, 3)
        assert version["auc"]["n"] == 7
        assert version["auc"]["value"] == pytest.approx(
            roc_auc_score(labels, [e[column] for e in EDITS]))
        assert sum(b["revert_rate"]["n"] for b in version["calibration"]) == 7
    levels = {row["level"]: row for row in one["caution_levels"]}
    loose = levels["loose"]["at_evaluation_threshold"]
    assert (loose["threshold"], loose["flagged"]) == (0.5, 3)
    assert loose["precision"]["value"] == pytest.approx(2 / 3) and loose["precision"]["n"] == 3
    assert loose["recall"]["value"] == pytest.approx(2 / 3) and loose["recall"]["n"] == 3
    # Version 2 has no evaluation at hand: its evaluation thresholds are unknown, not invented.
    assert all(row["at_evaluation_threshold"]["threshold"] is None
               for row in two["caution_levels"])
    assert {(r["wiki"], r["editor"]): r["decided"] for r in one["breakdown"]} == {
        ("dewiki", "anonymous"): 1, ("dewiki", "registered"): 2,
        ("enwiki", "anonymous"): 2, ("enwiki", "registered"): 2}


def test_filters_narrow_the_edits(client: TestClient) -> None:
    def decided(**params: str) -> list[int]:
        answer = client.get(f"/v1/models/{LA}/quality", params=params)
        assert answer.status_code == 200, answer.text
        return [v["decided"] for v in answer.json()["versions"]]

    assert decided(wiki="dewiki") == [3, 3]
    assert decided(editor="anonymous") == [3, 3]
    assert decided(wiki="enwiki", editor="registered", version="2") == [2]
    assert decided(since="2026-03-01T03:00:00Z", until="2026-03-01T06:00:00Z") == [3, 3]


@pytest.mark.parametrize(("params", "field"), [
    ({"wiki": "nowhere"}, "wiki"),
    ({"editor": "bots"}, "editor"),
    ({"since": "yesterday"}, "since"),
    ({"until": "2026-13-01"}, "until"),
    ({"since": "2026-03-02T00:00:00Z", "until": "2026-03-01T00:00:00Z"}, "since"),
    ({"version": "1/../2"}, "version"),
])
def test_a_bad_filter_is_one_line_with_a_stable_code(
    client: TestClient, params: dict, field: str
) -> None:
    for path in ("quality", "quality/reliability.svg"):
        answer = client.get(f"/v1/models/{LA}/{path}", params=params)
        assert answer.status_code == 400
        body = answer.json()
        assert (body["code"], body["field"]) == ("invalid_quality_query", field)
        assert "\n" not in body["error"]


def test_unknown_model_disabled_outcomes_and_a_database_that_is_down() -> None:
    app = FastAPI()
    app.include_router(build_quality_router(None))
    off = TestClient(app).get(f"/v1/models/{LA}/quality")
    assert (off.status_code, off.json()["code"]) == (404, "feature_disabled")
    down = SqlOutcomeStore.from_url(f"postgresql://u:p@127.0.0.1:{free_port()}/x", 1)
    app = FastAPI()
    app.include_router(build_quality_router(service(down)))
    client = TestClient(app)
    unavailable = client.get(f"/v1/models/{LA}/quality")
    assert (unavailable.status_code, unavailable.json()["code"]) == (503, "outcomes_unavailable")
    other = client.get("/v1/models/other/quality")
    assert (other.status_code, other.json()["code"]) == (404, "model_not_found")


def test_the_reliability_plot_is_svg_with_a_point_per_filled_bucket(client: TestClient) -> None:
    answer = client.get(f"/v1/models/{LA}/quality/reliability.svg", params={"version": "1"})
    assert answer.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(answer.text)
    circles = root.findall("{http://www.w3.org/2000/svg}circle")
    filled = [b for b in client.get(f"/v1/models/{LA}/quality", params={"version": "1"})
              .json()["versions"][0]["calibration"] if b["revert_rate"]["n"]]
    assert len(circles) == len(filled) > 0


def test_gauges_carry_each_figure_with_its_basis(store: SqlOutcomeStore) -> None:
    refresh_gauges(service(store), period=timedelta(days=3650))

    def gauge(name: str, **labels: str) -> float | None:
        return REGISTRY.get_sample_value(name, {"model": LA, **labels})

    everything = {"version": "1", "wiki": "all", "editor": "all"}
    assert gauge("revertrisk_observed_decided_edits", **everything) == 7
    assert gauge("revertrisk_observed_reverted_edits", **everything) == 3
    assert gauge("revertrisk_observed_decided_edits", version="2", wiki="dewiki",
                 editor="anonymous") == 1
    auc = gauge("revertrisk_observed_auc", **everything)
    assert auc == pytest.approx(roc_auc_score([e[5] for e in EDITS], [e[3] for e in EDITS]))
    assert gauge("revertrisk_observed_auc_ci_low", **everything) < auc
    assert gauge("revertrisk_observed_flagged_edits", **everything, level="loose") == 3
    assert gauge("revertrisk_observed_precision", **everything, level="loose") == pytest.approx(
        2 / 3)
