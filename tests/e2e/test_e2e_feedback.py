"""Patroller feedback over real HTTP against the real service (a subprocess), a real local
MediaWiki and a real database: PostgreSQL started by the tests (initdb/pg_ctl in a temporary
folder) and a SQLite file. Every refusal, replacement with history, observed precision in /info
and GET /v1/models/<name>/feedback, 8 writers x 200 judgments through a database restart, a
service restart, and the training export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from sqlalchemy import create_engine, func, select
from support.postgres import LocalPostgres

from revertrisk_devtools.service_process import REPO, RunningService, run_service
from revertrisk_service.feedback.schema import current, judgments
from revertrisk_service.feedback.tokens import hash_token
from revertrisk_service.training.contract import DATASET_METADATA_FILE

pytestmark = pytest.mark.e2e

LA = "revertrisk-language-agnostic"
TOKEN = "patrol-token-for-tests"
OTHER_TOKEN = "huggle-token-for-tests"


def tokens_file(directory: Path) -> Path:
    path = directory / "feedback-tokens"
    path.write_text(f"patrol-page {hash_token(TOKEN)}\nhuggle {hash_token(OTHER_TOKEN)}\n")
    return path


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def service_env(local_wiki, tokens: Path, database_url: str, **extra: str) -> dict[str, str]:
    return {"WIKI_URL": local_wiki.base_url, "MODELS": LA, "SCORING_PROCESSES": "0",
            "FEEDBACK_TOKENS_FILE": str(tokens), "FEEDBACK_DATABASE_URL": database_url,
            "FEEDBACK_DB_TIMEOUT_S": "2", **extra}


@pytest.fixture(scope="module")
def pg_service(local_wiki, postgres_server: LocalPostgres,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    directory = tmp_path_factory.mktemp("feedback-pg")
    env = service_env(local_wiki, tokens_file(directory), postgres_server.url,
                      FEEDBACK_RATE_PER_MINUTE="100000", FEEDBACK_RATE_BURST="10000")
    with run_service(env, directory) as running:
        yield running


def post(service: RunningService, body: object, headers: dict[str, str] | None = None,
         content: bytes | None = None) -> httpx.Response:
    return httpx.post(f"{service.base_url}/v1/feedback", json=None if content else body,
                      content=content, headers=headers if headers is not None else auth(),
                      timeout=30)


def test_every_refusal_has_its_status_and_code(pg_service: RunningService, local_wiki) -> None:
    good = {"lang": "en", "rev_id": local_wiki.revs["anonymous_edit"], "judgment": "damaging",
            "reviewer": "Refusals"}
    cases = [
        (good, {}, 401, "unauthorized"),
        (good, auth("not-a-configured-token"), 401, "unauthorized"),
        (good, {"Authorization": f"Basic {TOKEN}"}, 401, "unauthorized"),
        ({**good, "lang": "enwiki"}, auth(), 400, "invalid_lang"),
        ({**good, "rev_id": -1}, auth(), 400, "invalid_rev_id"),
        ({**good, "judgment": "vandalism"}, auth(), 400, "invalid_judgment"),
        ({**good, "reviewer": ""}, auth(), 400, "invalid_reviewer"),
        ({**good, "comment": ["x"]}, auth(), 400, "invalid_comment"),
        ({**good, "score": 2}, auth(), 400, "invalid_score"),
        ({**good, "model_name": "damaging"}, auth(), 400, "invalid_model_name"),
        ({**good, "unknown": 1}, auth(), 400, "invalid_request"),
    ]
    for body, headers, status, code in cases:
        response = post(pg_service, body, headers)
        assert (response.status_code, response.json()["code"]) == (status, code), body
        assert response.json()["detail"] == response.json()["error"]
    unauthenticated = post(pg_service, good, {})
    assert unauthenticated.headers["www-authenticate"].startswith("Bearer")
    malformed = post(pg_service, None, auth(), content=b"{not json")
    assert (malformed.status_code, malformed.json()["code"]) == (400, "malformed_json")
    # Without a token nothing about the body is judged, not even that it is not JSON.
    assert post(pg_service, None, {}, content=b"{not json").status_code == 401
    wrong_method = httpx.get(f"{pg_service.base_url}/v1/feedback")
    assert (wrong_method.status_code, wrong_method.json()["code"]) == (405, "method_not_allowed")
    unknown = httpx.get(f"{pg_service.base_url}/v1/models/nope/feedback")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "model_not_found")


def test_judgment_replaced_history_kept_and_observed(
    pg_service: RunningService, local_wiki, postgres_server: LocalPostgres
) -> None:
    rev = local_wiki.revs["registered_edit"]
    base = {"wiki_db": "enwiki", "rev_id": rev, "reviewer": "Observer", "model_name": LA,
            "score": 0.999}
    first = post(pg_service, {**base, "judgment": "ok"})
    assert first.status_code == 201, first.text
    second = post(pg_service, {**base, "judgment": "damaging", "comment": "on a closer look"})
    assert second.status_code == 201 and second.json()["tool"] == "patrol-page"
    engine = create_engine(postgres_server.url)
    with engine.connect() as connection:
        history = connection.execute(
            select(judgments.c.judgment).where(judgments.c.rev_id == rev,
                                               judgments.c.reviewer == "Observer")
            .order_by(judgments.c.id)).scalars().all()
        latest = connection.execute(
            select(current.c.judgment).where(current.c.rev_id == rev,
                                             current.c.reviewer == "Observer")).scalars().all()
    engine.dispose()
    assert history == ["ok", "damaging"] and latest == ["damaging"]

    observed = httpx.get(f"{pg_service.base_url}/v1/models/{LA}/feedback").json()
    assert observed["judgments"]["damaging"] >= 1 and "not a random sample" in observed["caveat"]
    presets = {p["name"]: p for p in observed["presets"]}
    assert set(presets) == {"high precision", "high recall"}
    for preset in presets.values():
        if preset["threshold"] is not None and preset["n"]:
            low, high = preset["interval_95"]
            assert low <= preset["precision"] <= high
            assert preset["per_wiki"]["enwiki"]["n"] <= preset["n"]
    card = httpx.get(f"{pg_service.base_url}/v1/models/{LA}/info").json()
    assert card["observed_in_use"]["available"] is True
    assert card["observed_in_use"]["judgments"] == observed["judgments"]


def test_eight_writers_through_a_database_restart_lose_nothing(
    pg_service: RunningService, postgres_server: LocalPostgres
) -> None:
    writers, per_writer = 8, 200
    acknowledged: list[list[int]] = [[] for _ in range(writers)]
    refused: list[list[int]] = [[] for _ in range(writers)]

    def write(index: int) -> None:
        with httpx.Client(base_url=pg_service.base_url, headers=auth(), timeout=30) as client:
            for n in range(per_writer):
                body = {"lang": "en", "rev_id": 500_000 + index * 1000 + n, "judgment": "ok",
                        "reviewer": f"writer-{index}"}
                while True:  # as a tool would: retry a 503 until the judgment is kept
                    response = client.post("/v1/feedback", json=body)
                    if response.status_code == 201:
                        acknowledged[index].append(response.json()["id"])
                        break
                    assert response.status_code == 503, response.text
                    assert response.json()["code"] == "feedback_unavailable"
                    refused[index].append(n)
                    time.sleep(0.1)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    while sum(map(len, acknowledged)) < writers * per_writer // 4:
        time.sleep(0.05)
    postgres_server.stop("fast")
    time.sleep(2.0)
    observed_down = httpx.get(f"{pg_service.base_url}/v1/models/{LA}/feedback")
    postgres_server.start()
    for thread in threads:
        thread.join()
    assert (observed_down.status_code, observed_down.json()["code"]) == (503,
                                                                         "feedback_unavailable")
    metrics = httpx.get(f"{pg_service.base_url}/metrics").text
    assert 'revertrisk_feedback_judgments_total{outcome="feedback_unavailable"}' in metrics
    assert sum(map(len, refused)) > 0, "no writer met the database down"
    engine = create_engine(postgres_server.url)
    with engine.connect() as connection:
        stored = set(connection.execute(
            select(judgments.c.id).where(judgments.c.reviewer.like("writer-%"))).scalars())
        latest = connection.execute(select(func.count()).select_from(current).where(
            current.c.reviewer.like("writer-%"))).scalar_one()
    engine.dispose()
    ids = {i for ids in acknowledged for i in ids}
    assert len(ids) == writers * per_writer and ids <= stored
    assert latest == writers * per_writer  # every (revision, reviewer) is there, once


def test_sqlite_rate_limit_and_service_restart(local_wiki,
                                               tmp_path_factory: pytest.TempPathFactory) -> None:
    directory = tmp_path_factory.mktemp("feedback-sqlite")
    env = service_env(local_wiki, tokens_file(directory),
                      f"sqlite:///{directory / 'feedback.sqlite3'}",
                      FEEDBACK_RATE_PER_MINUTE="6", FEEDBACK_RATE_BURST="3")
    body = {"lang": "de", "rev_id": local_wiki.revs["sysop_edit"], "judgment": "goodfaith",
            "reviewer": "Restarter"}
    with run_service(env, directory) as service:
        statuses = [post(service, {**body, "rev_id": body["rev_id"] + i}).status_code
                    for i in range(4)]
        assert statuses == [201, 201, 201, 429]
        limited = post(service, body)
        assert limited.json()["code"] == "feedback_rate_limited"
        assert int(limited.headers["retry-after"]) >= 1
        assert post(service, body, auth(OTHER_TOKEN)).status_code == 201  # per token
        before = httpx.get(f"{service.base_url}/v1/models/{LA}/info").json()["observed_in_use"]
    with run_service(env, directory) as again:
        after = httpx.get(f"{again.base_url}/v1/models/{LA}/info").json()["observed_in_use"]
    assert after["judgments"] == before["judgments"]
    engine = create_engine(f"sqlite:///{directory / 'feedback.sqlite3'}")
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(judgments)).scalar_one() == 4
    engine.dispose()


def test_export_joins_judgments_with_signals(
    pg_service: RunningService, local_wiki, postgres_server: LocalPostgres, tmp_path: Path
) -> None:
    revs = local_wiki.revs
    for key, verdict in (("anonymous_edit", "damaging"), ("minor_edit", "ok"),
                         ("missing", "damaging")):
        response = post(pg_service, {"lang": "en", "rev_id": revs[key], "judgment": verdict,
                                     "reviewer": "Exporter", "model_name": LA, "score": 0.5})
        assert response.status_code == 201
    out = tmp_path / "feedback-dataset"
    result = subprocess.run(
        [sys.executable, "-m", "revertrisk_service.cli", "dataset", "feedback", "--out", str(out)],
        env={**os.environ, "FEEDBACK_DATABASE_URL": postgres_server.url,
             "WIKI_URL": local_wiki.base_url, "MODELS": LA},
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / DATASET_METADATA_FILE).read_text())
    # The directory reads in one call: its side files start with "_".
    frame = pd.read_parquet(out)
    assert summary["kind"] == "feedback" and summary["rows"] == len(frame)
    mine = frame[frame["reviewer"] == "Exporter"].set_index("rev_id")
    anonymous = mine.loc[revs["anonymous_edit"]]
    assert bool(anonymous["label"]) and anonymous["judgment"] == "damaging"
    assert anonymous["user_is_anonymous"] == 1.0 and anonymous["page_title"]
    assert not bool(mine.loc[revs["minor_edit"]]["label"])
    assert mine.loc[revs["minor_edit"]]["is_minor"] == 1.0
    gone = mine.loc[revs["missing"]]
    assert pd.isna(gone["page_id"]) and pd.isna(gone["user_is_anonymous"])
    assert summary["fetch_failed"].get("revision_not_found", 0) >= 1
    for column in ("wiki_db", "rev_id", "page_id", "page_title", "rev_timestamp", "label",
                   "judgment", "reviewer", "judged_at"):
        assert column in frame.columns
    assert str(frame["rev_timestamp"].dtype).startswith("datetime64")
