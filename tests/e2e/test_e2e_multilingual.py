"""The multilingual model served for real, against the real MediaWiki harness."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from support.outcomes import MEDIAWIKI_OUTCOMES

from revertrisk_devtools.service_process import RunningService, run_service

pytestmark = pytest.mark.e2e

ML = "revertrisk-multilingual"


@pytest.fixture(scope="module")
def service(local_wiki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    env = {"WIKI_URL": local_wiki.base_url, "MODELS": ML, "DEVICE": "cpu"}
    with run_service(env, tmp_path_factory.mktemp("ml-logs"), ready_timeout_s=180) as running:
        yield running


def predict(service: RunningService, body: object) -> httpx.Response:
    return httpx.post(f"{service.base_url}/v1/models/{ML}:predict", json=body, timeout=60)


@pytest.mark.parametrize(
    ("lang", "kind"),
    [("en", "registered_edit"), ("en", "anonymous_edit"), ("ru", "cyrillic_edit"), ("ar", "arabic_edit")],
)
def test_scores_real_edits_in_several_scripts(service: RunningService, local_wiki, lang: str, kind: str) -> None:
    rev_id = local_wiki.revs[kind]
    response = predict(service, {"lang": lang, "rev_id": rev_id})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model_name"] == ML and body["revision_id"] == rev_id
    assert body["wiki_db"] == f"{lang}wiki"
    probability = body["output"]["probabilities"]["true"]
    assert 0.0 <= probability <= 1.0
    assert body["output"]["prediction"] == (probability > 0.5)


def test_batch_matches_single_requests(service: RunningService, local_wiki) -> None:
    kinds = [("en", "registered_edit"), ("ru", "cyrillic_edit"), ("ar", "arabic_edit")]
    singles = [predict(service, {"lang": l, "rev_id": local_wiki.revs[k]}).json() for l, k in kinds]
    # A refresh makes the batch recompute (one padded pass) rather than replay the cached singles.
    batch = httpx.post(
        f"{service.base_url}/v1/models/{ML}:predict?refresh=true",
        json={"instances": [{"lang": l, "rev_id": local_wiki.revs[k]} for l, k in kinds]},
        timeout=60,
    )
    assert batch.status_code == 200, batch.text
    for single, batched in zip(singles, batch.json()["predictions"], strict=True):
        assert batched["revision_id"] == single["revision_id"]
        assert batched["output"]["probabilities"]["true"] == pytest.approx(
            single["output"]["probabilities"]["true"], abs=1e-4
        )


def test_unsupported_language_names_the_supported_ones(service: RunningService, local_wiki) -> None:
    response = predict(service, {"lang": "xh", "rev_id": local_wiki.revs["registered_edit"]})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unsupported_language"
    assert "en" in body["supported_langs"] and "xh" not in body["supported_langs"]


@pytest.mark.parametrize(("kind", "status", "code"), MEDIAWIKI_OUTCOMES)
def test_same_error_catalogue(service: RunningService, local_wiki, kind: str, status: int, code: str) -> None:
    response = predict(service, {"lang": "en", "rev_id": local_wiki.revs[kind]})
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
