"""Character and token statistics of the text the edit added and removed (edits.text_stats).

The text is what the edit actually added and took away (edits.fragments): whole inserted and
removed sentences plus the differing words of changed ones. Missing when the edit's texts are
unknown (too large to parse, or a source without texts); a share over no characters is missing.
"""

from __future__ import annotations

from collections.abc import Callable

from revertrisk_service.edits import text_stats as stats
from revertrisk_service.edits.fragments import edit_fragments
from revertrisk_service.edits.texts import EditTexts
from revertrisk_service.signals.core import Signal, signal, unless_missing
from revertrisk_service.signals.groups import CHARACTERS, EDIT_DATA


def _fragments(texts: EditTexts | None, lang: str | None) -> tuple[list[str], list[str]] | None:
    if texts is None:
        return None
    return edit_fragments(texts.inserts, texts.removes, texts.changes, lang)


def _of_text(fn: Callable[[str], float | int | None]) -> Callable[[str | None], float | None]:
    def compute(text: str | None) -> float | None:
        value = None if text is None else fn(text)
        return None if value is None else float(value)

    return compute


def _off_script(text: str | None, lang: str | None) -> float | None:
    return None if text is None else stats.off_script_share(text, lang)


# One declaration per signal, each in the same shape.
CHARACTER_SIGNALS: tuple[Signal, ...] = (
    signal("fragments", "The pieces of text the edit added and removed (edits.fragments).",
           EDIT_DATA, ["texts", "lang"], _fragments, "data"),
    signal("added_text", "The text the edit added, pieces joined by line breaks.", EDIT_DATA,
           ["fragments"], unless_missing(lambda f: stats.joined(f[0])), "data"),
    signal("removed_text", "The text the edit removed, pieces joined by line breaks.", EDIT_DATA,
           ["fragments"], unless_missing(lambda f: stats.joined(f[1])), "data"),
    # --- the added text
    signal("ins_chars", "Characters inserted.", CHARACTERS, ["added_text"], _of_text(len)),
    signal("ins_uppercase_share", "Upper-case share of the inserted cased letters.", CHARACTERS,
           ["added_text"], _of_text(stats.uppercase_share)),
    signal("ins_longest_char_run", "Longest run of one repeated character in inserted text.",
           CHARACTERS, ["added_text"], _of_text(stats.longest_char_run)),
    signal("ins_longest_token", "Longest inserted token, characters.", CHARACTERS,
           ["added_text"], _of_text(stats.longest_token)),
    signal("ins_digit_share", "Digit share of inserted non-space characters.", CHARACTERS,
           ["added_text"], _of_text(stats.digit_share)),
    signal("ins_punctuation_share", "Punctuation share of inserted non-space characters.",
           CHARACTERS, ["added_text"], _of_text(stats.punctuation_share)),
    signal("ins_non_letter_share", "Non-letter share of inserted non-space characters.",
           CHARACTERS, ["added_text"], _of_text(stats.non_letter_share)),
    signal("ins_off_script_share", "Share of inserted letters outside the wiki's main script.",
           CHARACTERS, ["added_text", "lang"], _off_script),
    signal("ins_compression_ratio", "zlib ratio of the inserted text (low: repetitive).",
           CHARACTERS, ["added_text"], _of_text(stats.compression_ratio)),
    signal("ins_repeated_token_share", "Share of inserted tokens repeating an earlier one.",
           CHARACTERS, ["added_text"], _of_text(stats.repeated_token_share)),
    signal("ins_max_token_repeats", "Most repeats of one inserted token.", CHARACTERS,
           ["added_text"], _of_text(stats.max_token_repeats)),
    signal("ins_bare_urls", "URL-like strings left in the inserted prose.", CHARACTERS,
           ["added_text"], _of_text(stats.external_links)),
    signal("ins_emoji", "Emoji in the inserted text.", CHARACTERS, ["added_text"],
           _of_text(stats.emoji_count)),
    signal("ins_unbalanced_markup", "Unbalanced {{ }}, [[ ]], <ref> pairs in inserted text.",
           CHARACTERS, ["added_text"], _of_text(stats.unbalanced_markup)),
    # --- the removed text. Removed references, templates, links and categories are mwedittypes
    # counts (edit structure); these pieces hold prose only.
    signal("rem_chars", "Characters removed.", CHARACTERS, ["removed_text"], _of_text(len)),
    signal("rem_uppercase_share", "Upper-case share of the removed cased letters.", CHARACTERS,
           ["removed_text"], _of_text(stats.uppercase_share)),
    signal("rem_digit_share", "Digit share of removed non-space characters.", CHARACTERS,
           ["removed_text"], _of_text(stats.digit_share)),
)  # fmt: skip
