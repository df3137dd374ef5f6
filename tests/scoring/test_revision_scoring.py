"""The one scoring path, against the real MediaWiki client and a loopback fake wiki that counts
its requests: one trip to the scoring processes per miss, one fetch per revision for several
models, prediction events for cached scores of event edits, once each."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from revertrisk_devtools.event_sink import EventSink, running_sink
from revertrisk_devtools.flaky_api import FlakyApi
from revertrisk_service.cache import MemoryScoreCache
from revertrisk_service.config import Settings
from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC, MULTILINGUAL
from revertrisk_service.models.registry import describe_scorer, load_scorer
from revertrisk_service.prediction_events.poster import EventGatePoster, PosterSettings
from revertrisk_service.scored_edits import ScoredEdit, ScoreListeners
from revertrisk_service.scoring.cache_layer import CacheLayer, CacheSettings
from revertrisk_service.scoring.revision_scoring import RevisionScoring
from revertrisk_service.scoring.scoring_pool import ProcessScoring, ThreadScoring
from revertrisk_service.serving.model import RevertRiskModel
from revertrisk_service.wikis import resolve_lang

EN = resolve_lang("en")
SETTINGS = Settings()


def memory_layer() -> CacheLayer:
    return CacheLayer(MemoryScoreCache(1000), CacheSettings(ttl_s=3600, negative_ttl_s=60))


def fetched_revisions(wiki: FlakyApi) -> list[int]:
    """Every revision id the fake wiki was asked for, once per request that named it."""
    return [int(r) for req in wiki.requests_with("revids") for r in req.params["revids"].split("|")]


@pytest.mark.e2e
def test_the_warm_up_starts_every_scoring_process() -> None:
    runner = ProcessScoring(SETTINGS, [], workers=2)
    try:
        pids = runner.warm_up()
    finally:
        runner.close()
    assert len(set(pids)) == 2


@pytest.mark.e2e
async def test_a_miss_is_one_call_to_the_scoring_processes(
    mediawiki_client: MediaWikiClient,
) -> None:
    runner = ProcessScoring(SETTINGS, [LANGUAGE_AGNOSTIC, MULTILINGUAL], workers=1)
    try:
        runner.warm_up()
        model = RevertRiskModel.with_scorer(
            describe_scorer(LANGUAGE_AGNOSTIC, SETTINGS),
            RevisionScoring(mediawiki_client, runner, memory_layer()),
            max_batch_size=10,
            presave_enabled=False,
        )
        body, _ = await model({"lang": "en", "rev_id": 1001}, headers={})
        assert body["revision_id"] == 1001  # type: ignore[index]
        assert (runner.counted.calls, runner.counted.edits) == (1, 1)
        await model({"lang": "en", "rev_id": 1001}, headers={})  # a hit: no call
        assert runner.counted.calls == 1
        await model({"instances": [{"lang": "en", "rev_id": r} for r in (1002, 1003, 1004)]},
                    headers={})
        assert (runner.counted.calls, runner.counted.edits) == (2, 4)
        # Two models missing one revision: still one call, which scores it with both.
        answers = await model.scoring.score(
            [describe_scorer(n, SETTINGS) for n in (LANGUAGE_AGNOSTIC, MULTILINGUAL)], [(EN, 1005)]
        )
        assert [type(a.outcomes[0]) for a in answers] == [dict, dict]
        assert (runner.counted.calls, runner.counted.edits) == (3, 5)
    finally:
        runner.close()


@pytest.mark.e2e  # loading the multilingual model takes seconds
async def test_several_models_fetch_each_revision_once(
    wiki: FlakyApi, mediawiki_client: MediaWikiClient
) -> None:
    runner = ThreadScoring(1)
    scorers = [load_scorer(n, SETTINGS) for n in (LANGUAGE_AGNOSTIC, MULTILINGUAL)]
    scoring = RevisionScoring(mediawiki_client, runner, memory_layer())
    try:
        answers = await scoring.score(scorers, [(EN, 2001), (EN, 2002), (EN, 2001)])
    finally:
        runner.close()
    fetched = fetched_revisions(wiki)  # with the parents the client asks for
    assert {2001, 2002} <= set(fetched) and len(fetched) == len(set(fetched))
    assert (runner.counted.calls, runner.counted.edits) == (1, 2)
    for scorer, answer in zip(scorers, answers, strict=True):
        assert [o["model_name"] for o in answer.outcomes] == [scorer.name] * 3  # type: ignore[index]


@pytest.fixture
def sink() -> Iterator[EventSink]:
    with running_sink() as running_sink_:
        yield running_sink_


async def test_a_cached_score_of_an_event_edit_gets_its_prediction_event_once(
    wiki: FlakyApi, mediawiki_client: MediaWikiClient, sink: EventSink
) -> None:
    poster = EventGatePoster(PosterSettings(sink.url, "predictions", "tests"))
    patrol: list[ScoredEdit] = []
    listeners = ScoreListeners(patrol.append)
    poster.attach(listeners)
    runner = ThreadScoring(1)
    scorer = load_scorer(LANGUAGE_AGNOSTIC, SETTINGS)
    scoring = RevisionScoring(mediawiki_client, runner, memory_layer(), listeners)
    try:
        (asked,) = await scoring.score([scorer], [(EN, 3001)], origin="request")
        (from_event,) = await scoring.score([scorer], [(EN, 3001)], origin="event")
        await scoring.settled()
        (again,) = await scoring.score([scorer], [(EN, 3001)], origin="precache")
        await scoring.settled()
        await poster.drain(5)
        events = await asyncio.to_thread(sink.wait_for, 1)
        await asyncio.sleep(0.2)  # a second event, were one wrongly sent, would arrive by now
    finally:
        await poster.aclose()
        runner.close()
    assert asked.headers["X-Cache"] == "miss" and from_event.headers["X-Cache"] == "hit"
    assert again.headers["X-Cache"] == "hit"
    (event,) = sink.events
    assert event == events[0]
    assert event["revision"]["rev_id"] == 3001
    assert event["predicted_classification"]["probabilities"] == asked.outcomes[0]["output"][  # type: ignore[index]
        "probabilities"
    ]
    # The cached score was fetched again for its page and editor, once, in the background.
    assert fetched_revisions(wiki).count(3001) == 2
    # The patrol page shows new scores only, as before.
    assert [(e.rev_id, e.origin, e.cached) for e in patrol] == [(3001, "request", False)]


async def test_an_explained_miss_is_still_one_call_with_reasons_and_diff_for_the_page(
    mediawiki_client: MediaWikiClient,
) -> None:
    """Asked to explain, the one scoring call returns the score, its explanation and the edit's
    diff together: the response shows the explanation, the patrol listener gets reasons and diff,
    and a plain score in the cache is computed again (one more call) when an explanation is asked."""
    runner = ThreadScoring(1)
    seen: list[ScoredEdit] = []
    listeners = ScoreListeners(seen.append)
    page_open = [True]
    listeners.explain_while(lambda: page_open[0])  # as the patrol feed does
    model = RevertRiskModel.with_scorer(
        load_scorer(LANGUAGE_AGNOSTIC, SETTINGS),
        RevisionScoring(mediawiki_client, runner, memory_layer(), listeners),
        max_batch_size=10,
        presave_enabled=False,
    )
    try:
        body, _ = await model({"lang": "en", "rev_id": 3001, "explain": True}, headers={})
        assert (runner.counted.calls, runner.counted.edits) == (1, 1)
        explanation = body["output"]["explanation"]  # type: ignore[index]
        assert explanation["contributions"]
        (edit,) = seen
        assert [r.signal for r in edit.reasons] == [
            c["signal"] for c in explanation["contributions"][:3]
        ]
        assert edit.diff is not None and (edit.diff.inserted or edit.diff.removed)
        # Without `explain`, the same cached score shows no explanation, and costs no call.
        plain, _ = await model({"lang": "en", "rev_id": 3001}, headers={})
        assert "explanation" not in plain["output"]  # type: ignore[index]
        assert runner.counted.calls == 1
        # A score cached plain (no page open) is computed again, once, when explained.
        page_open[0] = False
        await model({"lang": "en", "rev_id": 3002}, headers={})
        assert runner.counted.calls == 2
        again, _ = await model({"lang": "en", "rev_id": 3002, "explain": True}, headers={})
        assert "explanation" in again["output"]  # type: ignore[index]
        assert runner.counted.calls == 3
    finally:
        runner.close()
