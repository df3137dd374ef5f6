"""The CSV adapters on real rows of shared/data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from revertrisk_service.models.language_agnostic.features import FEATURE_NAMES, feature_vector
from revertrisk_service.signals import solve
from revertrisk_service.training.datasets import (
    KI_FILE,
    PAN_FILE,
    facts_from_ki_row,
    facts_from_pan_row,
    load_ki,
)
from revertrisk_service.training.holdout import holdout_mask
from revertrisk_service.training.language_agnostic import DEFAULT_DATA_DIR

pytestmark = pytest.mark.skipif(
    not (DEFAULT_DATA_DIR / KI_FILE).exists(), reason="shared/data is not present"
)


def _rows(name: str, n: int) -> list[dict]:
    return pd.read_csv(DEFAULT_DATA_DIR / name, nrows=n).to_dict("records")


def test_ki_row_maps_metadata_and_edit_actions() -> None:
    row = _rows(KI_FILE, 1)[0]  # frwiki, IP editor, visual editor, +35 bytes
    facts = facts_from_ki_row(row)
    assert facts["wiki_db"] == "frwiki" and facts["lang"] == "fr"
    assert facts["user_is_anonymous"] is True
    assert facts["user_groups"] == frozenset()
    assert facts["is_visualeditor"] is True and facts["is_mobile_edit"] is False
    assert facts["bytes_diff"] == 35
    assert facts["edit_types"] is not None and facts["edit_types"]["insert_Wikilink"] == 1
    assert facts["current_chars"] is None and facts["parent_chars"] is None
    assert facts["texts"] is not None and facts["texts"].changes
    values = dict(zip(FEATURE_NAMES, feature_vector(solve(FEATURE_NAMES, facts))))
    assert values["actions_insert_wikilink"] == 1.0
    assert values["user_is_anonymous"] == 1.0
    assert values["wikitext_delta_references"] != values["wikitext_delta_references"]  # NaN


def test_ki_group_flags_become_group_names() -> None:
    rows = [r for r in pd.read_csv(DEFAULT_DATA_DIR / KI_FILE).to_dict("records") if r["is_sysop"]]
    assert rows, "the sample has sysop edits"
    facts = facts_from_ki_row(rows[0])
    assert "sysop" in facts["user_groups"]
    assert facts["user_is_anonymous"] is False


def test_ki_empty_summary_is_an_empty_comment_not_unknown() -> None:
    frame = pd.read_csv(DEFAULT_DATA_DIR / KI_FILE)
    row = frame[frame["event_comment"].isna()].iloc[0].to_dict()
    assert facts_from_ki_row(row)["comment"] == ""


def test_pan_rows_know_only_editor_summary_and_time() -> None:
    first, second = _rows(PAN_FILE, 2)
    facts = facts_from_pan_row(first)
    assert facts["user_is_anonymous"] is False  # "YUL89YYZ" is a user name
    assert facts["comment"].startswith("Disambiguate")
    assert facts["bytes_diff"] is None and facts["edit_types"] is None and facts["user_groups"] is None
    assert facts_from_pan_row({**second, "editor": "203.0.113.9"})["user_is_anonymous"] is True


def test_holdout_is_a_fixed_fifth_of_pages_never_split() -> None:
    data = load_ki(DEFAULT_DATA_DIR)
    held = holdout_mask([f["wiki_db"] for f in data.facts], [f["page_title"] for f in data.facts])
    train, test = np.flatnonzero(~held), np.flatnonzero(held)
    assert not {data.groups[i] for i in train} & {data.groups[i] for i in test}
    # The documented hold-out: 208 rows, 15 reverted, 44 anonymous (12 reverted).
    assert (len(test), sum(data.labels[i] for i in test)) == (208, 15)
    anonymous = [i for i in test if data.facts[i]["user_is_anonymous"]]
    assert (len(anonymous), sum(data.labels[i] for i in anonymous)) == (44, 12)
