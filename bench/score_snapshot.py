"""Scores a fixed set of edits with both models and writes or compares the probabilities.

Used to show that a speed change leaves scores unchanged: run it before the change with --out,
after it with --compare. The edits: consecutive revisions of the MediaWiki test fixture, pages
built from training rows (tests/support/edit_pairs.py) and the benchmark's fake-wiki articles.

    .venv/bin/python bench/score_snapshot.py --out before.json [--models-dir models]
    .venv/bin/python bench/score_snapshot.py --compare before.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from revertrisk_devtools.article_wiki import article, edited
from revertrisk_devtools.edit_pairs import EditPair, fixture_pairs, pairs_from_rows, read_rows
from revertrisk_service.config import Settings
from revertrisk_service.locations import DEFAULT_DATA_DIR
from revertrisk_service.mediawiki.types import EditContext, Page, Revision, User
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC, MULTILINGUAL
from revertrisk_service.models.registry import load_scorer
from revertrisk_service.models.scorer import signals_for
from revertrisk_service.wikis import resolve_lang

REPO = Path(__file__).resolve().parents[1]


def context(pair: EditPair, rev_id: int) -> EditContext:
    def revision(rid: int, content: str) -> Revision:
        return Revision(
            rev_id=rid, parent_id=rid - 1, page_id=1, page_title="Example_page", namespace=0,
            timestamp=datetime(2024, 1, 1, tzinfo=UTC), user_text=None, user_id=0,
            comment="copyedit", size=len(content.encode()), minor=False, tags=("visualeditor",),
            content=content, content_model="wikitext",
        )  # fmt: skip

    return EditContext(
        wiki=resolve_lang(pair.lang),
        revision=revision(rev_id, pair.current),
        parent=revision(rev_id - 1, pair.parent),
        user=User(name=None, user_id=0, is_anonymous=True, is_temporary=False),
        page=Page(1, "Example_page", 0, None),
    )


def pairs(rows: int) -> list[EditPair]:
    data = Path(os.environ.get("DATA_DIR", DEFAULT_DATA_DIR))
    found = [*fixture_pairs()]
    found += [p for p in pairs_from_rows(read_rows(data / "ki_multilingual_sample.csv")[:rows])]
    found += [
        EditPair(f"fake wiki {r}", "en", article(r // 2 + 1), edited(article(r // 2 + 1), r))
        for r in range(10_001, 10_041, 2)
    ]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", type=Path, default=REPO / "models")
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--compare", type=Path)
    args = parser.parse_args()
    settings = Settings(models_dir=args.models_dir, device="cpu")
    agnostic = load_scorer(LANGUAGE_AGNOSTIC, settings)
    multilingual = load_scorer(MULTILINGUAL, settings)
    scores: dict[str, list[float | None]] = {}
    for i, pair in enumerate(pairs(args.rows)):
        ctx = context(pair, 1000 + 2 * i)
        facts = signals_for(ctx, [agnostic, multilingual])
        ml = multilingual.score([facts])[0] if multilingual.supports(ctx.wiki) else None
        scores[pair.name] = [agnostic.score([facts])[0], ml]
    if args.out:
        args.out.write_text(json.dumps(scores, indent=0, sort_keys=True))
        print(f"{len(scores)} edits scored, written to {args.out}")
    if args.compare:
        before = json.loads(args.compare.read_text())
        differ = {k: (before.get(k), v) for k, v in scores.items() if before.get(k) != v}
        for name, (old, new) in list(differ.items())[:20]:
            print(f"DIFFERS {name}: before {old} after {new}")
        print(f"{len(scores) - len(differ)} of {len(scores)} edits: identical probabilities")
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
