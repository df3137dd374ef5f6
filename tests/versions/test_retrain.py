"""`revertrisk retrain`: a candidate from the feedback export and the observed outcomes (each
decided edit fetched again from a loopback wiki, its label source kept), or from a history
dataset built on Spark, evaluated, installed as a complete version and named the challenger."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.model_versions import SHIPPED, SHIPPED_VERSION
from support.training_rows import ki_feedback_export
from typer.testing import CliRunner

from revertrisk_devtools.flaky_api import FlakyApi
from revertrisk_devtools.history_dump import write_history_dump
from revertrisk_service.cli import app
from revertrisk_service.dataset.options import BuildOptions
from revertrisk_service.dataset.spark_job import build, spark_session
from revertrisk_service.locations import DEFAULT_DATA_DIR
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
from revertrisk_service.models.installed_versions import ModelRegistry, check_complete
from revertrisk_service.models.manifest import load_manifest
from revertrisk_service.outcomes.records import DecisionSource, Outcome, RecordedScore
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore
from revertrisk_service.training.dataset_reader import describe
from revertrisk_service.training.datasets import KI_FILE
from revertrisk_service.versions.aliases import FileAliasStore
from revertrisk_service.versions.catalog import ModelVersions

pytestmark = pytest.mark.e2e
needs_shared_data = pytest.mark.skipif(
    not (DEFAULT_DATA_DIR / KI_FILE).exists(), reason="shared/data is not present"
)

DECIDED = range(7001, 7061)


def registry_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **more: str) -> ModelVersions:
    """A registry whose champion is the shipped model, named by the environment `retrain` reads."""
    registry = tmp_path / "registry"
    for name, value in {"MODEL_REGISTRY_DIR": str(registry), "OPERATOR": "ops-bob", **more}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("REDIS_URL", raising=False)
    versions = ModelVersions(ModelRegistry(registry), FileAliasStore(registry))
    versions.ensure_champion(LANGUAGE_AGNOSTIC, SHIPPED)
    return versions


@needs_shared_data
def test_retrain_registers_a_candidate_trained_on_feedback_and_outcomes(
    tmp_path: Path, synthetic_wiki: FlakyApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    versions = registry_env(
        tmp_path, monkeypatch, FEEDBACK_DATABASE_URL=database, WIKI_URL=synthetic_wiki.url
    )
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


@pytest.mark.slow  # builds the dataset on Spark: about half a minute
def test_retrain_trains_a_candidate_on_a_built_history_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dump = write_history_dump(tmp_path / "history.xml", pages=60, revisions_per_page=8)
    data = tmp_path / "enwiki-generated"
    spark = spark_session("local[1]")
    try:
        build([dump], [], data, BuildOptions(), spark=spark, show_progress=False)
    finally:
        spark.stop()
    built = describe(data)
    versions = registry_env(tmp_path, monkeypatch)

    done = CliRunner().invoke(app, [
        "retrain", LANGUAGE_AGNOSTIC, "--data", str(data), "--no-outcomes", "--json",
    ])  # fmt: skip
    assert done.exit_code == 0, done.stderr
    body = json.loads(done.stdout)
    candidate = body["challenger"]
    assert body["sources"] == [{"dir": str(data)}]
    assert versions.aliases(LANGUAGE_AGNOSTIC).challenger == candidate
    artifact = versions.registry.artifact_dir(LANGUAGE_AGNOSTIC, candidate)
    assert check_complete(artifact).version == candidate
    training_data = load_manifest(artifact).training_data
    (source,) = training_data["sources"]
    assert (source["source"], source["kind"]) == (data.name, "history")
    assert source["rows"] == training_data["rows"] == built["counts"]["rows"]
    assert source["positives"] == built["counts"]["reverted"]
    assert source["counts"] == built["counts"]
