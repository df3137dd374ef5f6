"""Which mwedittypes counting the training data follows, checked on its real rows.

ki_multilingual_sample.csv has no wikitext, but its `{action}_{Category}` columns still show how
they were counted. Three candidate definitions were once in the code: mwedittypes 3.x's
simple differ (the language-agnostic model's), and the structured differ with the insert/remove
overlap of text categories turned into changes, counting plain Text nodes from the tree diff
(the multilingual model's). The rows decide:
"""

from __future__ import annotations

import pandas as pd
import pytest
from mwedittypes import SimpleEditTypes

from revertrisk_service.edits.edit_types import (
    EDIT_CATEGORIES,
    EDIT_TYPE_COLUMNS,
    TEXT_CATEGORIES,
    diff_outlines,
)
from revertrisk_service.edits.outline_trees import parse_outlines
from revertrisk_service.edits.sections import changed_sections
from revertrisk_service.locations import DEFAULT_DATA_DIR

DATA = DEFAULT_DATA_DIR / "ki_multilingual_sample.csv"
pytestmark = pytest.mark.skipif(not DATA.exists(), reason="shared/data is not present")

NODE_CATEGORIES = [c for c in EDIT_CATEGORIES if c not in (*TEXT_CATEGORIES, "Text")]


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return pd.read_csv(DATA)


def _rows_with(rows: pd.DataFrame, *columns: str) -> int:
    return int((rows[list(columns)] > 0).all(axis=1).sum())


def test_node_inserts_and_removes_coexist_so_not_the_simple_differ(rows: pd.DataFrame) -> None:
    # The simple differ folds every insert/remove overlap into changes, so it can never report
    # both for one category; the data has such rows, and moves, which it never reports.
    both = sum(_rows_with(rows, f"insert_{c}", f"remove_{c}") for c in NODE_CATEGORIES)
    moves = int((rows[[f"move_{c}" for c in EDIT_CATEGORIES]] > 0).any(axis=1).sum())
    assert both > 0 and moves > 0
    parent = "Text [[A]] and {{T}}.\n"
    simple = SimpleEditTypes("wikitext", parent, "Text [[B]] and {{T}}.\n", lang="en").get_diff()
    assert simple["Wikilink"] == {"change": 1}


def test_text_categories_never_insert_and_remove_together_so_overlap_is_change(
    rows: pd.DataFrame,
) -> None:
    for category in TEXT_CATEGORIES:
        assert _rows_with(rows, f"insert_{category}") > 0
        assert _rows_with(rows, f"remove_{category}") > 0
        assert _rows_with(rows, f"insert_{category}", f"remove_{category}") == 0, category
    assert _rows_with(rows, "change_Word") > 200  # the overlap, reported as changes


def test_plain_text_nodes_count_only_when_moved(rows: pd.DataFrame) -> None:
    # The tree diff lists a changed Text node in nearly every prose edit; the data never has one.
    assert _rows_with(rows, "insert_Text") == 0 and _rows_with(rows, "change_Text") == 0
    assert _rows_with(rows, "move_Text") > 0


def test_the_counter_reproduces_a_training_row_exactly(rows: pd.DataFrame) -> None:
    """Row 0 adds "[[Louis XVI]] de France, " to one sentence (see its texts_change column)."""
    trained = {c: int(rows.iloc[0][c]) for c in EDIT_TYPE_COLUMNS if int(rows.iloc[0][c])}
    parent = (
        "Intro.\n\n== Liste ==\nOn trouve parmi les monarques éclairés : Marie-Thérèse, "
        "Charles Théodore de Bavière, Philippe Ier de Parme, Gustave III de Suède.\n\n"
        "== Autre ==\nTexte.\n"
    )
    current = parent.replace("Bavière, Philippe", "Bavière, [[Louis XVI]] de France, Philippe")
    diff = diff_outlines(parse_outlines(changed_sections(parent, current)), "fr")
    assert diff is not None
    assert {k: v for k, v in diff.counts.items() if v} == trained


def test_the_counter_never_breaks_the_data_invariants_on_an_edit() -> None:
    parent = "== A ==\nOne two three. Four five.\n\n== B ==\n[[X]] text.\n"
    current = "== A ==\nOne six three. Seven five eight.\n\n== B ==\n[[Y]] more text.\n"
    diff = diff_outlines(parse_outlines(changed_sections(parent, current)), "en")
    assert diff is not None
    for category in TEXT_CATEGORIES:
        assert not (diff.counts[f"insert_{category}"] and diff.counts[f"remove_{category}"])
    assert diff.counts["change_Text"] == 0 and diff.counts["insert_Text"] == 0
