"""A promotion under load, with no downtime: two real `revertrisk serve` processes sharing Redis
(score cache and aliases) answer a steady load of predict requests while the challenger is
promoted. No request fails; every request sent later than the stated bound after the promotion
is answered by the new version; and every answer's probability is its own version's score for
that revision, so no cached score crossed versions (the two versions score differently)."""

from __future__ import annotations

import asyncio
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from support.model_versions import SHIPPED, SHIPPED_VERSION

from revertrisk_devtools.flaky_api import FlakyApi
from revertrisk_devtools.redis_server import RedisServer
from revertrisk_devtools.service_process import RunningService, run_service
from revertrisk_service.config import Settings
from revertrisk_service.mediawiki.client import MediaWikiClient
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC
from revertrisk_service.models.installed_versions import ModelRegistry
from revertrisk_service.models.registry import load_scorer
from revertrisk_service.scoring.revision_scoring import RevisionScoring
from revertrisk_service.scoring.scoring_pool import ThreadScoring
from revertrisk_service.versions.aliases import RedisAliasStore
from revertrisk_service.versions.catalog import ModelVersions
from revertrisk_service.wikis import resolve_lang

pytestmark = pytest.mark.e2e

PREDICT = f"/v1/models/{LANGUAGE_AGNOSTIC}:predict"
POLL_S = 0.5
# Every process reads the aliases every POLL_S and then loads the new version's manifest (its
# scoring threads load the weights on first use): well within this.
BOUND_S = POLL_S + 2.5
REVISIONS = list(range(52_001, 52_041))  # asked again and again: misses, then cache hits


@dataclass(frozen=True)
class Answer:
    server: int
    sent: float
    status: int
    rev_id: int
    version: str | None
    probability: float | None


def load(services: list[RunningService], stop: threading.Event, answers: list[Answer]) -> None:
    clients = [httpx.Client(base_url=s.base_url, timeout=30) for s in services]
    turn = 0
    try:
        while not stop.is_set():
            server = turn % len(clients)
            rev_id = REVISIONS[(turn // 2) % len(REVISIONS)]
            turn += 1
            sent = time.monotonic()
            try:
                response = clients[server].post(PREDICT, json={"lang": "en", "rev_id": rev_id})
                body = response.json() if response.status_code == 200 else {}
                answers.append(Answer(
                    server, sent, response.status_code, rev_id, body.get("model_version"),
                    body.get("output", {}).get("probabilities", {}).get("true"),
                ))  # fmt: skip
            except httpx.HTTPError:
                answers.append(Answer(server, sent, 0, rev_id, None, None))
    finally:
        for client in clients:
            client.close()


async def expected_scores(wiki: FlakyApi, settings: Settings, version: str) -> dict[int, float]:
    """Each revision's probability from `version`, computed here without any cache."""
    runner = ThreadScoring(1)
    client = MediaWikiClient(wiki.url, "revertrisk-service tests")
    try:
        scorer = load_scorer(LANGUAGE_AGNOSTIC, settings, version)
        (answers,) = await RevisionScoring(client, runner).score(
            [scorer], [(resolve_lang("en"), r) for r in REVISIONS]
        )
    finally:
        runner.close()
        await client.aclose()
    return {
        r: o["output"]["probabilities"]["true"]  # type: ignore[index]
        for r, o in zip(REVISIONS, answers.outcomes, strict=True)
    }


def test_a_promotion_under_load_fails_no_request_and_crosses_no_cached_score(
    tmp_path: Path, synthetic_wiki: FlakyApi, redis_server: RedisServer, retrained: Path
) -> None:
    registry = tmp_path / "registry"
    versions = ModelVersions(ModelRegistry(registry), RedisAliasStore(redis_server.url))
    versions.ensure_champion(LANGUAGE_AGNOSTIC, SHIPPED)
    candidate = versions.install(LANGUAGE_AGNOSTIC, retrained)
    env = {
        "WIKI_URL": synthetic_wiki.url, "MODELS": LANGUAGE_AGNOSTIC, "REDIS_URL": redis_server.url,
        "MODEL_REGISTRY_DIR": str(registry), "VERSION_POLL_S": str(POLL_S),
        "SCORING_PROCESSES": "0", "LOG_LEVEL": "WARNING",
        "FEEDBACK_DATABASE_URL": f"sqlite:///{tmp_path / 'feedback.sqlite3'}",
    }  # fmt: skip
    answers: list[Answer] = []
    stop = threading.Event()
    with ExitStack() as stack:
        services = [stack.enter_context(run_service(env, tmp_path)) for _ in range(2)]
        loader = threading.Thread(target=load, args=(services, stop, answers))
        loader.start()
        try:
            time.sleep(3)
            promoted_at = time.monotonic()
            versions.promote(LANGUAGE_AGNOSTIC, candidate, by="tests")
            time.sleep(BOUND_S + 3)
        finally:
            stop.set()
            loader.join(60)
    failed = [a for a in answers if a.status != 200]
    assert not failed, failed[:5]
    late = [a for a in answers if a.sent > promoted_at + BOUND_S]
    before = [a for a in answers if a.sent < promoted_at]
    assert len(before) > 20 and len(late) > 20
    assert {a.version for a in before} == {SHIPPED_VERSION}
    assert {a.version for a in late} == {candidate}
    assert {a.server for a in late} == {0, 1}
    settings = Settings(model_registry_dir=registry)
    expected = {
        SHIPPED_VERSION: asyncio.run(expected_scores(synthetic_wiki, settings, SHIPPED_VERSION)),
        candidate: asyncio.run(expected_scores(synthetic_wiki, settings, candidate)),
    }
    assert expected[SHIPPED_VERSION] != expected[candidate]
    for answer in answers:
        assert answer.version is not None and answer.probability is not None
        assert answer.probability == pytest.approx(
            expected[answer.version][answer.rev_id], abs=1e-6
        ), answer
