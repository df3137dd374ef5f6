"""Training revertrisk-multilingual end to end; with the small text models it takes minutes (e2e)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from revertrisk_service.models.multilingual.features import SHIPPED_GROUPS, TEXT_MODELS
from revertrisk_service.models.multilingual.model import MultilingualModel
from revertrisk_service.training.holdout import is_held_out
from revertrisk_service.training.multilingual import (
    DATA_FILE,
    DEFAULT_DATA_DIR,
    main,
)
from revertrisk_service.training.text_classifiers import train_tokenizer

needs_data = pytest.mark.skipif(
    not (DEFAULT_DATA_DIR / DATA_FILE).exists(), reason="shared/data is not present"
)


def test_tokenizer_vocabulary_is_deterministic_and_spells_unseen_words() -> None:
    corpus = ["Paris ist die Hauptstadt.", "Москва — столица.", "東京は首都。"] * 2
    first, second = train_tokenizer(corpus), train_tokenizer(list(reversed(corpus)))
    assert first.get_vocab() == second.get_vocab()
    assert "[UNK]" not in first.tokenize("Hauptstadtes столицам")  # seen letters spell new words


@needs_data
def test_training_is_reproducible_to_the_byte_and_loadable(tmp_path: Path) -> None:
    """Same data and seed: same model.cbm bytes (no finish time, no random GUID), same manifest,
    same version; the hold-out rows are never trained on."""
    first = main(tmp_path / "a", DEFAULT_DATA_DIR, seed=42)
    second = main(tmp_path / "b", DEFAULT_DATA_DIR, seed=42)
    assert first["version"] == second["version"]
    for name in ("model.cbm", "model.json", "test_predictions.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert first["name"] == "revertrisk-multilingual"
    assert set(first["metrics"]) == {"holdout"}
    predictions = pd.read_csv(tmp_path / "a" / "test_predictions.csv")
    assert len(predictions) == first["metrics"]["holdout"]["rows"]
    assert predictions.apply(lambda r: is_held_out_revision(r), axis=1).all()
    model = MultilingualModel.load(tmp_path / "a", device="cpu")
    assert len(model.supported_langs()) == len(first["supported_wikis"])


def is_held_out_revision(row) -> bool:
    frame = pd.read_csv(DEFAULT_DATA_DIR / DATA_FILE, usecols=["revision_id", "page_title", "wiki_db"])
    match = frame[frame["revision_id"] == row["revision_id"]].iloc[0]
    return is_held_out(match["wiki_db"], str(match["page_title"]))


@needs_data
@pytest.mark.e2e
def test_small_text_models_train_deterministically(tmp_path: Path) -> None:
    """The small BERTs are trained when their group is asked for: deterministic torch gives the
    same weights, hence the same version, on a rebuild."""
    groups = (*SHIPPED_GROUPS, TEXT_MODELS)
    first = main(tmp_path / "a", DEFAULT_DATA_DIR, seed=42, groups=groups)
    second = main(tmp_path / "b", DEFAULT_DATA_DIR, seed=42, groups=groups)
    assert first["version"] == second["version"]
    for kind in ("title", "insert", "remove", "change"):
        weights = f"text_models/{kind}/model.safetensors"
        assert (tmp_path / "a" / weights).read_bytes() == (tmp_path / "b" / weights).read_bytes()
