"""Signals of the edit summary: automatic section markers, revert words, shouting."""

from __future__ import annotations

from revertrisk_service.edits import comment as summary
from revertrisk_service.signals.core import Signal, signal, unless_missing
from revertrisk_service.signals.groups import COMMENT


def _of_summary(fn) -> object:
    """A summary signal: float values (as both boosters read them), missing without a summary."""
    return unless_missing(lambda c: float(fn(c)))


SUMMARY_SIGNALS: tuple[Signal, ...] = (
    signal("comment_length", "Edit summary length, characters.", COMMENT, ["comment"],
           _of_summary(len)),
    signal("comment_is_empty", "No edit summary.", COMMENT, ["comment"],
           _of_summary(summary.is_empty), "flag"),
    signal("comment_has_section_autosummary", "Summary has a '/* section */' marker.", COMMENT,
           ["comment"], _of_summary(summary.has_section_autosummary), "flag"),
    signal("comment_is_only_section_autosummary",
           "Summary is nothing but the '/* section */' marker.", COMMENT, ["comment"],
           _of_summary(summary.is_only_section_autosummary), "flag"),
    signal("comment_mentions_revert", "Summary has a revert/undo word (several languages).",
           COMMENT, ["comment"], _of_summary(summary.mentions_revert), "flag"),
    signal("comment_has_wikilink", "Summary contains a [[wikilink]].", COMMENT, ["comment"],
           _of_summary(summary.has_wikilink), "flag"),
    signal("comment_uppercase_ratio", "Share of upper-case letters among cased letters.", COMMENT,
           ["comment"], _of_summary(summary.uppercase_ratio)),
    signal("comment_is_automatic", "Summary empty, only '/* section */', or an arrow-led "
           "automatic summary.", COMMENT, ["comment"], _of_summary(summary.is_automatic), "flag"),
    signal("comment_written_chars", "Characters of summary the editor wrote themself.", COMMENT,
           ["comment"], _of_summary(summary.written_length)),
)  # fmt: skip
