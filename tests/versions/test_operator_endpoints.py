"""Promotion and rollback over HTTP are an operator's acts: off without operator tokens, never
open, never reachable with a feedback token; behind the same gate as the command."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from support.model_versions import SHIPPED, SHIPPED_VERSION, decided_edits

from revertrisk_service.feedback.tokens import FeedbackTokens, hash_token
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
from revertrisk_service.models.installed_versions import ModelRegistry
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore
from revertrisk_service.versions.aliases import FileAliasStore
from revertrisk_service.versions.catalog import ModelVersions
from revertrisk_service.versions.operator_routes import build_operator_router, operator_tokens

PROMOTE = f"/v1/models/{LANGUAGE_AGNOSTIC}/promote"
ROLLBACK = f"/v1/models/{LANGUAGE_AGNOSTIC}/rollback"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def served(tmp_path: Path, retrained: Path):
    versions = ModelVersions(ModelRegistry(tmp_path), FileAliasStore(tmp_path))
    versions.ensure_champion(LANGUAGE_AGNOSTIC, SHIPPED)
    candidate = versions.install(LANGUAGE_AGNOSTIC, retrained)
    versions.set_challenger(LANGUAGE_AGNOSTIC, candidate, by="ops")
    store = SqlOutcomeStore.from_url(f"sqlite:///{tmp_path / 'outcomes.sqlite3'}", 5.0)
    operators = tmp_path / "operators"
    operators.write_text(f"alice {hash_token('op-secret')}\nshared {hash_token('both')}\n")
    feedback = tmp_path / "feedback"
    feedback.write_text(f"huggle {hash_token('fb-secret')}\nmistake {hash_token('both')}\n")

    def client(with_tokens: bool = True) -> TestClient:
        app = FastAPI()
        app.include_router(
            build_operator_router(
                versions, store, operator_tokens(operators) if with_tokens else None,
                FeedbackTokens(feedback), [LANGUAGE_AGNOSTIC], 10_000,
            )
        )  # fmt: skip
        return TestClient(app)

    yield client, versions, store, candidate
    store.close()


@pytest.mark.e2e  # trains the second version once per session
def test_only_an_operator_token_reaches_the_gate(served) -> None:
    client, versions, store, candidate = served
    decided_edits(store, SHIPPED_VERSION, noise=0.15, shadow=False)
    decided_edits(store, candidate, noise=0.45, shadow=True)
    http = client()
    body = {"version": candidate}
    for headers in ({}, bearer("fb-secret"), bearer("both"), bearer("guess")):
        answer = http.post(PROMOTE, json=body, headers=headers)
        assert answer.status_code == 401 and answer.json()["code"] == "unauthorized"
    assert http.post(ROLLBACK, headers=bearer("fb-secret")).status_code == 401
    off = client(with_tokens=False).post(PROMOTE, json=body, headers=bearer("op-secret"))
    assert off.status_code == 404 and off.json()["code"] == "feature_disabled"
    bad = http.post(PROMOTE, json={"version": candidate, "force": "maybe"},
                    headers=bearer("op-secret"))  # fmt: skip
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_request"

    refused = http.post(PROMOTE, json=body, headers=bearer("op-secret"))
    assert refused.status_code == 409 and refused.json()["code"] == "promotion_refused"
    assert versions.aliases(LANGUAGE_AGNOSTIC).champion == SHIPPED_VERSION
    unreasoned = http.post(PROMOTE, json={**body, "force": True}, headers=bearer("op-secret"))
    assert unreasoned.status_code == 400 and unreasoned.json()["code"] == "reason_required"

    forced = http.post(PROMOTE, json={**body, "force": True, "reason": "drill"},
                       headers=bearer("op-secret"))  # fmt: skip
    assert forced.status_code == 200, forced.text
    assert forced.json()["champion"] == candidate and forced.json()["forced"] is True
    act = versions.history(LANGUAGE_AGNOSTIC)[-1]
    assert (act.by, act.forced, act.reason) == ("alice", True, "drill")

    back = http.post(ROLLBACK, json={"reason": "drill over"}, headers=bearer("op-secret"))
    assert back.status_code == 200 and back.json()["champion"] == SHIPPED_VERSION
    nothing_more = versions.history(LANGUAGE_AGNOSTIC)[-1]
    assert (nothing_more.act, nothing_more.reason) == ("rollback", "drill over")
