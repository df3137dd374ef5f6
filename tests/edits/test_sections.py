"""Changed-section trimming: the same boundaries as before, and the same mwedittypes counts and
texts as diffing whole pages (real fixture revisions and edits built from training rows)."""

from __future__ import annotations

import random
import re

import pytest

from revertrisk_devtools.edit_pairs import EditPair, fixture_pairs, pairs_from_rows, read_rows
from revertrisk_service.edits.edit_types import diff_outlines, diff_texts
from revertrisk_service.edits.outline_trees import parse_outlines
from revertrisk_service.edits.sections import (
    MAX_CHANGED_CHARS,
    changed_sections,
    heading_starts,
    split_sections,
)
from revertrisk_service.edits.texts import extract_texts
from revertrisk_service.edits.wikitext import outline_delta, wikitext_stats
from revertrisk_service.locations import DEFAULT_DATA_DIR

# The MULTILINE search it replaces: the definition of a heading line has not changed.
OLD_HEADING_LINE = re.compile(r"^(={1,6})[^\n]*?\1[ \t]*$", re.MULTILINE)
TRAINING_CSV = DEFAULT_DATA_DIR / "ki_multilingual_sample.csv"


def random_wikitext(rng: random.Random) -> str:
    pieces = ["=", "==", "===", " ", "\t", "\n", "a", "b c", "{{", "}}", "<!--", "-->", "x=y", "é"]
    return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 80)))


def test_heading_search_finds_what_the_multiline_regex_found() -> None:
    rng = random.Random(3)
    texts = [random_wikitext(rng) for _ in range(3000)]
    texts += [p.parent for p in fixture_pairs()]
    for text in texts:
        assert heading_starts(text) == [m.start() for m in OLD_HEADING_LINE.finditer(text)], text


def test_split_rejoins_and_never_cuts_inside_comments_or_templates() -> None:
    text = "Lead\n== A ==\nx\n<!--\n== hidden ==\n-->\n== B ==\n{{box|\n== inside ==\n}}\n== C ==\n"
    parts = split_sections(text)
    assert "".join(parts) == text
    assert [p.split("\n", 1)[0] for p in parts] == ["Lead", "== A ==", "== B ==", "== C =="]


def assert_same_as_whole_pages(pair: EditPair) -> None:
    whole = diff_texts(pair.parent, pair.current, pair.lang)
    # As serving does (signals.facts): the outlines parsed once, the differ over the trees, then
    # the structure counts over the same trees.
    trees = parse_outlines(changed_sections(pair.parent, pair.current))
    trimmed = diff_outlines(trees, pair.lang)
    assert trimmed is not None, pair.name
    assert trimmed.counts == whole.counts, pair.name
    assert extract_texts(trimmed.tree_diff, "T") == extract_texts(whole.tree_diff, "T"), pair.name
    whole_delta = wikitext_stats(pair.current, pair.lang).minus(
        wikitext_stats(pair.parent, pair.lang)
    )
    assert outline_delta(trees, pair.lang) == whole_delta, pair.name


@pytest.mark.parametrize("pair", list(fixture_pairs()), ids=lambda p: p.name)
def test_trimmed_diff_matches_whole_pages_on_fixture_revisions(pair: EditPair) -> None:
    assert_same_as_whole_pages(pair)


def test_runs_of_shared_sections_collapse_but_moves_stay_visible() -> None:
    lead = "'''X''' is a [[thing]].\n"
    parts = [f"== S{k} ==\nText {k} with [[link {k}]].\n" for k in range(8)]
    edited = parts[5].replace("Text", "Changed text")
    parent = lead + "".join(parts)
    one_edit = changed_sections(parent, lead + "".join([*parts[:5], edited, *parts[6:]]))
    # The lead and S0-S4 become one placeholder, S6-S7 another; S5 is there in full.
    assert one_edit.parent_outline.count("\n") == 1 + edited.count("\n") + 1
    moved = [*parts[:2], *parts[5:], *parts[2:5]]
    for current in (moved, [*moved[:3], edited, *moved[4:]]):
        pair = EditPair("moved run", "en", parent, lead + "".join(current))
        assert_same_as_whole_pages(pair)
        assert diff_texts(pair.parent, pair.current, "en").counts["move_Section"] > 0


@pytest.mark.skipif(not TRAINING_CSV.exists(), reason="training data not present")
def test_trimmed_diff_matches_whole_pages_on_training_rows() -> None:
    # bench/check_changed_sections.py runs all 1,000 rows; 60 keep this test quick.
    for pair in pairs_from_rows(read_rows(TRAINING_CSV)[:60]):
        assert_same_as_whole_pages(pair)


def test_an_edit_too_large_to_diff_is_capped_not_parsed() -> None:
    parent = "Lead\n" + "word " * (MAX_CHANGED_CHARS // 5)
    changed = changed_sections(parent, parent.replace("word", "w0rd"))
    assert changed.too_large_to_parse
    assert diff_outlines(parse_outlines(changed), "en") is None
