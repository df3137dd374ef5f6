"""A loopback fake MediaWiki with article-sized wikitext, for the benchmarks and e2e tests.

flaky_api.py's SyntheticWiki answers with one-line texts on a single page, which
makes fetching and feature extraction unrealistically cheap. This subclass keeps its API
answers and its request counting but gives every pair of revisions its own page:

* page k holds revisions 2k (the parent) and 2k + 1 (the edit to score);
* revision 2k is a generated article of 5-20 KB of wikitext (infobox, sections, links,
  references, templates, categories), the same bytes whenever it is asked for;
* revision 2k + 1 is that article with one typical edit applied: a sourced sentence added, a
  copy-edit, a paragraph removed, vandalism inserted, or a link/category added;
* about a third of the edits are by IP editors, the rest by three registered users.

So the revisions worth requesting are the odd ids; each is a distinct page, as in the live
stream, which makes every cache miss pay for the page-creation query too. Revisions from
REV_20KB and from REV_2MB on are edits of articles of about 20 KB and 2 MB instead.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler
from typing import Any

from revertrisk_devtools.flaky_api import FlakyApi, SyntheticWiki

WORDS_TEXT = """
the of and in to a was is for on as by with from at his that were an which it be city
river population century government university history school church station district
region national county village railway album season team football party election president
war army company film series species family born died built located north south east west
first second new old large small main early later according during between after before
several many most known called founded became included produced published released played
served named received
"""
WORDS = tuple(WORDS_TEXT.split())
TOPICS_TEXT = """
Paris Danube Bavaria Kyoto Lagos Quebec Tasmania Andes Nile Baltic Sahara Oslo Valencia
Bengal Yukon Crete Mongolia Patagonia Sicily Ontario
"""
TOPICS = tuple(TOPICS_TEXT.split())
VANDALISM = (
    "JOHN IS THE BEST!!!!!",
    "this page is stupid lol",
    "poop poop poop",
    "Mr. Smith is a loser and everyone knows it",
    "hi mom!!",
)
EDIT_KINDS = ("add_sourced", "copyedit", "remove_paragraph", "vandalism", "add_link")
LISTEN_BACKLOG = 256
# First revision ids of the fixed-size articles (odd: the edits; even: their parents).
REV_20KB = 20_000_001
REV_2MB = 40_000_001


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 22))]
    if rng.random() < 0.4:
        i = rng.randrange(len(words))
        words[i] = f"[[{rng.choice(TOPICS)}]]"
    if rng.random() < 0.1:
        words.append(f"'''{rng.choice(TOPICS)}'''")
    text = " ".join(words)
    text = text[0].upper() + text[1:] + "."
    if rng.random() < 0.25:
        text += (
            f"<ref>{{{{cite web |url=https://example.org/{rng.randint(1, 99999)} "
            f"|title={rng.choice(TOPICS)} {rng.choice(WORDS)} |access-date=2023-05-01}}}}</ref>"
        )
    return text


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 7)))


def article_size(page_id: int) -> int | None:
    """The fixed size of a page's article, or None for the usual 5-20 KB."""
    if page_id >= ArticleWiki.page_of(REV_2MB):
        return 2_000_000
    if page_id >= ArticleWiki.page_of(REV_20KB):
        return 20_000
    return None


def article(page_id: int) -> str:
    """A deterministic wikitext article for a page: 5-20 KB, or its fixed size."""
    rng = random.Random(page_id * 7919)
    target = rng.randint(5_000, 20_000)
    target = article_size(page_id) or target
    topic = rng.choice(TOPICS)
    lead = (
        f"{{{{Short description|{topic} {rng.choice(WORDS)}}}}}\n"
        f"{{{{Infobox settlement\n| name = {topic}\n| population = {rng.randint(100, 10**6)}\n"
        f"| area_km2 = {rng.randint(1, 5000)}\n}}}}\n"
        f"'''{topic}''' is a {rng.choice(WORDS)} in [[{rng.choice(TOPICS)}]].\n"
    )
    parts = [lead]
    size = len(parts[0])
    section = 0
    while size < target:
        if rng.random() < 0.2:
            section += 1
            heading = f"\n== {rng.choice(WORDS).title()} {section} ==\n"
            parts.append(heading)
            size += len(heading)
        paragraph = _paragraph(rng) + "\n"
        parts.append(paragraph)
        size += len(paragraph)
    parts.append("\n== References ==\n{{Reflist}}\n")
    parts.extend(f"[[Category:{t}]]\n" for t in rng.sample(TOPICS, 3))
    return "".join(parts)


def edited(text: str, rev_id: int) -> str:
    """The article after the edit that revision rev_id makes."""
    rng = random.Random(rev_id)
    kind = EDIT_KINDS[rev_id // 2 % len(EDIT_KINDS)]
    paragraphs = text.split("\n")
    body = [i for i, p in enumerate(paragraphs) if len(p) > 200]
    where = rng.choice(body) if body else 0
    if kind == "add_sourced":
        paragraphs.insert(
            where + 1, _sentence(rng) + "<ref>{{cite book |title=Atlas |year=2001}}</ref>"
        )
    elif kind == "copyedit":
        words = paragraphs[where].split(" ")
        for _ in range(3):
            words[rng.randrange(len(words))] = rng.choice(WORDS)
        paragraphs[where] = " ".join(words)
    elif kind == "remove_paragraph":
        del paragraphs[where]
    elif kind == "vandalism":
        paragraphs[where] = (
            paragraphs[where][:80] + " " + rng.choice(VANDALISM) + " " + paragraphs[where][80:]
        )
    else:
        paragraphs[where] += f" See also [[{rng.choice(TOPICS)}]]."
        paragraphs.append(f"[[Category:{rng.choice(TOPICS)} {rng.choice(WORDS)}]]")
    return "\n".join(paragraphs)


class ArticleWiki(SyntheticWiki):
    """SyntheticWiki with article-sized texts; see the module docstring for the layout."""

    def __init__(self, cached_articles: int = 512) -> None:
        super().__init__()
        # Parents are asked for once per edit; keep recent articles so a thread does not regenerate.
        self._articles: OrderedDict[int, str] = OrderedDict()
        self._cached_articles = cached_articles
        self._lock = threading.Lock()
        # Time spent building answers (text generation, not HTTP or JSON encoding), so that a
        # benchmark can tell the fake wiki's own cost from the service's.
        self.answer_seconds = 0.0

    def answer(self, params: dict[str, str]) -> dict[str, Any]:
        start = time.perf_counter()
        try:
            return super().answer(params)
        finally:
            with self._lock:
                self.answer_seconds += time.perf_counter() - start

    @staticmethod
    def page_of(rev_id: int) -> int:
        return rev_id // 2 + 1

    def text_of(self, rev_id: int) -> str:
        page = self.page_of(rev_id)
        with self._lock:
            base = self._articles.get(page)
        if base is None:
            base = article(page)
            with self._lock:
                self._articles[page] = base
                while len(self._articles) > self._cached_articles:
                    self._articles.popitem(last=False)
        return edited(base, rev_id) if rev_id % 2 else base

    def _revision(self, rev_id: int) -> dict[str, Any]:
        rev = super()._revision(rev_id)
        text = self.text_of(rev_id)
        rev["slots"]["main"]["content"] = text
        rev["size"] = len(text.encode())
        rev["sha1"] = hashlib.sha1(text.encode()).hexdigest()
        rev["comment"] = EDIT_KINDS[rev_id // 2 % len(EDIT_KINDS)].replace("_", " ")
        if rev_id % 2 == 0:
            # The parent revision is an older edit by a regular.
            rev["timestamp"] = "2024-02-20T08:00:00Z"
        elif rev_id % 3 == 0:
            for key in ("user", "userid"):
                rev.pop(key, None)
            rev.update({"user": f"198.51.100.{rev_id % 250}", "userid": 0, "anon": True})
        return rev

    def _revisions(self, rev_ids: list[int]) -> dict[str, Any]:
        query: dict[str, Any] = {}
        gone = [r for r in rev_ids if r in self.missing]
        if gone:
            query["badrevids"] = {str(r): {"revid": r, "missing": True} for r in gone}
        pages: dict[int, dict[str, Any]] = {}
        for rev_id in rev_ids:
            if rev_id in self.missing:
                continue
            page_id = self.page_of(rev_id)
            page = pages.setdefault(
                page_id,
                {"pageid": page_id, "ns": 0, "title": f"Article {page_id}", "revisions": []},
            )
            page["revisions"].append(self._revision(rev_id))
        if pages:
            query["pages"] = list(pages.values())
        return {"batchcomplete": True, "query": query}


class ArticleApi(FlakyApi):
    """FlakyApi serving an ArticleWiki, with Nagle's algorithm off on its sockets.

    http.server writes the headers and the body separately; with Nagle on, the body's last
    segment waits for the client's delayed ACK (~40 ms on Linux), a stall real MediaWiki
    front ends do not have and which would swamp every miss latency measured here.

    Its listen backlog is raised from http.server's 5: a batch opens 20 connections at once, and
    connection attempts beyond the backlog are retried by the kernel after a second, a stall
    that real front ends, with their large backlogs, do not have either.
    """

    def __init__(self, wiki: ArticleWiki | None = None) -> None:
        super().__init__(wiki or ArticleWiki())
        self._server.socket.listen(LISTEN_BACKLOG)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        handler = super()._handler_class()
        handler.disable_nagle_algorithm = True
        return handler
