"""Training revertrisk-multilingual end to end (about two minutes on two cores: e2e)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from revertrisk_service.models.multilingual.model import MultilingualModel
from revertrisk_service.models.multilingual.text_training import train_tokenizer
from revertrisk_service.models.multilingual.train import DATA_FILE, DEFAULT_DATA_DIR, main

needs_data = pytest.mark.skipif(
    not (DEFAULT_DATA_DIR / DATA_FILE).exists(), reason="shared/data is not present"
)


def test_tokenizer_vocabulary_is_deterministic_and_spells_unseen_words() -> None:
    corpus = ["Paris ist die Hauptstadt.", "Москва — столица.", "東京は首都。"] * 2
    first, second = train_tokenizer(corpus), train_tokenizer(list(reversed(corpus)))
    assert first.get_vocab() == second.get_vocab()
    assert "[UNK]" not in first.tokenize("Hauptstadtes столицам")  # seen letters spell new words


@needs_data
@pytest.mark.e2e
def test_training_writes_a_loadable_artifact(tmp_path: Path) -> None:
    manifest = main(tmp_path, DEFAULT_DATA_DIR, seed=42)
    assert manifest["name"] == "revertrisk-multilingual"
    assert {"with_text_features", "baseline_without_text_features"} == set(manifest["metrics"])
    predictions = pd.read_csv(tmp_path / "test_predictions.csv")
    assert len(predictions) == manifest["metrics"]["with_text_features"]["rows"]
    model = MultilingualModel.load(tmp_path, device="cpu")
    assert len(model.supported_langs()) == len(manifest["supported_wikis"])
