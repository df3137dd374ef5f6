"""Structure counts of wikitext (references, links, templates...) with mwparserfromhell."""

from __future__ import annotations

from dataclasses import dataclass, fields

import mwparserfromhell
from mwedittypes.constants import CAT_ALIASES, CAT_PREFIXES, MEDIA_ALIASES, MEDIA_PREFIXES
from mwparserfromhell.nodes import ExternalLink, Heading, Tag, Template, Wikilink
from mwparserfromhell.wikicode import Wikicode

from revertrisk_service.edits.outline_trees import OutlineTrees

_LIST_ITEM_TAGS = frozenset({"li", "dt", "dd"})


@dataclass(frozen=True)
class WikitextStats:
    chars: int = 0
    references: int = 0
    wikilinks: int = 0
    external_links: int = 0
    categories: int = 0
    media: int = 0
    headings: int = 0
    templates: int = 0
    list_items: int = 0
    tables: int = 0
    quote_markup: int = 0

    def minus(self, other: WikitextStats) -> WikitextStats:
        return WikitextStats(
            **{f.name: getattr(self, f.name) - getattr(other, f.name) for f in fields(self)}
        )


STAT_NAMES: tuple[str, ...] = tuple(f.name for f in fields(WikitextStats))


def _prefixes(common: list[str], aliases: dict[str, list[str]], lang: str) -> frozenset[str]:
    return frozenset(p.lower() for p in [*common, *aliases.get(lang, [])])


def wikitext_stats(text: str, lang: str = "en", tree: Wikicode | None = None) -> WikitextStats:
    """Counts of the structures in `text`. Linear in its size: pass only the part that matters.
    `tree` is `text` already parsed with style tags skipped (edits.outline_trees), if at hand."""
    media_prefixes = _prefixes(MEDIA_PREFIXES, MEDIA_ALIASES, lang)
    category_prefixes = _prefixes(CAT_PREFIXES, CAT_ALIASES, lang)
    counts = dict.fromkeys(STAT_NAMES, 0)
    counts["chars"] = len(text)
    # skip_style_tags: bold/italic quote marks are counted by hand below, as mwparserfromhell's style-tag
    # parsing is slow and error-prone on unbalanced quotes.
    if tree is None:
        tree = mwparserfromhell.parse(text, skip_style_tags=True)
    for node in tree.ifilter(recursive=True):
        if isinstance(node, Wikilink):
            prefix = str(node.title).split(":", 1)[0].strip().lower() if ":" in node.title else ""
            if prefix in media_prefixes:
                counts["media"] += 1
            elif prefix in category_prefixes:
                counts["categories"] += 1
            else:
                counts["wikilinks"] += 1
        elif isinstance(node, ExternalLink):
            counts["external_links"] += 1
        elif isinstance(node, Template):
            counts["templates"] += 1
        elif isinstance(node, Heading):
            counts["headings"] += 1
        elif isinstance(node, Tag):
            tag = str(node.tag).lower()
            if tag == "ref":
                counts["references"] += 1
            elif tag in _LIST_ITEM_TAGS:
                counts["list_items"] += 1
            elif tag == "table":
                counts["tables"] += 1
    counts["quote_markup"] = text.count("''")
    return WikitextStats(**counts)


def outline_delta(trees: OutlineTrees | None, lang: str = "en") -> WikitextStats | None:
    """The revision's counts minus its parent's, over the changed sections' parsed outlines: the
    placeholders for the shared sections are the same on both sides and cancel out."""
    if trees is None:
        return None
    current = wikitext_stats(trees.current_text, lang, trees.current)
    return current.minus(wikitext_stats(trees.parent_text, lang, trees.parent))
