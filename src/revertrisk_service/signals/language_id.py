"""Is the added text written in the wiki's language at all? (edits.language_id, py3langid)"""

from __future__ import annotations

from revertrisk_service.edits.language_id import language_id
from revertrisk_service.signals.core import Signal, signal, unless_missing
from revertrisk_service.signals.groups import EDIT_DATA, LANGUAGE_ID


def _identified(text: str | None, lang: str | None) -> tuple[float, bool] | None:
    return None if text is None else language_id(text, lang)


LANGUAGE_ID_SIGNALS: tuple[Signal, ...] = (
    signal("ins_language_id", "py3langid's verdict on the added text: the probability of the "
           "wiki's language and whether it ranks first.", EDIT_DATA, ["added_text", "lang"],
           _identified, "data", packages=("py3langid",)),
    signal("ins_wiki_lang_prob", "py3langid probability that the inserted text is in the wiki's "
           "language (missing: language not covered or under 20 letters).", LANGUAGE_ID,
           ["ins_language_id"], unless_missing(lambda verdict: verdict[0])),
    signal("ins_is_wiki_lang", "The wiki's language is py3langid's top guess for the inserted "
           "text.", LANGUAGE_ID, ["ins_language_id"],
           unless_missing(lambda verdict: float(verdict[1])), "flag"),
)  # fmt: skip
