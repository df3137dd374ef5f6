"""Wikitext structure counts and changed-section trimming on real-looking pages in several scripts."""

from __future__ import annotations

import pytest

from revertrisk_service.edits.edit_types import diff_outlines
from revertrisk_service.edits.outline_trees import parse_outlines
from revertrisk_service.edits.sections import changed_sections, split_sections


def edit_actions(parent: str, current: str, lang: str = "en") -> dict[str, int] | None:
    diff = diff_outlines(parse_outlines(changed_sections(parent, current)), lang)
    return None if diff is None else {k: v for k, v in diff.counts.items() if v}
from revertrisk_service.edits.wikitext import wikitext_stats

LATIN = """'''Ada Lovelace''' was an English [[mathematician]].<ref>{{cite book|title=Ada}}</ref>

== Life ==
She worked with [[Charles Babbage]] on the [[Analytical Engine]].
* First item
* Second item
[[File:Ada Lovelace portrait.jpg|thumb|Portrait]]
[https://example.org Archive]

[[Category:1815 births]]
"""

CYRILLIC = """'''Москва́''' — столица [[Россия|России]].<ref name="a">Источник</ref>

== История ==
{{Main|История Москвы}}
# Первый пункт
[[Файл:Moscow Kremlin.jpg|мини|Кремль]]
[[Категория:Столицы]]
"""

ARABIC = """'''القاهرة''' هي عاصمة [[مصر]].<ref>مصدر</ref><ref>مصدر آخر</ref>

== التاريخ ==
{{مرجع|عنوان=القاهرة}}
[[ملف:Cairo.jpg|تصغير]]
[[تصنيف:عواصم]]
"""

CJK = """'''東京都'''は[[日本]]の[[首都]]である。<ref>出典</ref>

== 歴史 ==
{| class="wikitable"
|-
| 人口 || 1400万
|}
[[ファイル:Tokyo.jpg|thumb]]
[[Category:日本の都道府県]]
"""


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (LATIN, "en", {"references": 1, "wikilinks": 3, "external_links": 1, "categories": 1,
                       "media": 1, "headings": 1, "templates": 1, "list_items": 2}),
        (CYRILLIC, "ru", {"references": 1, "wikilinks": 1, "categories": 1, "media": 1,
                          "headings": 1, "templates": 1, "list_items": 1}),
        (ARABIC, "ar", {"references": 2, "wikilinks": 1, "categories": 1, "media": 1,
                        "headings": 1, "templates": 1}),
        (CJK, "ja", {"references": 1, "wikilinks": 2, "categories": 1, "media": 1,
                     "headings": 1, "tables": 1}),
    ],
)  # fmt: skip
def test_structure_counts_in_several_scripts(text: str, lang: str, expected: dict[str, int]) -> None:
    stats = wikitext_stats(text, lang)
    assert stats.chars == len(text)
    for name, count in expected.items():
        assert getattr(stats, name) == count, name


def test_stats_difference_is_fieldwise() -> None:
    delta = wikitext_stats(LATIN + "<ref>x</ref>").minus(wikitext_stats(LATIN))
    assert delta.references == 1
    assert delta.wikilinks == 0
    assert delta.chars == len("<ref>x</ref>")


def test_sections_split_at_headings_and_rejoin_exactly() -> None:
    parts = split_sections(LATIN)
    assert len(parts) == 2
    assert parts[1].startswith("== Life ==")
    assert "".join(parts) == LATIN


def test_changed_sections_drop_identical_sections() -> None:
    lede, body = split_sections(CYRILLIC)
    edited = lede + body.replace("Первый пункт", "Первый пункт, исправленный")
    changed = changed_sections(CYRILLIC, edited)
    parent_part, current_part = changed.parent, changed.current
    assert parent_part == body
    assert "исправленный" in current_part
    assert lede not in current_part


def test_edit_actions_count_the_structural_change() -> None:
    parent = LATIN
    current = LATIN.replace("[[Analytical Engine]].", "[[Analytical Engine]].<ref>Babbage 1864</ref>")
    actions = edit_actions(parent, current, "en")
    assert actions is not None
    assert actions.get("insert_Reference") == 1


def test_identical_revisions_have_no_actions() -> None:
    assert edit_actions(ARABIC, ARABIC, "ar") == {}


def test_huge_changes_are_not_parsed() -> None:
    from revertrisk_service.edits.sections import MAX_CHANGED_CHARS

    parent = "== A ==\n" + "x " * MAX_CHANGED_CHARS
    assert edit_actions(parent, parent.replace("x", "y"), "en") is None
