"""The promotion gate on decided live edits kept in the outcome store: it refuses a worse
challenger and accepts a better one; `--force` needs a reason, which is recorded; rollback is
one command. Run through the `revertrisk models` command, as an operator would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.model_versions import EDITS, SHIPPED, SHIPPED_VERSION, decided_edits
from typer.testing import CliRunner

from revertrisk_service.cli import app
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
from revertrisk_service.models.installed_versions import ModelRegistry
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore
from revertrisk_service.versions.aliases import FileAliasStore
from revertrisk_service.versions.catalog import ModelVersions


@pytest.fixture
def environment(tmp_path: Path, retrained: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    registry = tmp_path / "registry"
    database = f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    monkeypatch.setenv("MODEL_REGISTRY_DIR", str(registry))
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", database)
    monkeypatch.setenv("OPERATOR", "ops-alice")
    monkeypatch.delenv("REDIS_URL", raising=False)
    versions = ModelVersions(ModelRegistry(registry), FileAliasStore(registry))
    versions.ensure_champion(LANGUAGE_AGNOSTIC, SHIPPED)
    candidate = versions.install(LANGUAGE_AGNOSTIC, retrained)
    versions.set_challenger(LANGUAGE_AGNOSTIC, candidate, by="ops-alice")
    store = SqlOutcomeStore.from_url(database, 5.0)
    return {"versions": versions, "store": store, "candidate": candidate}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.e2e  # trains the second version once per session
def test_the_gate_refuses_a_worse_challenger_unless_forced_with_a_reason(environment: dict) -> None:
    store, versions, candidate = environment["store"], environment["versions"], environment["candidate"]
    decided_edits(store, SHIPPED_VERSION, noise=0.15, shadow=False)
    decided_edits(store, candidate, noise=0.45, shadow=True)

    code, out, _ = run("models", "compare", LANGUAGE_AGNOSTIC, "--json")
    body = json.loads(out)
    assert code == 1 and not body["passed"]
    assert body["paired"] == EDITS
    checks = {c["name"]: c["passed"] for c in body["checks"]}
    assert checks["evidence"] and not checks["auc"] and not checks["auc_anonymous"]
    difference = body["figures"]["auc"]["difference"]
    assert difference["value"] < 0 and difference["ci_high"] < 0
    assert set(body["figures"]["caution_levels"]) == {"very-cautious", "cautious", "balanced", "loose"}
    assert set(body["figures"]["disparate_impact"]) == {SHIPPED_VERSION, candidate}

    code, _, err = run("models", "promote", LANGUAGE_AGNOSTIC, candidate)
    assert code == 1 and err.startswith("revertrisk: refused: The gate refuses") and "auc:" in err
    assert versions.aliases(LANGUAGE_AGNOSTIC).champion == SHIPPED_VERSION

    code, _, err = run("models", "promote", LANGUAGE_AGNOSTIC, candidate, "--force")
    assert code == 2 and "--reason" in err and len(err.strip().splitlines()) == 1

    code, out, _ = run("models", "promote", LANGUAGE_AGNOSTIC, candidate, "--force",
                       "--reason", "outage drill", "--json")  # fmt: skip
    assert code == 0 and json.loads(out)["forced"] is True
    act = versions.history(LANGUAGE_AGNOSTIC)[-1]
    assert (act.act, act.version, act.by, act.forced, act.reason) == (
        "promote", candidate, "ops-alice", True, "outage drill"
    )
    assert act.gate is not None and act.gate["passed"] is False

    code, out, _ = run("models", "rollback", LANGUAGE_AGNOSTIC, "--json")
    assert code == 0 and json.loads(out)["champion"] == SHIPPED_VERSION
    store.close()


@pytest.mark.e2e
def test_the_gate_accepts_a_better_challenger(environment: dict) -> None:
    store, versions, candidate = environment["store"], environment["versions"], environment["candidate"]
    decided_edits(store, SHIPPED_VERSION, noise=0.45, shadow=False)
    decided_edits(store, candidate, noise=0.15, shadow=True)

    code, out, _ = run("models", "compare", LANGUAGE_AGNOSTIC)  # the terminal's tables
    assert code == 0 and "the gate passes" in out and "AUC" in out

    code, out, _ = run("models", "promote", LANGUAGE_AGNOSTIC, candidate, "--json")
    body = json.loads(out)
    assert code == 0 and body["forced"] is False and body["gate"]["passed"] is True
    assert (body["champion"], body["challenger"]) == (candidate, None)
    act = versions.history(LANGUAGE_AGNOSTIC)[-1]
    assert (act.act, act.by, act.forced) == ("promote", "ops-alice", False)
    store.close()


def test_without_a_registry_the_commands_say_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODEL_REGISTRY_DIR", raising=False)
    code, _, err = run("models", "rollback", LANGUAGE_AGNOSTIC)
    assert code == 2 and "MODEL_REGISTRY_DIR" in err and len(err.strip().splitlines()) == 1
