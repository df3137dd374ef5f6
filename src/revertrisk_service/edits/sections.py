"""The sections an edit changed: both revisions split at headings, identical sections dropped.

Parsing whole revisions takes seconds on long articles; the structure stats and the cap on what
is parsed at all work on the changed sections only, split once per revision (see edits.facts).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass

# Above this many characters of changed sections, parent and revision together (a rewrite of a
# long page), the parsed facts (edit types, texts, structure stats) are skipped (None, missing
# for the models): parsing costs about 0.3 s at this limit and 2 s per 500 KB; one request must
# not take seconds of CPU.
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


@dataclass(frozen=True)
class ChangedSections:
    parent: str
    current: str

    @property
    def too_large_to_parse(self) -> bool:
        return too_large_to_parse(self.parent, self.current)


def changed_sections(parent: str, current: str) -> ChangedSections:
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

    return ChangedSections(keep(parent_parts), keep(current_parts))
