"""The language-agnostic feature list: values from known facts, NaN for unknown ones, and from a
fetched edit."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np

from revertrisk_service.mediawiki.types import EditContext, Page, Revision, User
from revertrisk_service.models.language_agnostic.features import (
    FEATURE_NAMES,
    feature_matrix,
    feature_vector,
)
from revertrisk_service.signals import FACTS, describe, edit_signals, given_facts, solve
from revertrisk_service.wikis import resolve_lang

EDIT_TIME = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
PARENT_TEXT = "'''Berlin''' ist die Hauptstadt [[Deutschland]]s.\n\n== Geschichte ==\nAlt.\n"
CURRENT_TEXT = (
    "'''Berlin''' ist die Hauptstadt [[Deutschland]]s.\n\n== Geschichte ==\nAlt.<ref>Quelle</ref>\n"
)


def _revision(rev_id: int, parent_id: int, text: str, when: datetime, **overrides) -> Revision:
    fields = {
        "rev_id": rev_id, "parent_id": parent_id, "page_id": 7, "page_title": "Berlin", "namespace": 0,
        "timestamp": when, "user_text": "Beispiel", "user_id": 42, "comment": "", "size": len(text.encode()),
        "minor": False, "tags": (), "content": text, "content_model": "wikitext",
    }  # fmt: skip
    fields.update(overrides)
    return Revision(**fields)


def _context(user: User, **revision_overrides) -> EditContext:
    return EditContext(
        wiki=resolve_lang("de"),
        revision=_revision(101, 100, CURRENT_TEXT, EDIT_TIME, **revision_overrides),
        parent=_revision(100, 99, PARENT_TEXT, EDIT_TIME - timedelta(hours=2)),
        user=user,
        page=Page(page_id=7, title="Berlin", namespace=0, created_at=EDIT_TIME - timedelta(days=10)),
    )


def _features(given) -> dict[str, float]:
    """The features as the booster reads them, from an EditContext or from given facts."""
    if isinstance(given, EditContext):
        values = edit_signals(given, FEATURE_NAMES)
    else:
        values = solve(FEATURE_NAMES, given)
    return dict(zip(FEATURE_NAMES, feature_vector(values)))


def test_feature_names_are_unique_and_described() -> None:
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    assert all(describe(name) for name in FEATURE_NAMES)


def test_unknown_facts_give_nan_everywhere() -> None:
    assert all(math.isnan(value) for value in _features(given_facts()).values())


def test_registered_editor_context() -> None:
    user = User(name="Beispiel", user_id=42, is_anonymous=False, is_temporary=False,
                groups=("*", "user", "autoconfirmed", "sysop"), editcount=999,
                registration=EDIT_TIME - timedelta(days=365))  # fmt: skip
    ctx = _context(user, comment="/* Geschichte */ Quelle ergänzt", tags=("visualeditor",),
                   minor=True)  # fmt: skip
    facts = edit_signals(ctx, FACTS)
    assert facts["wiki_db"] == "dewiki"
    assert facts["bytes_diff"] == len(CURRENT_TEXT.encode()) - len(PARENT_TEXT.encode())
    assert facts["seconds_since_parent_revision"] == 7200
    assert facts["page_age_seconds"] == 10 * 86_400
    assert facts["user_age_seconds"] == 365 * 86_400

    values = _features(ctx)
    assert values["user_is_anonymous"] == 0.0
    assert values["user_is_admin"] == 1.0
    assert values["user_is_reviewer"] == 0.0
    assert values["user_known_group_count"] == 1.0
    assert values["user_age_days"] == 365.0
    assert values["user_log_editcount"] == math.log1p(999)
    assert values["is_visualeditor"] == 1.0
    assert values["is_mobile_edit"] == 0.0
    assert values["is_minor"] == 1.0
    assert values["comment_has_section_autosummary"] == 1.0
    assert values["comment_is_only_section_autosummary"] == 0.0
    assert values["comment_mentions_revert"] == 0.0
    assert values["actions_insert_reference"] == 1.0
    assert values["wikitext_delta_references"] == 1.0
    assert values["wikitext_delta_wikilinks"] == 0.0
    assert values["page_age_days"] == 10.0


def test_anonymous_editor_context_has_no_account_facts() -> None:
    user = User(name="192.0.2.5", user_id=0, is_anonymous=True, is_temporary=False,
                groups=("*",))  # fmt: skip
    ctx = _context(user, comment="Rückgängig gemacht", tags=("mobile edit", "mobile web edit"))
    values = _features(ctx)
    assert values["user_is_anonymous"] == 1.0
    assert math.isnan(values["user_age_days"])
    assert math.isnan(values["user_log_editcount"])
    assert values["user_known_group_count"] == 0.0
    assert values["is_mobile_web_edit"] == 1.0
    assert values["comment_mentions_revert"] == 1.0


def test_every_fact_is_described() -> None:
    assert all(describe(name) for name in FACTS)
    assert "edit_types" in FACTS and "texts" in FACTS


def test_comment_features_in_other_scripts() -> None:
    for comment in ("откат правок", "取り消し", "رجوع عن تعديل", "Undid revision 123 by X"):
        assert _features(given_facts(comment=comment))["comment_mentions_revert"] == 1.0, comment
    assert _features(given_facts(comment="نص عربي"))["comment_uppercase_ratio"] == 0.0
    assert _features(given_facts(comment="HELLO there"))["comment_uppercase_ratio"] == 0.5
    assert _features(given_facts(comment=""))["comment_is_empty"] == 1.0


def test_matrix_stacks_vectors_as_float32() -> None:
    facts = [solve(FEATURE_NAMES, given_facts(bytes_diff=12, user_is_anonymous=True)),
             solve(FEATURE_NAMES, given_facts())]
    matrix = feature_matrix(facts)
    assert matrix.shape == (2, len(FEATURE_NAMES))
    assert matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix[0], np.asarray(feature_vector(facts[0]), np.float32))
