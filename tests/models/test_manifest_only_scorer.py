"""The manifest-only stand-in answers as the loaded model does, so a serving process whose scoring
runs in worker processes can route requests without loading the weights."""

from __future__ import annotations

import pytest

from revertrisk_service.config import Settings
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC, MULTILINGUAL
from revertrisk_service.models.manifest import ModelManifest
from revertrisk_service.models.registry import describe_scorer, load_scorer
from revertrisk_service.models.scorer import ManifestOnlyScorer
from revertrisk_service.scoring.scoring_pool import ThreadScoring
from revertrisk_service.server.assembly import scorer_loader
from revertrisk_service.wikis import resolve_lang

WIKIS = [resolve_lang(lang) for lang in ("en", "de", "ar", "ru", "ja", "yo", "be-x-old", "nds")]


@pytest.mark.parametrize("name", [LANGUAGE_AGNOSTIC, MULTILINGUAL])
def test_it_answers_like_the_loaded_model(name: str) -> None:
    settings = Settings()
    loaded, described = load_scorer(name, settings), describe_scorer(name, settings)
    assert (described.name, described.version) == (loaded.name, loaded.version)
    assert described.supported_langs() == loaded.supported_langs()
    assert [described.supports(w) for w in WIKIS] == [loaded.supports(w) for w in WIKIS]
    with pytest.raises(RuntimeError, match="scoring processes"):
        described.score([])


@pytest.mark.parametrize(("every", "supports", "langs"), [(True, True, None), (False, False, [])])
def test_a_manifest_without_a_wiki_list(every: bool, supports: bool, langs: list | None) -> None:
    manifest = ModelManifest(name="m", version="1", features=[])
    scorer = ManifestOnlyScorer(manifest, serves_every_wiki_unlisted=every)
    assert scorer.supports(WIKIS[0]) is supports
    assert scorer.supported_langs() == langs


def test_threads_load_the_models_and_processes_only_describe_them() -> None:
    assert scorer_loader(None) is load_scorer
    assert scorer_loader(ThreadScoring(1)) is load_scorer
    # ProcessScoring starts processes; the choice is made on the type alone.
    from revertrisk_service.scoring.scoring_pool import ProcessScoring

    assert scorer_loader(ProcessScoring.__new__(ProcessScoring)) is describe_scorer
