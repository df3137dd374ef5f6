"""Both shipped models explain each edit exactly: base value plus contributions is the model's
log-odds (computed independently, tests/support/log_odds.py), and the probability is the one
`score` gives."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from support.log_odds import catboost_log_odds, xgboost_log_odds

from revertrisk_service.config import Settings
from revertrisk_service.mediawiki.types import EditContext, Page, Revision, User
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC, MULTILINGUAL
from revertrisk_service.models.language_agnostic.features import feature_matrix, feature_vector
from revertrisk_service.models.language_agnostic.model import LanguageAgnosticModel
from revertrisk_service.models.multilingual.features import CATEGORICAL_FEATURES, feature_frame
from revertrisk_service.models.multilingual.model import MultilingualModel
from revertrisk_service.models.scorer import signals_for
from revertrisk_service.wikis import resolve_lang

LA_MODEL = LanguageAgnosticModel.load(Settings().model_dir(LANGUAGE_AGNOSTIC))
ML_MODEL = MultilingualModel.load(Settings().model_dir(MULTILINGUAL))


def _revision(rev_id: int, content: str, comment: str, tags: tuple[str, ...] = ()) -> Revision:
    return Revision(
        rev_id=rev_id, parent_id=rev_id - 1, page_id=7, page_title="Paris", namespace=0,
        timestamp=datetime(2024, 5, 1, 12, rev_id % 60, tzinfo=UTC), user_text="Someone",
        user_id=3, comment=comment, size=len(content.encode()), minor=False, tags=tags,
        content=content, content_model="wikitext",
    )  # fmt: skip


def _context(lang: str, before: str, after: str, anonymous: bool, comment: str = "") -> EditContext:
    user = User(
        name=None if anonymous else "Someone", user_id=0 if anonymous else 3,
        is_anonymous=anonymous, is_temporary=False, editcount=None if anonymous else 420,
        registration=None if anonymous else datetime(2020, 1, 1, tzinfo=UTC),
        groups=() if anonymous else ("autoconfirmed", "extendedconfirmed"),
    )  # fmt: skip
    return EditContext(
        wiki=resolve_lang(lang),
        revision=_revision(102, after, comment, ("mobile edit",) if anonymous else ()),
        parent=_revision(101, before, ""),
        user=user,
        page=Page(7, "Paris", 0, datetime(2010, 1, 1, tzinfo=UTC)),
    )


PROSE = "Paris is the capital of France. It has many museums. [[Louvre]] is one.\n"
CONTEXTS = [
    c
    for c in (
        _context("en", PROSE, PROSE + "LOL this is SO stupid!!!\n", anonymous=True),
        _context("en", PROSE, PROSE.replace("many", "a great many") + "{{cite web|url=x}}\n",
                 anonymous=False, comment="/* History */ expanded"),
        _context("de", PROSE * 3, PROSE, anonymous=True),
        _context("ru", "Москва — столица России.\n", "Москва — большой город.\n", anonymous=False),
    )
]  # fmt: skip
# Each edit's solved signals, as the scoring call hands them to both models.
FACTS = [signals_for(c, [LA_MODEL, ML_MODEL]) for c in CONTEXTS]


def _total(explanation: dict) -> float:
    return explanation["base_value"] + math.fsum(explanation["contributions"])


def test_language_agnostic_adds_up_to_its_exact_log_odds() -> None:
    explained = LA_MODEL.explain(FACTS)
    exact = xgboost_log_odds(LA_MODEL._booster, feature_matrix(FACTS))
    assert [e.probability for e in explained] == LA_MODEL.score(FACTS)
    for one, log_odds in zip(explained, exact, strict=True):
        assert abs(_total(one.explanation) - log_odds) <= 1e-6
        # And the probability served is the sigmoid of that log-odds (to XGBoost's float32).
        assert abs(1 / (1 + math.exp(-log_odds)) - one.probability) <= 1e-6
    assert any(c != 0 for c in explained[0].explanation["contributions"])


def test_language_agnostic_values_are_the_features() -> None:
    (one,) = LA_MODEL.explain(FACTS[:1])
    expected = [None if math.isnan(v) else v for v in feature_vector(FACTS[0])]
    assert one.explanation["values"] == expected
    assert len(one.explanation["contributions"]) == len(LA_MODEL.feature_names)


def test_multilingual_adds_up_to_its_raw_formula_value() -> None:
    served = [f for f, c in zip(FACTS, CONTEXTS, strict=True) if ML_MODEL.supports(c.wiki)]
    assert len(served) >= 3
    explained = ML_MODEL.explain(served)
    frame = feature_frame(served, None, ML_MODEL.feature_names)
    exact = catboost_log_odds(ML_MODEL._booster, frame, list(CATEGORICAL_FEATURES))
    assert [e.probability for e in explained] == ML_MODEL.score(served)
    for one, log_odds in zip(explained, exact, strict=True):
        assert abs(_total(one.explanation) - log_odds) <= 1e-6
        assert one.explanation["values"][ML_MODEL.feature_names.index("wiki_db")].endswith("wiki")


@pytest.mark.parametrize("model", [LA_MODEL, ML_MODEL], ids=["language-agnostic", "multilingual"])
def test_explaining_nothing_costs_nothing(model) -> None:
    assert model.explain([]) == []


def test_float32_alone_would_miss_the_bound() -> None:
    """Why the explainer slices the trees: XGBoost's one-call float32 contributions can drift from
    the exact log-odds by about 1e-6 (this documents the measurement; it does not fail if a
    future XGBoost gets more precise)."""
    import xgboost as xgb

    matrix = feature_matrix(FACTS)
    data = xgb.DMatrix(matrix, missing=np.nan, feature_names=LA_MODEL._booster.feature_names)
    whole = LA_MODEL._booster.predict(data, pred_contribs=True).astype(np.float64).sum(axis=1)
    exact = np.array(xgboost_log_odds(LA_MODEL._booster, matrix))
    sliced = np.array([_total(e.explanation) for e in LA_MODEL.explain(FACTS)])
    assert np.abs(sliced - exact).max() <= max(np.abs(whole - exact).max(), 1e-6)
