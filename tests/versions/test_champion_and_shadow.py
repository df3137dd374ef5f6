"""The champion answers and the challenger is shadow-scored from the same solved signals:
counted at a loopback wiki, a challenger costs no MediaWiki request and no second scoring call;
its scores reach the outcome store as shadow scores and never a client. A promotion is taken
at the next refresh, and no cached score crosses versions."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.model_versions import SHIPPED_VERSION, registry_with

from revertrisk_devtools.flaky_api import FlakyApi
from revertrisk_service.cache import MemoryScoreCache
from revertrisk_service.config import Settings
from revertrisk_service.events import EventRevision
from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
from revertrisk_service.models.registry import load_scorer
from revertrisk_service.outcomes.recorder import ScoreRecorder
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore
from revertrisk_service.precache.in_process import InProcessPrecacher
from revertrisk_service.scoring.cache_layer import CacheLayer, CacheSettings
from revertrisk_service.scoring.revision_scoring import RevisionScoring
from revertrisk_service.scoring.scoring_pool import ProcessScoring, ScoringRunner, ThreadScoring
from revertrisk_service.serving.model import RevertRiskModel
from revertrisk_service.versions.catalog import ModelVersions
from revertrisk_service.versions.live import LiveVersions
from revertrisk_service.versions.shadow import ShadowScoring
from revertrisk_service.versions.wiring import open_versions, start_live_versions
from revertrisk_service.wikis import resolve_lang

REVISIONS = [4001, 4002, 4003]


def memory_layer() -> CacheLayer:
    return CacheLayer(MemoryScoreCache(1000), CacheSettings(ttl_s=3600, negative_ttl_s=60))


def settings_fields(tmp_path: Path) -> dict[str, object]:
    return {
        "model_registry_dir": tmp_path / "registry",
        "feedback_database_url": f"sqlite:///{tmp_path / 'outcomes.sqlite3'}",
    }


def settings_for(tmp_path: Path) -> Settings:
    return Settings(model=LANGUAGE_AGNOSTIC, **settings_fields(tmp_path))  # type: ignore[arg-type]


def served(
    settings: Settings, client: MediaWikiClient, runner: ScoringRunner, recorder: ScoreRecorder
) -> tuple[RevertRiskModel, LiveVersions]:
    versions = open_versions(settings)
    assert versions is not None
    live = start_live_versions(versions, settings, runner)
    scoring = RevisionScoring(
        client, runner, memory_layer(), shadow=ShadowScoring(live, recorder)
    )
    model = RevertRiskModel.with_scorer(
        live.champion(LANGUAGE_AGNOSTIC), scoring, max_batch_size=10, presave_enabled=False,
        live=live,
    )
    return model, live


async def predict_all(model: RevertRiskModel) -> list[dict]:
    body, _ = await model(
        {"instances": [{"lang": "en", "rev_id": r} for r in REVISIONS]}, headers={}
    )
    return body["predictions"]  # type: ignore[index]


async def scored_requests(
    tmp_path: Path, wiki: FlakyApi, runner: ScoringRunner, retrained: Path, challenger: bool,
) -> tuple[int, list[dict], SqlOutcomeStore, ModelVersions]:  # fmt: skip
    """Requests at the wiki for one batch, with a client of its own (nothing remembered)."""
    settings = settings_for(tmp_path)
    versions = open_versions(settings)
    assert versions is not None
    if challenger:
        candidate = versions.install(LANGUAGE_AGNOSTIC, retrained)
        versions.set_challenger(LANGUAGE_AGNOSTIC, candidate, by="tests")
    store = SqlOutcomeStore.from_url(settings.feedback_database_url, 5.0)
    recorder = ScoreRecorder(store)
    client = MediaWikiClient(wiki.url, "revertrisk-service tests")
    try:
        model, _ = served(settings, client, runner, recorder)
        before = len(wiki.requests)
        predictions = await predict_all(model)
        assert recorder.wait_idle(10)
    finally:
        recorder.close()
        await client.aclose()
    return len(wiki.requests) - before, predictions, store, versions


@pytest.mark.e2e  # trains the second version once per session
@pytest.mark.parametrize("runner_kind", ["threads", "processes"])
async def test_a_challenger_costs_no_wiki_request_and_is_never_answered(
    tmp_path: Path, wiki: FlakyApi, retrained: Path, runner_kind: str
) -> None:
    def runner(folder: str) -> ScoringRunner:
        if runner_kind == "threads":
            return ThreadScoring(1)
        pool = ProcessScoring(settings_for(tmp_path / folder), [LANGUAGE_AGNOSTIC], workers=1)
        pool.warm_up()
        return pool

    alone_runner = runner("alone")
    try:
        alone, alone_answers, _, _ = await scored_requests(
            tmp_path / "alone", wiki, alone_runner, retrained, challenger=False
        )
    finally:
        alone_runner.close()
    shadowed_runner = runner("shadowed")
    try:
        with_challenger, answers, store, versions = await scored_requests(
            tmp_path / "shadowed", wiki, shadowed_runner, retrained, challenger=True
        )
        calls = shadowed_runner.counted.calls
    finally:
        shadowed_runner.close()
    assert alone > 0 and with_challenger == alone
    assert calls == 1  # champion and challenger in one scoring call
    # The client sees the champion only, the same answers as without a challenger.
    assert answers == alone_answers
    assert {a["model_version"] for a in answers} == {SHIPPED_VERSION}
    challenger = versions.history(LANGUAGE_AGNOSTIC)[-1].version
    assert challenger is not None and challenger != SHIPPED_VERSION
    with store.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT rev_id, model_version, shadow, probability FROM outcome_scores"
        ).fetchall()
    assert sorted((r[0], r[1], bool(r[2])) for r in rows) == [
        (rev, challenger, True) for rev in REVISIONS
    ]
    champion_scores = [a["output"]["probabilities"]["true"] for a in answers]
    assert [r[3] for r in sorted(rows)] != pytest.approx(champion_scores)
    store.close()


@pytest.mark.e2e
async def test_a_promotion_is_taken_at_the_next_refresh_and_no_cached_score_crosses(
    tmp_path: Path, wiki: FlakyApi, mediawiki_client: MediaWikiClient, retrained: Path
) -> None:
    settings, versions, candidate = registry_with(retrained, **settings_fields(tmp_path))
    runner = ThreadScoring(1)
    recorder = ScoreRecorder(SqlOutcomeStore.from_url(settings.feedback_database_url, 5.0))
    try:
        model, live = served(settings, mediawiki_client, runner, recorder)
        old = await predict_all(model)
        assert await predict_all(model) == old  # cached
        assert runner.counted.calls == 1
        versions.promote(LANGUAGE_AGNOSTIC, candidate, by="tests")
        assert live.refresh() == [LANGUAGE_AGNOSTIC]
        new = await predict_all(model)
        # Computed anew by the new version, not the old version's cached scores relabelled.
        assert runner.counted.calls == 2
        assert {a["model_version"] for a in new} == {candidate}
        expected = load_scorer(LANGUAGE_AGNOSTIC, settings, candidate)
        assert [a["output"]["probabilities"]["true"] for a in new] != [
            a["output"]["probabilities"]["true"] for a in old
        ]
        assert expected.version == candidate
        versions.rollback(LANGUAGE_AGNOSTIC, by="tests")
        live.refresh()
        assert await predict_all(model) == old  # the old version's own cached scores again
        assert runner.counted.calls == 2
    finally:
        runner.close()
        recorder.close()


@pytest.mark.e2e
async def test_precaching_scores_with_the_champion_of_the_moment_and_shadows_the_challenger(
    tmp_path: Path, wiki: FlakyApi, mediawiki_client: MediaWikiClient, retrained: Path
) -> None:
    settings, versions, candidate = registry_with(retrained, **settings_fields(tmp_path))
    versions.set_challenger(LANGUAGE_AGNOSTIC, candidate, by="tests")
    store = SqlOutcomeStore.from_url(settings.feedback_database_url, 5.0)
    recorder = ScoreRecorder(store)
    runner = ThreadScoring(1)
    live = start_live_versions(versions, settings, runner)
    scoring = RevisionScoring(
        mediawiki_client, runner, memory_layer(), shadow=ShadowScoring(live, recorder)
    )
    precacher = InProcessPrecacher([live.champion(LANGUAGE_AGNOSTIC)], scoring, live)
    try:
        first = await precacher([stream_edit(5001)])
        versions.promote(LANGUAGE_AGNOSTIC, candidate, by="tests")
        live.refresh()
        second = await precacher([stream_edit(5002)])
        assert recorder.wait_idle(10)
    finally:
        recorder.close()
        runner.close()
    assert first[0]["scores"][LANGUAGE_AGNOSTIC]["model_version"] == SHIPPED_VERSION
    assert second[0]["scores"][LANGUAGE_AGNOSTIC]["model_version"] == candidate
    with store.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT rev_id, model_version, shadow FROM outcome_scores"
        ).fetchall()
    # Before the promotion the challenger ran in the shadow; after it, nothing is left to shadow.
    assert (5001, candidate, True) in {(r[0], r[1], bool(r[2])) for r in rows}
    assert not [r for r in rows if r[0] == 5002 and bool(r[2])]
    store.close()


def stream_edit(rev_id: int) -> EventRevision:
    return EventRevision(
        wiki=resolve_lang("en"), rev_id=rev_id, parent_id=rev_id - 1, namespace=0, is_bot=False,
        is_page_creation=False, is_canary=False, stream="mediawiki.revision-create",
        event_time=None,
    )  # fmt: skip
