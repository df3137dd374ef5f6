"""Each client's exact requests against the real service and a real MediaWiki: what it ends up with.

One class per client (ORES extension, AutoModerator, the `liftwing` package, Huggle, ORES's
`ores.api.Session`), each through the same cases: a scored revision, a missing one, one whose
text is deleted, a page creation, a wiki the service does not serve, and MediaWiki down. The
The compatibility table of docs/ores.md is this file in prose.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from support.clients import (
    AUTOMODERATOR_CAUTION_LEVELS,
    LA,
    ClientError,
    HuggleScore,
    RevisionNotFound,
    Scored,
    ServiceFailure,
    automoderator_fetch,
    huggle_fetch,
    ores_extension_fetch,
    ores_extension_highlights,
)

from revertrisk_devtools.ports import free_port
from revertrisk_devtools.service_process import RunningService, run_service

pytestmark = [
    pytest.mark.e2e,
    # ores 1.4.0's __init__ imports pkg_resources; nothing to fix on our side.
    pytest.mark.filterwarnings("ignore:pkg_resources is deprecated"),
]

UNSCORABLE = ["missing", "text_hidden", "page_creation", "non_wikitext"]
NOT_A_SERVED_WIKI = "wikidatawiki"  # a real wiki id, but not a Wikipedia


@pytest.fixture(scope="module")
def service(local_wiki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    env = {"WIKI_URL": local_wiki.base_url, "MODELS": LA}
    with run_service(env, tmp_path_factory.mktemp("contracts")) as running:
        yield running


@pytest.fixture(scope="module")
def mediawiki_down(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    env = {
        "WIKI_URL": f"http://127.0.0.1:{free_port()}",
        "MODELS": LA,
        "MEDIAWIKI_DEADLINE_S": "2",
        "MEDIAWIKI_MAX_RETRIES": "0",
    }
    with run_service(env, tmp_path_factory.mktemp("contracts-down")) as running:
        yield running


def lift_wing_score(service: RunningService, rev_id: int) -> float:
    response = httpx.post(
        f"{service.base_url}/v1/models/{LA}:predict", json={"lang": "en", "rev_id": rev_id}
    )
    assert response.status_code == 200, response.text
    return response.json()["output"]["probabilities"]["true"]


class TestOresExtension:
    """MediaWiki's ORES extension configured with this service as its Lift Wing base URL."""

    def base(self, service: RunningService) -> str:
        return service.base_url + "/"

    def test_scored_revision(self, service: RunningService, local_wiki) -> None:
        rev_id = local_wiki.revs["anonymous_edit"]
        # The extension may send a Host header for Lift Wing's ingress; it must not matter.
        result = ores_extension_fetch(
            self.base(service), rev_id, "enwiki", host="revertrisk.example.org"
        )
        assert isinstance(result, Scored) and result.attempts == 1
        assert result.probability == lift_wing_score(service, rev_id)
        assert result.prediction == (result.probability > 0.5)
        assert ores_extension_highlights(result) == (result.probability >= 0.95)
        # The version column holds 32 characters: ours must fit, not be cut.
        version = httpx.get(f"{service.base_url}/v3/scores/enwiki/").json()
        assert result.model_version == version["enwiki"]["models"][LA]["version"]

    @pytest.mark.parametrize("kind", UNSCORABLE)
    def test_unscorable_revisions_are_revision_not_found(
        self, service: RunningService, local_wiki, kind: str
    ) -> None:
        # Lift Wing answers 422 here, which the extension logs as a service failure.
        result = ores_extension_fetch(self.base(service), local_wiki.revs[kind], "enwiki")
        assert isinstance(result, RevisionNotFound), result
        assert result.message

    def test_wiki_not_served(self, service: RunningService) -> None:
        result = ores_extension_fetch(self.base(service), 5, NOT_A_SERVED_WIKI)
        assert isinstance(result, RevisionNotFound)  # as on Lift Wing: 400 with `detail`
        assert "wikidata" in result.message

    def test_mediawiki_down(self, mediawiki_down: RunningService) -> None:
        result = ores_extension_fetch(self.base(mediawiki_down), 5, "enwiki")
        assert result == ServiceFailure(502, attempts=1)

    def test_slow_mediawiki_gets_its_retry(self, tmp_path) -> None:
        from revertrisk_devtools.flaky_api import running, slow

        with running() as api:
            env = {
                "WIKI_URL": api.url,
                "MODELS": LA,
                "HTTP_TIMEOUT_S": "0.3",
                "MEDIAWIKI_DEADLINE_S": "4",
                "MEDIAWIKI_MAX_RETRIES": "2",
            }
            with run_service(env, tmp_path) as slow_service:
                api.push(*[slow(2.0)] * 3)  # the first attempt times out: 504
                result = ores_extension_fetch(self.base(slow_service), 5001, "enwiki")
        # Lift Wing answers 500 here, which the extension does not retry.
        assert isinstance(result, Scored) and result.attempts == 2


class TestAutoModerator:
    def test_scored_revision_without_content_type(self, service: RunningService, local_wiki) -> None:
        rev_id = local_wiki.revs["anonymous_edit"]
        probability = automoderator_fetch(service.base_url, rev_id, "en")
        assert isinstance(probability, float)
        assert probability == lift_wing_score(service, rev_id)
        reverts_at = [level for level in AUTOMODERATOR_CAUTION_LEVELS if probability > level]
        assert reverts_at == [] or probability > min(AUTOMODERATOR_CAUTION_LEVELS)

    @pytest.mark.parametrize("kind", UNSCORABLE)
    def test_unscorable_revisions_throw_without_retry(
        self, service: RunningService, local_wiki, kind: str
    ) -> None:
        # Lift Wing: 422; here 400. Both are 4xx: thrown once, never retried.
        assert automoderator_fetch(service.base_url, local_wiki.revs[kind], "en") == ClientError(
            400, attempts=1
        )

    def test_wiki_not_served(self, service: RunningService) -> None:
        assert automoderator_fetch(service.base_url, 5, "wikidata") == ClientError(400, attempts=1)

    def test_mediawiki_down_is_retried_once(self, mediawiki_down: RunningService) -> None:
        # Lift Wing: 500; here 502. Both are retried once, then thrown.
        assert automoderator_fetch(mediawiki_down.base_url, 5, "en") == ServiceFailure(502, 2)


class TestLiftwingPackage:
    """The `liftwing` client from PyPI, pointed at this service."""

    def client(self, service: RunningService):
        from liftwing import RevertRiskAPIModel

        return RevertRiskAPIModel(base_url=f"{service.base_url}/v1/models/{LA}:predict")

    def test_scored_revision(self, service: RunningService, local_wiki) -> None:
        rev_id = local_wiki.revs["registered_edit"]
        answer = self.client(service).request({"lang": "en", "rev_id": rev_id})
        assert answer["model_name"] == LA
        assert answer["wiki_db"] == "enwiki" and answer["revision_id"] == rev_id
        assert answer["output"]["probabilities"]["true"] == lift_wing_score(service, rev_id)

    @pytest.mark.parametrize(
        ("kind", "code"),
        [
            ("missing", "revision_not_found"),
            ("text_hidden", "revision_info_deleted"),
            ("page_creation", "parent_revision_missing"),
            ("non_wikitext", "unsupported_content_model"),
        ],
    )
    def test_unscorable_revisions(self, service: RunningService, local_wiki, kind: str, code: str) -> None:
        answer = self.client(service).request({"lang": "en", "rev_id": local_wiki.revs[kind]})
        # Code written for Lift Wing reads `detail`; ours adds the stable code.
        assert answer["detail"] and answer["code"] == code

    def test_wiki_not_served(self, service: RunningService) -> None:
        answer = self.client(service).request({"lang": "wikidata", "rev_id": 5})
        assert answer["code"] == "invalid_lang" and "wikidata" in answer["detail"]

    def test_mediawiki_down(self, mediawiki_down: RunningService) -> None:
        answer = self.client(mediawiki_down).request({"lang": "en", "rev_id": 5})
        # Lift Wing's MediaWiki failures carry `error`; ours carry it and `detail`.
        assert answer["code"] == "mediawiki_unavailable" and answer["error"] and answer["detail"]


class TestHuggle:
    """Huggle's ORES scoring with this service as its ORES URL, Huggle unchanged."""

    def test_scored_revision_reads_reverted(self, service: RunningService, local_wiki) -> None:
        rev_id = local_wiki.revs["anonymous_edit"]
        result = huggle_fetch(service.base_url, "enwiki", rev_id)
        assert result == HuggleScore("reverted", lift_wing_score(service, rev_id))

    @pytest.mark.parametrize(
        ("kind", "error_type"),
        [
            ("missing", "RevisionNotFound"),
            ("text_hidden", "TextDeleted"),
            ("page_creation", "RevisionNotScorable"),
            ("non_wikitext", "RevisionNotScorable"),
        ],
    )
    def test_unscorable_revisions(
        self, service: RunningService, local_wiki, kind: str, error_type: str
    ) -> None:
        result = huggle_fetch(service.base_url, "enwiki", local_wiki.revs[kind])
        assert isinstance(result, str) and result.startswith(f"{error_type}: ")

    def test_wiki_not_served(self, service: RunningService) -> None:
        response = httpx.get(f"{service.base_url}/v3/scores/{NOT_A_SERVED_WIKI}?revids=5")
        assert response.status_code == 404  # ORES's status for an unknown context
        assert huggle_fetch(service.base_url, NOT_A_SERVED_WIKI, 5) == (
            f"No scorers available for {NOT_A_SERVED_WIKI}"
        )

    def test_mediawiki_down(self, mediawiki_down: RunningService) -> None:
        result = huggle_fetch(mediawiki_down.base_url, "enwiki", 5)
        assert isinstance(result, str) and result.startswith("DependencyError: ")


class TestOresApiSession:
    """ORES's own Python client, `ores.api.Session`, pointed at this service."""

    def session(self, service: RunningService):
        from ores.api import Session

        return Session(service.base_url, user_agent="revertrisk-service contract test")

    def test_scores_and_errors_in_one_batch(self, service: RunningService, local_wiki) -> None:
        revs = local_wiki.revs
        ids = [revs[k] for k in ("registered_edit", "anonymous_edit", "missing", "text_hidden",
                                 "page_creation")]
        scores = list(self.session(service).score("enwiki", ["reverted", LA], ids))
        assert len(scores) == len(ids)
        for rev_id, score in zip(ids[:2], scores[:2], strict=True):
            assert score["reverted"] == score[LA]
            assert score["reverted"]["score"]["probability"]["true"] == lift_wing_score(
                service, rev_id
            )
        assert [s["reverted"]["error"]["type"] for s in scores[2:]] == [
            "RevisionNotFound",
            "TextDeleted",
            "RevisionNotScorable",
        ]

    def test_wiki_not_served(self, service: RunningService) -> None:
        (score,) = self.session(service).score(NOT_A_SERVED_WIKI, ["reverted"], [5])
        # The session turns a request-level error into one error per model and revision.
        assert score["reverted"]["error"]["code"] == "not found"

    def test_mediawiki_down(self, mediawiki_down: RunningService) -> None:
        (score,) = self.session(mediawiki_down).score("enwiki", ["reverted"], [5])
        assert score["reverted"]["error"]["type"] == "DependencyError"
