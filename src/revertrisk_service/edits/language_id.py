"""Is the inserted text written in the wiki's language at all?

Language identification by `py3langid` (a maintained fork of langid.py: a naive Bayes model over
byte n-grams, ~4.6 MB, shipped inside the wheel as npz+LZMA, loaded without pickle). It was chosen
over lingua-language-detector, whose wheel alone is 96 MB, for the serving image's size.

Missing, never a guess: a wiki language the identifier does not know, or text with fewer than
MIN_LETTERS letters (too short to identify), gives None.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

MIN_LETTERS = 20
# Characters of text handed to the identifier: enough to identify, bounded in cost.
MAX_CHARS = 2000
# Wiki codes that the identifier files under another code.
_IDENTIFIER_CODE = {"simple": "en", "nb": "no"}

LANGUAGE_ID_NAMES: tuple[str, ...] = ("ins_wiki_lang_prob", "ins_is_wiki_lang")
LANGUAGE_ID_DESCRIPTIONS: dict[str, str] = {
    "ins_wiki_lang_prob": "py3langid probability that the inserted text is in the wiki's "
    "language (missing: language not covered or under 20 letters).",
    "ins_is_wiki_lang": "The wiki's language is py3langid's top guess for the inserted text.",
}


@lru_cache(maxsize=1)
def _identifier():
    from py3langid import langid

    return langid._load_identifier(norm_probs=True)


def covered_languages() -> frozenset[str]:
    return frozenset(_identifier().nb_classes)


def identifier_code(lang: str | None) -> str | None:
    if lang is None:
        return None
    code = _IDENTIFIER_CODE.get(lang, lang)
    return code if code in covered_languages() else None


def language_id(inserted: Sequence[str], lang: str | None) -> dict[str, float | None]:
    """Probability of the wiki's language for the inserted text, and whether it ranks first."""
    missing: dict[str, float | None] = {name: None for name in LANGUAGE_ID_NAMES}
    code = identifier_code(lang)
    text = "\n".join(inserted)[:MAX_CHARS]
    if code is None or sum(c.isalpha() for c in text) < MIN_LETTERS:
        return missing
    ranked = _identifier().rank(text)
    probability = next((p for name, p in ranked if name == code), 0.0)
    return {
        "ins_wiki_lang_prob": float(probability),
        "ins_is_wiki_lang": float(ranked[0][0] == code),
    }
