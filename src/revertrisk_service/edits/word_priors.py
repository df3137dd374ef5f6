"""Per-language word priors that need no training: how rare the inserted words are in the wiki's
language, and whether they are on a profanity list.

Sources (both maintained PyPI packages that ship their data, no downloads at run time):
- word frequencies: `wordfreq` (Zipf scale, 0 = not in its list). Japanese, Chinese and Korean
  need word segmenters (MeCab, jieba) that the service does not ship, so they are not covered.
- profanity: the per-language JSON word lists bundled in `glin-profanity` (MIT).

A language a source does not cover gets None (missing) for that source's statistics, never a
guess from another language's list. The signals built on these are declared in
revertrisk_service.signals.word_priors.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)

# wordfreq languages whose tokenisation needs a segmenter we do not install.
_NEEDS_SEGMENTER = frozenset({"ja", "zh", "ko"})
# Wiki language codes whose word list is filed under another code.
_WORDFREQ_CODE = {"no": "nb", "simple": "en"}
# glin-profanity's dictionary files, by wiki language code.
_PROFANITY_FILES = {
    "ar": "arabic", "cs": "czech", "da": "danish", "nl": "dutch", "en": "english",
    "simple": "english", "eo": "esperanto", "fi": "finnish", "fr": "french", "de": "german",
    "hi": "hindi", "hu": "hungarian", "it": "italian", "no": "norwegian", "fa": "persian",
    "pl": "polish", "pt": "portuguese", "ru": "russian", "es": "spanish", "tr": "turkish",
    "sv": "swedish", "th": "thai",
}  # fmt: skip
# Texts shorter than this many words give rarity averages that are mostly noise.
MIN_WORDS = 1


def words(text: str) -> list[str]:
    """Letter tokens, case-folded (digits and punctuation are not words here)."""
    return [w.casefold() for w in _TOKEN.findall(text)]


@lru_cache(maxsize=1)
def _wordfreq_languages() -> frozenset[str]:
    from wordfreq import available_languages

    return frozenset(available_languages(wordlist="best")) - _NEEDS_SEGMENTER


def wordfreq_code(lang: str | None) -> str | None:
    """The wordfreq list for a wiki language, or None when it has none."""
    if lang is None:
        return None
    code = _WORDFREQ_CODE.get(lang, lang)
    return code if code in _wordfreq_languages() else None


@lru_cache(maxsize=200_000)
def _zipf(word: str, code: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, code)


def word_rarity(text: str, lang: str | None) -> dict[str, float | None]:
    """Mean Zipf frequency of the words and the share absent from the language's list."""
    code = wordfreq_code(lang)
    tokens = words(text)
    if code is None or len(tokens) < MIN_WORDS:
        return {"mean_zipf": None, "unknown_share": None, "min_zipf": None}
    zipfs = [_zipf(w, code) for w in tokens]
    return {
        "mean_zipf": sum(zipfs) / len(zipfs),
        "unknown_share": sum(z == 0.0 for z in zipfs) / len(zipfs),
        "min_zipf": min(zipfs),
    }


@lru_cache(maxsize=64)
def profanity_list(lang: str | None) -> tuple[frozenset[str], tuple[str, ...]] | None:
    """(single words, multi-word phrases) of the language's list, or None when none exists."""
    name = _PROFANITY_FILES.get(lang or "")
    if name is None:
        return None
    folder = resources.files("glin_profanity") / "data" / "dictionaries"
    entries = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))["words"]
    lowered = [e.casefold().strip() for e in entries if e.strip()]
    singles = frozenset(e for e in lowered if " " not in e)
    phrases = tuple(e for e in lowered if " " in e)
    return singles, phrases


def profanity_count(text: str, lang: str | None) -> int | None:
    """Listed words and phrases in the text; None for a language without a list."""
    listed = profanity_list(lang)
    if listed is None:
        return None
    singles, phrases = listed
    lowered = text.casefold()
    return sum(w in singles for w in words(text)) + sum(lowered.count(p) for p in phrases)
