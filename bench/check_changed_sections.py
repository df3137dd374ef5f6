"""Checks that diffing only the changed sections gives the same results as diffing whole pages.

For every training row of ki_multilingual_sample.csv (turned into a page edit, see
revertrisk_devtools.edit_pairs: the CSV has no wikitext), every consecutive pair of the
MediaWiki fixture's revisions and 100 of the benchmark's generated 5-20 KB articles: the
mwedittypes counts (the one counter, edits.edit_types), the extracted texts and the wikitext
structure delta, whole pages against the changed sections that serving parses.

    .venv/bin/python bench/check_changed_sections.py [--rows 1000] [--data DIR]

Exits 1 if any edit differs. Prints how much faster the trimmed diff was.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from rich.progress import track

from revertrisk_devtools.article_wiki import article, edited
from revertrisk_devtools.edit_pairs import EditPair, fixture_pairs, pairs_from_rows, read_rows
from revertrisk_service.edits.edit_types import diff_outlines, diff_texts
from revertrisk_service.edits.outline_trees import parse_outlines
from revertrisk_service.edits.sections import changed_sections
from revertrisk_service.edits.texts import extract_texts
from revertrisk_service.edits.wikitext import outline_delta, wikitext_stats
from revertrisk_service.locations import DEFAULT_DATA_DIR


def compare(pair: EditPair) -> tuple[list[str], float, float]:
    """(what differs, seconds whole, seconds trimmed)."""
    problems = []
    start = time.perf_counter()
    whole = diff_texts(pair.parent, pair.current, pair.lang)
    whole_stats = wikitext_stats(pair.current, pair.lang).minus(
        wikitext_stats(pair.parent, pair.lang)
    )
    middle = time.perf_counter()
    # As serving does (signals.facts): one parse of each outline for both readers, the structure
    # counts taken after the differ has been over the trees.
    trees = parse_outlines(changed_sections(pair.parent, pair.current))
    trimmed = diff_outlines(trees, pair.lang)
    trimmed_stats = outline_delta(trees, pair.lang)
    end = time.perf_counter()
    if trimmed is None:
        return ["trimmed diff capped or failed"], middle - start, end - middle
    if whole.counts != trimmed.counts:
        diff = {
            k: (v, trimmed.counts[k]) for k, v in whole.counts.items() if trimmed.counts[k] != v
        }
        problems.append(f"counts {diff}")
    if extract_texts(whole.tree_diff, "T") != extract_texts(trimmed.tree_diff, "T"):
        problems.append("texts")
    if whole_stats != trimmed_stats:
        problems.append(f"wikitext delta {whole_stats} vs {trimmed_stats}")
    return problems, middle - start, end - middle


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000, help="training rows to use")
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("DATA_DIR", DEFAULT_DATA_DIR)),
        help="directory holding ki_multilingual_sample.csv",
    )
    args = parser.parse_args()
    csv_path = args.data / "ki_multilingual_sample.csv"
    if not csv_path.exists():
        print(f"{csv_path} not found: set DATA_DIR or --data", file=sys.stderr)
        return 2
    pairs = [*fixture_pairs(), *pairs_from_rows(read_rows(csv_path)[: args.rows])]
    pairs += [
        EditPair(f"fake wiki {r}", "en", article(r // 2 + 1), edited(article(r // 2 + 1), r))
        for r in range(10_001, 10_201, 2)
    ]
    failures, whole_s, trimmed_s = [], 0.0, 0.0
    for pair in track(pairs, description="diffing whole and trimmed"):
        problems, a, b = compare(pair)
        whole_s += a
        trimmed_s += b
        if problems:
            failures.append((pair.name, problems))
    for name, problems in failures[:20]:
        print(f"DIFFERS {name}: {'; '.join(problems)[:600]}")
    print(
        f"{len(pairs) - len(failures)} of {len(pairs)} edits identical (edit-type counts, texts, "
        f"wikitext delta); whole pages {whole_s:.1f} s, changed sections {trimmed_s:.1f} s "
        f"(x{whole_s / max(trimmed_s, 1e-9):.1f})"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
