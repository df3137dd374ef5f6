"""Is the inserted text written in the wiki's language at all?

Language identification by `py3langid` (a maintained fork of langid.py: a naive Bayes model over
byte n-grams, ~4.6 MB, shipped inside the wheel as npz+LZMA, loaded without pickle). It was chosen
over lingua-language-detector, whose wheel alone is 96 MB, for the serving image's size.

Missing, never a guess: a wiki language the identifier does not know, or text with fewer than
MIN_LETTERS letters (too short to identify), gives None.
The signals built on it are declared in revertrisk_service.signals.language_id.
"""

from __future__ import annotations

from functools import lru_cache

MIN_LETTERS = 20
# Characters of text handed to the identifier: enough to identify, bounded in cost.
MAX_CHARS = 2000
# Wiki codes that the identifier files under another code.
_IDENTIFIER_CODE = {"simple": "en", "nb": "no"}


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


def language_id(text: str, lang: str | None) -> tuple[float, bool] | None:
    """The probability that `text` is in the wiki's language, and whether that language ranks
    first; None when the language is not covered or the text too short to identify."""
    code = identifier_code(lang)
    text = text[:MAX_CHARS]
    if code is None or sum(c.isalpha() for c in text) < MIN_LETTERS:
        return None
    ranked = _identifier().rank(text)
    probability = next((p for name, p in ranked if name == code), 0.0)
    return float(probability), ranked[0][0] == code
