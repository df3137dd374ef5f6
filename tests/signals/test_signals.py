"""The language-neutral text statistics, word priors, language ID and comment facts."""

from __future__ import annotations

import pytest

from revertrisk_service.edits.fragments import edit_fragments, pair_difference
from revertrisk_service.edits.language_id import language_id
from revertrisk_service.edits.scripts import main_script_share
from revertrisk_service.edits.text_stats import (
    compression_ratio,
    emoji_count,
    longest_char_run,
    longest_token,
    off_script_share,
    repeated_token_share,
    unbalanced_markup,
    uppercase_share,
)
from revertrisk_service.edits.texts import EditTexts
from revertrisk_service.edits.word_priors import profanity_count, word_rarity
from revertrisk_service.signals import CATALOGUE, given_facts, missing_packages, solve
from revertrisk_service.signals.groups import CHARACTERS, COMMENT, LANGUAGE_ID, WORD_PRIORS

# The candidate signals of both models' ablations.
CANDIDATES = tuple(n for g in (CHARACTERS, WORD_PRIORS, LANGUAGE_ID, COMMENT)
                   for n in CATALOGUE.in_group(g))


def signals_of(names=CANDIDATES, **facts):
    """The named signals of an edit whose facts are given (the others unknown)."""
    return solve(names, given_facts(**facts))


def texts(inserts=(), removes=(), changes=()):
    return EditTexts("Page", inserts=list(inserts), removes=list(removes), changes=list(changes))


def test_shouting_and_keyboard_mashing_stand_out():
    assert uppercase_share("HELLO world") == pytest.approx(0.5)
    assert uppercase_share("12345 !!") is None  # no cased letters: unknown, not zero
    assert uppercase_share("日本語") is None
    assert longest_char_run("nooooooo!!!") == 7
    assert longest_char_run("   ") == 0
    assert longest_token("a bcdefghij k") == 9


def test_repetitive_text_compresses_well():
    assert compression_ratio("lol " * 50) < 0.2
    prose = "Photosynthesis converts light energy into chemical energy in plants and algae."
    assert compression_ratio(prose) > 0.8
    assert compression_ratio("short") is None
    assert repeated_token_share("lol lol lol") == pytest.approx(2 / 3)
    assert repeated_token_share("") is None


def test_script_share_per_language_and_missing_for_unknown_languages():
    assert off_script_share("Привет мир", "en") == pytest.approx(1.0)
    assert off_script_share("Hello", "en") == pytest.approx(0.0)
    assert main_script_share("ひらがなと漢字", "ja") == pytest.approx(1.0)
    assert main_script_share("Beograd Београд", "sr") == pytest.approx(1.0)
    assert off_script_share("Hello", "xx-unknown") is None
    assert off_script_share("123", "en") is None


def test_markup_and_emoji():
    assert unbalanced_markup("[[link]] {{tpl}}") == 0
    assert unbalanced_markup("[[broken {{tpl") == 2
    assert emoji_count("nice 😀🔥 👍") == 3


def test_text_stats_of_an_empty_edit_are_missing_not_zero():
    values = signals_of(CATALOGUE.in_group(CHARACTERS), lang="en", texts=texts())
    assert values["ins_uppercase_share"] is None
    assert values["ins_chars"] == 0.0


def test_changed_sentences_contribute_only_what_differs():
    assert pair_difference("X is a city.", "X is a stupid city.", "en") == ("stupid", "")
    assert pair_difference("東京は都市です", "東京は大きな都市です", "ja") == ("大きな", "")
    added, removed = edit_fragments(["New sentence."], ["Old one."], [("a b c", "a x c")], "en")
    assert added == ["New sentence.", "x"]
    assert removed == ["Old one.", "b"]


def test_word_rarity_covers_wordfreq_languages_only():
    common = word_rarity("the house is big", "en")
    gibberish = word_rarity("asdfgh qwrtzx", "en")
    assert common["mean_zipf"] > 5
    assert gibberish["unknown_share"] == 1.0
    # Japanese needs a segmenter the service does not ship; an unknown wiki has no list at all.
    assert word_rarity("東京", "ja") == {"mean_zipf": None, "unknown_share": None, "min_zipf": None}
    assert word_rarity("word", "xx")["mean_zipf"] is None
    assert word_rarity("word", "no")["mean_zipf"] is not None  # Norwegian is filed as nb


def test_profanity_is_missing_for_languages_without_a_list():
    assert profanity_count("you are an asshole", "en") == 1
    assert profanity_count("a perfectly fine sentence", "en") == 0
    assert profanity_count("Arschloch", "de") == 1
    assert profanity_count("anything", "ka") is None
    priors = signals_of(CATALOGUE.in_group(WORD_PRIORS), lang="en",
                        texts=texts(["you asshole"], ["asshole"]))
    assert priors["ins_profanity"] == 1.0
    assert priors["ins_profanity_minus_removed"] == 0.0
    assert signals_of(["ins_profanity"], lang="ka", texts=texts(["x"]))["ins_profanity"] is None


def test_language_id_says_whether_inserted_text_is_in_the_wiki_language():
    english = "The quick brown fox jumps over the lazy dog near the river bank."
    assert language_id(english, "en")[1] is True
    assert language_id(english, "de")[0] < 0.1
    assert language_id("too short", "en") is None
    assert language_id(english, "xx") is None
    names = CATALOGUE.in_group(LANGUAGE_ID)
    assert signals_of(names, lang="en", texts=texts([english]))["ins_is_wiki_lang"] == 1.0
    short = signals_of(names, lang="en", texts=texts(["too short"]))
    assert short == {"ins_wiki_lang_prob": None, "ins_is_wiki_lang": None}


@pytest.mark.parametrize(
    ("comment", "automatic", "section", "revert"),
    [
        ("", True, False, False),
        ("/* History */ ", True, True, False),
        ("/* History */ added a source", False, True, False),
        ("←Replaced content with 'lol'", True, False, False),
        ("Undid revision 123 by Foo", False, False, True),
        ("Änderung 1 von X rückgängig gemacht", False, False, True),
    ],
)
def test_summary_signals(comment, automatic, section, revert):
    signals = signals_of(lang="en", comment=comment)
    assert signals["comment_is_automatic"] == float(automatic)
    assert signals["comment_has_section_autosummary"] == float(section)
    assert signals["comment_mentions_revert"] == float(revert)


def test_signals_are_missing_when_their_facts_are_unknown():
    unknown = signals_of(lang="en")
    assert tuple(unknown) == CANDIDATES
    assert all(value is None for value in unknown.values())
    known = signals_of(
        lang="en", comment="",
        texts=EditTexts("Paris", inserts=["LOL YOU ARE ALL STUPID!!!!!!"],
                        changes=[("Paris is big.", "Paris is an asshole.")]),
    )  # fmt: skip
    assert known["ins_longest_char_run"] == 6.0
    assert known["ins_profanity"] >= 1.0
    assert known["comment_is_automatic"] == 1.0
    # A language the profanity list does not cover: missing, never another language's list.
    georgian = signals_of(lang="ka", texts=EditTexts("x", inserts=["ძალიან კარგი"]))
    assert georgian["ins_profanity"] is None
    assert georgian["ins_off_script_share"] == 0.0


def test_optional_packages_are_named_when_missing(monkeypatch: pytest.MonkeyPatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "py3langid" else real(name, *a))
    assert missing_packages(["ins_is_wiki_lang", "ins_chars"]) == ["py3langid"]
    assert missing_packages(["ins_chars", "comment_is_automatic"]) == []
