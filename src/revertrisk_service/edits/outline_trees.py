"""Both outlines of an edit parsed once: the mwedittypes diff and the structure counts read them.

mwedittypes parses its two texts with mwparserfromhell (style tags skipped), and the wikitext
structure counts parse the changed sections the same way: two parses of the same sections, about
a fifth of a 20 KB miss's CPU. mwparserfromhell hands an already parsed Wikicode back as it is,
so parsing the outlines here and giving the trees to both gives the same counts and texts
(bench/check_changed_sections.py compares them with whole pages), for one parse per side. Neither
reader changes the trees.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import mwparserfromhell
from mwparserfromhell.wikicode import Wikicode

from revertrisk_service.edits.sections import ChangedSections

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutlineTrees:
    """The parsed `parent_outline` and `current_outline` of one edit's ChangedSections."""

    parent: Wikicode
    current: Wikicode
    parent_text: str
    current_text: str


def parse_outlines(changed: ChangedSections) -> OutlineTrees | None:
    """Both outlines parsed, or None when they are too large or too deep to parse (or the parser
    fails on odd wikitext, which must not fail the request)."""
    if not changed.parseable:
        return None
    try:
        return OutlineTrees(
            parent=mwparserfromhell.parse(changed.parent_outline, skip_style_tags=True),
            current=mwparserfromhell.parse(changed.current_outline, skip_style_tags=True),
            parent_text=changed.parent_outline,
            current_text=changed.current_outline,
        )
    except Exception:
        log.warning(
            "mwparserfromhell failed on an edit; its parsed facts are left missing", exc_info=True
        )
        return None
