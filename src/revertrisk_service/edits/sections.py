"""The sections an edit changed: both revisions split at headings, identical sections set aside.

Parsing whole revisions (mwparserfromhell, mwedittypes) takes seconds on long articles. An edit
usually touches one section, and mwedittypes sets identical sections aside itself, so parsing
only the sections that differ gives the same counts at a fraction of the cost: split once per
revision (see signals.facts); tests/test_sections.py and bench/check_changed_sections.py compare
the two on real and generated edits.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cached_property

# Above this many characters of changed sections, parent and revision together (a rewrite of a
# long page), the parsed facts (edit types, texts, structure stats) are skipped (None, missing
# for the models): parsing costs about 0.3 s at this limit and 2 s per 500 KB; one request must
# not take seconds of CPU.
MAX_CHANGED_CHARS = 60_000

# mwparserfromhell's tokenizer stops descending at 100 nested constructs and backtracks over the
# rest: the cost explodes beyond (measured on mwedittypes: 100 nested <div> 0.6 s, 200 5 s,
# 1,000 two minutes), and 1,000 nested templates overflow its builder's recursion. Articles stay
# far below; deeper changed sections get the same treatment as too large ones.
MAX_MARKUP_DEPTH = 100
_MARKUP_TOKEN = re.compile(r"\{\{|\}\}|\[\[|\]\]|\{\||\|\}|<(/?)([A-Za-z][\w-]*)[^<>]*?(/?)>")
_OPENERS = frozenset({"{{", "[[", "{|"})
_CLOSERS = frozenset({"}}", "]]", "|}"})
_VOID_TAGS = frozenset(
    {"br", "hr", "img", "wbr", "meta", "link", "input", "col", "area", "base", "source", "track"}
)

# A heading line as mwparserfromhell's get_sections(flat=True) sees it: 1-6 "=" at the start of
# a line, the same run at its end, then only spaces or tabs. It is only tried where a line starts
# with "=": a MULTILINE "^...$" search attempts a match at every character of a 2 MB page.
_HEADING_AT = re.compile(r"(={1,6})[^\n]*?\1[ \t]*(?=\n|\Z)")

# Markup that can hide a heading-looking line from the parser: a piece that opens one of these
# without closing it is joined to the next piece, so a cut never falls inside it.
_OPENERS_CLOSERS = (("<!--", "-->"), ("{{", "}}"), ("<nowiki", "</nowiki"), ("<pre", "</pre"))


def heading_starts(wikitext: str) -> list[int]:
    """Offsets of the lines that start a section."""
    starts = [0] if wikitext.startswith("=") and _HEADING_AT.match(wikitext) else []
    at = wikitext.find("\n=")
    while at != -1:
        if _HEADING_AT.match(wikitext, at + 1):
            starts.append(at + 1)
        at = wikitext.find("\n=", at + 1)
    return starts


def split_sections(wikitext: str) -> list[str]:
    """The page split at heading lines; joining the parts gives back the exact text.

    A cut inside a comment, template, nowiki or pre block (an unclosed opener before it) is
    skipped, so no piece starts inside markup the parser would not split there.
    """
    bounds = [0, *[s for s in heading_starts(wikitext) if s > 0], len(wikitext)]
    if len(bounds) == 2:
        return [wikitext] if wikitext else []
    # Counting costs a pass over the text per marker: only the markers the page has.
    markers = [(o, c) for o, c in _OPENERS_CLOSERS if o in wikitext]
    parts: list[str] = []
    start = 0
    balance = [0] * len(markers)
    for a, b in itertools.pairwise(bounds):
        if b <= a:
            continue
        piece = wikitext[a:b]
        balance = [
            n + piece.count(o) - piece.count(c) for n, (o, c) in zip(balance, markers, strict=True)
        ]
        if all(n <= 0 for n in balance):
            parts.append(wikitext[start:b])
            start = b
            balance = [0] * len(markers)
    if start < len(wikitext):
        parts.append(wikitext[start:])
    return parts


def markup_depth(text: str, stop_above: int = MAX_MARKUP_DEPTH) -> int:
    """How deeply templates, links, tables and HTML-like tags nest (an estimate from a token scan,
    not a parse); stops counting once beyond `stop_above`."""
    depth = deepest = 0
    for match in _MARKUP_TOKEN.finditer(text):
        token = match.group(0)
        if token in _OPENERS:
            depth += 1
        elif token in _CLOSERS:
            depth = max(0, depth - 1)
        else:
            closing, name, self_closing = match.groups()
            if self_closing or name.lower() in _VOID_TAGS:
                continue
            depth = max(0, depth - 1) if closing else depth + 1
        if depth > deepest:
            deepest = depth
            if deepest > stop_above:
                break
    return deepest


@dataclass(frozen=True)
class ChangedSections:
    """An edit's two texts reduced to the sections that differ.

    `parent`/`current` drop the sections both sides share: what the size cap and the depth
    check measure. `parent_outline`/`current_outline` put a short placeholder heading where each
    shared section was, the same placeholder on both sides, so that a differ which aligns
    sections by position (mwedittypes' structured differ) still sees every section, in order,
    and still sees sections move; the structure counts read them too (edits.outline_trees).
    """

    parent: str
    current: str
    parent_outline: str
    current_outline: str

    @property
    def chars(self) -> int:
        return len(self.parent) + len(self.current)

    @property
    def too_large_to_parse(self) -> bool:
        # The outline adds one short placeholder line per run of shared sections: its size is
        # bounded by the changed characters plus the page's headings, never the page.
        return max(self.chars, len(self.parent_outline) + len(self.current_outline)) > (
            MAX_CHANGED_CHARS
        )

    @cached_property
    def too_deep_to_parse(self) -> bool:
        return any(markup_depth(t) > MAX_MARKUP_DEPTH for t in (self.parent, self.current))

    @property
    def parseable(self) -> bool:
        """False when parsing would cost too much: the parsed facts are then left missing."""
        return not (self.too_large_to_parse or self.too_deep_to_parse)


def _placeholder(number: int, part: str) -> str:
    # A shared lead section has no heading and must stay the lead; every other piece starts with
    # a heading line. Placeholders never equal a changed piece, which is always longer.
    return "\n" if not part.startswith("=") else f"== \u00a7{number} ==\n"


def _match_shared(
    parent_parts: list[str], current_parts: list[str]
) -> tuple[dict[int, int], set[int]]:
    """Parent index -> current index of each shared section (k-th copy to k-th copy), and the
    current indices that are shared."""
    positions: dict[str, list[int]] = {}
    for j, part in enumerate(current_parts):
        positions.setdefault(part, []).append(j)
    taken: dict[str, int] = {}
    pairs: dict[int, int] = {}
    for i, part in enumerate(parent_parts):
        slots = positions.get(part)
        k = taken.get(part, 0)
        if slots is not None and k < len(slots):
            pairs[i] = slots[k]
            taken[part] = k + 1
    return pairs, set(pairs.values())


def changed_sections(parent: str, current: str) -> ChangedSections:
    """Both texts with every section that appears unchanged on the other side set aside.

    In the outline, a run of shared sections that are consecutive on both sides becomes one
    placeholder, so a 2 MB page with one edited section diffs as three sections, not 700. When
    shared sections changed order (a move), each keeps a placeholder of its own, so mwedittypes
    still sees which ones moved.
    """
    parent_parts, current_parts = split_sections(parent), split_sections(current)
    pairs, shared_current = _match_shared(parent_parts, current_parts)
    matched = [pairs[i] for i in sorted(pairs)]
    in_order = all(a < b for a, b in itertools.pairwise(matched))
    # Placeholder number per shared current index: a new number starts wherever a run breaks.
    number: dict[int, int] = {}
    previous: tuple[int, int] | None = None
    for i in sorted(pairs):
        j = pairs[i]
        continues = in_order and previous is not None and previous == (i - 1, j - 1)
        number[j] = number[previous[1]] if continues and previous else len(number)
        previous = (i, j)

    def reduce(parts: list[str], shared_number: dict[int, int]) -> tuple[str, str]:
        kept: list[str] = []
        outline: list[str] = []
        last = None
        for index, part in enumerate(parts):
            if index not in shared_number:
                kept.append(part)
                outline.append(part)
                last = None
            elif shared_number[index] != last:
                last = shared_number[index]
                outline.append(_placeholder(last, part))
        return "".join(kept), "".join(outline)

    parent_kept, parent_outline = reduce(parent_parts, {i: number[j] for i, j in pairs.items()})
    current_kept, current_outline = reduce(current_parts, {j: number[j] for j in shared_current})
    return ChangedSections(parent_kept, current_kept, parent_outline, current_outline)
