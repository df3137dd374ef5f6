"""(parent, current) wikitext pairs for checking that diffing only the changed sections gives
the same mwedittypes counts as diffing the whole pages.

The training CSV has no wikitext, only each edit's inserted, removed and changed sentences. A
row becomes a page of several sections (real sentences from other rows as filler) in which one
section is edited exactly as the row says: its removed sentences and the old side of its changes
in the parent, its inserted sentences and the new side in the current revision. The same rows
also give section moves, new sections and removed sections, where trimming must fall back or
agree.
"""

from __future__ import annotations

import ast
import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

FIXTURE_TEXTS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "mediawiki" / "texts"


@dataclass(frozen=True)
class EditPair:
    name: str
    lang: str
    parent: str
    current: str


@dataclass(frozen=True)
class RowTexts:
    lang: str
    removed: list[str]
    inserted: list[str]
    changed: list[tuple[str, str]]


def _as_list(cell: str) -> list:
    try:
        value = ast.literal_eval(cell) if cell else []
    except (ValueError, SyntaxError):
        return []
    return list(value) if isinstance(value, list | tuple) else []


def read_rows(csv_path: Path) -> list[RowTexts]:
    rows = []
    with csv_path.open(newline="", encoding="utf-8") as handle:
        for raw in csv.DictReader(handle):
            changed = [
                (str(pair[0]), str(pair[1]))
                for pair in _as_list(raw["texts_change"])
                if isinstance(pair, list | tuple) and len(pair) == 2
            ]
            rows.append(
                RowTexts(
                    lang=raw["wiki_db"].removesuffix("wiki").replace("_", "-"),
                    removed=[str(t) for t in _as_list(raw["texts_removed"])],
                    inserted=[str(t) for t in _as_list(raw["texts_insert"])],
                    changed=changed,
                )
            )
    return rows


def _paragraph(sentences: list[str]) -> str:
    return " ".join(s.replace("\n", " ") for s in sentences) + "\n"


def _filler(rng: random.Random, pool: list[str], n: int) -> str:
    return _paragraph([rng.choice(pool) for _ in range(n)]) if pool else "Filler text.\n"


def pairs_from_rows(rows: list[RowTexts], seed: int = 11) -> Iterator[EditPair]:
    """One pair per row, plus every seventh row with a section move, a new and a lost section."""
    rng = random.Random(seed)
    pool = [t for r in rows for t in (*r.removed, *r.inserted) if 20 < len(t) < 300]
    for index, row in enumerate(rows):
        lead = "{{Infobox|name=X}}\n'''X''' " + _filler(rng, pool, 3)
        sections = [f"\n== Part {k} ==\n" + _filler(rng, pool, rng.randint(2, 6)) for k in range(4)]
        target = rng.randrange(len(sections))
        old_side = [*row.removed, *(old for old, _ in row.changed)]
        new_side = [*(new for _, new in row.changed), *row.inserted]
        before = sections[target] + (_paragraph(old_side) if old_side else "")
        after = sections[target] + (_paragraph(new_side) if new_side else "")
        parent_sections = [*sections[:target], before, *sections[target + 1 :]]
        current_sections = [*sections[:target], after, *sections[target + 1 :]]
        parent = lead + "".join(parent_sections)
        yield EditPair(f"row {index}", row.lang, parent, lead + "".join(current_sections))
        if index % 7:
            continue
        moved = [*current_sections[1:], current_sections[0]]
        yield EditPair(f"row {index} + moved section", row.lang, parent, lead + "".join(moved))
        added = "\n== Added ==\n" + _paragraph(row.inserted or ["New text here."])
        yield EditPair(
            f"row {index} + new section", row.lang, parent, lead + "".join(current_sections) + added
        )
        yield EditPair(
            f"row {index} - lost section", row.lang, parent, lead + "".join(current_sections[1:])
        )
        yield EditPair(
            f"row {index} lead edit", row.lang, parent, lead + "Extra.\n" + parent[len(lead) :]
        )


def fixture_pairs() -> Iterator[EditPair]:
    """Consecutive revisions of the MediaWiki test fixture's pages (real article wikitext)."""
    histories = [
        ("photosynthesis", "en", ["v1", "v2", "v3_vandalism", "v5_bot", "v6_sysop", "v7_minor"]),
        ("fotosintez", "ru", ["v1", "v2"]),
        ("arabic", "ar", ["v1", "v2"]),
    ]
    for page, lang, versions in histories:
        texts = [(FIXTURE_TEXTS / f"{page}_{v}.wiki").read_text(encoding="utf-8") for v in versions]
        for (a, parent), (b, current) in zip(
            zip(versions, texts, strict=True),
            list(zip(versions, texts, strict=True))[1:],
            strict=False,
        ):
            yield EditPair(f"{page} {a}->{b}", lang, parent, current)
