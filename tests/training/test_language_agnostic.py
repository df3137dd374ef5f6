"""Training reproducibility and the shipped language-agnostic artifact."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from revertrisk_service.errors import ModelArtifactError
from revertrisk_service.mediawiki.types import EditContext, Page, Revision, User
from revertrisk_service.models.language_agnostic.features import FEATURE_NAMES
from revertrisk_service.models.language_agnostic.model import (
    DEFAULT_MODEL_DIR,
    LanguageAgnosticModel,
)
from revertrisk_service.models.scorer import Scorer, signals_for
from revertrisk_service.signals import given_facts, solve
from revertrisk_service.training.datasets import KI_FILE
from revertrisk_service.training.language_agnostic import DEFAULT_DATA_DIR, main
from revertrisk_service.wikis import resolve_lang

needs_data = pytest.mark.skipif(
    not (DEFAULT_DATA_DIR / KI_FILE).exists(), reason="shared/data is not present"
)


@needs_data
def test_training_is_reproducible_on_a_subsample(tmp_path: Path) -> None:
    first = main(tmp_path / "a", DEFAULT_DATA_DIR, seed=5, ki_limit=300, with_pan_check=False)
    second = main(tmp_path / "b", DEFAULT_DATA_DIR, seed=5, ki_limit=300, with_pan_check=False)
    assert first["metrics"] == second["metrics"]
    assert first["version"] == second["version"]
    assert (tmp_path / "a" / "model.ubj").read_bytes() == (tmp_path / "b" / "model.ubj").read_bytes()
    assert first["features"] == list(FEATURE_NAMES)
    assert first["training_data"]["rows"] == 300
    assert "wikitext_delta_references" in first["training_data"]["features_unused_absent_or_constant"]

    predictions = pd.read_csv(tmp_path / "a" / "test_predictions.csv")
    assert list(predictions.columns) == ["wiki_db", "rev_id", "is_anonymous", "label", "score"]
    assert len(predictions) == first["metrics"]["heldout_rows"]
    assert predictions["score"].between(0, 1).all()

    loaded = LanguageAgnosticModel.load(tmp_path / "a")
    assert loaded.version == first["version"]


def _facts(contexts):
    model = LanguageAgnosticModel.load(DEFAULT_MODEL_DIR)
    return [signals_for(c, [model]) for c in contexts]


def _context(text_before: str, text_after: str, anonymous: bool) -> EditContext:
    when = datetime(2024, 5, 2, 9, 30, tzinfo=UTC)

    def revision(rev_id: int, text: str, at: datetime, comment: str) -> Revision:
        return Revision(rev_id=rev_id, parent_id=rev_id - 1, page_id=1, page_title="Tokyo",
                        namespace=0, timestamp=at, user_text="x", user_id=0, comment=comment,
                        size=len(text.encode()), minor=False, tags=("mobile edit",),
                        content=text, content_model="wikitext")  # fmt: skip

    return EditContext(
        wiki=resolve_lang("ja"),
        revision=revision(11, text_after, when, "" if anonymous else "/* 歴史 */ 出典追加"),
        parent=revision(10, text_before, when - timedelta(minutes=5), ""),
        user=User(name="x", user_id=0 if anonymous else 9, is_anonymous=anonymous,
                  is_temporary=False, editcount=None if anonymous else 50,
                  registration=None if anonymous else when - timedelta(days=30)),
        page=Page(page_id=1, title="Tokyo", namespace=0, created_at=when - timedelta(days=4000)),
    )


def test_shipped_artifact_loads_and_scores_deterministically() -> None:
    model = LanguageAgnosticModel.load(DEFAULT_MODEL_DIR)
    assert isinstance(model, Scorer)
    assert model.name == "revertrisk-language-agnostic"
    assert model.supports(resolve_lang("zh-min-nan")) and model.supported_langs() is None
    parent = "'''東京'''は[[日本]]の首都。\n\n== 歴史 ==\n江戸。\n"
    contexts = [
        _context(parent, parent + "うんこ!!!!\n", anonymous=True),
        _context(parent, parent.replace("江戸。", "江戸。<ref>出典</ref>"), anonymous=False),
    ]
    scores = model.score(_facts(contexts))
    assert len(scores) == 2
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert model.score(_facts(contexts)) == scores
    assert model.score(_facts([])) == []
    unknown = solve(FEATURE_NAMES, given_facts())
    assert model.score([unknown])[0] == model.score([unknown])[0]


def test_shipped_manifest_describes_the_training(tmp_path: Path) -> None:
    manifest = json.loads((DEFAULT_MODEL_DIR / "model.json").read_text())
    assert manifest["features"] == list(FEATURE_NAMES)
    sources = {s["source"]: s for s in manifest["training_data"]["sources"]}
    assert sources["ki_multilingual_sample"]["files"] == [KI_FILE]
    # Trained on the shared real histories too, each with its licence and its hold-out rule.
    assert {"acewiki", "enwiki-Anarchism"} <= set(sources)
    assert all(s["licence"] and s["holdout"] for s in sources.values())
    assert "user groups" in manifest["training_data"]["history_rows_lack"]
    assert 0.5 < manifest["metrics"]["heldout_auc"] <= 1.0
    assert {"xgboost", "numpy", "python"} <= set(manifest["library_versions"])


def test_artifact_with_other_features_is_refused(tmp_path: Path) -> None:
    shutil.copytree(DEFAULT_MODEL_DIR, tmp_path, dirs_exist_ok=True)
    manifest = json.loads((tmp_path / "model.json").read_text())
    manifest["features"] = manifest["features"][::-1]
    (tmp_path / "model.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelArtifactError, match="Retrain"):
        LanguageAgnosticModel.load(tmp_path)


def test_a_single_page_history_trains_without_grouped_cross_validation() -> None:
    """One article's history (a single page) has no page-grouped folds: the figure is None with
    its reason, and training goes on rather than failing."""
    import numpy as np

    from revertrisk_service.training.language_agnostic import CV_FOLDS, _grouped_cv_auc

    x = np.zeros((20, 3), dtype=np.float32)
    y = np.array([0, 1] * 10, dtype=np.float32)
    result = _grouped_cv_auc(x, y, ["enwiki:Anarchism"] * 20, seed=7)
    assert result["auc_out_of_fold"] is None
    assert result["skipped"] == f"1 page(s), fewer than the {CV_FOLDS} folds"
