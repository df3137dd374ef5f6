"""Which writing script(s) each served Wikipedia's language is written in.

A letter's script is the first word of its Unicode name ("LATIN SMALL LETTER A" -> LATIN, "CJK
UNIFIED IDEOGRAPH-4E00" -> CJK). A language not listed has no known main script: statistics
that need it are None (missing), never a guess.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_LATIN = frozenset({"LATIN"})
_CYRILLIC = frozenset({"CYRILLIC"})
_ARABIC = frozenset({"ARABIC"})

MAIN_SCRIPTS: dict[str, frozenset[str]] = {
    **{lang: _LATIN for lang in (
        "az", "ca", "cs", "da", "de", "en", "eo", "es", "et", "eu", "fi", "fr", "hr", "hu", "id",
        "it", "lt", "lv", "ms", "nl", "no", "pl", "pt", "ro", "sk", "sl", "sv", "tr", "uz", "vi",
        "sq", "is", "ga", "cy", "af", "sw", "tl", "gl", "oc", "br", "lb", "nn", "simple",
    )},
    **{lang: _CYRILLIC for lang in ("bg", "ru", "uk", "be", "mk", "kk", "ky", "tg", "mn")},
    # Serbian Wikipedia is written in both Cyrillic and Latin.
    "sr": frozenset({"CYRILLIC", "LATIN"}),
    "sh": frozenset({"CYRILLIC", "LATIN"}),
    **{lang: _ARABIC for lang in ("ar", "fa", "ur", "arz", "ps", "ckb")},
    "he": frozenset({"HEBREW"}),
    "yi": frozenset({"HEBREW"}),
    "el": frozenset({"GREEK"}),
    "hy": frozenset({"ARMENIAN"}),
    "ka": frozenset({"GEORGIAN"}),
    "hi": frozenset({"DEVANAGARI"}),
    "mr": frozenset({"DEVANAGARI"}),
    "ne": frozenset({"DEVANAGARI"}),
    "bn": frozenset({"BENGALI"}),
    "ta": frozenset({"TAMIL"}),
    "te": frozenset({"TELUGU"}),
    "ml": frozenset({"MALAYALAM"}),
    "kn": frozenset({"KANNADA"}),
    "gu": frozenset({"GUJARATI"}),
    "pa": frozenset({"GURMUKHI"}),
    "si": frozenset({"SINHALA"}),
    "th": frozenset({"THAI"}),
    "lo": frozenset({"LAO"}),
    "km": frozenset({"KHMER"}),
    "my": frozenset({"MYANMAR"}),
    "am": frozenset({"ETHIOPIC"}),
    "zh": frozenset({"CJK"}),
    # Japanese mixes kanji with both kana syllabaries.
    "ja": frozenset({"CJK", "HIRAGANA", "KATAKANA"}),
    "ko": frozenset({"HANGUL", "CJK"}),
}


def is_letter(char: str) -> bool:
    return unicodedata.category(char).startswith("L")


@lru_cache(maxsize=65536)
def script_of(char: str) -> str:
    """First word of the letter's Unicode name; "" for an unnamed code point."""
    name = unicodedata.name(char, "")
    first = name.split(" ", 1)[0]
    # Hangul syllables are named "HANGUL SYLLABLE ..."; half-width kana "HALFWIDTH KATAKANA ...".
    if first in {"HALFWIDTH", "FULLWIDTH"}:
        return name.split(" ", 2)[1]
    return first


def main_script_share(text: str, lang: str | None) -> float | None:
    """Share of the text's letters in the language's main script(s); None when the language has
    no listed script or the text has no letters."""
    scripts = MAIN_SCRIPTS.get(lang or "")
    if scripts is None:
        return None
    letters = [c for c in text if is_letter(c)]
    if not letters:
        return None
    return sum(script_of(c) in scripts for c in letters) / len(letters)
