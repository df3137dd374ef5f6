"""Per-language word priors of the added and removed text (edits.word_priors): how rare its words
are in the wiki's language (wordfreq), and how many are on a profanity list (glin-profanity).

Missing for a language a source does not cover, never a guess from another language's list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from revertrisk_service.edits.word_priors import profanity_count, word_rarity
from revertrisk_service.signals.core import Signal, signal, unless_missing
from revertrisk_service.signals.groups import EDIT_DATA, WORD_PRIORS

_WORDFREQ = ("wordfreq",)
_PROFANITY = ("glin_profanity",)


def _rarity(text: str | None, lang: str | None) -> dict[str, float | None] | None:
    return None if text is None else word_rarity(text, lang)


def _profanity(text: str | None, lang: str | None) -> float | None:
    count = None if text is None else profanity_count(text, lang)
    return None if count is None else float(count)


def _pick(key: str) -> Callable[[dict[str, Any] | None], float | None]:
    return unless_missing(lambda rarity: rarity[key])


WORD_PRIOR_SIGNALS: tuple[Signal, ...] = (
    signal("ins_word_rarity", "wordfreq rarity of the added words (mean, minimum, unknown share).",
           EDIT_DATA, ["added_text", "lang"], _rarity, "data", packages=_WORDFREQ),
    signal("rem_word_rarity", "wordfreq rarity of the removed words.", EDIT_DATA,
           ["removed_text", "lang"], _rarity, "data", packages=_WORDFREQ),
    signal("ins_mean_zipf", "Mean wordfreq Zipf frequency of inserted words (missing: language "
           "not covered).", WORD_PRIORS, ["ins_word_rarity"], _pick("mean_zipf")),
    signal("ins_min_zipf", "Rarest inserted word's Zipf frequency (missing: language not "
           "covered).", WORD_PRIORS, ["ins_word_rarity"], _pick("min_zipf")),
    signal("ins_unknown_word_share", "Inserted words absent from the language's wordfreq list.",
           WORD_PRIORS, ["ins_word_rarity"], _pick("unknown_share")),
    signal("rem_mean_zipf", "Mean Zipf frequency of removed words (missing: language not "
           "covered).", WORD_PRIORS, ["rem_word_rarity"], _pick("mean_zipf")),
    signal("ins_profanity", "Inserted words/phrases on glin-profanity's list (missing: no list).",
           WORD_PRIORS, ["added_text", "lang"], _profanity, packages=_PROFANITY),
    signal("rem_profanity", "Removed words/phrases on glin-profanity's list (missing: no list).",
           WORD_PRIORS, ["removed_text", "lang"], _profanity, packages=_PROFANITY),
    signal("ins_profanity_minus_removed", "Profanity inserted minus removed (cleanup is "
           "negative).", WORD_PRIORS, ["ins_profanity", "rem_profanity"],
           unless_missing(lambda ins, rem: ins - rem)),
)  # fmt: skip
