"""Property tests of the edit-fact layer and both models over hostile wikitext.

Hypothesis generates revision/parent pairs from arbitrary Unicode (every plane, right-to-left
scripts and marks), broken and unbalanced markup and deep nesting; explicit cases add megabyte
pages. For every one: computing the facts never raises, takes less than a generous bound, and
both models give a probability in [0, 1]. (They found that 1,000 nested tags took minutes in
mwedittypes and 1,000 nested templates overflowed mwparserfromhell's recursion, hence
edits.sections.MAX_MARKUP_DEPTH.) Fixed seed (derandomize) and a bounded number of
examples keep `make test` fast and repeatable.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revertrisk_service.config import Settings
from revertrisk_service.edits.sections import MAX_MARKUP_DEPTH, markup_depth
from revertrisk_service.mediawiki.types import EditContext, Page, Revision, User
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC, MULTILINGUAL
from revertrisk_service.models.registry import load_scorer
from revertrisk_service.models.scorer import Scorer, signals_for
from revertrisk_service.signals import SignalValues, edit_signals
from revertrisk_service.wikis import resolve_lang

# Per generated edit (texts of at most a few thousand characters): facts and both models.
SMALL_BOUND_S = 10.0
# Per megabyte-sized edit, on a shared 2-core machine; what is measured is "finishes", not speed
# (bench/ measures speed).
LARGE_BOUND_S = 120.0
EXAMPLES = 40

MARKUP = [
    "[[", "]]", "[[Link|label]]", "{{", "}}", "{{Infobox|a=1|b=}}", "{{{1}}}", "<ref>", "</ref>",
    "<ref name=x/>", "'''", "''", "== H ==", "\n==", "==\n", "=", "{|", "|-", "|}", "||", "<!--",
    "-->", "<nowiki>", "</nowiki>", "<div>", "</div>", "<math>", "[http://example.org x]",
    "__NOTOC__", "&nbsp;", "&#x202E;", "*", "#", ":", ";", "----", "\n\n", "|", "[[File:A.jpg|thumb]]",
    "[[Category:X]]", "<gallery>", "<", ">", "\\", "\x00", "\r\n", "\t",
]
RTL = ["\u200f", "\u202b", "\u202e", "\u2067", "مرحبا بالعالم", "שלום עולם", "ܫܠܡܐ", "ދިވެހި"]


def unicode_text(max_size: int) -> st.SearchStrategy[str]:
    # Every plane (surrogate code points excepted: MediaWiki's UTF-8 cannot carry them).
    return st.text(st.characters(codec="utf-8"), max_size=max_size)


def wikitext() -> st.SearchStrategy[str]:
    piece = st.one_of(
        st.sampled_from(MARKUP), st.sampled_from(RTL), unicode_text(40), st.just("\n")
    )
    return st.lists(piece, max_size=120).map("".join)


def nested() -> st.SearchStrategy[str]:
    opener = st.sampled_from([("{{", "}}"), ("[[", "]]"), ("<div>", "</div>"), ("{|\n", "\n|}"),
                              ("<ref>", "</ref>"), ("''", "''"), ("(", ")")])
    return st.tuples(opener, st.integers(1, 3000), st.booleans()).map(
        lambda t: t[0][0] * t[1] + "x" + (t[0][1] * t[1] if t[2] else "")
    )


def edit(parent: str, current: str, lang: str = "en") -> EditContext:
    wiki = resolve_lang(lang)
    when = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)

    def revision(rev_id: int, text: str) -> Revision:
        return Revision(
            rev_id=rev_id, parent_id=rev_id - 1, page_id=7, page_title="Zweig – تجربة",
            namespace=0, timestamp=when, user_text="192.0.2.1", user_id=0, comment=text[:50],
            size=len(text.encode("utf-8")), minor=False, tags=("mobile edit",), content=text,
            content_model="wikitext",
        )

    return EditContext(
        wiki=wiki,
        revision=revision(101, current),
        parent=revision(100, parent),
        user=User(name="192.0.2.1", user_id=0, is_anonymous=True, is_temporary=False),
        page=Page(page_id=7, title="Zweig", namespace=0, created_at=datetime(2010, 1, 1, tzinfo=UTC)),
    )


@pytest.fixture(scope="module")
def scorers() -> list[Scorer]:
    config = Settings()
    return [load_scorer(LANGUAGE_AGNOSTIC, config), load_scorer(MULTILINGUAL, config)]


def check(scorers: list[Scorer], ctx: EditContext, bound_s: float) -> None:
    started = time.monotonic()
    facts = signals_for(ctx, scorers)
    assert isinstance(facts, SignalValues)
    for scorer in scorers:
        if not scorer.supports(ctx.wiki):
            continue
        (p,) = scorer.score([facts])
        assert not math.isnan(p) and 0.0 <= p <= 1.0, (scorer.name, p)
    elapsed = time.monotonic() - started
    assert elapsed < bound_s, f"took {elapsed:.1f}s"


COMMON = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,  # the bound is asserted in check(); hypothesis' own would be flaky here
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@COMMON
@given(parent=wikitext(), current=wikitext(), lang=st.sampled_from(["en", "ar", "he", "ja", "ru"]))
def test_arbitrary_and_broken_wikitext(scorers: list[Scorer], parent: str, current: str, lang: str) -> None:
    check(scorers, edit(parent, current, lang), SMALL_BOUND_S)


@COMMON
@given(base=wikitext(), deep=nested())
def test_deep_nesting(scorers: list[Scorer], base: str, deep: str) -> None:
    check(scorers, edit(base, base + "\n" + deep), SMALL_BOUND_S)


@COMMON
@given(parent=unicode_text(2000), current=unicode_text(2000))
def test_every_unicode_plane(scorers: list[Scorer], parent: str, current: str) -> None:
    check(scorers, edit(parent, current), SMALL_BOUND_S)


def megabyte_page(seed_text: str, size: int) -> str:
    sections = []
    i = 0
    while sum(len(s) for s in sections) < size:
        sections.append(f"\n== Section {i} ==\n{seed_text} [[Link {i}]] {{{{Cite|n={i}}}}}<ref>r{i}</ref>\n")
        i += 1
    return "".join(sections)[:size]


@pytest.mark.parametrize(
    ("name", "parent", "current"),
    [
        (
            "1 MB article, one section changed",
            megabyte_page("Ordinary prose. " * 20, 1_000_000),
            megabyte_page("Ordinary prose. " * 20, 1_000_000).replace("Section 5 ==", "Section V ==", 1),
        ),
        ("2 MB of one unbroken line", "", "x" * 2_000_000),
        ("1 MB of unclosed templates", "start", "{{" * 500_000),
        ("1 MB right-to-left with marks", "", ("مرحبا \u200f שלום \u202e " * 60_000)[:1_000_000]),
        ("page blanked: 1 MB removed", megabyte_page("Text. " * 30, 1_000_000), ""),
    ],
)
def test_megabyte_pages(scorers: list[Scorer], name: str, parent: str, current: str) -> None:
    check(scorers, edit(parent, current, "ar" if "right-to-left" in name else "en"), LARGE_BOUND_S)


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("plain", 0),
        ("{{a|{{b}}}} [[c]] <ref>d</ref>", 2),
        ("<ref name=x/> <br> <br/> {{a}}", 1),
        ("{|\n|<div>{{x}}</div>\n|}", 3),
        ("{{" * 150, 101),  # counting stops just beyond the limit
        ("</div>" * 5 + "<div>", 1),
    ],
)
def test_markup_depth(text: str, depth: int) -> None:
    assert markup_depth(text) == depth


def test_too_deep_markup_leaves_the_parsed_facts_missing() -> None:
    deep = "<div>" * (MAX_MARKUP_DEPTH + 1) + "x" + "</div>" * (MAX_MARKUP_DEPTH + 1)
    names = ("edit_types", "texts", "wikitext_delta", "current_chars")
    facts = edit_signals(edit("start", deep), names)
    assert facts["edit_types"] is None and facts["texts"] is None
    assert facts["wikitext_delta"] is None
    assert facts["current_chars"] == len(deep)  # the facts that need no parse are all there
    shallow = "<div>" * 20 + "x" + "</div>" * 20
    assert edit_signals(edit("start", shallow), ["edit_types"])["edit_types"] is not None


def test_the_diff_and_the_structure_counts_share_one_parse_per_side(monkeypatch) -> None:
    # mwedittypes and the wikitext counts read the same two parsed outlines
    # (edits.outline_trees): a third text parse would be the cost this saves, back again.
    from mwparserfromhell.parser import Parser

    parsed: list[str] = []
    original = Parser.parse

    def counting(self, text, *args, **kwargs):
        parsed.append(text)
        return original(self, text, *args, **kwargs)

    monkeypatch.setattr(Parser, "parse", counting)
    lead = "'''Zweig''' is a [[town]].{{Infobox|a=1}}\n"
    section = "== History ==\nFounded in [[1200]].<ref>{{cite web|url=https://x.org}}</ref>\n"
    facts = edit_signals(
        edit(lead + section, lead + section.replace("1200", "1201") + "[[Category:Towns]]\n"),
        ("edit_types", "texts", "wikitext_delta"),
    )
    assert facts["edit_types"]["change_Wikilink"] == 1
    assert facts["wikitext_delta"].categories == 1
    # mwedittypes still parses the few changed nodes on their own ('[[1200]]'); the outlines,
    # the only texts holding the section, are parsed once each.
    assert len([text for text in parsed if "== History ==" in text]) == 2


def test_a_parser_failure_leaves_the_parsed_facts_missing_not_the_edit(monkeypatch) -> None:
    from mwparserfromhell.parser import Parser

    def failing(self, text, *args, **kwargs):
        raise RuntimeError("odd wikitext")

    monkeypatch.setattr(Parser, "parse", failing)
    facts = edit_signals(edit("a [[b]]", "a [[c]]"), ("edit_types", "wikitext_delta", "bytes_diff"))
    assert facts["edit_types"] is None and facts["wikitext_delta"] is None
    assert facts["bytes_diff"] == 0
