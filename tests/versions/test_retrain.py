"""`revertrisk retrain`: a candidate from the feedback export and the observed outcomes (each
decided edit fetched again from a loopback wiki, its label source kept), evaluated, installed
as a complete version and named the challenger."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.model_versions import SHIPPED, SHIPPED_VERSION
from support.training_rows import ki_feedback_export
from typer.testing import CliRunner

from revertrisk_devtools.flaky_api import FlakyApi
from revertrisk_service.cli import app
from revertrisk_service.locations import DEFAULT_DATA_DIR
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
from revertrisk_service.models.installed_versions import ModelRegistry, check_complete
from revertrisk_service.models.manifest import load_manifest
from revertrisk_service.outcomes.records import DecisionSource, Outcome, RecordedScore
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore
from revertrisk_service.training.datasets import KI_FILE
from revertrisk_service.versions.aliases import FileAliasStore
from revertrisk_service.versions.catalog import ModelVersions

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    not (DEFAULT_DATA_DIR / KI_FILE).exists(), reason="shared/data is not present"
)]  # fmt: skip

DECIDED = range(7001, 7061)


def test_retrain_registers_a_candidate_trained_on_feedback_and_outcomes(
    tmp_path: Path, synthetic_wiki: FlakyApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = tmp_path / "registry"
    database = f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    for name, value in {
        "MODEL_REGISTRY_DIR": str(registry), "FEEDBACK_DATABASE_URL": database,
        "WIKI_URL": synthetic_wiki.url, "OPERATOR": "ops-bob",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("REDIS_URL", raising=False)
    versions = ModelVersions(ModelRegistry(registry), FileAliasStore(registry))
    versions.ensure_champion(LANGUAGE_AGNOSTIC, SHIPPED)
    store = SqlOutcomeStore.from_url(database, 5.0)
    now = datetime.now(UTC)
    store.record_scores([
        RecordedScore("enwiki", r, 1, LANGUAGE_AGNOSTIC, SHIPPED_VERSION, 0.5, r % 4 == 0, now)
        for r in DECIDED
    ])  # fmt: skip
    store.record_outcomes([
        Outcome("enwiki", r, r % 3 == 0,
                DecisionSource.SHA1 if r % 3 == 0 else DecisionSource.WINDOW, now)
        for r in DECIDED
    ])  # fmt: skip
    store.close()
    feedback = tmp_path / "feedback"
    ki_feedback_export(feedback)

    runner = CliRunner()
    nothing = runner.invoke(app, ["retrain", LANGUAGE_AGNOSTIC, "--no-outcomes"])
    assert nothing.exit_code == 2 and "Nothing to train" in nothing.stderr
    assert len(nothing.stderr.strip().splitlines()) == 1

    done = runner.invoke(
        app, ["retrain", LANGUAGE_AGNOSTIC, "--feedback-export", str(feedback), "--json"]
    )
    assert done.exit_code == 0, done.stderr
    body = json.loads(done.stdout)
    candidate = body["challenger"]
    aliases = versions.aliases(LANGUAGE_AGNOSTIC)
    assert (aliases.champion, aliases.challenger) == (SHIPPED_VERSION, candidate)
    artifact = versions.registry.artifact_dir(LANGUAGE_AGNOSTIC, candidate)
    assert check_complete(artifact).version == candidate
    outcomes = next(s for s in body["sources"] if s.get("kind") == "outcomes")
    assert outcomes["rows"] == len(DECIDED)
    assert outcomes["label_sources"] == {"sha1": 20, "window": 40}
    kinds = [s["kind"] for s in load_manifest(artifact).training_data["sources"]]
    assert sorted(kinds) == ["feedback", "outcomes"]
    act = versions.history(LANGUAGE_AGNOSTIC)[-1]
    assert (act.act, act.version, act.by) == ("challenger", candidate, "ops-bob")
