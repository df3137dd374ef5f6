"""Structural edit-action counts (mwedittypes), computed only over the sections that changed.

mwedittypes parses both revisions whole, which takes seconds on long articles. Its simple differ
compares sections by exact content and drops identical ones before counting, so feeding it just
the sections that differ gives the same counts at a fraction of the cost.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections import Counter

from mwedittypes import SimpleEditTypes

log = logging.getLogger(__name__)

# Above this many characters of changed sections, parent and revision together (a rewrite of a
# long page), structure counts are skipped (None, missing for the model): parsing costs
# about 0.3 s at this limit and 2 s per 500 KB; one request must not take seconds of CPU.
MAX_CHANGED_CHARS = 60_000

# A heading line starts a section, as in mwparserfromhell's get_sections(flat=True).
_HEADING_LINE = re.compile(r"^(={1,6})[^\n]*?\1[ \t]*$", re.MULTILINE)


def split_sections(wikitext: str) -> list[str]:
    """The page split at heading lines; joining the parts gives back the exact text."""
    starts = [m.start() for m in _HEADING_LINE.finditer(wikitext)]
    bounds = [0, *[s for s in starts if s > 0], len(wikitext)]
    return [wikitext[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def too_large_to_parse(parent_part: str, current_part: str) -> bool:
    return len(parent_part) + len(current_part) > MAX_CHANGED_CHARS


def changed_sections(parent: str, current: str) -> tuple[str, str]:
    """Both texts with every section that appears unchanged on the other side removed."""
    parent_parts, current_parts = split_sections(parent), split_sections(current)
    common = Counter(parent_parts) & Counter(current_parts)

    def keep(parts: list[str]) -> str:
        remaining = common.copy()
        kept = []
        for part in parts:
            if remaining[part] > 0:
                remaining[part] -= 1
            else:
                kept.append(part)
        return "".join(kept)

    return keep(parent_parts), keep(current_parts)


def edit_actions(parent: str | None, current: str | None, lang: str = "en") -> dict[str, int] | None:
    """Counts keyed "<action>_<NodeType>" ("insert_Reference": 2), or None when unknowable."""
    if parent is None or current is None:
        return None
    parent_part, current_part = changed_sections(parent, current)
    if too_large_to_parse(parent_part, current_part):
        return None
    try:
        diff = SimpleEditTypes("wikitext", parent_part, current_part, lang=lang).get_diff()
    except Exception:  # a parser failure on odd wikitext must not fail the request
        log.warning("mwedittypes failed on an edit; its action counts are left missing", exc_info=True)
        return None
    return {
        f"{action}_{node_type}": int(count)
        for node_type, actions in diff.items()
        for action, count in actions.items()
    }
