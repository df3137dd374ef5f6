"""Pooling of text-classifier outputs into per-revision features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from revertrisk_service.edits.texts import EditTexts
from revertrisk_service.models.multilingual.features import (
    BASE_FEATURES,
    DEFAULT_MAX_TEXTS_PER_REVISION,
    FEATURE_NAMES,
    cap_texts,
)
from revertrisk_service.models.multilingual.text_classifiers import MISSING, pool_scores
from revertrisk_service.signals.text_models import TEXT_SCORE_FEATURES
from revertrisk_service.training.multilingual import DATA_FILE, DEFAULT_DATA_DIR


def test_revisions_without_texts_get_minus_one() -> None:
    logits = np.array([[2.0, 0.0], [0.0, 2.0], [1.0, 1.0]], dtype=np.float32)
    pooled = pool_scores("insert", logits, owners=[0, 0, 2], n_revisions=3)
    assert all(values[1] == MISSING for values in pooled.values())
    assert pooled["insert_s_0_max"][0] == pytest.approx(2.0)
    assert pooled["insert_s_1_mean"][0] == pytest.approx(1.0)
    p_high = np.exp(2.0) / (1 + np.exp(2.0))
    assert pooled["insert_p_1_max"][0] == pytest.approx(p_high)
    assert pooled["insert_p_0_mean"][0] == pytest.approx((p_high + 1 - p_high) / 2)
    assert pooled["insert_p_0_max"][2] == pytest.approx(0.5)


def test_no_texts_at_all() -> None:
    pooled = pool_scores("change", np.zeros((0, 2), dtype=np.float32), owners=[], n_revisions=2)
    assert set(pooled) == {n for n in TEXT_SCORE_FEATURES if n.startswith("change_")}
    assert all((v == MISSING).all() for v in pooled.values())


def test_title_has_class_zero_only() -> None:
    pooled = pool_scores("title", np.array([[0.0, 0.0]], dtype=np.float32), [0], 1)
    assert pooled == {"title_s_0": pytest.approx([0.0]), "title_p_0": pytest.approx([0.5])}


@pytest.mark.skipif(not (DEFAULT_DATA_DIR / DATA_FILE).exists(), reason="no shared/data")
def test_text_feature_names_follow_the_training_csv() -> None:
    header = list(pd.read_csv(DEFAULT_DATA_DIR / DATA_FILE, nrows=0).columns)
    csv_text_columns = header[header.index("insert_s_0_max") : header.index("remove_p_1_mean") + 1]
    assert tuple(csv_text_columns) == TEXT_SCORE_FEATURES


def test_feature_list_is_base_plus_text_scores_with_wiki_last() -> None:
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    assert set(FEATURE_NAMES) == set(BASE_FEATURES) | set(TEXT_SCORE_FEATURES)
    assert FEATURE_NAMES[-1] == BASE_FEATURES[-1] == "wiki_db"


def test_cap_keeps_the_first_texts_in_order() -> None:
    many = [f"s{i}" for i in range(DEFAULT_MAX_TEXTS_PER_REVISION + 5)]
    capped = cap_texts(EditTexts(title="t", inserts=many, removes=many[:2]), 3)
    assert capped.inserts == ["s0", "s1", "s2"]
    assert capped.removes == ["s0", "s1"]
