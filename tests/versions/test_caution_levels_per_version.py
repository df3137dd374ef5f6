"""A client asks for a caution level, not a number: each version answers its own threshold for
the level, which meets the level's precision on that version's own evaluation set; once enough
of its live edits are decided, the threshold comes from those outcomes (and says so)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from support.model_versions import SHIPPED, SHIPPED_VERSION, registry_with

from revertrisk_service.config import Settings
from revertrisk_service.locations import PREDICTIONS_FILE
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
from revertrisk_service.outcomes.records import DecisionSource, Outcome, RecordedScore
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore
from revertrisk_service.scoring.prediction import prediction_body
from revertrisk_service.scoring.scoring_pool import ThreadScoring
from revertrisk_service.transparency.caution_flags import CautionFlags
from revertrisk_service.transparency.caution_levels import CAUTION_LEVELS
from revertrisk_service.transparency.routes import build_transparency_router
from revertrisk_service.versions.caution import observed_levels
from revertrisk_service.versions.wiring import (
    ChampionDirs,
    start_live_versions,
    version_dirs,
)

PATH = f"/v1/models/{LANGUAGE_AGNOSTIC}/thresholds"


def client_for(router) -> TestClient:
    app = FastAPI()
    app.include_router(router)
    return TestClient(app)


def precision_on_own_evaluation(artifact: Path, threshold: float) -> float:
    frame = pd.read_csv(artifact / PREDICTIONS_FILE)
    flagged = frame[frame["score"] >= threshold]
    return float(flagged["label"].mean())


def check_levels(client: TestClient, artifact: Path, version: str) -> list[float | None]:
    thresholds = []
    for level in CAUTION_LEVELS:
        response = client.get(PATH, params={"level": level.name})
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["model_version"], body["level"]) == (version, level.name)
        assert body["basis"]["source"] == "evaluation"
        if body["threshold"] is not None:
            achieved = precision_on_own_evaluation(artifact, body["threshold"])
            assert achieved >= level.min_precision - 1e-9, (level.name, achieved)
            assert body["basis"]["precision"] == pytest.approx(achieved)
        thresholds.append(body["threshold"])
    return thresholds


def test_the_shipped_model_answers_levels_without_a_registry() -> None:
    client = client_for(build_transparency_router({LANGUAGE_AGNOSTIC: SHIPPED}))
    thresholds = check_levels(client, SHIPPED, SHIPPED_VERSION)
    assert any(t is not None for t in thresholds)
    bad = client.get(PATH, params={"level": "reckless"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_caution_level"
    assert "very-cautious, cautious, balanced, loose" in bad.json()["error"]
    both = client.get(PATH, params={"level": "cautious", "query": "maximum recall @ precision >= 0.9"})
    assert both.status_code == 400 and both.json()["code"] == "invalid_caution_level"


@pytest.mark.e2e  # trains the second version once per session
def test_each_version_meets_each_level_on_its_own_evaluation_set(
    tmp_path: Path, retrained: Path
) -> None:
    settings, versions, candidate = registry_with(retrained, model_registry_dir=tmp_path)
    runner = ThreadScoring(1)
    try:
        live = start_live_versions(versions, settings, runner)
        client = client_for(build_transparency_router(ChampionDirs(live)))
        shipped = check_levels(client, SHIPPED, SHIPPED_VERSION)
        versions.promote(LANGUAGE_AGNOSTIC, candidate, by="tests")
        live.refresh()
        promoted = check_levels(client, retrained, candidate)
    finally:
        runner.close()
    # The same words, each version's own numbers.
    assert shipped != promoted


def test_enough_decided_edits_give_the_level_from_observed_outcomes(tmp_path: Path) -> None:
    store = SqlOutcomeStore.from_url(f"sqlite:///{tmp_path / 'outcomes.sqlite3'}", 5.0)
    rng = np.random.default_rng(3)
    reverted = rng.random(400) < 0.3
    scores = np.clip(np.where(reverted, 0.8, 0.2) + rng.normal(0, 0.2, 400), 0, 1)
    now = datetime.now(UTC)
    store.record_scores([
        RecordedScore("enwiki", i, 1, LANGUAGE_AGNOSTIC, SHIPPED_VERSION, float(s), False, now)
        for i, s in enumerate(scores)
    ])  # fmt: skip
    store.record_outcomes(
        [Outcome("enwiki", i, bool(r), DecisionSource.SHA1, now) for i, r in enumerate(reverted)]
    )
    client = client_for(
        build_transparency_router(
            {LANGUAGE_AGNOSTIC: SHIPPED},
            observed_level=observed_levels(store, min_decided=300, min_reverted=50),
        )
    )
    body = client.get(PATH, params={"level": "balanced"}).json()
    assert body["basis"]["source"] == "observed" and body["basis"]["n"] == 400
    assert body["basis"]["positives"] == int(reverted.sum())
    flagged = scores >= body["threshold"]
    assert reverted[flagged].mean() >= 0.90
    # Fewer decided edits than the minimum: the evaluation answers.
    fewer = client_for(
        build_transparency_router(
            {LANGUAGE_AGNOSTIC: SHIPPED},
            observed_level=observed_levels(store, min_decided=401, min_reverted=50),
        )
    )
    assert fewer.get(PATH, params={"level": "balanced"}).json()["basis"]["source"] == "evaluation"
    store.close()


def test_predict_flags_are_the_score_against_the_answering_versions_thresholds() -> None:
    flags = CautionFlags(version_dirs(Settings(), None))
    thresholds = flags.thresholds(LANGUAGE_AGNOSTIC, SHIPPED_VERSION)
    assert thresholds is not None and set(thresholds) == {level.name for level in CAUTION_LEVELS}
    reachable = [t for t in thresholds.values() if t is not None]
    between = (min(reachable) + max(reachable)) / 2 if len(set(reachable)) > 1 else reachable[0]
    for probability in (0.999, between, 0.0):
        body = prediction_body(LANGUAGE_AGNOSTIC, SHIPPED_VERSION, "enwiki", 1, probability)
        shown = flags.flagged(body)["output"]["caution_levels"]
        assert shown == {
            level: None if t is None else body["output"]["probabilities"]["true"] >= t
            for level, t in thresholds.items()
        }
        assert "caution_levels" not in body["output"]  # the shared body is left as it was
    assert any(flags.flagged(prediction_body(
        LANGUAGE_AGNOSTIC, SHIPPED_VERSION, "enwiki", 1, 0.999))["output"]["caution_levels"].values())
    # A version that is not at hand flags nothing rather than guess.
    other = flags.flagged(prediction_body(LANGUAGE_AGNOSTIC, "0.0.0-elsewhere", "enwiki", 1, 0.9))
    assert set(other["output"]["caution_levels"].values()) == {None}
