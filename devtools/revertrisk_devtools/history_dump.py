"""A generated MediaWiki XML history dump (export-0.11, the pages-meta-history format) of any
size: pages whose histories hold good edits, vandalism that another editor reverts, IP editors,
bot edits and talk pages. Deterministic for a seed. For the dataset builder's bench and its
training test, where a real wiki's dump of 100 MB cannot be shipped.
"""

from __future__ import annotations

import bz2
import hashlib
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

WORDS = (
    "river", "city", "history", "culture", "science", "species", "music", "island", "empire",
    "church", "museum", "school", "language", "mountain", "village", "energy", "theory",
    "network", "railway", "season", "election", "painting", "forest", "university", "festival",
    "industry", "climate", "harbour", "bridge", "castle", "poetry", "ocean", "temple", "market",
)  # fmt: skip
JUNK = ("LOL", "poop", "!!!!", "is gay", "hahaha", "u suck", "asdfgh", "BEST EVER", "I LOVE")
REGISTERED = [f"Editor{i}" for i in range(60)]
PATROLLERS = [f"Patroller{i}" for i in range(8)]
BOTS = ["ArchiveBot", "Tidybot"]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
    return (" ".join(words).capitalize() + ".").replace(" .", ".")


def _render(title: str, sentences: list[str]) -> str:
    sections = []
    for i in range(0, len(sentences), 4):
        heading = f"== Section {i // 4 + 1} ==\n" if i else ""
        sections.append(heading + " ".join(sentences[i : i + 4]))
    return f"'''{title}''' is an article.\n\n" + "\n\n".join(sections) + "\n"


def _sha1_base36(text: str) -> str:
    number = int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16)
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out.rjust(31, "0")


def _page_history(rng: random.Random, title: str, start: datetime, revisions: int,
                  sentences: int, grow: bool = True) -> Iterator[tuple[str, str, str, datetime]]:
    """(user, comment, text, timestamp) per revision; without `grow`, edits replace sentences
    once the page has `sentences`, so a long history keeps its revisions' size."""
    body = [_sentence(rng) for _ in range(sentences)]
    when = start
    yield rng.choice(REGISTERED), "New article", _render(title, body), when
    done = 1
    while done < revisions:
        when += timedelta(minutes=rng.randint(5, 3000))
        roll = rng.random()
        if roll < 0.2 and done + 1 < revisions:  # vandalism, reverted by a patroller
            bad = list(body)
            bad.insert(rng.randrange(len(bad) + 1), " ".join(rng.sample(JUNK, 2)))
            editor = f"203.0.113.{rng.randint(1, 254)}" if rng.random() < 0.7 else rng.choice(REGISTERED)
            yield editor, "", _render(title, bad), when
            when += timedelta(minutes=rng.randint(1, 120))
            yield rng.choice(PATROLLERS), f"Reverted edits by {editor}", _render(title, body), when
            done += 2
            continue
        if roll < 0.25:
            user, comment = rng.choice(BOTS), "Bot: cosmetic changes"
        elif roll < 0.4:
            user, comment = f"198.51.100.{rng.randint(1, 254)}", ""
        else:
            user, comment = rng.choice(REGISTERED), rng.choice(["copyedit", "add source", "expand", ""])
        if (grow or len(body) < sentences) and (rng.random() < 0.6 or len(body) < 3):
            body.insert(rng.randrange(len(body) + 1), _sentence(rng))
        else:
            body[rng.randrange(len(body))] = _sentence(rng)
        yield user, comment, _render(title, body), when
        done += 1


def _contributor(user: str) -> str:
    if user[0].isdigit():
        return f"<contributor><ip>{user}</ip></contributor>"
    user_id = int(hashlib.md5(user.encode()).hexdigest()[:6], 16)
    return f"<contributor><username>{escape(user)}</username><id>{user_id}</id></contributor>"


def write_history_dump(path: Path, pages: int, revisions_per_page: int = 20,
                       sentences: int = 12, seed: int = 0, dbname: str = "enwiki",
                       first_page_id: int = 1, grow: bool = True) -> Path:
    """Write the dump (bz2-compressed when the name ends in .bz2); returns the path. Parts of
    one wiki take distinct `first_page_id`s; revision ids follow from the page ids (1,000 per
    page, so a longer history belongs in a one-page dump). `grow=False` keeps each page about
    `sentences` long however many revisions it has."""
    rng = random.Random(seed)
    opener = bz2.open if str(path).endswith(".bz2") else open
    start = datetime(2023, 1, 1, tzinfo=UTC)
    with opener(path, "wt", encoding="utf-8") as out:
        out.write('<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" '
                  'xml:lang="en">\n<siteinfo><sitename>Generated</sitename>'
                  f"<dbname>{dbname}</dbname><generator>revertrisk_devtools</generator>"
                  '<case>first-letter</case><namespaces><namespace key="0" case="first-letter" />'
                  '<namespace key="1" case="first-letter">Talk</namespace></namespaces>'
                  "</siteinfo>\n")  # fmt: skip
        for page_id in range(first_page_id, first_page_id + pages):
            rev_id = 1000 + page_id * 1000  # room for 1,000 revisions per page
            talk = page_id % 10 == 0
            title = f"{'Talk:' if talk else ''}Generated page {page_id}"
            out.write(f"<page><title>{escape(title)}</title><ns>{1 if talk else 0}</ns>"
                      f"<id>{page_id}</id>\n")  # fmt: skip
            parent = None
            page_start = start + timedelta(hours=rng.randint(0, 24 * 300))
            history = _page_history(rng, title, page_start, revisions_per_page, sentences, grow)
            for user, comment, text, when in history:
                rev_id += 1
                parent_xml = f"<parentid>{parent}</parentid>" if parent else ""
                out.write(
                    f"<revision><id>{rev_id}</id>{parent_xml}"
                    f"<timestamp>{when.strftime('%Y-%m-%dT%H:%M:%SZ')}</timestamp>"
                    f"{_contributor(user)}<comment>{escape(comment)}</comment>"
                    "<model>wikitext</model><format>text/x-wiki</format>"
                    f'<text bytes="{len(text.encode())}" xml:space="preserve">{escape(text)}</text>'
                    f"<sha1>{_sha1_base36(text)}</sha1></revision>\n"
                )
                parent = rev_id
            out.write("</page>\n")
        out.write("</mediawiki>\n")
    return Path(path)
