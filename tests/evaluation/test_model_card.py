"""Model cards and the evaluate_model_dir entry point on a synthetic model directory."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from revertrisk_service.evaluation.evaluate import evaluate_model_dir
from revertrisk_service.evaluation.model_card import render_model_card_markdown
from revertrisk_service.transparency.model_card import build_model_card
from revertrisk_service.transparency.threshold_table import load_threshold_table

MANIFEST = {
    "name": "revertrisk-test",
    "version": "0.1.0",
    "features": ["user_is_anonymous", "bytes_diff"],
    "training_data": {"file": "ki_multilingual_sample.csv", "description": "1,000 real revisions"},
    "metrics": {"roc_auc": 0.7},
    "library_versions": {"xgboost": "3.0.0"},
}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("model")
    rng = np.random.default_rng(3)
    n = 240
    label = (rng.random(n) < 0.15).astype(int)
    anonymous = rng.random(n) < 0.3
    pd.DataFrame(
        {
            "wiki_db": rng.choice(["enwiki", "dewiki", "fiwiki"], n, p=[0.5, 0.4, 0.1]),
            "revision_id": np.arange(n),
            "is_anonymous": anonymous,
            "label": label,
            "score": np.clip(0.35 * label + rng.random(n) * 0.65, 0, 1),
        }
    ).to_csv(directory / "test_predictions.csv", index=False)
    (directory / "model.json").write_text(json.dumps(MANIFEST))
    return directory


@pytest.fixture(scope="module")
def card(model_dir) -> dict:
    return evaluate_model_dir(model_dir)


def test_evaluate_model_dir_writes_every_file(model_dir, card):
    for name in ("evaluation.json", "EVALUATION.md", "thresholds.json", "MODEL_CARD.md"):
        assert (model_dir / name).stat().st_size > 0, name
    for plot in card["plots"].values():
        assert (model_dir / plot).read_bytes().startswith(b"\x89PNG")
    assert len(load_threshold_table(model_dir / "thresholds.json")) == 1001


def test_evaluation_json_is_deterministic(model_dir, card):
    first = (model_dir / "evaluation.json").read_text()
    evaluate_model_dir(model_dir)
    assert (model_dir / "evaluation.json").read_text() == first


def test_card_carries_manifest_and_evaluation(card):
    assert card["name"] == "revertrisk-test" and card["version"] == "0.1.0"
    assert card["features"] == MANIFEST["features"] and card["feature_count"] == 2
    assert card["training_data"] == MANIFEST["training_data"]
    assert card["library_versions"] == {"xgboost": "3.0.0"}
    evaluation = card["evaluation"]
    assert evaluation["test_set"]["n"] == 240
    assert (
        evaluation["roc_auc"]["ci_low"]
        <= evaluation["roc_auc"]["value"]
        <= evaluation["roc_auc"]["ci_high"]
    )
    assert evaluation["user_groups"]["disparate_impact_labels"]["value"] is not None
    assert [p["query"] for p in evaluation["operating_points"]]


def test_card_states_what_not_to_use_it_for(card):
    text = " ".join(card["do_not_use"])
    for needle in ("automatically", "Page creations", "namespace 0", "Wikidata"):
        assert needle in text


def test_card_without_evaluation_uses_the_manifest_only():
    card = build_model_card(MANIFEST, None)
    assert card["evaluation"] is None and "evaluation_status" in card
    markdown = render_model_card_markdown(card)
    assert "# Model card: revertrisk-test 0.1.0" in markdown and "not evaluated yet" in markdown
    json.dumps(card)


def test_markdown_mentions_small_data_plots_and_metrics(model_dir, card):
    markdown = (model_dir / "MODEL_CARD.md").read_text()
    assert "not production-grade" in markdown
    assert "plots/pr_curve.png" in markdown and "roc_auc" in markdown
    assert "ki_multilingual_sample.csv" in markdown


def test_supported_wikis_may_be_listed_as_entries() -> None:

    manifest = {
        "name": "m",
        "version": "1",
        "features": ["a"],
        "supported_wikis": [{"lang": "ar", "dbname": "arwiki"}, {"lang": "en", "dbname": "enwiki"}],
        "training_data": {},
        "metrics": {},
        "library_versions": {},
    }
    markdown = render_model_card_markdown(build_model_card(manifest, None))
    assert "arwiki, enwiki" in markdown


def test_the_card_lists_each_source_and_its_figures_per_source():
    source = {"source": "acewiki", "kind": "history", "files": ["acewiki.xml.bz2"],
              "wikis": ["acewiki"], "rows": 40, "positives": 9, "anonymous_rows": 7, "pages": 12,
              "date_range": ["2008-01-01", "2017-04-29"], "holdout": "by page",
              "licence": "CC BY-SA"}
    figures = {"rows": 8, "positives": 2, "auc": 0.75, "auc_anonymous": None,
               "anonymous_rows": 1}
    mix = {"train_rows": 32, "all": figures, "history_sources": figures,
           "per_source": {"acewiki": figures}}
    manifest = {**MANIFEST, "training_data": {"rows": 40, "sources": [source]},
                "metrics": {"sources": {"holdout": {"acewiki": "by page"},
                                        "mixes": {"all_sources": mix, "sample_only": mix},
                                        "wiki_left_out": {"acewiki": {
                                            "train_rows": 30, "without_it": figures}}}}}
    markdown = render_model_card_markdown(build_model_card(manifest, None))
    assert "| acewiki (acewiki.xml.bz2) | history | acewiki | 40 (9, 7) | 12 |" in markdown
    assert "| acewiki (8, 2 reverted) | 0.750 (n/a) | 0.750 (n/a) |" in markdown
    assert "| acewiki | 8 (2) | 0.750 | n/a |" in markdown
    assert "CC BY-SA" in markdown
