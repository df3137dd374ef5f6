"""Outcomes end to end: scripted edits on a real MediaWiki (an anonymous vandal reverted by hand,
an edit undone with MediaWiki's undo, a partial undo that restores no earlier state) flow through
each real stream mode (the SSE server with revision-create events, the Kafka-protocol broker with
page-change events) into `revertrisk precache`, which posts them to `revertrisk serve`. The
server records each score; the precacher's detector decides each outcome in the real database
once the (short) window closes; the quality endpoint reports the expected counts and AUC.

Revision-create events carry MediaWiki's own revert details, so the partial undo is decided
"reverted" by the event; page-change events carry only the hash, so the same edit is "not
reverted" there (the identity-revert rule alone cannot see a partial undo)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sklearn.metrics import roc_auc_score
from support.kafka_precache import FAST_GROUP, produce, wait_for

from revertrisk_devtools.live_edits import (
    WikiEditor,
    WikiRevision,
    page_change_event,
    revision_create_event,
    revisions,
)
from revertrisk_devtools.local_wiki import LocalWiki, running_local_wiki
from revertrisk_devtools.service_process import REPO, run_service, stop_process
from revertrisk_service.outcomes.records import DecisionSource
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore

pytestmark = pytest.mark.e2e

LA = "revertrisk-language-agnostic"
WINDOW_S = 12
TOPIC = "mediawiki.page_change.v1"
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", REPO / "var" / "test-artifacts"))


@pytest.fixture(scope="module")
def outcome_wiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalWiki]:
    """A wiki of its own: these tests edit it live."""
    with running_local_wiki(tmp_path_factory.mktemp("outcome-wiki")) as wiki:
        yield wiki


def script_edits(wiki: LocalWiki, suffix: str) -> tuple[dict[str, int], list[int]]:
    """The scripted edits; returns revision ids by name, and every revision in save order."""
    anonymous, alice = WikiEditor(wiki), WikiEditor(wiki)
    alice.login("Alice")
    alpha, beta, gamma = (f"Outcome {name} {suffix}" for name in ("Alpha", "Beta", "Gamma"))
    r: dict[str, int] = {}
    try:
        r["alpha_create"] = alice.edit(alpha, "A page about alpha.\n", "New page")
        r["alpha_vandal"] = anonymous.edit(alpha, "A page about alpha. LOL!!!\n")
        # Reverted by hand: the content of the page creation, saved again.
        r["alpha_revert"] = alice.edit(alpha, "A page about alpha.\n", "Revert vandalism")
        r["beta_create"] = alice.edit(beta, "Beta, first fact.\n", "New page")
        r["beta_good"] = alice.edit(beta, "Beta, first fact.\n\nBeta, second fact.\n")
        r["beta_bad"] = anonymous.edit(beta, "Beta, first fact.\n\nBeta, second fact. Wrong.\n")
        r["beta_undo"] = alice.undo(beta, r["beta_bad"])  # the latest undone: exact
        text = "Gamma one.\n\nGamma two.\n\nGamma three.\n"
        r["gamma_create"] = alice.edit(gamma, text, "New page")
        r["gamma_partly_undone"] = anonymous.edit(gamma, text.replace("one.", "one, changed."))
        r["gamma_kept"] = alice.edit(
            gamma, text.replace("one.", "one, changed.").replace("three.", "three, longer."))
        # Undoes the anonymous edit only: the later one stays, so no earlier state returns.
        r["gamma_partial_undo"] = alice.undo(gamma, r["gamma_partly_undone"])
    finally:
        anonymous.close()
        alice.close()
    return r, sorted(r.values())


class Precacher:
    """`revertrisk precache` posting to the server, reading SSE or a Kafka group."""

    def __init__(self, log: Path, env: dict[str, str], *args: str) -> None:
        command = [sys.executable, "-m", "revertrisk_service.cli", "precache", *args]
        with log.open("wb") as out:
            self.process = subprocess.Popen(command, env={**os.environ, **env}, cwd=REPO,
                                            stdout=out, stderr=subprocess.STDOUT)
        self.log = log

    def stop(self) -> None:
        stop_process(self.process)


@pytest.mark.parametrize("mode", ["sse", "kafka"])
def test_scored_edits_get_their_outcomes_and_the_quality_they_imply(
    mode: str, outcome_wiki: LocalWiki, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    outcomes_env = {
        "OUTCOMES_ENABLED": "true", "FEEDBACK_DATABASE_URL": database,
        "OUTCOMES_WINDOW_S": str(WINDOW_S), "OUTCOMES_SWEEP_INTERVAL_S": "0.5",
        "OUTCOMES_GAUGE_INTERVAL_S": "0.5",
    }
    common = {"WIKI_URL": outcome_wiki.base_url, "MODELS": LA, **outcomes_env}
    with run_service({**common, "SCORING_PROCESSES": "0"}, tmp_path) as service:
        if mode == "sse":
            stream = request.getfixturevalue("sse_server")
            publish: Callable[[WikiRevision], None] = lambda rev: stream.add_event(
                revision_create_event(outcome_wiki, rev))
            source = ("--stream-url", stream.url)
        else:
            broker = request.getfixturevalue("kafka_broker")
            broker.create_topic(TOPIC, 2)

            def publish(rev: WikiRevision) -> None:
                value = json.dumps(page_change_event(rev)).encode()
                asyncio.run(produce(broker.bootstrap, TOPIC, [value]))

            source = ("--kafka-bootstrap", broker.bootstrap, "--topic", TOPIC, "--group",
                      "outcomes", "--start-from", "earliest", *FAST_GROUP)
        precacher = Precacher(tmp_path / "precache.log", common, "--server-url",
                              service.base_url, *source)
        try:
            decided = run_scenario(mode, outcome_wiki, service.base_url, database, publish)
            if mode == "sse":  # the patrol page's panel, once
                check_patrol_panel(request.getfixturevalue("browser"), service.base_url, decided)
        except BaseException:
            print(precacher.log.read_text()[-4000:], service.log()[-4000:])
            raise
        finally:
            precacher.stop()


def run_scenario(mode: str, wiki: LocalWiki, server: str, database: str,
                 publish: Callable[[WikiRevision], None]) -> int:
    """Returns the number of decided edits."""
    r, order = script_edits(wiki, mode)
    for rev in revisions(wiki, order):
        publish(rev)
    creations = {r["alpha_create"], r["beta_create"], r["gamma_create"]}
    scored_ids = [rev_id for rev_id in order if rev_id not in creations]  # creations: not scored
    store = SqlOutcomeStore.from_url(database, 5)
    wait_for(lambda: set(scored_ids) <= recorded(store), 90, "every edit's score recorded")
    # The stream's time must pass the last edit's window: a later edit elsewhere moves it on.
    time.sleep(WINDOW_S + 1.5)
    closing = WikiEditor(wiki)
    try:
        later = closing.edit(f"Outcome Delta {mode}", "Later.\n")
    finally:
        closing.close()
    publish(revisions(wiki, [later])[0])
    [version] = store.versions(LA)
    decided = wait_for(
        lambda: (d := store.decided_scores(LA, version)) and len(d) == len(scored_ids) and d,
        60, "every scored edit decided")
    assert sorted(d.rev_id for d in decided) == sorted(scored_ids)

    sources = {r["alpha_vandal"]: DecisionSource.SHA1, r["beta_bad"]: DecisionSource.SHA1}
    if mode == "sse":  # revision-create events name what they revert
        sources = {r["alpha_vandal"]: DecisionSource.SHA1_AND_EVENT,
                   r["beta_bad"]: DecisionSource.SHA1_AND_EVENT,
                   r["gamma_partly_undone"]: DecisionSource.EVENT}
    reverting = {r["alpha_vandal"]: r["alpha_revert"], r["beta_bad"]: r["beta_undo"],
                 r["gamma_partly_undone"]: r["gamma_partial_undo"]}
    for rev_id in scored_ids:
        outcome = store.outcome("enwiki", rev_id)
        if rev_id in sources:
            assert (outcome.reverted, outcome.decided_by, outcome.reverting_rev_id,
                    outcome.reverted_by) == (True, sources[rev_id], reverting[rev_id], "Alice")
            assert 0 <= outcome.seconds_to_revert <= WINDOW_S
        else:
            assert (outcome.reverted, outcome.decided_by) == (False, DecisionSource.WINDOW)

    labels = {d.rev_id: d.rev_id in sources for d in decided}
    probabilities = {d.rev_id: d.probability for d in decided}
    for rev_id in scored_ids:  # the recorded score is the one clients are answered
        answer = httpx.post(f"{server}/v1/models/{LA}:predict",
                            json={"lang": "en", "rev_id": rev_id}, timeout=60).json()
        assert answer["output"]["probabilities"]["true"] == pytest.approx(probabilities[rev_id])
        assert answer["model_version"] == version
    quality = httpx.get(f"{server}/v1/models/{LA}/quality", timeout=60).json()
    [serving] = quality["versions"]
    assert (serving["version"], serving["decided"], serving["reverted"]) == (
        version, len(scored_ids), len(sources))
    assert serving["auc"]["n"] == len(scored_ids)
    assert serving["auc"]["value"] == pytest.approx(roc_auc_score(
        [labels[i] for i in scored_ids], [probabilities[i] for i in scored_ids]))
    anonymous = httpx.get(f"{server}/v1/models/{LA}/quality",
                          params={"editor": "anonymous"}, timeout=60).json()["versions"][0]
    # The three anonymous edits: the vandalism, the bad fact and the partly undone one.
    assert anonymous["decided"] == 3 and anonymous["reverted"] == len(sources)
    # The gauges are recomputed every OUTCOMES_GAUGE_INTERVAL_S: the last outcomes show at the
    # next pass, however late a busy machine runs it.
    gauge = (f'revertrisk_observed_decided_edits{{editor="all",model="{LA}",version="{version}",'
             f'wiki="all"}} {float(len(scored_ids))}')
    wait_for(lambda: gauge in httpx.get(f"{server}/metrics", timeout=30).text or None, 60,
             "the decided-edits gauge")
    store.close()
    return len(scored_ids)


def check_patrol_panel(driver: Any, server: str, decided: int) -> None:
    """The patrol page shows each version's figures with their counts, and the plot loads."""
    from selenium.webdriver.common.by import By

    driver.set_window_size(1280, 1400)
    driver.get(f"{server}/patrol/")
    caption = wait_for(
        lambda: next((c.text for c in driver.find_elements(By.CSS_SELECTOR, "#quality caption")
                      if f"{decided} decided edits" in c.text), None), 30, "the quality panel")
    assert "AUC" in caption and "(n=" in caption
    rows = driver.find_elements(By.CSS_SELECTOR, "#quality tr th[scope=row]")
    assert [r.text.split(" (")[0] for r in rows] == ["very-cautious", "cautious", "balanced",
                                                     "loose"]
    wait_for(lambda: driver.execute_script(
        "const i = document.querySelector('#quality img'); return i && i.complete && "
        "i.naturalWidth > 0"), 30, "the reliability plot")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.execute_script("document.getElementById('quality').scrollIntoView()")
    driver.save_screenshot(str(ARTIFACTS / "patrol-observed-quality.png"))


def recorded(store: SqlOutcomeStore) -> set[int]:
    """The revisions whose score the server has recorded."""
    from sqlalchemy import select

    from revertrisk_service.outcomes.schema import scores

    store.versions(LA)  # brings the schema up first
    with store.engine.connect() as connection:
        return {row[0] for row in connection.execute(select(scores.c.rev_id))}
