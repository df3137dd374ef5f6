"""A request is answered wholly by one version: the champion is read once when it arrives and
carried to the end, so a promotion landing mid-request changes nothing of that answer (its
score, its version, its cache key, its prediction event, its support check, its feature names).

The promotion is hooked onto the first read of the champion: every later read in the same
request would see the new version. That version serves German only, so a request that read the
champion twice would find its English revision scored by nothing.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from support.model_versions import SHIPPED, SHIPPED_VERSION

from revertrisk_devtools.flaky_api import FlakyApi, running
from revertrisk_service.cache import MemoryScoreCache
from revertrisk_service.config import Settings
from revertrisk_service.errors import ServiceError
from revertrisk_service.locations import MANIFEST_FILE, THRESHOLDS_FILENAME
from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
from revertrisk_service.models.scorer import Scorer
from revertrisk_service.ores.routes import OresModels, build_ores_router
from revertrisk_service.scored_edits import ScoredEdit, ScoreListeners
from revertrisk_service.scoring.cache_layer import CacheLayer, CacheSettings
from revertrisk_service.scoring.revision_scoring import RevisionScoring
from revertrisk_service.scoring.scoring_pool import ThreadScoring
from revertrisk_service.serving.model import RevertRiskModel
from revertrisk_service.serving.predict_input import PredictInput
from revertrisk_service.transparency.caution_flags import CautionFlags
from revertrisk_service.transparency.threshold_query import answer_threshold_query
from revertrisk_service.transparency.threshold_table import load_threshold_table
from revertrisk_service.versions.catalog import ModelVersions
from revertrisk_service.versions.live import LiveVersions
from revertrisk_service.versions.wiring import open_versions, start_live_versions, version_dirs
from revertrisk_service.wikis import resolve_lang

GERMAN_ONLY = f"{SHIPPED_VERSION}-de"
PRECISE = "maximum recall @ precision >= 0.9"
ENWIKI = resolve_lang("en")


class PromotedOnFirstRead:
    """The live champions, with GERMAN_ONLY promoted (aliases and this process's view) right
    after the first read."""

    def __init__(self, live: LiveVersions, versions: ModelVersions) -> None:
        self.live = live
        self.versions = versions
        self.armed = False

    def champion(self, name: str) -> Scorer:
        scorer = self.live.champion(name)
        if self.armed:
            self.armed = False
            self.versions.promote(name, GERMAN_ONLY, by="tests")
            assert self.live.refresh() == [name]
        return scorer


@dataclass
class Served:
    settings: Settings
    model: RevertRiskModel
    champions: PromotedOnFirstRead
    events: list[ScoredEdit]
    runner: ThreadScoring


def german_only_version(parent: Path) -> Path:
    """The shipped artifact as another version that serves dewiki alone, with a threshold table
    of its own (its reverted and kept edits swapped: no threshold reaches a precision of 0.9)."""
    target = parent / LANGUAGE_AGNOSTIC
    shutil.copytree(SHIPPED, target)
    manifest = json.loads((target / MANIFEST_FILE).read_text())
    manifest["version"] = GERMAN_ONLY
    manifest["supported_wikis"] = [{"lang": "de", "dbname": "dewiki"}]
    (target / MANIFEST_FILE).write_text(json.dumps(manifest))
    table = json.loads((target / THRESHOLDS_FILENAME).read_text())
    columns = table["columns"]
    columns["tp"], columns["fp"] = columns["fp"], columns["tp"]
    columns["fn"], columns["tn"] = columns["tn"], columns["fn"]
    (target / THRESHOLDS_FILENAME).write_text(json.dumps(table))
    return target


@pytest.fixture
def wiki() -> Iterator[FlakyApi]:
    with running() as api:
        yield api


@pytest.fixture
async def served(tmp_path: Path, wiki: FlakyApi) -> AsyncIterator[Served]:
    settings = Settings(model=LANGUAGE_AGNOSTIC, model_registry_dir=tmp_path / "registry")
    versions = open_versions(settings)
    assert versions is not None
    versions.install(LANGUAGE_AGNOSTIC, german_only_version(tmp_path / "candidate"))
    runner = ThreadScoring(1)
    live = start_live_versions(versions, settings, runner)
    champions = PromotedOnFirstRead(live, versions)
    events: list[ScoredEdit] = []
    client = MediaWikiClient(wiki.url, "revertrisk-service tests")
    cache = CacheLayer(MemoryScoreCache(1000), CacheSettings(ttl_s=3600, negative_ttl_s=60))
    scoring = RevisionScoring(client, runner, cache, ScoreListeners(events.append))
    model = RevertRiskModel.with_scorer(
        live.champion(LANGUAGE_AGNOSTIC), scoring, max_batch_size=10, presave_enabled=False,
        live=champions,
    )  # fmt: skip
    model.caution_flags = CautionFlags(version_dirs(settings, versions))
    try:
        yield Served(settings, model, champions, events, runner)
    finally:
        runner.close()
        await client.aclose()


def held_versions(model: RevertRiskModel, rev_id: int) -> list[str]:
    """The versions whose cache holds a score for this enwiki revision."""
    assert model.cache is not None
    return [
        v for v in (SHIPPED_VERSION, GERMAN_ONLY)
        if model.cache.answer_held(LANGUAGE_AGNOSTIC, v, ENWIKI, rev_id) is not None
    ]  # fmt: skip


async def test_a_promotion_mid_request_leaves_the_answer_wholly_the_old_version(
    served: Served,
) -> None:
    model = served.model
    served.champions.armed = True
    body, _ = await model({"lang": "en", "rev_id": 4001, "caution_levels": True}, headers={})
    assert not served.champions.armed  # the promotion landed during the request
    assert body["model_version"] == SHIPPED_VERSION  # type: ignore[index]
    assert body["output"]["caution_levels"]  # type: ignore[index]
    assert [(e.model_version, e.rev_id) for e in served.events] == [(SHIPPED_VERSION, 4001)]
    assert held_versions(model, 4001) == [SHIPPED_VERSION]
    # The next request reads the new champion, which does not serve English Wikipedia.
    with pytest.raises(ServiceError) as refused:
        await model({"lang": "en", "rev_id": 4001}, headers={})
    assert refused.value.code == "unsupported_language"


async def test_a_batch_is_answered_by_the_version_it_arrived_with(served: Served) -> None:
    served.champions.armed = True
    body, _ = await served.model(
        {"instances": [{"lang": "en", "rev_id": 4001}, {"lang": "en", "rev_id": 4002}]},
        headers={},
    )
    assert not served.champions.armed
    assert body["errors"] == []  # type: ignore[index]
    assert [p["model_version"] for p in body["predictions"]] == [SHIPPED_VERSION] * 2  # type: ignore[index]
    assert {e.model_version for e in served.events} == {SHIPPED_VERSION}
    assert held_versions(served.model, 4002) == [SHIPPED_VERSION]


async def test_a_held_answer_is_of_the_version_it_read(served: Served) -> None:
    await served.model({"lang": "en", "rev_id": 4001}, headers={})
    served.champions.armed = True
    held = served.model.answer_held(PredictInput(None, {"lang": "en", "rev_id": 4001}), {})
    assert not served.champions.armed
    assert held is not None
    body, headers = held
    assert body["model_version"] == SHIPPED_VERSION
    assert headers.get("X-Cache") == "hit"


async def test_an_ores_request_names_and_scores_one_version(served: Served) -> None:
    app = FastAPI()
    ores = OresModels(
        {LANGUAGE_AGNOSTIC: served.model}, {}, {LANGUAGE_AGNOSTIC: SHIPPED},
        served.model.scoring, version_dirs(served.settings, served.champions.versions),
    )  # fmt: skip
    app.include_router(build_ores_router(ores, 1 << 20))
    info = {"model_info": f'version|statistics.thresholds.true."{PRECISE}"'}
    served.champions.armed = True
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ores"
    ) as http:
        response = await http.get(
            "/v3/scores/enwiki/", params={"models": LANGUAGE_AGNOSTIC, "revids": "4001", **info}
        )
        assert not served.champions.armed
        # The next request is the new version's: its own thresholds, and German only.
        after = await http.get("/v3/scores/dewiki/", params=info)
    assert response.status_code == 200, response.text
    enwiki = response.json()["enwiki"]
    shipped = enwiki["models"][LANGUAGE_AGNOSTIC]
    assert shipped["version"] == SHIPPED_VERSION
    assert shipped["statistics"]["thresholds"]["true"] == [answer_threshold_query(
        load_threshold_table(SHIPPED / THRESHOLDS_FILENAME), PRECISE)]  # fmt: skip
    assert shipped["statistics"]["thresholds"]["true"] != [None]
    assert "probability" in enwiki["scores"]["4001"][LANGUAGE_AGNOSTIC]["score"]
    assert [(e.model_version, e.rev_id) for e in served.events] == [(SHIPPED_VERSION, 4001)]
    assert held_versions(served.model, 4001) == [SHIPPED_VERSION]
    german = after.json()["dewiki"]["models"][LANGUAGE_AGNOSTIC]
    assert german == {"version": GERMAN_ONLY, "statistics": {"thresholds": {"true": [None]}}}
