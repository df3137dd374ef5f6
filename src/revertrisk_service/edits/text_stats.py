"""Character and token statistics of an edit's inserted and removed text, the same in every language.

These are the hand-made signals that did best in the PAN Wikipedia vandalism competitions:
shouting, keyboard mashing, one endless token, digits and punctuation instead of prose, letters
from another script, highly repetitive (compressible) text, links added and markup broken.

Every statistic is a pure function of plain strings; the signals built on them are declared in
revertrisk_service.signals.characters. A share over zero characters is None:
an edit that inserted nothing has no upper-case share, which is not the same as 0.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Sequence

from revertrisk_service.edits.scripts import is_letter, main_script_share

_TOKEN = re.compile(r"\w+", re.UNICODE)
_EXTERNAL_LINK = re.compile(r"(?:https?:)?//[^\s\]|<>]+|\bwww\.[^\s\]|<>]+", re.IGNORECASE)
_PAIRS = (("{{", "}}"), ("[[", "]]"), ("<ref", "</ref>"))
# Below this many characters a ratio says more about the length than about the text.
MIN_CHARS_FOR_COMPRESSION = 20


def joined(texts: Sequence[str]) -> str:
    return "\n".join(texts)


def _share(count: int, total: int) -> float | None:
    return None if total == 0 else count / total


def uppercase_share(text: str) -> float | None:
    """Upper-case letters among cased letters (scripts without case do not count)."""
    cased = [c for c in text if c.isupper() or c.islower()]
    return _share(sum(c.isupper() for c in cased), len(cased))


def longest_char_run(text: str) -> int:
    """Longest run of one repeated non-space character ("aaaaaa", "!!!!!")."""
    best = run = 0
    previous = ""
    for char in text:
        run = run + 1 if char == previous and not char.isspace() else 1
        previous = char
        best = max(best, run)
    return best if text.strip() else 0


def longest_token(text: str) -> int:
    return max((len(t) for t in _TOKEN.findall(text)), default=0)


def digit_share(text: str) -> float | None:
    chars = [c for c in text if not c.isspace()]
    return _share(sum(c.isdigit() for c in chars), len(chars))


def punctuation_share(text: str) -> float | None:
    chars = [c for c in text if not c.isspace()]
    return _share(sum(unicodedata.category(c).startswith("P") for c in chars), len(chars))


def non_letter_share(text: str) -> float | None:
    chars = [c for c in text if not c.isspace()]
    return _share(sum(not is_letter(c) for c in chars), len(chars))


def compression_ratio(text: str) -> float | None:
    """zlib-compressed size over raw size: low for repetitive text ("lol lol lol ...")."""
    raw = text.encode("utf-8")
    if len(text) < MIN_CHARS_FOR_COMPRESSION:
        return None
    return len(zlib.compress(raw, 9)) / len(raw)


def repeated_token_share(text: str) -> float | None:
    """Share of tokens that repeat an earlier token of the same text (case-folded)."""
    tokens = [t.casefold() for t in _TOKEN.findall(text)]
    return _share(len(tokens) - len(set(tokens)), len(tokens))


def max_token_repeats(text: str) -> int:
    counts = Counter(t.casefold() for t in _TOKEN.findall(text))
    return max(counts.values(), default=0)


def external_links(text: str) -> int:
    return len(_EXTERNAL_LINK.findall(text))


def unbalanced_markup(text: str) -> int:
    """How far `{{ }}`, `[[ ]]` and `<ref </ref>` are from balanced in this text.

    An inserted or removed fragment can legitimately hold half a pair (a sentence split across a
    template), so this is a signal, not a validation.
    """
    lowered = text.lower()
    return sum(abs(lowered.count(open_) - lowered.count(close)) for open_, close in _PAIRS)


def _is_emoji(char: str) -> bool:
    code = ord(char)
    return (
        0x1F300 <= code <= 0x1FAFF  # pictographs, emoticons, transport, supplemental symbols
        or 0x2600 <= code <= 0x27BF  # miscellaneous symbols and dingbats
        or 0x1F1E6 <= code <= 0x1F1FF  # regional indicators (flags)
    )


def emoji_count(text: str) -> int:
    return sum(_is_emoji(c) for c in text)


def off_script_share(text: str, lang: str | None) -> float | None:
    """Letters outside the wiki language's main script(s); None for a language without a known
    script or text without letters."""
    share = main_script_share(text, lang)
    return None if share is None else 1.0 - share
