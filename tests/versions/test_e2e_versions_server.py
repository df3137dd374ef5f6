"""The real `revertrisk serve` with a registry, outcomes on and operator tokens: stream edits are
scored by the champion and shadow-scored by the challenger (both kept, only the champion
answered); an operator promotes over HTTP (refused by the gate without evidence, forced with a
reason), and answers, caution levels and the quality endpoint follow; a rollback returns."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from support.model_versions import SHIPPED, SHIPPED_VERSION

from revertrisk_devtools.flaky_api import FlakyApi
from revertrisk_devtools.service_process import run_service
from revertrisk_service.feedback.tokens import hash_token
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
from revertrisk_service.models.installed_versions import ModelRegistry
from revertrisk_service.outcomes.records import DecisionSource, Outcome
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore
from revertrisk_service.scored_edits import ORIGIN_HEADER
from revertrisk_service.transparency.presets import preset_thresholds
from revertrisk_service.transparency.routes import ModelFiles
from revertrisk_service.versions.aliases import FileAliasStore
from revertrisk_service.versions.catalog import ModelVersions

pytestmark = pytest.mark.e2e

MODEL = f"/v1/models/{LANGUAGE_AGNOSTIC}"
OPERATOR = {"Authorization": "Bearer op-secret"}
REVISIONS = range(9001, 9007)


def eventually(check, timeout_s: float = 5.0):
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_a_served_loop_of_shadow_scoring_promotion_and_rollback(
    tmp_path: Path, synthetic_wiki: FlakyApi, retrained: Path
) -> None:
    registry = tmp_path / "registry"
    versions = ModelVersions(ModelRegistry(registry), FileAliasStore(registry))
    versions.ensure_champion(LANGUAGE_AGNOSTIC, SHIPPED)
    candidate = versions.install(LANGUAGE_AGNOSTIC, retrained)
    versions.set_challenger(LANGUAGE_AGNOSTIC, candidate, by="ops")
    database = f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    operators = tmp_path / "operators"
    operators.write_text(f"alice {hash_token('op-secret')}\n")
    feedback = tmp_path / "feedback-tokens"
    feedback.write_text(f"huggle {hash_token('fb-secret')}\n")
    env = {
        "WIKI_URL": synthetic_wiki.url, "MODELS": LANGUAGE_AGNOSTIC,
        "MODEL_REGISTRY_DIR": str(registry), "VERSION_POLL_S": "0.3", "SCORING_PROCESSES": "0",
        "OUTCOMES_ENABLED": "true",
        "FEEDBACK_DATABASE_URL": database, "OPERATOR_TOKENS_FILE": str(operators),
        "FEEDBACK_TOKENS_FILE": str(feedback), "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    with run_service(env, tmp_path) as service, httpx.Client(
        base_url=service.base_url, timeout=30
    ) as http:
        for rev in REVISIONS:  # as the precacher posts stream edits
            answer = http.post(f"{MODEL}:predict", json={"lang": "en", "rev_id": rev},
                               headers={ORIGIN_HEADER: "precache"})  # fmt: skip
            assert answer.status_code == 200 and answer.json()["model_version"] == SHIPPED_VERSION
        store = SqlOutcomeStore.from_url(database, 5.0)

        def both_recorded() -> bool:
            with store.engine.connect() as connection:
                rows = connection.exec_driver_sql(
                    "SELECT model_version, shadow FROM outcome_scores"
                ).fetchall()
            kept = {(v, bool(s)) for v, s in rows}
            return len(rows) == 2 * len(REVISIONS) and kept == {
                (SHIPPED_VERSION, False), (candidate, True)
            }

        assert eventually(both_recorded)
        now = datetime.now(UTC)
        store.record_outcomes(
            [Outcome("enwiki", r, r % 2 == 0, DecisionSource.SHA1, now) for r in REVISIONS]
        )
        quality = http.get(f"{MODEL}/quality").json()
        assert {v["version"] for v in quality["versions"]} >= {SHIPPED_VERSION, candidate}

        assert http.post(f"{MODEL}/promote", json={"version": candidate},
                         headers={"Authorization": "Bearer fb-secret"}).status_code == 401
        refused = http.post(f"{MODEL}/promote", json={"version": candidate}, headers=OPERATOR)
        assert refused.status_code == 409 and "evidence" in refused.json()["error"]
        forced = http.post(f"{MODEL}/promote", headers=OPERATOR,
                           json={"version": candidate, "force": True, "reason": "e2e drill"})
        assert forced.status_code == 200, forced.text

        def serving(version: str) -> bool:
            """Answers, caution levels, the card's observed-in-use section and the patrol
            page's presets all name the version serving, and read its thresholds."""
            answer = http.post(f"{MODEL}:predict", json={"lang": "en", "rev_id": 9001}).json()
            level = http.get(f"{MODEL}/thresholds", params={"level": "balanced"}).json()
            observed = http.get(f"{MODEL}/info").json()["observed_in_use"]
            presets = http.get("/patrol/presets").json()["models"][LANGUAGE_AGNOSTIC]
            thresholds = {p["name"]: p["threshold"] for p in presets["presets"]}
            own = versions.registry.artifact_dir(LANGUAGE_AGNOSTIC, version) / "thresholds.json"
            return (
                answer["model_version"] == version and level["model_version"] == version
                and observed["model_version"] == version and presets["version"] == version
                and thresholds == preset_thresholds(ModelFiles(own.parent))
            )  # fmt: skip

        assert eventually(lambda: serving(candidate))
        check_caution_flags(http, candidate)
        bad = http.post(f"{MODEL}:predict", json={"lang": "en", "rev_id": 9001,
                                                  "caution_levels": "yes"})  # fmt: skip
        assert bad.status_code == 400 and bad.json()["code"] == "invalid_caution_level"
        info = http.get("/metrics").text
        assert f'revertrisk_model_info{{model="{LANGUAGE_AGNOSTIC}",version="{candidate}"}} 1.0' in info

        back = http.post(f"{MODEL}/rollback", headers=OPERATOR, json={"reason": "drill over"})
        assert back.status_code == 200
        assert eventually(lambda: serving(SHIPPED_VERSION))
        store.close()
    acts = [(a.act, a.by, a.forced) for a in versions.history(LANGUAGE_AGNOSTIC)[-2:]]
    assert acts == [("promote", "alice", True), ("rollback", "alice", False)]


def check_caution_flags(http: httpx.Client, version: str) -> None:
    """Each flag is the score against the answering version's own threshold for the level."""
    thresholds = {
        level: http.get(f"{MODEL}/thresholds", params={"level": level}).json()
        for level in ("very-cautious", "cautious", "balanced", "loose")
    }
    assert {t["model_version"] for t in thresholds.values()} == {version}
    for rev in REVISIONS:
        body = http.post(f"{MODEL}:predict",
                         json={"lang": "en", "rev_id": rev, "caution_levels": True}).json()
        assert body["model_version"] == version
        probability = body["output"]["probabilities"]["true"]
        flags = body["output"]["caution_levels"]
        for level, answer in thresholds.items():
            expected = None if answer["threshold"] is None else probability >= answer["threshold"]
            assert flags[level] == expected, (level, probability, answer)
        plain = http.post(f"{MODEL}:predict", json={"lang": "en", "rev_id": rev}).json()
        assert "caution_levels" not in plain["output"]
