"""Text extraction and edit types of the multilingual model, on real-looking wikitext."""

from __future__ import annotations

import pandas as pd
import pytest

from revertrisk_service.edits.edit_types import EDIT_TYPE_COLUMNS, diff_outlines
from revertrisk_service.edits.outline_trees import parse_outlines
from revertrisk_service.edits.sections import changed_sections
from revertrisk_service.edits.texts import (
    extract_texts,
    pair_sentences,
    split_sentences,
)
from revertrisk_service.training.multilingual import DATA_FILE, DEFAULT_DATA_DIR

DATA = DEFAULT_DATA_DIR / DATA_FILE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Paris is big. It is old! Is it?", ["Paris is big.", "It is old!", "Is it?"]),
        ("Москва — столица России. Она большая.", ["Москва — столица России.", "Она большая."]),
        ("القاهرة عاصمة مصر. هل هي كبيرة؟ نعم", ["القاهرة عاصمة مصر.", "هل هي كبيرة؟", "نعم"]),
        ("لاہور ایک شہر ہے۔ یہ بڑا ہے", ["لاہور ایک شہر ہے۔", "یہ بڑا ہے"]),
        (
            "東京は日本の首都である。人口は多い！本当？",
            ["東京は日本の首都である。", "人口は多い！", "本当？"],
        ),
        ("Version 3.5 was released.\nNext line", ["Version 3.5 was released.", "Next line"]),
    ],
)
def test_split_sentences_across_scripts(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_pairing_separates_changes_removals_and_insertions() -> None:
    old = ["The river is 120 km long.", "It flows north.", "Fish live in it."]
    new = ["The river is 125 km long.", "Fish live in it.", "Completely unrelated new claim here!"]
    changes, removes, inserts = pair_sentences(old, new, threshold=0.7)
    assert changes == [("The river is 120 km long.", "The river is 125 km long.")]
    assert removes == ["It flows north."]
    assert inserts == ["Completely unrelated new claim here!"]


def test_pairing_threshold_is_configurable() -> None:
    old, new = ["Cats are mammals."], ["Dogs are mammals too."]
    assert pair_sentences(old, new, threshold=0.5)[0] == [(old[0], new[0])]
    assert pair_sentences(old, new, threshold=0.95) == ([], old, new)


def _texts(prev: str, curr: str, lang: str, title: str = "T"):
    diff = diff_outlines(parse_outlines(changed_sections(prev, curr)), lang)
    assert diff is not None
    return diff, extract_texts(diff.tree_diff, title)


def test_latin_wikitext_edit() -> None:
    prev = (
        "'''Lyon''' est une [[commune]] française. Elle est située au confluent du Rhône.\n\n"
        "== Histoire ==\nLa ville fut fondée en 43 av. J.-C.<ref>Livre</ref>\n"
    )
    curr = (
        "'''Lyon''' est une [[commune]] française. Elle est située au confluent du Rhône et "
        "de la Saône.\n\n== Histoire ==\nLa ville fut fondée en 43 av. J.-C.<ref>Livre</ref> "
        "Elle devint la capitale des Gaules.\n[[Catégorie:Ville]]\n"
    )
    diff, texts = _texts(prev, curr, "fr", "Lyon_(ville)")
    assert texts.title == "Lyon (ville)"
    assert texts.changes == [
        (
            "Elle est située au confluent du Rhône.",
            "Elle est située au confluent du Rhône et de la Saône.",
        )
    ]
    assert "Elle devint la capitale des Gaules." in texts.inserts
    assert texts.removes == []
    assert diff.counts["insert_Category"] == 1
    assert list(diff.counts) == list(EDIT_TYPE_COLUMNS)


def test_cyrillic_wikitext_edit() -> None:
    prev = "'''Казань''' — город в России. Население около миллиона человек.\n"
    curr = "'''Казань''' — город в России. Население более миллиона человек. Очень плохой город!!\n"
    _, texts = _texts(prev, curr, "ru")
    assert texts.changes == [
        ("Население около миллиона человек.", "Население более миллиона человек.")
    ]
    assert texts.inserts == ["Очень плохой город!!"]


def test_arabic_wikitext_edit() -> None:
    prev = "'''بغداد''' هي عاصمة العراق. تقع على نهر دجلة. كانت مركز الخلافة العباسية.\n"
    curr = "'''بغداد''' هي عاصمة العراق. تقع على ضفتي نهر دجلة.\n"
    _, texts = _texts(prev, curr, "ar")
    assert texts.changes == [("تقع على نهر دجلة.", "تقع على ضفتي نهر دجلة.")]
    assert texts.removes == ["كانت مركز الخلافة العباسية."]
    assert texts.inserts == []


def test_cjk_wikitext_edit() -> None:
    prev = "'''京都市'''は日本の都市である。人口は約百四十万人である。\n\n== 歴史 ==\n平安京が置かれた。\n"
    curr = "'''京都市'''は日本の都市である。人口は約百四十六万人である。\n\n== 歴史 ==\n平安京が置かれた。寺が多い！\n"
    _, texts = _texts(prev, curr, "ja")
    assert texts.changes == [("人口は約百四十万人である。", "人口は約百四十六万人である。")]
    assert texts.inserts == ["寺が多い！"]


def test_unchanged_text_yields_no_texts() -> None:
    page = "Plain text. Still plain.\n{{Infobox|a=1}}\n"
    diff, texts = _texts(page, page.replace("a=1", "a=2"), "en")
    assert (texts.inserts, texts.removes, texts.changes) == ([], [], [])
    assert diff.counts["change_Template"] == 1


@pytest.mark.skipif(not DATA.exists(), reason="shared/data is not present")
def test_edit_type_columns_are_the_training_csv_columns() -> None:
    header = pd.read_csv(DATA, nrows=0).columns
    csv_columns = [
        c for c in header
        if c.split("_")[0] in ("change", "insert", "move", "remove")
        and not c.endswith(("_max", "_mean", "_0"))
    ]  # fmt: skip
    assert tuple(csv_columns) == EDIT_TYPE_COLUMNS
